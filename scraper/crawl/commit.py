"""Placing extracted articles in the near-duplicate index and storing them, in batches.

One transaction per article made SQLite's commit and the index's per-call setup a large share of
a crawl's CPU, so articles are buffered and committed together: when ``batch`` have arrived, or
``max_delay`` seconds after the first of them, or at the end of the run. A batch is stored in one
transaction that also marks its URLs done, so a run killed at any moment loses at most the batch
in hand, whose URLs are still due and are fetched again by the next run: every discovered
article is still stored exactly once. The batch's writes to the near-duplicate index, which
lives on the store's connection, are part of that same transaction: an index document without
its article (whose URL would never be fetched again, say once it answers 404, yet would lead
its cluster) cannot outlive a crash.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from scraper.crawl.extraction import Extracted
from scraper.crawl.identity import Deduplicator, Placement
from scraper.dedup import Document
from scraper.dedup.identity import Identity, identity_of
from scraper.errors import ScraperError, StoreError
from scraper.store.protocol import CrawlStore, FetchRecord, NewArticle, QueuedURL

__all__ = ["Committer", "Ready"]

BATCH = 64
MAX_DELAY = 1.0


@dataclass(frozen=True, slots=True)
class Ready:
    """An extracted article waiting to be placed and stored."""

    queued: QueuedURL
    fetch: FetchRecord
    extracted: Extracted


Stored = Callable[[Ready, Placement], None]
Failed = Callable[[QueuedURL, str, str], None]


class Committer:
    """Buffers extracted articles and commits them in batches from its own task (:meth:`run`).

    ``dedup`` must write through ``store``'s connection, so that a batch's placements and its
    articles are one transaction.

    ``stored`` is called for each article once its batch is committed; ``failed`` for an
    article the index could not place (a bug on one page is that page's failure only).
    """

    def __init__(
        self, store: CrawlStore, dedup: Deduplicator, run_id: int, stored: Stored, failed: Failed
    ) -> None:
        self.store = store
        self.dedup = dedup
        self.run_id = run_id
        self.stored = stored
        self.failed = failed
        self.batch = BATCH
        self.max_delay = MAX_DELAY
        self._buffer: list[Ready] = []
        self._wake = asyncio.Event()
        self._closing = False
        self._error: BaseException | None = None

    def add(self, item: Ready) -> None:
        """Queue an article for the next batch.

        Raises:
            StoreError: an earlier batch could not be stored (the run must stop).
        """
        if self._error is not None:
            raise StoreError(f"an earlier batch failed: {self._error}") from self._error
        self._buffer.append(item)
        if len(self._buffer) >= self.batch:
            self._wake.set()

    def close(self) -> None:
        """Ask :meth:`run` to commit what is left and return."""
        self._closing = True
        self._wake.set()

    def store_remaining(self) -> None:
        """Commit the articles waiting for a batch now, unless a batch has failed.

        For a run that stops early: what was already fetched and extracted is kept, and the
        next run fetches only the rest.

        Raises:
            StoreError: the batch could not be stored.
        """
        if self._error is None:
            self.flush()

    async def run(self) -> None:
        """Commit batches until closed.

        Raises:
            StoreError: a batch could not be stored.
        """
        try:
            while not self._closing:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.max_delay)
                self._wake.clear()
                self.flush()
            self.flush()
        except BaseException as exc:
            self._error = exc
            raise

    def flush(self) -> None:
        """Place and store every buffered article now."""
        items, self._buffer = self._buffer, []
        if not items:
            return
        # The transaction opens before the index analyses the batch's texts, which keeps
        # the write lock a little longer than placing alone; readers (WAL) do not wait.
        with self.store.transaction():
            placed = self._place(items)
            now = time.time()
            rows = [
                NewArticle(
                    queued=item.queued,
                    fetch=item.fetch,
                    record=item.extracted.record,
                    cluster=found.cluster,
                    duplicate_of=found.duplicate_of,
                    canonical=canonical,
                    key=found.key,
                    stored_at=now,
                )
                for item, canonical, found in placed
            ]
            self.store.store_articles(rows, self.run_id)
        for item, _, found in placed:
            self.stored(item, found)

    def _place(self, items: list[Ready]) -> list[tuple[Ready, str | None, Placement]]:
        # Each address is parsed once, here, for the store and the index alike.
        found = [identity_of(i.queued.url, i.extracted.canonical_url) for i in items]
        canonicals = [_canonical(i, f) for i, f in zip(items, found, strict=True)]
        docs = [_document(i, f) for i, f in zip(items, found, strict=True)]
        try:
            placed: Sequence[Placement] = self.dedup.add_many(docs)
        except StoreError:
            raise
        except Exception:  # a bug on some page: place them one by one to find which
            return self._place_each(items, canonicals, docs)
        return list(zip(items, canonicals, placed, strict=True))

    def _place_each(
        self, items: list[Ready], canonicals: list[str | None], docs: list[Document]
    ) -> list[tuple[Ready, str | None, Placement]]:
        out = []
        for item, canonical, doc in zip(items, canonicals, docs, strict=True):
            try:
                (placement,) = self.dedup.add_many([doc])
            except StoreError:
                raise
            except Exception as exc:
                kind = exc.kind if isinstance(exc, ScraperError) else "internal"
                self.failed(item.queued, kind, f"{type(exc).__name__}: {exc}")
                continue
            out.append((item, canonical, placement))
        return out


def _canonical(item: Ready, found: Identity) -> str | None:
    """The article's identity from its same-site canonical link, when it differs from its URL."""
    return found.key if found.key is not None and found.key != item.queued.url else None


def _document(item: Ready, found: Identity) -> Document:
    extracted = item.extracted
    return Document(
        url=item.queued.url,
        text=extracted.text_utf8,
        title=extracted.title,
        published=extracted.published,
        canonical=extracted.canonical_url,
        # The identity the index would derive itself, given so the URL is not parsed again.
        key=found.key or item.queued.url,
        identity=found,
    )
