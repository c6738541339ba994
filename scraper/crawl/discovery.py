"""Discovery: read each source's feeds, sitemaps or section pages and enqueue unseen URLs.

Every discovery document is fetched with the validators it was last served with, so an
unchanged feed costs one 304. A document's fetch, its validators and the URLs it lists are
stored in one transaction: a run killed midway re-reads the document next time instead of
trusting validators whose URLs never reached the store.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from scraper.charset import declared_charset
from scraper.config import Source, SourceKind
from scraper.crawl.fetching import PageFetcher
from scraper.crawl.lenient_feeds import LenientLimits, read_in_child
from scraper.crawl.offloop import off_loop
from scraper.credentials import redact, without_userinfo
from scraper.discover.child_names import names_current
from scraper.discover.entry import Discovered, Listing
from scraper.discover.feeds import LenientFeed, parse_fast
from scraper.discover.kept_children import MAX_INDEX_CHILDREN, keep_newest
from scraper.discover.links import HeavySection, read_section
from scraper.discover.listed_dates import earliest, without_placeholder_dates
from scraper.discover.sitemaps import is_robots_url, parse_robots_sitemaps, read_sitemap
from scraper.discover.untyped import looks_like_listing
from scraper.errors import (
    KIND_INTERNAL,
    FetchError,
    HostWaiting,
    InputError,
    NotListing,
    ScraperError,
    StoreError,
    UnreadableListing,
)
from scraper.fetch.client import NOT_MODIFIED
from scraper.fetch.options import UNTYPED_TYPES
from scraper.models import Page
from scraper.store.protocol import (
    ChildDoc,
    CrawlStore,
    FetchRecord,
    ListingRecord,
    NewURL,
    Validators,
)

__all__ = ["LENIENT_LIMITS", "Discovery", "SourceReport", "listing_settings"]

#: Documents fetched for one source per run, against runaway nesting (``seen`` stops loops).
#: Nested sitemaps left unread as unchanged do not count.
MAX_DOCUMENTS = 500
#: Nested sitemaps kept of one index, and taken into one source's run, for each document of
#: the cap: at the default cap, sitemaps.org's limit for an index, so that no index keeping to
#: it is cut. Without such a bound a hostile index (a million entries, or indexes nesting
#: indexes) grows the run's queue, and its stored list of children, without end; a hundred a
#: document leaves successive runs room to rotate through an index larger than the cap.
NESTED_PER_DOCUMENT = MAX_INDEX_CHILDREN // MAX_DOCUMENTS
#: A nested sitemap whose index ``lastmod`` is this much older than our last read of it is
#: not asked again (unless what it listed says otherwise). The margin covers indexes that
#: state only the day of a change.
UNCHANGED_MARGIN = 86400.0
#: A nested sitemap that listed an entry dated this much after its index's ``lastmod`` for it
#: shows that ``lastmod`` stale: a day for an index that dates by the day, and the day and
#: half a day an entry dated by its day alone may stretch to (its latest instant, in UTC-12).
STALE_SHOWN = 2 * UNCHANGED_MARGIN
#: A nested sitemap left unread by its ``lastmod`` is asked again (a conditional request)
#: once this share of the time it had been quiet when we last read it has passed: HTTP
#: caches' heuristic freshness. A 2019 archive read today waits most of a year; one whose
#: last change was two days before our read waits about five hours.
QUIET_SHARE = 0.1
#: Entries of one listing dated as changed within this many seconds of each other, at least
#: ``RESTAMPED_ENTRIES`` of them, were stamped, not changed: a sitemap written with its time
#: of generation as every ``lastmod`` (or each entry's time of writing, a second apart), a
#: feed that dates every item anew, a listing that dates by the day. Real updates are not
#: made three in a minute; taken as changes, these would fetch every stored article again on
#: every run.
RESTAMP_SECONDS = 60.0
RESTAMPED_ENTRIES = 3
#: What feedparser's process is given for a feed the fast path cannot read (see
#: :mod:`scraper.crawl.lenient_feeds`).
LENIENT_LIMITS = LenientLimits()
#: Such processes a run has at once: sources are read together, and each process may take
#: its memory cap; others wait their turn (the wait is not counted in a feed's time limit).
LENIENT_PROCESSES = 2


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceReport:
    """What discovery found for one source in this run."""

    source: str
    listed: int = 0
    new: int = 0
    documents: int = 0
    not_modified: int = 0
    unchanged: int = 0
    unread: int = 0
    #: Nested sitemaps an index listed past the nested cap (see NESTED_PER_DOCUMENT), the
    #: oldest: not kept, so never read.
    dropped: int = 0
    skipped: int = 0
    not_due: int = 0
    errors: tuple[str, ...] = ()
    #: Those of ``errors`` met outside the source's listings (a listing's own error is kept
    #: with its document): the run keeps them in the store for ``scraper status``.
    outside_listings: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    #: False when a listing was left unread because its host asked to be left alone: the run
    #: cannot tell whether errors kept from an earlier run are still met.
    read_through: bool = True
    #: Listed entries whose change dates were taken for stamps, not changes (RESTAMP_SECONDS).
    restamped: int = 0


@dataclass(slots=True)
class _Tally:
    listed: int = 0
    new: int = 0
    documents: int = 0
    not_modified: int = 0
    unchanged: int = 0
    unread: int = 0
    dropped: int = 0
    skipped: int = 0
    not_due: int = 0
    errors: list[str] | None = None
    #: Those of ``errors`` that are no listing's own (see SourceReport.outside_listings).
    outside_listings: list[str] | None = None
    #: The source's listing settings this read is under (see listing_settings).
    settings: str | None = None
    #: Listings not asked for: their host asked to be left alone until a later time.
    waiting: list[str] | None = None
    #: The nested cap the run keeps to (see NESTED_PER_DOCUMENT), and how many nested
    #: documents the run has taken in against it.
    max_nested: int = 0
    taken: int = 0
    #: Whether the nested cap left nested documents unread (besides the document cap).
    nested_full: bool = False
    #: Whether entries dated after their stored article's fetch are to be fetched again.
    refetch: bool = True
    #: Entries whose change dates were stamped, not changes (see RESTAMP_SECONDS).
    restamped: int = 0

    def source_error(self, error: str) -> None:
        """Count an error of the source that is no listing's own."""
        self.errors = [*(self.errors or ()), error]
        self.outside_listings = [*(self.outside_listings or ()), error]

    def report(self, source: str) -> SourceReport:
        return SourceReport(
            source=source,
            listed=self.listed,
            new=self.new,
            documents=self.documents,
            not_modified=self.not_modified,
            unchanged=self.unchanged,
            unread=self.unread,
            dropped=self.dropped,
            skipped=self.skipped,
            not_due=self.not_due,
            errors=tuple(self.errors or ()),
            outside_listings=tuple(self.outside_listings or ()),
            warnings=self._warnings(),
            read_through=not self.waiting,
            restamped=self.restamped,
        )

    def _warnings(self) -> tuple[str, ...]:
        # Not errors: the run did what it could, and a run that fails on every schedule
        # would hide real failures. Documents never read, or read longest ago, go first.
        warnings = list(self.waiting or ())
        if self.unread:
            held = f" and {self.max_nested} nested sitemaps" if self.nested_full else ""
            warnings.append(
                f"document cap: {self.unread} nested sitemaps left unread"
                f" (at most {self.documents} documents{held} a run;"
                " the next runs read them before those read now)"
            )
        if self.dropped:
            warnings.append(
                f"index cap: {self.dropped} nested sitemaps not kept (at most"
                f" {self.max_nested} of an index, the newest lastmod first and undated ones"
                " after in index order; the rest are never read)"
            )
        return tuple(warnings)


