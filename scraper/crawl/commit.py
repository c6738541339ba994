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
from dataclasses import dataclass, replace

from scraper.crawl.aliases import Fetched, Landing, settle
from scraper.crawl.extraction import Extracted
from scraper.crawl.identity import Deduplicator, Placement, page_identity, redirect_key
from scraper.crawl.story_breaks import page_key
from scraper.credentials import without_userinfo
from scraper.dedup import Document
from scraper.dedup.identity import Identity
from scraper.errors import KIND_INTERNAL, ScraperError, StoreError
from scraper.store.protocol import (
    UNCHANGED,
    UPDATED,
    CrawlStore,
    FetchRecord,
    NewAlias,
    NewArticle,
    QueuedURL,
    StoredPage,
)

__all__ = ["Committer", "Ready"]

BATCH = 64
MAX_DELAY = 1.0


@dataclass(frozen=True, slots=True)
class Ready:
    """An extracted article waiting to be placed and stored."""

    queued: QueuedURL
    fetch: FetchRecord
    extracted: Extracted
    #: The URL the page was served from when a redirect led away from the one asked for.
    served: str | None = None


#: An article stored (its ``queued``: the URL it is stored under) and its placement.
Stored = Callable[[Ready, Placement], None]
Failed = Callable[[QueuedURL, str, str], None]
#: A fetched URL done as an alias of another URL's article.
Aliased = Callable[[QueuedURL, str], None]
#: A recheck (see ``QueuedURL.recheck``) whose article was stored as its next version, and one
#: whose stored version stands (the same text and title).
Updated = Callable[[Ready, Placement], None]
Unchanged = Callable[[QueuedURL], None]


class Committer:
    """Buffers extracted articles and commits them in batches from its own task (:meth:`run`).

    ``dedup`` must write through ``store``'s connection, so that a batch's placements and its
    articles are one transaction.

    ``stored`` is called for each article once its batch is committed, ``aliased`` for each
    page that is another URL's article (:mod:`scraper.crawl.aliases`); ``failed`` for an
    article the index could not place (a bug on one page is that page's failure only).
    A recheck's article calls ``updated`` or ``unchanged`` instead of ``stored``.
    """

    def __init__(
        self,
        store: CrawlStore,
        dedup: Deduplicator,
        run_id: int,
        stored: Stored,
        failed: Failed,
        aliased: Aliased = lambda queued, of: None,
        updated: Updated = lambda item, placement: None,
        unchanged: Unchanged = lambda queued: None,
    ) -> None:
        self.store = store
        self.dedup = dedup
        self.run_id = run_id
        self.stored = stored
        self.failed = failed
        self.aliased = aliased
        self.updated = updated
        self.unchanged = unchanged
        #: URL rows this run stored an article under through another URL's page: a page
        #: still queued for one of them is no longer to be fetched (see :meth:`has_article`).
        self.settled: set[int] = set()
        self.batch = BATCH
        self.max_delay = MAX_DELAY
        self._buffer: list[Ready] = []
        self._found: list[Identity] = []  # the buffered pages' identities
        self._pages: list[Fetched] = []  # and where each landed, as settle reads it
        # The keys of buffered pages that were fetched for another URL: a URL queued under one
        # of them is the article of a page in hand.
        self._landing: set[str] = set()
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
        found = page_identity(item.queued.url, item.served, item.extracted.canonical_url)
        page = _fetched(item)
        if page.landed is not None:
            self._landing.add(page.landed)
        self._buffer.append(item)
        self._found.append(found)
        self._pages.append(page)
        if len(self._buffer) >= self.batch:
            self._wake.set()

    def has_article(self, queued: QueuedURL) -> bool:
        """True when ``queued``'s article is a page in hand fetched for another URL, or one
        this run stored (the URL is done in the store then): no need to fetch it.

        A page in hand that then fails leaves the URL due, for the next run.
        """
        return queued.id in self.settled or queued.url in self._landing

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
        found, self._found = self._found, []
        pages, self._pages = self._pages, []
        self._landing = set()
        if not items:
            return
        # The transaction opens before the index analyses the batch's texts, which keeps
        # the write lock a little longer than placing alone; readers (WAL) do not wait.
        with self.store.transaction():
            landings = settle(self.store, pages, self.settled)
            kept = [
                (item, landing.under, f)
                for item, landing, f in zip(items, landings, found, strict=True)
                if landing.under is not None
            ]
            placed = [(i, u, c, _own_page(p, u.url)) for i, u, c, p in self._place(kept)]
            now = time.time()
            rows = [
                NewArticle(
                    queued=under,
                    fetch=item.fetch,
                    record=item.extracted.record,
                    cluster=placement.cluster,
                    duplicate_of=placement.duplicate_of,
                    canonical=canonical,
                    key=placement.key,
                    stored_at=now,
                )
                for item, under, canonical, placement in placed
            ]
            outcomes = self.store.store_articles(rows, self.run_id)
            aliases = self._aliases(items, landings, {id(p[0]) for p in placed})
            self.store.record_aliases(aliases, self.run_id)
        for (item, under, _, placement), outcome in zip(placed, outcomes, strict=True):
            if under.id != item.queued.id:
                self.settled.add(under.id)
                item = replace(item, queued=under)
            if outcome == UPDATED:
                self.updated(item, placement)
            elif outcome == UNCHANGED:
                self.unchanged(item.queued)
            else:
                self.stored(item, placement)
        for alias in aliases:
            self.aliased(alias.queued, alias.of)

    def _aliases(
        self, items: list[Ready], landings: list[Landing], placed: set[int]
    ) -> list[NewAlias]:
        """The batch's pages done as aliases: those whose article is another URL's, when that
        article is stored (or was before)."""
        out = []
        for item, landing in zip(items, landings, strict=True):
            if landing.of is None:
                continue
            if landing.needs is not None and id(items[landing.needs]) not in placed:
                if items[landing.needs] is not item:  # that page failed, this one with it
                    self.failed(item.queued, KIND_INTERNAL, f"{landing.of} could not be placed")
                continue
            out.append(NewAlias(queued=item.queued, fetch=item.fetch, of=landing.of))
        return out

    def _place(
        self, items: list[tuple[Ready, QueuedURL, Identity]]
    ) -> list[tuple[Ready, QueuedURL, str | None, Placement]]:
        canonicals = [_canonical(i, f) for i, _, f in items]
        # A URL that holds an article (a recheck) may now serve another story: see
        # ``story_breaks``.
        stored = self.store.stored_pages([under.id for _, under, _ in items])
        docs = [_document(i, under, f, stored.get(under.id)) for i, under, f in items]
        try:
            placed: Sequence[Placement] = self.dedup.add_many(docs)
        except StoreError:
            raise
        except Exception:  # a bug on some page: place them one by one to find which
            return self._place_each(items, canonicals, docs)
        return [
            (item, under, canonical, placement)
            for (item, under, _), canonical, placement in zip(
                items, canonicals, placed, strict=True
            )
        ]

    def _place_each(
        self,
        items: list[tuple[Ready, QueuedURL, Identity]],
        canonicals: list[str | None],
        docs: list[Document],
    ) -> list[tuple[Ready, QueuedURL, str | None, Placement]]:
        out = []
        for (item, under, _), canonical, doc in zip(items, canonicals, docs, strict=True):
            try:
                (placement,) = self.dedup.add_many([doc])
            except StoreError:
                raise
            except Exception as exc:
                kind = exc.kind if isinstance(exc, ScraperError) else KIND_INTERNAL
                self.failed(item.queued, kind, f"{type(exc).__name__}: {exc}")
                continue
            out.append((item, under, canonical, placement))
        return out


