"""scraper: fetch news pages, extract the clean article once, cluster near-duplicates.

The public API is what ``__all__`` lists; everything else is internal. The names are loaded
when first used, so that a process needing one part (a crawl's extraction worker imports the
extractor only) does not pay for importing the others (dedup loads numpy).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

_HOMES = {
    "dedup": "scraper.dedup",
    "ScraperError": "scraper.errors",
    "ExtractOptions": "scraper.extract",
    "extract": "scraper.extract",
    **dict.fromkeys(("Article", "Block", "BlockKind", "Cluster"), "scraper.models"),
    **dict.fromkeys(("Failure", "Page"), "scraper.models"),
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(home), name)