class Discovery:
    """Runs discovery for the sources of one run."""

    def __init__(
        self,
        fetcher: PageFetcher,
        store: CrawlStore,
        normalise: Callable[[str], str],
        run_id: int,
        max_documents: int = MAX_DOCUMENTS,
        *,
        crawled: frozenset[str] = frozenset(),
        lenient_limits: LenientLimits | None = None,
        refetch_updated: bool = True,
    ) -> None:
        self.fetcher = fetcher
        self.store = store
        self.normalise = normalise
        self.run_id = run_id
        self.max_documents = max_documents
        self.max_nested = NESTED_PER_DOCUMENT * max_documents
        # The run's sources: a URL still queued for any other is taken by the one listing it.
        self.crawled = crawled
        # Sources that do not say whether a stored article listed as changed is fetched again.
        self.refetch_updated = refetch_updated
        self.lenient_limits = LENIENT_LIMITS if lenient_limits is None else lenient_limits
        self.lenient_turns = asyncio.Semaphore(LENIENT_PROCESSES)

    async def discover(
        self,
        source: Source,
        max_age_days: float | None,
        on_new: Callable[[], object] = lambda: None,
        refresh_minutes: float | None = None,
    ) -> SourceReport:
        """Read every document of ``source``; errors are recorded, never raised.

        ``on_new`` is called whenever unseen URLs have been stored (so fetching can start). A
        listing read without error less than ``refresh_minutes`` ago is not read again, nor
        the documents it lists but those not read since: it counts as ``not_due``.
        """
        self.store.ensure_source(source.name, source.kind.value)
        refetch = self.refetch_updated if source.refetch_updated is None else source.refetch_updated
        settings = listing_settings(source, max_age_days, refetch)
        if not refetch:
            # Turned off after changes were listed: those already queued are dropped too.
            self.store.drop_rechecks(source.name)
        tally = _Tally(
            errors=[],
            outside_listings=[],
            settings=settings,
            max_nested=self.max_nested,
            refetch=refetch,
        )
        oldest = None if max_age_days is None else time.time() - max_age_days * 86400
        if source.kind is SourceKind.URLS:
            entries = self._new_urls(
                tuple(Discovered(u) for u in source.urls), oldest, tally, listed_by_site=False
            )
            tally.listed += len(source.urls)
            tally.new += self.store.record_listing(
                source.name,
                ListingRecord(fetch=None, entries=entries),
                self.run_id,
                crawled=self.crawled,
            )
            on_new()
            return tally.report(source.name)
        # Credentials in a document's URL are sent by the run's fetcher (crawl.auth), never
        # stored: documents are known by their URLs without them.
        listings = [without_userinfo(url) for url in source.urls]
        queue: deque[ChildDoc] = deque()
        left: list[ChildDoc] = []
        for url in listings:
            rest = self._resting(settings, url, refresh_minutes, oldest)
            if rest is None:
                queue.append(ChildDoc(url))
            else:
                tally.not_due += 1
                left.extend(rest)
        # After the due listings: what resting ones named and no run has read since.
        queue.extend(self._taken(tuple(left), tally))
        seen: set[str] = set()
        newest: set[str] = set()
        while queue:
            doc = queue.popleft()
            if doc.url in seen:
                continue
            seen.add(doc.url)
            if doc.url not in newest and self._unchanged(settings, doc, oldest):
                tally.unchanged += 1
            elif tally.documents >= self.max_documents:
                tally.unread += 1
            else:
                children = await self._document(source, doc.url, oldest, tally)
                newest.update(_newest(children))
                queue.extend(self._taken(children, tally))
                on_new()
        return tally.report(source.name)

    def _resting(
        self, settings: str, url: str, refresh_minutes: float | None, oldest: float | None
    ) -> tuple[ChildDoc, ...] | None:
        """None when a source's listing is due; else the nested documents it named that are
        still to be read.

        A listing rests when it was read without error less than ``refresh_minutes`` ago and
        no nested document it names (however deep) failed since. Nested documents not asked
        for since (the document cap, a time budget or a host's wait left them) do not make it
        due: they are read in the next runs without the listing. An index of more children
        than the cap so costs one read an interval, and the runs between read its rest. Only
        the first nested documents of the nested cap are looked at (in index order, level by
        level), as a run takes in no more.
        """
        if not refresh_minutes:
            return None
        read = self._last_read(url, settings)
        if read is None or time.time() - read >= refresh_minutes * 60.0:
            return None
        # Nested documents are read after their index, in the same pass or a later one.
        try:
            pending = deque(self._stored_children(url)[0])
        except UnreadableListing:
            return None  # read in full, which writes what it names anew
        walked = len(pending)
        seen = {url}
        left: list[ChildDoc] = []
        while pending:
            child = pending.popleft()
            if child.url in seen or self._unchanged(settings, child, oldest):
                continue
            seen.add(child.url)
            child_read = self._last_read(child.url, settings)
            if child_read is not None and child_read >= read:
                try:
                    nested = self._stored_children(child.url)[0]
                except UnreadableListing:
                    pass  # left to read: a full read writes what it names anew
                else:
                    # A tree larger than a run takes in is walked that far, not held whole:
                    # what lies past it waits for the listing's next full read.
                    nested = nested[: max(self.max_nested - walked, 0)]
                    walked += len(nested)
                    pending.extend(nested)
                    continue
            asked = self.store.last_asked(child.url)
            if asked is not None and read <= asked <= time.time():
                return None  # asked since and not read: its articles would wait the interval
            left.append(child)
        return tuple(left)

    def _stored_children(self, url: str) -> tuple[tuple[ChildDoc, ...], int]:
        """The nested documents a document named when last read, at most the nested cap (a
        store written before the cap may hold more), and how many past it were dropped.

        Raises:
            UnreadableListing: the stored list is damaged.
        """
        return keep_newest(self.store.children(url), self.max_nested, _modified)

    def _taken(self, children: tuple[ChildDoc, ...], tally: _Tally) -> list[ChildDoc]:
        """``children`` in reading order, as many as the run still takes in under the nested
        cap; the rest (those to be read last) are left unread, as the document cap leaves
        them: kept with their index, they are read first by the next runs.

        Reads are capped by the document cap, but every nested document listed is held until
        its turn comes: a few hundred indexes of 50,000 children each would hold millions.
        """
        room = max(self.max_nested - tally.taken, 0)
        if len(children) > room:
            tally.unread += len(children) - room
            tally.nested_full = True
        if not room:
            return []  # nothing to rank: spares a store query per child
        ordered = self._reading_order(children)
        if len(ordered) > room:
            # The index's newest child is read whatever else is cut (see _newest).
            newest = set(_newest(children))
            ordered.sort(key=lambda c: c.url not in newest)
        taken = ordered[:room]
        tally.taken += len(taken)
        return taken

    def _reading_order(self, children: tuple[ChildDoc, ...]) -> list[ChildDoc]:
        """Nested documents in the order to read them, should the document cap cut the list.

        First those never read (newest ``lastmod`` first, undated ones after in index order),
        then those whose ``lastmod`` is later than our last read of them (newest first), then
        the rest, least recently read first. Successive runs so cover an index of more
        children than the cap, whatever order it lists them in and whether it dates them.
        """

        def rank(child: ChildDoc) -> tuple[int, float]:
            read = self.store.last_read(child.url)
            newest = -child.modified if child.modified is not None else float("inf")
            if read is None:
                return (0, newest)
            if child.modified is not None and child.modified > read:
                return (1, newest)
            return (2, read)

        return sorted(children, key=rank)

    def _last_read(self, url: str, settings: str) -> float | None:
        """When a document was last read under ``settings``; None for a time still to come.

        A run made while the clock was ahead (corrected since) stored read times in the
        future: trusted, they would keep a listing resting, or a nested sitemap unchanged,
        until the clock caught up with them.
        """
        read = self.store.last_read(url, settings=settings)
        return None if read is None or read > time.time() else read

    def _unchanged(self, settings: str, doc: ChildDoc, oldest: float | None) -> bool:
        """Whether a nested sitemap can be left unread this run.

        Its index's ``lastmod`` must say so (older than the age window, or well before our
        last read of it), and nothing else say otherwise: before a first read, its URL
        (:func:`names_current`); after one, what it listed then (:meth:`_due_all_the_same`).
        """
        if doc.modified is None:
            return False
        read = self._last_read(doc.url, settings)
        out_of_window = oldest is not None and doc.modified < oldest
        if not out_of_window and (read is None or doc.modified >= read - UNCHANGED_MARGIN):
            return False
        if read is None:
            return oldest is not None and not names_current(doc.url, oldest)
        return not self._due_all_the_same(doc, doc.modified, read, oldest)

    def _due_all_the_same(
        self, doc: ChildDoc, modified: float, read: float, oldest: float | None
    ) -> bool:
        """Whether a nested sitemap read before is asked again though its ``lastmod`` is old.

        One that listed an entry dated :data:`STALE_SHOWN` after that ``lastmod`` shows it
        stale (never updated, or its file's creation date): it is asked on every run while
        that entry is recent (inside the age window or the last day, whichever is longer).
        Any other is asked again once :data:`QUIET_SHARE` of the time it had been quiet when
        read (since its newest entry or its ``lastmod``, whichever is later) has passed: a
        sitemap whose stale ``lastmod`` its entries cannot show (undated ones) is not lost
        for good, and an archive costs a request every few months or years.
        """
        now = time.time()
        newest = self.store.newest_entry(doc.url)
        if newest is not None and newest > modified + STALE_SHOWN:
            recent = (
                now - UNCHANGED_MARGIN if oldest is None else min(oldest, now - UNCHANGED_MARGIN)
            )
            if newest >= recent:
                return True
        changed = modified if newest is None else max(modified, newest)
        return now - read >= (read - changed) * QUIET_SHARE

    async def _document(
        self, source: Source, url: str, oldest: float | None, tally: _Tally
    ) -> tuple[ChildDoc, ...]:
        """Read one document; return the nested documents to read next.

        A failure of this document alone (an answer it cannot use, or a bug on odd input) is
        recorded as its error, and the source's other documents are read: one broken nested
        sitemap must not hide its siblings' articles. A store error still ends the run.
        """
        try:
            return await self._read_document(source, url, oldest, tally)
        except StoreError:
            raise
        except Exception as exc:  # a bug on one listing is that listing's failure only
            self._failed(source, url, exc, None, tally)
            return ()

    async def _read_document(
        self, source: Source, url: str, oldest: float | None, tally: _Tally
    ) -> tuple[ChildDoc, ...]:
        tally.documents += 1
        # Validators of a read under other settings (a source renamed, another config's on a
        # shared store, a widened pattern or age window) are not used: a 304 would list
        # nothing for these ones.
        page = await self._ask(
            source, url, self.store.validators(url, settings=tally.settings), tally
        )
        if page is not None and page.status == NOT_MODIFIED:
            try:
                children, dropped = self._stored_children(url)
            except UnreadableListing:
                # What it named was damaged in the store: asked again unconditionally, it is
                # read in full, which writes that anew.
                page = await self._ask(source, url, Validators(), tally)
            else:
                tally.not_modified += 1
                tally.dropped += dropped
                self.store.record_listing(
                    source.name,
                    ListingRecord(fetch=_fetched(url, page), settings=tally.settings),
                    self.run_id,
                )
                return children
        if page is None:
            return ()
        fetch = _fetched(url, page)
        try:
            _check_untyped(page)
            # Off the loop: a large listing takes seconds to parse (a 50 MB sitemap), while
            # other fetches and the time budget go on. A feed only feedparser reads comes back
            # unread, for a process of its own (_lenient).
            body, base = page.body, page.effective_url
            charset = declared_charset(page.header("content-type"))
            cap = self.max_nested
            parsed = await off_loop(
                lambda: _parse(source, body, base, charset, cap), "listing-parse"
            )
            listing = parsed if isinstance(parsed, Listing) else await self._lenient(parsed)
            listing = without_placeholder_dates(listing)
        except (InputError, FetchError) as exc:
            self._failed(source, url, exc, page.status, tally)
            return ()
        tally.listed += len(listing.entries)
        tally.dropped += listing.dropped_children
        # Counted as entries that are no crawlable URL: a site's fault, the rest read.
        tally.skipped += listing.oversized_entries
        entries = self._new_urls(listing.entries, oldest, tally)
        children = tuple(
            ChildDoc(_document_url(c.url), _timestamp(c.latest or c.published))
            for c in listing.children
            if self._crawlable(c.url, tally)
        )
        record = ListingRecord(
            fetch=fetch,
            entries=entries,
            children=children,
            settings=tally.settings,
            newest_entry=_newest_entry(listing.entries, time.time()),
        )
        tally.new += self.store.record_listing(
            source.name, record, self.run_id, crawled=self.crawled
        )
        return children

    async def _lenient(self, feed: LenientFeed | HeavySection) -> Listing:
        """feedparser's reading of ``feed`` (or lexbor's of a heavy section page), in a
        process of its own killed at its limits: hostile markup costs feedparser a minute and
        500 MB, and lexbor gigabytes, which the run would otherwise hold, unstoppable
        (ParseLimit, recorded as the listing's error; read again next run)."""
        async with self.lenient_turns:
            return await read_in_child(feed, self.lenient_limits)

    async def _ask(self, source: Source, url: str, known: Validators, tally: _Tally) -> Page | None:
        """The answer to a document's request with ``known`` validators; None when there is
        none to read, the failure recorded (``tally``, the document's error)."""
        try:
            return await self.fetcher.fetch(
                url, etag=known.etag, last_modified=known.last_modified, document=True
            )
        except HostWaiting as exc:
            # Not asked, so nothing to record: the listing (and what it nests) is read when
            # its host's time comes; the answer that asked for that time was an error.
            tally.documents -= 1
            tally.waiting = [*(tally.waiting or ()), f"not read: {exc}"]
        except FetchError as exc:
            self._failed(source, url, exc, getattr(exc, "status", None), tally)
        return None

    def _crawlable(self, url: str, tally: _Tally) -> bool:
        """Whether a nested document a site listed can be asked for at all; one that cannot
        (a ``mailto:``, a link that does not parse) is skipped as such an article entry is:
        asked, it failed the source on every run, as the index lists it again each time."""
        try:
            self.normalise(url)
        except InputError:
            tally.skipped += 1
            return False
        return True

    def _failed(
        self, source: Source, url: str, exc: Exception, status: int | None, tally: _Tally
    ) -> None:
        if isinstance(exc, ScraperError):
            kind, message = exc.kind, str(exc)
        else:  # a bug of ours, as extraction calls one
            kind, message = KIND_INTERNAL, f"{type(exc).__name__}: {exc}"
        fetch = FetchRecord(url=url, status=status, error_kind=kind, error=message)
        listing = ListingRecord(fetch=fetch, settings=tally.settings)
        self.store.record_listing(source.name, listing, self.run_id)
        if tally.errors is not None:
            tally.errors.append(f"{kind}: {message}")

    def _new_urls(
        self,
        entries: tuple[Discovered, ...],
        oldest: float | None,
        tally: _Tally,
        *,
        listed_by_site: bool = True,
    ) -> list[NewURL]:
        """The normalised URLs of ``entries`` inside the age window.

        An entry that is no crawlable URL is counted as skipped when a site listed it, and is
        the source's error when the config did (its author can fix it).
        """
        out: list[NewURL] = []
        stamped = _restamped(entries) if tally.refetch else frozenset()
        tally.restamped += len(stamped)
        for index, entry in enumerate(entries):
            # The latest instant the date may mean: a listing that dates an article by its
            # day alone lists it for that whole day.
            latest = entry.latest or entry.published
            if oldest is not None and latest is not None and latest.timestamp() < oldest:
                continue
            try:
                url = self.normalise(entry.url)
            except InputError as exc:
                if listed_by_site:
                    # A mailto: link or a broken one in a feed can never be crawled, and the
                    # feed will list it again on every run: counting it keeps the run's
                    # exit code for failures someone can act on.
                    tally.skipped += 1
                else:
                    tally.source_error(f"{exc.kind}: skipped entry: {exc}")
                continue
            # The URL as listed, but never its credentials: a site's are a leak not to spread
            # into the store and its exports; the config's own are shown redacted.
            raw = without_userinfo(entry.url) if listed_by_site else redact(entry.url)
            published = entry.published.timestamp() if entry.published else None
            changed = None if not tally.refetch or index in stamped else _change_date(entry)
            out.append(
                NewURL(
                    url=url,
                    raw=raw,
                    published=published,
                    changed=changed.timestamp() if changed else None,
                )
            )
        return out