@dataclass(frozen=True, slots=True)
class _Placed:
    """A placement as the crawl reports and stores it (see ``_own_page``)."""

    key: str
    cluster: str
    duplicate_of: str | None


def _own_page(placement: Placement, url: str) -> Placement:
    """``placement`` of the article stored under ``url``, never a duplicate of ``url`` itself.

    A new version of a page joins its cluster by address, and its earlier version, still in the
    index at that address, may stay the cluster's representative: the page then leads its
    cluster, and naming itself as what it duplicates would read as a copy of another page.
    """
    lead = placement.duplicate_of
    # The very string: a store older than a URL rule keeps keys the rule now folds together
    # (a tracking parameter), and those are two documents, one of which may copy the other.
    if lead != url:
        return placement
    return _Placed(placement.key, placement.cluster, None)


def _fetched(item: Ready) -> Fetched:
    """The page as :func:`settle` reads it; a new row for the address it landed on is queued
    with that address as served (never with user information, which the store keeps none of)."""
    landed = None if item.served is None else redirect_key(item.queued.url, item.served)
    address = item.served if landed is not None and item.served else item.queued.raw
    return Fetched(item.queued, landed, without_userinfo(address))


def _canonical(item: Ready, found: Identity) -> str | None:
    """The article's key when it is not the URL it was fetched for: from its same-site
    canonical link, or the URL a redirect served it from."""
    return found.key if found.key is not None and found.key != item.queued.url else None


def _document(
    item: Ready, under: QueuedURL, found: Identity, stored: StoredPage | None
) -> Document:
    extracted = item.extracted
    base = found.key or under.url
    key = base
    if stored is not None:
        text = extracted.text_utf8.decode("utf-8", "surrogatepass")
        key = page_key(base, stored, text, extracted.published)
        if key != base and found.named == base:
            # The page names itself; under a story's own key it would name the earlier
            # stories' documents, and rank them as the page's own.
            found = replace(found, key=key, named=None)
    return Document(
        url=under.url,
        text=extracted.text_utf8,
        title=extracted.title,
        published=extracted.published,
        canonical=extracted.canonical_url,
        # The identity the index would derive itself, given so the URL is not parsed again.
        key=key,
        identity=found,
    )
