"""scraper: fetch news pages, extract the clean article once, cluster near-duplicates.

The public API is what ``__all__`` lists; everything else is internal.
"""

from scraper.dedup import dedup
from scraper.errors import ScraperError
from scraper.extract import ExtractOptions, extract
from scraper.models import Article, Block, BlockKind, Cluster, Failure, Page

__all__ = [
    "Article",
    "Block",
    "BlockKind",
    "Cluster",
    "ExtractOptions",
    "Failure",
    "Page",
    "ScraperError",
    "dedup",
    "extract",
]
