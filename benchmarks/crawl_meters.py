"""Per-stage CPU meters for the crawl benchmark: a crawl run whose parts are wrapped in meters.

Each meter adds the crawl thread's CPU time (``time.thread_time``) spent inside one stage:
synchronous calls (store, dedup, discovery parsing) are timed around the call; coroutines (the
fetcher) are timed step by step, so the time they spend suspended, while other coroutines run,
is not counted. The run is the one :func:`scraper.crawl.run_crawl` performs, with the same parts.
"""

from __future__ import annotations

import asyncio
import resource
import time
from collections.abc import Awaitable, Callable, Coroutine, Generator, Sequence
from typing import Any, cast

import scraper.crawl.discovery as discovery_module
from scraper.config import CrawlConfig
from scraper.crawl.extraction import CHUNK, PAGES_PER_WORKER, Extractor, PageJob
from scraper.crawl.fetching import fetch_options
from scraper.crawl.identity import Placement, open_index
from scraper.crawl.jobs import Outcome
from scraper.crawl.run import RunParts, RunResult, crawl_once
from scraper.dedup import Document
from scraper.discover.urls import normalise_url
from scraper.fetch.client import Fetcher
from scraper.fetch.onward import Onward
from scraper.fetch.options import HostPace
from scraper.models import Page
from scraper.store.crawl_store import SQLiteCrawlStore
from scraper.store.protocol import CrawlStore

__all__ = ["EXTRACT_CALLS", "Meters", "metered_crawl", "worker_startup_cpu"]


#: The crawl side of extraction: all of it when it runs in the crawl process (``workers = 0``),
#: else handing pages to the workers and taking their answers.
EXTRACT_CALLS = "extraction calls (inline extraction with 0 workers, else handing pages over)"


class Meters:
    """CPU seconds of the crawl thread per stage."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {
            "fetch (articles and listings)": 0.0,
            "discovery parsing and URL normalisation": 0.0,
            "dedup": 0.0,
            "store": 0.0,
            EXTRACT_CALLS: 0.0,
        }

    def call(self, stage: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        """``fn`` with its CPU time added to ``stage``."""

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.thread_time()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds[stage] += time.thread_time() - started

        return timed

    def coroutine(self, stage: str, coro: Coroutine[Any, Any, Any]) -> Awaitable[Any]:
        """``coro`` with the CPU time of its steps added to ``stage``."""
        return _Stepped(coro, self, stage)


class _Stepped:
    def __init__(self, coro: Coroutine[Any, Any, Any], meters: Meters, stage: str) -> None:
        self.coro = coro
        self.meters = meters
        self.stage = stage

    def __await__(self) -> Generator[Any, Any, Any]:
        steps = self.coro.__await__()
        value: Any = None
        failure: BaseException | None = None
        while True:
            started = time.thread_time()
            try:
                signal = steps.send(value) if failure is None else steps.throw(failure)
            except StopIteration as stop:
                return stop.value
            finally:
                self.meters.seconds[self.stage] += time.thread_time() - started
            try:
                value, failure = (yield signal), None
            except BaseException as exc:  # delivered to the coroutine at its next step
                value, failure = None, exc


class _MeteredFetcher:
    def __init__(self, fetcher: Fetcher, meters: Meters) -> None:
        self.fetcher = fetcher
        self.meters = meters

    async def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        document: bool = False,
    ) -> Page:
        coro = self.fetcher.fetch(url, etag=etag, last_modified=last_modified, document=document)
        page: Page = await self.meters.coroutine("fetch (articles and listings)", coro)
        return page

    async def fetch_in_lane(
        self,
        url: str,
        lane: str,
        onward: Onward | None = None,
        may_ask: Callable[[str], bool] | None = None,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> Page | Onward:
        coro = self.fetcher.fetch_in_lane(
            url, lane, onward, may_ask, etag=etag, last_modified=last_modified
        )
        got: Page | Onward = await self.meters.coroutine("fetch (articles and listings)", coro)
        return got

    def lane(self, url: str) -> tuple[str, int]:
        return self.fetcher.lane(url)

    def tighten(self, url: str, pace: HostPace) -> None:
        self.fetcher.tighten(url, pace)

    def rest(self, lane: str, seconds: float) -> None:
        self.fetcher.rest(lane, seconds)


class _MeteredStore:
    """The crawl store with every method timed."""

    def __init__(self, store: SQLiteCrawlStore, meters: Meters) -> None:
        self.store = store
        self.meters = meters

    def __getattr__(self, name: str) -> Any:
        return self.meters.call("store", getattr(self.store, name))


class _MeteredExtractor:
    def __init__(self, extractor: Extractor, meters: Meters) -> None:
        self.extractor = extractor
        self.meters = meters

    def expect(self, pages: int) -> None:
        self.extractor.expect(pages)

    async def extract(self, job: PageJob) -> Outcome:
        found: Outcome = await self.meters.coroutine(EXTRACT_CALLS, self.extractor.extract(job))
        return found


class _MeteredDedup:
    def __init__(self, store: SQLiteCrawlStore, meters: Meters) -> None:
        self.index = open_index(store)
        self.meters = meters

    def add_many(self, docs: Sequence[Document]) -> Sequence[Placement]:
        timed = self.meters.call("dedup", self.index.add_many)
        found: Sequence[Placement] = timed(docs)
        return found


def metered_crawl(config: CrawlConfig, meters: Meters) -> RunResult:
    """One crawl of ``config`` (no lock: the benchmark owns its store) with stage meters."""
    parse = discovery_module._parse
    discovery_module._parse = meters.call("discovery parsing and URL normalisation", parse)
    store = SQLiteCrawlStore(config.store)
    try:
        return asyncio.run(_crawl(config, store, meters))
    finally:
        store.close()
        discovery_module._parse = parse


async def _crawl(config: CrawlConfig, store: SQLiteCrawlStore, meters: Meters) -> RunResult:
    async with (
        Fetcher(fetch_options(config)) as fetcher,
        Extractor(config.workers) as extractor,
    ):
        parts = RunParts(
            store=cast(CrawlStore, _MeteredStore(store, meters)),
            fetcher=_MeteredFetcher(fetcher, meters),
            extractor=cast(Extractor, _MeteredExtractor(extractor, meters)),
            dedup=_MeteredDedup(store, meters),
            normalise=meters.call("discovery parsing and URL normalisation", normalise_url),
            observer=lambda event: None,
        )
        return await crawl_once(config, parts)


def worker_startup_cpu(workers: int) -> float:
    """CPU seconds of starting ``workers`` extraction processes (and a few one-line pages)."""

    async def start() -> None:
        async with Extractor(workers) as extractor:
            extractor.expect(PAGES_PER_WORKER * workers)
            job = PageJob("http://farm.test/", b"<p>one line</p>")
            await asyncio.gather(*(extractor.extract(job) for _ in range(2 * workers * CHUNK)))

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    asyncio.run(start())
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
