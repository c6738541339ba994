"""Near-duplicate clusters across a crawl and across runs.

``dedup(articles)`` clusters a batch; ``DedupIndex`` is the incremental, persistent index the
crawl adds to. See docs/dedup.md for the method and the representative rule.

The names below load on first use: an analysis worker process imports only the pure text
modules it runs (``analyse`` and numpy), not the index, the store and the URL rules.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scraper.dedup.api import Summary, clusters_of, dedup, summarise
    from scraper.dedup.document import Document
    from scraper.dedup.index import Assignment, DedupIndex
    from scraper.dedup.options import DedupOptions

__all__ = [
    "Assignment",
    "DedupIndex",
    "DedupOptions",
    "Document",
    "Summary",
    "clusters_of",
    "dedup",
    "summarise",
]

_HOMES = {
    "Assignment": "index",
    "DedupIndex": "index",
    "DedupOptions": "options",
    "Document": "document",
    "Summary": "api",
    "clusters_of": "api",
    "dedup": "api",
    "summarise": "api",
}


def __getattr__(name: str) -> object:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"scraper.dedup.{home}"), name)


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
