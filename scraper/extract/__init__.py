"""Extraction: from the bytes or text of one page to one clean :class:`~scraper.models.Article`.

The pipeline is in :mod:`scraper.extract.pipeline`; this package module only names its entry
points (mypyc compiles the pipeline, and a compiled package ``__init__`` loses its module name).
They are loaded when first used: the crawl process hands pages to extraction workers and reads
only :mod:`scraper.extract.options`, and loading the parser and the compiled pipeline there cost
every cron run about 60 ms.
"""

from typing import TYPE_CHECKING, Any

from scraper.extract.options import ExtractOptions

if TYPE_CHECKING:
    from scraper.extract.pipeline import explain, extract, extract_page

__all__ = ["ExtractOptions", "explain", "extract", "extract_page"]


def __getattr__(name: str) -> Any:
    if name in ("explain", "extract", "extract_page"):
        from scraper.extract import pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