def listing_settings(
    source: Source, max_age_days: float | None, refetch_updated: bool = True
) -> str:
    """What decides what a source's listings yield, as stored with each document read.

    A listing read under other settings is read again in full: a section page whose ``follow``
    patterns were widened, or a feed whose age window grew, answers 304 to its old validators
    and would never list the links that now match. The source's name is one of them: a
    document read for another source (one renamed) lists its URLs for this one. So is
    ``refetch_updated`` turned off (left out when on, as stores written before it know it):
    turned on again, the changes listed meanwhile are read.
    """
    settings: list[object] = [source.name, source.kind.value, list(source.follow), max_age_days]
    if not refetch_updated:
        settings.append({"refetch_updated": False})
    return json.dumps(settings)


def _check_untyped(page: Page) -> None:
    """Refuse an untyped (octet-stream) document whose body is no listing."""
    media = (page.header("content-type") or "").split(";", 1)[0].strip().lower()
    if media in UNTYPED_TYPES and not looks_like_listing(page.body):
        raise NotListing(f"served as {media} and is neither gzip nor text", url=page.url)


def _document_url(url: str) -> str:
    """A nested document's URL as it is known and asked for: without credentials (sent by
    the run's fetcher, never stored) and without a fragment, which is never sent: an index
    naming one sitemap under many fragments had it read once for each, up to the document
    cap."""
    return without_userinfo(url).split("#", 1)[0]


