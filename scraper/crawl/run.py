"""One crawl run: discover -> fetch -> extract (process pool) -> dedup -> store.

The stages overlap: URLs are fetched as soon as discovery has stored them, pages are extracted
while others are being fetched, and articles are committed in batches (see
:mod:`scraper.crawl.commit`). Articles are stored together with their URLs' new state in one
transaction, and URLs are only ever taken from the store, so a run killed at any moment resumes
where it stopped: the next run fetches exactly the URLs that were not stored, and no article is
stored twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections import Counter, deque
from collections.abc import Callable, Coroutine, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import TypeVar

from scraper.config import CrawlConfig, RetryPolicy
from scraper.crawl.commit import Committer, Ready
from scraper.crawl.discovery import Discovery, SourceReport
from scraper.crawl.extraction import ExtractFailed, Extractor, PageJob
from scraper.crawl.fetching import CrawlFetcher, host_pace
from scraper.crawl.flights import Flight, hop_key
from scraper.crawl.holds import MAX_HOLD, HostHolds, hold_for
from scraper.crawl.identity import (
    Deduplicator,
    Placement,
    lands_home,
    moved_story,
    redirect_key,
)
from scraper.crawl.jobs import Outcome
from scraper.credentials import redact, without_userinfo
from scraper.discover.urls import request_url
from scraper.errors import (
    KIND_EMPTY,
    KIND_EMPTY_BODY,
    KIND_INTERNAL,
    KIND_REDIRECTED_HOME,
    AddressRefused,
    DecodeError,
    FetchError,
    HostWaiting,
    HTTPStatusError,
    InputError,
    InvalidURL,
    NotHTML,
    RedirectError,
    RobotsDisallowed,
    RobotsUnavailable,
    ScraperError,
    StoreError,
    TooLarge,
    UnsupportedEncoding,
    WorkerUnavailable,
)
from scraper.extract.options import ExtractOptions
from scraper.fetch.client import NOT_MODIFIED
from scraper.fetch.onward import Onward
from scraper.fetch.options import HTML_TYPES
from scraper.models import Failure, Page
from scraper.store.protocol import (
    CrawlStore,
    DueScope,
    FetchRecord,
    NewAlias,
    NewURL,
    QueuedURL,
    RunStats,
    Validators,
)

__all__ = ["MAX_RETRY_WAIT_S", "CrawlEvent", "Observer", "RunParts", "RunResult", "crawl_once"]

#: Failures that another attempt cannot fix. A robots.txt Disallow ("robots") is one; a
#: robots.txt that answered 429/5xx ("robots_unavailable") is not: it is tried again later,
#: as is a page served with an empty body ("empty_body"), unlike one without article text.
PERMANENT_KINDS = frozenset(
    {
        RobotsDisallowed.kind,
        NotHTML.kind,
        TooLarge.kind,
        RedirectError.kind,
        AddressRefused.kind,
        DecodeError.kind,
        UnsupportedEncoding.kind,
        InputError.kind,
        KIND_EMPTY,
        InvalidURL.kind,
    }
)
_BATCH = 500
_T = TypeVar("_T")
#: Failures a RunResult lists (all of them are in the store); the counters count every one.
MAX_LISTED_FAILURES = 1000
_DAY_S = 86400.0
#: The longest wait before a failed URL's next attempt, whatever the backoff doubled to: a
#: URL due in years is given up in all but name, and a time past year 9999 is no date.
MAX_RETRY_WAIT_S = 365 * _DAY_S


@dataclass(frozen=True, slots=True)
class CrawlEvent:
    """Something that happened during a run, for progress displays and JSON logs."""

    kind: str
    data: Mapping[str, object]


Observer = Callable[[CrawlEvent], None]


@dataclass(frozen=True, slots=True, kw_only=True)
class RunResult:
    """What a run did: its counters, per-source discovery, and (the first 1000 of) the
    failures it recorded.

    ``duplicates`` counts the articles the run stored that duplicate another at its end (the
    counter ``stats.duplicates`` counts those that did when placed, which depends on the
    order articles arrived in).
    """

    run_id: int
    stats: RunStats
    duplicates: int
    sources: tuple[SourceReport, ...]
    failures: tuple[Failure, ...]
    seconds: float

    @property
    def ok(self) -> bool:
        """True when nothing failed: no URL, no discovery document."""
        failed = self.stats.failed + self.stats.gave_up
        return not failed and not any(s.errors for s in self.sources)


@dataclass(frozen=True, slots=True, kw_only=True)
class RunParts:
    """The collaborators of a run (real ones in production, fakes in tests)."""

    store: CrawlStore
    fetcher: CrawlFetcher
    extractor: Extractor
    dedup: Deduplicator
    normalise: Callable[[str], str]
    observer: Observer = field(default=lambda event: None)


@dataclass(slots=True)
class _Counters:
    counts: Counter[str] = field(default_factory=Counter)  # by RunStats field name
    failures: list[Failure] = field(default_factory=list)

    def add(self, **deltas: int) -> None:
        self.counts.update(deltas)

    def bump(self, name: str, by: int = 1) -> None:
        """Add ``by`` to one counter: what every page does, without ``add``'s keyword dict."""
        self.counts[name] += by

    @property
    def stats(self) -> RunStats:
        return RunStats(**self.counts)


