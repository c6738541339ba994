"""Near-duplicate clusters across a crawl and across runs.

``dedup(articles)`` clusters a batch; ``DedupIndex`` is the incremental, persistent index the
crawl adds to. See docs/dedup.md for the method and the representative rule.
"""

from scraper.dedup.api import Summary, clusters_of, dedup, summarise
from scraper.dedup.index import Assignment, DedupIndex, Document
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