def _newest(children: tuple[ChildDoc, ...]) -> tuple[str, ...]:
    """The child with the newest ``lastmod`` (the first listed, on a tie), read whatever its
    date: some generators write a file's creation date as its ``lastmod``, and an index's
    newest child is the likeliest to list today's articles. One request (a 304, mostly)."""
    dated = [c for c in children if c.modified is not None]
    if not dated:
        return ()
    return (max(dated, key=lambda c: c.modified or 0.0).url,)


def _newest_entry(entries: tuple[Discovered, ...], now: float) -> float | None:
    """The latest instant any entry's date may mean, or None when none is dated.

    A date further ahead of ``now`` than today's may mean (its latest instant, in UTC-12, is
    up to a day and a half ahead) is a typo or a placeholder, not news: taken, it would show
    the sitemap's ``lastmod`` stale and have it asked on every run for years.
    """
    dates = (e.latest or e.published for e in entries)
    stamps = (d.timestamp() for d in dates if d is not None)
    return max((t for t in stamps if t <= now + STALE_SHOWN), default=None)


def _change_date(entry: Discovered) -> datetime | None:
    """When the listing says the entry's page last changed: its modification date, else its
    publication date (an RSS ``pubDate`` moved forward), at the earliest it may mean."""
    if entry.modified is not None or entry.published is None:
        return entry.modified
    return earliest((entry.published, entry.latest))