@dataclass(frozen=True, slots=True)
class _Job:
    """A queued URL to fetch, from its start or (``onward``) from the redirect that took its
    fetch to another host's lane, or to a URL another fetch was asking; ``flight``: the keys
    its fetch holds so far (:mod:`scraper.crawl.flights`)."""

    queued: QueuedURL
    onward: Onward | None = None
    flight: Flight[_Job] | None = None

    @property
    def next_url(self) -> str:
        """The URL of the job's next request: its lane is the job's."""
        return self.queued.url if self.onward is None else self.onward.to


def _cut_short(source: str, exc: TimeoutError, time_is_up: bool) -> SourceReport:
    """The report of a source whose discovery a TimeoutError ended."""
    if not time_is_up:  # not the run's budget: an error of the source like any other
        return _failed_source(source, exc)
    # What it listed before the cut is stored and due; the next run reads its listing again.
    return SourceReport(
        source=source, warnings=("the run's time budget ran out before its listing was read",)
    )


def _failed_source(source: str, exc: Exception) -> SourceReport:
    """The report of a source whose discovery ``exc`` ended, outside any one listing."""
    error = redact(f"{type(exc).__name__}: {exc}")
    return SourceReport(source=source, errors=(error,), outside_listings=(error,))


def retry_at(kind: str, status: int | None, attempts: int, policy: RetryPolicy) -> float | None:
    """When a URL that failed its ``attempts``-th time is due again; None: give it up."""
    if kind in PERMANENT_KINDS:
        return None
    if kind == "http_status" and status is not None and status < 500 and status not in (408, 429):
        return None
    if attempts >= policy.max_attempts:
        return None
    return time.time() + min(policy.backoff * float(2 ** (attempts - 1)), MAX_RETRY_WAIT_S)


def longest_wait(policy: RetryPolicy) -> float:
    """The longest wait before a URL's next attempt that a run can set under ``policy``.

    The retry backoff's last step, and never less than ``MAX_HOLD``: a host's Retry-After
    is heeded that long. A URL due further ahead got its time from a clock that was ahead
    then, or from a slower policy.
    """
    last = min(policy.backoff * float(2 ** max(0, policy.max_attempts - 2)), MAX_RETRY_WAIT_S)
    return max(last, MAX_HOLD)


