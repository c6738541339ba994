"""Article identity in a crawl: what the dedup step needs, and the index that provides it.

URLs are normalised at discovery (:func:`scraper.discover.urls.normalise_url`), so URL variants
never reach the fetcher. After extraction the near-duplicate index places the article: its
same-site canonical link is its key (an AMP copy joins its original), and its text joins it to
syndicated copies, shortened and updated versions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from scraper.dedup import DedupIndex, Document
from scraper.dedup.minhash import SKETCH_SCHEME
from scraper.errors import DedupError, StoreError
from scraper.store.crawl_store import SQLiteCrawlStore
from scraper.store.sketches import SketchStore

__all__ = ["Deduplicator", "Placement", "open_index"]


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

    Adding the same URL with the same text again returns its existing placement. A batch
    is placed as a whole (its result does not depend on its order), which costs far fewer
    transactions than one document at a time.
    """

    def add_many(self, docs: Sequence[Document]) -> Sequence[Placement]:
        """The placements of ``docs``, in input order."""
        ...


def open_index(store: SQLiteCrawlStore) -> DedupIndex:
    """The near-duplicate index kept in the crawl store's own SQLite file and connection.

    Raises:
        StoreError: the store's index cannot be used (say, it was sketched another way): for
            a crawl that is the store being unusable, not a problem of one article.
    """
    try:
        sketches = SketchStore(store.conn, fingerprint=SKETCH_SCHEME)
    except DedupError as exc:
        raise StoreError(f"{store.path}: {exc}") from exc
    return DedupIndex(sketches)
