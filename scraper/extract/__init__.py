"""Extraction: from the bytes or text of one page to one clean :class:`~scraper.models.Article`.

The pipeline is in :mod:`scraper.extract.pipeline`; this package module only names its entry
points (mypyc compiles the pipeline, and a compiled package ``__init__`` loses its module name).
"""

from scraper.extract.options import ExtractOptions
from scraper.extract.pipeline import explain, extract, extract_page

__all__ = ["ExtractOptions", "explain", "extract", "extract_page"]