class _Run:
    def __init__(self, config: CrawlConfig, parts: RunParts, run_id: int) -> None:
        self.config = config
        self.parts = parts
        self.run_id = run_id
        self.counters = _Counters()
        self.listed = asyncio.Event()  # set when discovery stored new URLs (or finished)
        self.room = asyncio.Event()  # set when the fetch workers' queue is half empty
        self.committer = Committer(
            parts.store,
            parts.dedup,
            run_id,
            self._stored,
            self._unplaced,
            self._aliased,
            self._updated,
            self._unchanged,
        )
        # Every fetch of the run (listings included) goes through it: no host is asked before
        # the time it asked for, in this run or an earlier one.
        self.fetcher = HostHolds(parts.fetcher, parts.store)
        # Fetch workers at work on each host, and the URLs put aside until one of them is free
        # (see _worker).
        self.busy: Counter[str] = Counter()
        self.parked: dict[str, deque[_Job]] = {}
        # The keys the page fetches are asking (see _process), and the jobs that waited for a
        # fetch that ended without a page, to be fetched by the next free worker.
        self.held: dict[str, Flight[_Job]] = {}
        self.rejoin: deque[_Job] = deque()
        # The paces of their own that sources ask for, by source name (see pace).
        self.paces = {s.name: host_pace(s.limit) for s in config.sources if s.limit is not None}
        # Only the URLs of the config's sources: others in the store are left as they are.
        self.scope = DueScope(
            sources=frozenset(s.name for s in config.sources),
            longest_wait=longest_wait(config.retry),
        )
        budget = config.max_run_seconds
        self.deadline = None if budget is None else time.monotonic() + budget
        self.out_of_time = False

    def time_is_up(self) -> bool:
        """True once the run's time budget is spent: no new article URL is taken after that."""
        if not self.out_of_time and self.deadline is not None:
            self.out_of_time = time.monotonic() >= self.deadline
        return self.out_of_time

    def emit(self, event: str, **data: object) -> None:
        self.parts.observer(CrawlEvent(event, data))

    async def discover(self) -> tuple[SourceReport, ...]:
        crawled = self.scope.sources or frozenset()
        # Taking over URLs queued for sources the run does not crawl (removed or renamed in
        # the config) costs an UPDATE per listed URL already known (a feed and a sitemap
        # list the same articles): pay it only when such URLs exist. None appear mid-run.
        if not self.parts.store.queued_sources() - crawled:
            crawled = frozenset()
        discovery = Discovery(
            self.fetcher,
            self.parts.store,
            self.parts.normalise,
            self.run_id,
            crawled=crawled,
            refetch_updated=self.config.refetch_updated,
        )

        async def one(source_index: int) -> SourceReport:
            source = self.config.sources[source_index]
            max_age = source.max_age_days or self.config.max_age_days
            refresh = source.refresh_minutes
            if refresh is None:
                refresh = self.config.refresh_minutes
            cut = False
            try:
                report = await self._within_budget(
                    discovery.discover(
                        source, max_age, on_new=self.listed.set, refresh_minutes=refresh
                    )
                )
            except StoreError:
                raise  # the store is shared: nothing else can be recorded either
            except TimeoutError as exc:
                cut = self.time_is_up()
                report = _cut_short(source.name, exc, cut)
            except Exception as exc:  # a bug or odd input on one source is that source's error
                report = _failed_source(source.name, exc)
            if not cut and (report.outside_listings or report.read_through):
                # Kept for `scraper status`, which shows a listing's own errors with their
                # documents. A source the time budget cut short, or with a listing its host
                # kept unread, has not shown whether its errors are still met: those kept
                # stay as they are, unless it met some again.
                self.parts.store.record_source_errors(
                    source.name, report.outside_listings, self.run_id
                )
            self.counters.add(
                discovered=report.new,
                not_modified=report.not_modified,
                unread=report.unread,
                source_errors=len(report.errors),
            )
            self.emit("source", **_report_dict(report))
            return report

        try:
            return tuple(await asyncio.gather(*(one(i) for i in range(len(self.config.sources)))))
        finally:
            self.listed.set()

    def pace(self, listed: Iterable[tuple[str, str]]) -> None:
        """Hold the hosts of these (source name, URL) pairs to their source's pace, if it has one.

        A host is held to the strictest of the paces that apply to it ([hosts], and those of
        every source that listed a URL on it, as far as the run has seen). A URL listed by two
        sources is counted, and paced, for the first that found it.
        """
        paces, fetcher = self.paces, self.parts.fetcher
        for source, url in listed:
            pace = paces.get(source)
            if pace is not None:
                fetcher.tighten(url, pace)

    async def discover_and_fetch(self) -> tuple[SourceReport, ...]:
        """Discovery and fetching overlap: URLs are fetched as soon as they are stored."""
        if self.paces:
            self.pace((s.name, url) for s in self.config.sources for url in s.urls)
        discovery = asyncio.create_task(self.discover())
        try:
            await self.fetch_all(discovery)
            return await discovery
        finally:
            discovery.cancel()

    async def fetch_all(self, discovery: asyncio.Task[tuple[SourceReport, ...]]) -> None:
        workers = max(1, self.config.politeness.concurrency)
        queue: asyncio.Queue[QueuedURL | None] = asyncio.Queue(maxsize=workers * 2)
        tasks = [asyncio.create_task(self._worker(queue)) for _ in range(workers)]
        committing = asyncio.create_task(self.committer.run())
        try:
            await asyncio.gather(self._feed(queue, discovery, workers), *tasks)
            self.committer.close()
            await committing
        except asyncio.CancelledError:
            # Stopped early (Ctrl-C, a stop signal): the articles in hand are stored before
            # the run is recorded, so the next run fetches only what this one had not got.
            self.committer.store_remaining()
            raise
        finally:
            for task in (*tasks, committing):
                task.cancel()

    async def _feed(
        self,
        queue: asyncio.Queue[QueuedURL | None],
        discovery: asyncio.Task[tuple[SourceReport, ...]],
        workers: int,
    ) -> None:
        """Queue the due URLs, taken from the store, until discovery is over and none is left."""
        started = time.time()
        after = 0
        # New stories first: stored ones listed as changed wait until they are all taken (a
        # burst of rechecks, or a time budget, leaves no new story for the next run).
        scope = replace(self.scope, rechecks=False)
        while not self.time_is_up():
            finished = discovery.done()  # read first: the query then sees all it stored
            self.listed.clear()
            batch = self.parts.store.due_urls(started, after, _BATCH, scope)
            if batch:
                if self.paces:  # before any URL of the batch is fetched
                    self.pace((queued.source, queued.url) for queued in batch)
                self.parts.extractor.expect(len(batch))
                for queued in batch:
                    if self.time_is_up():
                        break
                    if queue.full():
                        await self._room_in(queue)
                    queue.put_nowait(queued)
                after = batch[-1].id
            elif finished and not scope.rechecks:
                scope, after = replace(scope, rechecks=True), 0
            elif finished:
                break
            else:
                await self._wait_for_listing()
        for _ in range(workers):
            await queue.put(None)

    async def _room_in(self, queue: asyncio.Queue[QueuedURL | None]) -> None:
        """Wait until the fetch workers have taken half of a full ``queue``.

        Waiting for one free place (``Queue.put``) woke this task, and the workers' gets, for
        every URL; half a queue is still more than the workers take while it is refilled.
        """
        while queue.qsize() > queue.maxsize // 2:
            self.room.clear()
            await self.room.wait()

    async def _within_budget(self, work: Coroutine[object, object, _T]) -> _T:
        """``work``, cut by a TimeoutError when the run's time budget runs out first."""
        if self.deadline is None:
            return await work
        left = self.deadline - time.monotonic()
        if left <= 0:
            work.close()  # never started: no request goes out once the budget is spent
            raise TimeoutError
        # A timeout scope, not wait_for: that ran each page's fetch in a task of its own,
        # some 20 us more per page.
        async with asyncio.timeout(left):
            return await work

    async def _wait_for_listing(self) -> None:
        """Wait until discovery lists new URLs, or the time budget runs out."""
        # A timeout is the budget running out, which time_is_up() tells the caller.
        with contextlib.suppress(TimeoutError):
            await self._within_budget(self.listed.wait())

    async def _worker(self, queue: asyncio.Queue[QueuedURL | None]) -> None:
        """Fetch the queued URLs; at most a host's own concurrency of workers on one host.

        URLs come in the order they were found, so a slow host (a long Crawl-delay, a
        Retry-After, a strict ``[hosts]`` pace) listed first would otherwise take every
        worker, all waiting for its turns while other hosts' URLs wait behind them. A URL of a
        host that has its share of workers is put aside, and the worker takes the next one;
        the workers on that host take the URLs put aside, one after another, before leaving it.

        A host is the one a request goes to, not the one the URL names: a redirect to another
        host's lane ends the fetch before its request, and the rest of it is that host's job
        (see _serve), so that a slow host behind a redirector keeps to its share too.
        """
        refill = queue.maxsize // 2
        rejoin = self.rejoin
        while True:
            # Put back by a worker (this one, often) before it took its next URL: served before
            # any worker's next, so none is left when the last worker stops.
            while rejoin and not self.time_is_up():
                await self._serve(rejoin.popleft())
            queued = await queue.get()
            if queued is None:
                return
            if queue.qsize() <= refill:
                self.room.set()
            if self.time_is_up():
                continue  # still due in the store: the next run takes it
            await self._serve(_Job(queued))

    async def _serve(self, job: _Job, *, visit: bool = False) -> None:
        """Do ``job`` in the lane of its next request, or put it aside for the workers there
        when the lane has its share; then the jobs put aside for it, and where they lead.

        ``visit``: for a worker whose own lane has jobs waiting for it, carry ``job`` on to
        the end of its redirects without taking a place in the lanes it passes, and return.
        Taking one would make that lane's later jobs wait for this worker, which would work
        through them all (a place is left only once no job waits) while its own lane's jobs
        waited longer still. Its requests still keep to their host's pace (the fetcher's).
        """
        fetcher = self.parts.fetcher
        next_job: _Job | None = job
        while next_job is not None:
            # The fetcher's own keys and concurrency: a [hosts] entry's hosts are one lane.
            lane, share = fetcher.lane(next_job.next_url)
            if self.busy[lane] >= share:
                self.parked.setdefault(lane, deque()).append(next_job)
                return
            if visit:
                next_job = await self._process_one(next_job, lane)
                continue
            self.busy[lane] += 1
            try:
                next_job = await self._work_lane(next_job, lane)
            finally:
                self.busy[lane] -= 1

    async def _work_lane(self, job: _Job, lane: str) -> _Job | None:
        """Do ``job`` and then the jobs put aside for ``lane``, holding a worker's place there.

        A job whose fetch a redirect takes to another lane is returned, for the worker to
        follow it there, when no job waits for this lane (its workers take those that come
        later). Else the worker carries that one job on (``visit``, :meth:`_serve`) and comes
        back to this lane's jobs: they wait for no one else.
        """
        while True:
            onward = await self._process_one(job, lane)
            if onward is not None:
                if not self.parked.get(lane):
                    return onward
                await self._serve(onward, visit=True)
            waiting = self.parked.get(lane)
            if not waiting or self.time_is_up():
                return None
            job = waiting.popleft()

    async def _process_one(self, job: _Job, lane: str) -> _Job | None:
        """Fetch, extract and hand ``job``'s page to the committer, or record why not; the
        rest of the job when a redirect took its fetch out of ``lane``."""
        queued = job.queued
        try:
            return await self._process(job, lane)
        except (StoreError, WorkerUnavailable):
            raise  # no page is to blame: the run stops, its URLs left due
        except Exception as exc:  # one bad page never stops the run: record it, go on
            kind = exc.kind if isinstance(exc, ScraperError) else KIND_INTERNAL
            self._fail(queued, kind, f"{type(exc).__name__}: {exc}", None)
            return None

    async def _process(self, job: _Job, lane: str) -> _Job | None:
        queued = job.queued
        flight = job.flight
        if self.committer.has_article(queued):
            if flight is not None:
                self._let_go(flight)
            return None  # another URL's page was this one's article: done in the store
        if flight is None:
            flight = Flight(self.held)
        onward = job.onward
        # Listed URLs are keys already: only a redirect's target is normalised.
        key = queued.url if onward is None else hop_key(onward.to)
        if key is not None and (holder := flight.claim(key)) is not None:
            # Another fetch is asking that URL: its page settles this one too.
            flight.follow(holder, job)
            return None
        try:
            # The budget also cuts a fetch: one taken just before the deadline could otherwise
            # wait out its host's turn or a Retry-After (up to minutes) before its request.
            # The URL as listed: the normalised one is a key, and its spelling may be one the
            # server does not answer (a dropped trailing slash, a rewritten query).
            known = queued.validators
            fetch = self.fetcher.fetch_in_lane(
                request_url(queued.raw),
                lane,
                onward,
                flight.may_ask,
                etag=known.etag if known else None,
                last_modified=known.last_modified if known else None,
            )
            got = await self._within_budget(fetch)
        except TimeoutError:
            self._let_go(flight)
            if not self.time_is_up():
                raise
            return None  # nothing recorded: the URL stays due, first in line for the next run
        except FetchError as exc:
            # Each waiting URL asks for itself: the error names the URL this fetch was for.
            self._let_go(flight)
            self._fetch_failed(queued, exc)
            return None
        except BaseException:
            self._let_go(flight)
            raise
        if isinstance(got, Onward):
            return _Job(queued, got, flight)
        page = got
        self.counters.bump("fetched")
        if queued.recheck and self._checked_elsewhere(queued, page):
            self._let_go(flight)  # the jobs that waited fetch for themselves
            return None
        work = result = None
        try:
            # Awaited here, not in a helper coroutine: see HostHolds.fetch_in_lane.
            if page.final_url is None or not self._stored_elsewhere(queued, page):
                work = self._page_job(queued, page)
                if work is not None:
                    result = await self.parts.extractor.extract(work)
                    self._extracted(queued, page, result)
        except BaseException:
            self._let_go(flight)
            raise
        followers = flight.end()
        if followers:
            await self._share(followers, page, work, result)
        return None

    async def _share(
        self, followers: list[_Job], page: Page, work: PageJob | None, result: Outcome | None
    ) -> None:
        """Settle the jobs that waited for ``page`` (``work`` gave it ``result``) as if each
        had fetched it, extracting it again only for one whose extraction would differ (a
        site's rules, say)."""
        for job in followers:
            queued = job.queued
            try:
                if self.committer.has_article(queued):
                    continue  # the page was its article (it was the URL the page landed on)
                mine = _as_fetched_for(page, request_url(queued.raw))
                if queued.recheck and self._checked_elsewhere(queued, mine):
                    continue
                if mine.final_url is not None and self._stored_elsewhere(queued, mine):
                    continue
                own = self._page_job(queued, mine)
                if own is None:
                    continue
                if result is None or own != work:
                    self._extracted(queued, mine, await self.parts.extractor.extract(own))
                else:
                    self._extracted(queued, mine, result)
            except (StoreError, WorkerUnavailable):
                raise
            except Exception as exc:  # as _process_one: that job's failure, not the others'
                kind = exc.kind if isinstance(exc, ScraperError) else KIND_INTERNAL
                self._fail(queued, kind, f"{type(exc).__name__}: {exc}", None)

    def _let_go(self, flight: Flight[_Job]) -> None:
        """End ``flight`` without a page: the jobs that waited for it fetch for themselves."""
        self.rejoin.extend(_Job(job.queued, job.onward) for job in flight.end())

    def _page_job(self, queued: QueuedURL, page: Page) -> PageJob | None:
        """The extraction of ``page``, fetched for ``queued``; None when there is nothing to
        extract (the failure recorded)."""
        if page.final_url is not None and lands_home(queued.url, page.effective_url):
            # The front page's teasers would be stored as this URL's article, and every dead
            # link of the site that redirects there would add another copy of them.
            self._fail(
                queued,
                KIND_REDIRECTED_HOME,
                f"redirected to the site's home page ({page.effective_url}): no article here",
                page.status,
            )
            return None
        if not page.body:
            # A 200 with nothing in it is a server's hiccup far more often than an empty
            # article: kind "empty_body" is not permanent, so the page is asked again later.
            self._fail(queued, KIND_EMPTY_BODY, "the server sent an empty body", page.status)
            return None
        content_type = page.header("content-type")
        media = (content_type or "text/html").split(";")[0].strip().lower()
        if media not in HTML_TYPES:
            self._fail(queued, NotHTML.kind, f"served as {media}, not HTML", page.status)
            return None
        return PageJob.of(page, self._options(queued.url), content_type)

    def _extracted(self, queued: QueuedURL, page: Page, result: Outcome) -> None:
        """Hand the article extracted from ``page`` to the committer, or record why not."""
        if isinstance(result, ExtractFailed):
            self._fail(queued, result.kind, result.reason, page.status)
            return
        self.committer.add(Ready(queued, _fetch_record(page), result, page.final_url))

    def _fetch_failed(self, queued: QueuedURL, exc: FetchError) -> None:
        asked = _asked_wait(exc)
        if asked is None:
            self._fail(queued, exc.kind, str(exc), getattr(exc, "status", None))
        else:
            self._hold(queued, exc, asked)

    def _stored(self, item: Ready, found: Placement) -> None:
        counters = self.counters
        counters.bump("stored")
        counters.bump("duplicates", found.duplicate_of is not None)
        self._emit_article("article", item, found)

    def _emit_article(self, event: str, item: Ready, found: Placement) -> None:
        self.emit(
            event,
            url=item.queued.url,
            cluster=found.cluster,
            duplicate_of=found.duplicate_of,
            title=item.extracted.title,
        )

    def _checked_elsewhere(self, queued: QueuedURL, page: Page) -> bool:
        """Count a recheck's page, and record it as checked when its stored version stands:
        unchanged (304), or the story at another address now (a redirect; that address is
        queued, once, for the story's copy there). A recheck that followed another fetch of its
        URL comes here too."""
        self.counters.bump("rechecked")
        if page.status != NOT_MODIFIED and not self._moved(queued, page):
            return False
        store = self.parts.store
        moved_to = self._moved_story(queued, page)
        with store.transaction():
            store.record_checked(queued, _fetch_record(page), self.run_id)
            if moved_to is not None:
                # A story moved to an address no listing names yet (a slug rewritten with its
                # headline) would never be read: its new address is queued as a URL of its
                # own, stored as its own article and joined to this one by the index.
                raw = without_userinfo(page.effective_url)
                store.claim_urls([(NewURL(url=moved_to, raw=raw), queued.source)])
        self._unchanged(queued)
        return True

    def _moved_story(self, queued: QueuedURL, page: Page) -> str | None:
        """The key of the address a recheck's story moved to (see ``moved_story``), when the
        source would follow it too: a section source only follows its URL patterns."""
        if page.final_url is None:
            return None
        moved_to = moved_story(queued.url, page.effective_url)
        source = next((s for s in self.config.sources if s.name == queued.source), None)
        if moved_to is None or source is None or not source.follow:
            return moved_to
        # Matched as a section page's links are: the address as the site wrote it.
        served = without_userinfo(page.effective_url)
        return moved_to if any(re.search(p, served) for p in source.follow) else None

    def _moved(self, queued: QueuedURL, page: Page) -> bool:
        """Whether a recheck's page was served from another address than the one stored: the
        site's home page too (a story taken down), whose text is no version of the story."""
        if page.final_url is None:
            return False
        try:
            return self.parts.normalise(page.effective_url) != queued.url
        except InputError:
            return True

    def _updated(self, item: Ready, found: Placement) -> None:
        self.counters.bump("updated")
        self._emit_article("updated", item, found)

    def _unchanged(self, queued: QueuedURL) -> None:
        self.emit("unchanged", url=queued.url)

    def _stored_elsewhere(self, queued: QueuedURL, page: Page) -> bool:
        """Done as an alias, unread, when ``page`` was redirected to a URL whose article is
        stored: a feed's redirector found again after the sitemap's real URL was stored costs
        its two requests, not an extraction (whose page may have changed since, too)."""
        key = redirect_key(queued.url, page.effective_url)
        of = None if key is None else self.parts.store.stored_as(key)
        if of is None:
            return False
        alias = NewAlias(queued=queued, fetch=_fetch_record(page), of=of)
        self.parts.store.record_aliases([alias], self.run_id)
        self._aliased(queued, of)
        return True

    def _aliased(self, queued: QueuedURL, of: str) -> None:
        self.counters.bump("aliases")
        self.emit("alias", url=queued.url, of=of)

    def _unplaced(self, queued: QueuedURL, kind: str, reason: str) -> None:
        self._fail(queued, kind, reason, None)

    def _options(self, url: str) -> ExtractOptions | None:
        if not self.config.sites:  # the usual case: no per-site rules, no URL to parse
            return None
        rules = self.config.rules_for(url)
        if not rules.keep and not rules.drop:
            return None
        return ExtractOptions(keep_selectors=rules.keep, drop_selectors=rules.drop)

    def _hold(self, queued: QueuedURL, exc: FetchError, asked: float) -> None:
        """Leave a URL whose host asked not to be asked for ``asked`` seconds due then.

        Not a failed attempt: the server said when to come back, and coming back then is no
        failure of the URL's. The answer that said so (an HTTPStatusError, or the
        RobotsUnavailable of a robots.txt that said so; a HostWaiting made no request) is
        logged and kept as the URL's latest error.
        """
        until = time.time() + hold_for(asked)
        told = None
        if not isinstance(exc, HostWaiting):
            status = exc.status if isinstance(exc, HTTPStatusError) else None
            told = FetchRecord(url=queued.url, status=status, error_kind=exc.kind, error=str(exc))
        self.parts.store.defer(queued, until, told, self.run_id)
        self.counters.bump("held")
        self.emit("held", url=queued.url, until=until, reason=str(exc))

    def _fail(self, queued: QueuedURL, kind: str, reason: str, status: int | None) -> None:
        when = retry_at(kind, status, queued.attempts + 1, self.config.retry)
        fetch = FetchRecord(url=queued.url, status=status, error_kind=kind, error=reason)
        self.parts.store.record_failure(queued, fetch, when, self.run_id)
        if queued.recheck and when is None:
            # Its stored version stands (a story taken down still was the story): nothing to
            # act on, so no failure of the run's. The fetch history keeps why.
            self.counters.bump("recheck_failed")
            self.emit("failure", url=queued.url, kind=kind, reason=reason, retry=False)
            return
        if len(self.counters.failures) < MAX_LISTED_FAILURES:
            self.counters.failures.append(Failure(source=queued.url, kind=kind, reason=reason))
        self.counters.bump("failed", when is not None)
        self.counters.bump("gave_up", when is None)
        self.emit("failure", url=queued.url, kind=kind, reason=reason, retry=when is not None)