def _restamped(entries: tuple[Discovered, ...]) -> frozenset[int]:
    """The indexes of the entries whose change dates were stamped (see ``RESTAMP_SECONDS``)."""
    dated = sorted(
        (when.timestamp(), index)
        for index, entry in enumerate(entries)
        if (when := _change_date(entry)) is not None
    )
    out: set[int] = set()
    start = marked = 0  # the window's first date, and the first date not yet taken
    for end in range(len(dated)):
        while dated[end][0] - dated[start][0] > RESTAMP_SECONDS:
            start += 1
        if end - start + 1 >= RESTAMPED_ENTRIES:
            # Each date is taken once: a listing stamped throughout is one window, grown
            # date by date (taking it whole at each step cost 4.7 s for 20,000 entries).
            out.update(index for _, index in dated[max(start, marked) : end + 1])
            marked = end + 1
    return frozenset(out)


def _timestamp(when: datetime | None) -> float | None:
    return when.timestamp() if when else None


def _modified(child: ChildDoc) -> float | None:
    return child.modified


def _parse(
    source: Source, body: bytes, url: str, charset: str | None, max_children: int
) -> Listing | LenientFeed | HeavySection:
    """A document's listing; a feed only feedparser reads, or a section page whose tree could
    take gigabytes, is handed back for a process of its own."""
    if source.kind is SourceKind.FEED:
        return parse_fast(body, url, charset)
    if source.kind is SourceKind.SECTION:
        return read_section(body, url, source.follow)
    if is_robots_url(url):
        return parse_robots_sitemaps(body, url, max_children=max_children)
    return read_sitemap(body, url, charset, max_children=max_children)


def _fetched(url: str, page: Page) -> FetchRecord:
    """What a document's answer leaves for the store: its status and validators."""
    return FetchRecord(
        url=url,
        status=page.status,
        validators=Validators(etag=page.header("etag"), last_modified=page.header("last-modified")),
    )
