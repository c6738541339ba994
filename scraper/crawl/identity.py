"""Article identity in a crawl: what the dedup step needs, and the index that provides it.

URLs are normalised at discovery (:func:`scraper.discover.urls.normalise_url`), so URL variants
never reach the fetcher. After extraction the near-duplicate index places the article: its
same-site canonical link is its key (an AMP copy joins its original), and its text joins it to
syndicated copies, shortened and updated versions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Protocol

from scraper.dedup import DedupIndex, Document
from scraper.dedup.minhash import SKETCH_SCHEME
from scraper.store.crawl_store import SQLiteCrawlStore
from scraper.store.protocol import StoredArticle
from scraper.store.sketches import SketchStore

__all__ = ["CurrentClusters", "Deduplicator", "Placement", "open_index"]


class Placement(Protocol):
    """Where the index put an article: its key, cluster id and the representative it duplicates."""

    @property
    def key(self) -> str: ...

    @property
    def cluster(self) -> str: ...

    @property
    def duplicate_of(self) -> str | None: ...


class Deduplicator(Protocol):
    """Assigns articles to near-duplicate clusters, persistently and idempotently.

    Adding the same URL with the same text again returns its existing placement: a run killed
    between placing an article and storing it places it again on resume without harm. A batch
    is placed as a whole (its result does not depend on its order), which costs far fewer
    transactions than one document at a time.
    """

    def add_many(self, docs: Sequence[Document]) -> Sequence[Placement]:
        """The placements of ``docs``, in input order."""
        ...


def open_index(store: SQLiteCrawlStore) -> DedupIndex:
    """The near-duplicate index kept in the crawl store's own SQLite file and connection."""
    return DedupIndex(SketchStore(store.conn, fingerprint=SKETCH_SCHEME))


class CurrentClusters:
    """The clusters of stored articles as they are now, read from the dedup index.

    A cluster's id follows its representative: when an article that ranks higher (an earlier
    original arriving after its copy, a longer version) joins, the members stored before get
    the new id and representative. Exports and reports read them through here.
    """

    def __init__(self, store: SQLiteCrawlStore) -> None:
        self._index = open_index(store)

    def __call__(self, item: StoredArticle) -> StoredArticle:
        """``item`` with its current cluster id and representative."""
        if item.key is None:
            return item
        found = self._index.placement(item.key)
        if found is None:
            return item
        return replace(item, cluster=found.cluster, duplicate_of=found.duplicate_of)