def _asked_wait(exc: FetchError) -> float | None:
    """The seconds the URL's host asked not to be asked for, when more than a fetch waits."""
    if isinstance(exc, HTTPStatusError | HostWaiting | RobotsUnavailable):
        return exc.retry_after
    return None


def _as_fetched_for(page: Page, url: str) -> Page:
    """``page`` as a fetch asked for ``url`` got it: served from the address it came from.

    Its ``redirects`` are left out: the hops that led there were not all this fetch's.
    """
    served = page.effective_url
    return replace(page, url=url, final_url=None if served == url else served, redirects=())


def _fetch_record(page: Page) -> FetchRecord:
    return FetchRecord(
        url=page.url,
        status=page.status,
        validators=Validators(etag=page.header("etag"), last_modified=page.header("last-modified")),
    )


def _report_dict(report: SourceReport) -> dict[str, object]:
    return {
        "source": report.source,
        "listed": report.listed,
        "new": report.new,
        "documents": report.documents,
        "not_modified": report.not_modified,
        "unchanged": report.unchanged,
        "unread": report.unread,
        "dropped": report.dropped,
        "skipped": report.skipped,
        "not_due": report.not_due,
        "restamped": report.restamped,
        "errors": list(report.errors),
        "warnings": list(report.warnings),
    }


async def crawl_once(config: CrawlConfig, parts: RunParts) -> RunResult:
    """Run discovery and then fetch, extract, dedup and store every due URL.

    The caller holds the run lock. Bad pages and sources are recorded and skipped.

    Raises:
        StoreError: the store failed (nothing half-written: each step is a transaction).
        WorkerUnavailable: no extraction worker could be started (the run stops there).
    """
    began = time.monotonic()
    run_id = parts.store.begin_run()
    # Before discovery, which drops them again for sources that no longer refetch updates.
    parts.store.queue_changes_due(time.time())
    run = _Run(config, parts, run_id)
    status = "failed"
    try:
        sources = await run.discover_and_fetch()
        if run.out_of_time:
            run.counters.add(left=parts.store.count_due(time.time(), run.scope))
        status = "ok"
    except asyncio.CancelledError:
        status = "stopped"  # Ctrl-C or a stop signal, not a fault: `scraper status` says so
        raise
    finally:
        parts.store.finish_run(run_id, run.counters.stats, status)
    # Still under the run lock; a run that stopped or failed leaves this to the next one.
    parts.store.prune_history(time.time() - config.history_days * _DAY_S, keep_run=run_id)
    result = RunResult(
        run_id=run_id,
        stats=run.counters.stats,
        # One indexed lookup per article of the run, once: a few milliseconds per thousand.
        duplicates=parts.store.run_duplicates(run_id),
        sources=sources,
        failures=tuple(run.counters.failures),
        seconds=time.monotonic() - began,
    )
    run.emit(
        "done",
        run_id=run_id,
        ok=result.ok,
        duplicates=result.duplicates,
        left=result.stats.left,
        held=result.stats.held,
        seconds=round(result.seconds, 3),
    )
    return result
