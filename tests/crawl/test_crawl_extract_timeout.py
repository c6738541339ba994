"""A page whose extraction takes too long, or kills its worker, fails alone; the worker is
replaced and the other pages it held are extracted by the new one."""

from __future__ import annotations

import asyncio
import sqlite3
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from scraper.config import CrawlConfig, Politeness, RetryPolicy, Source, SourceKind
from scraper.crawl import extraction
from scraper.crawl.extraction import Extracted, ExtractFailed, Extractor, PageJob, extract_job
from scraper.crawl.fetching import fetch_options
from scraper.crawl.identity import open_index
from scraper.crawl.run import RunParts, RunResult, crawl_once
from scraper.demo.server import SiteServer
from scraper.demo.site import load_sites, render_site
from scraper.discover.urls import normalise_url
from scraper.fetch.client import Fetcher
from scraper.store.crawl_store import SQLiteCrawlStore

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
#: Starts a worker whose extract function stalls on pages holding STALL.
STALLING = (sys.executable, str(Path(__file__).with_name("stalling_worker.py")))
#: Starts a worker that never reads a second message: frozen between pages.
FREEZING = (sys.executable, str(Path(__file__).with_name("freezing_worker.py")))
STALL = b"<!-- stall -->"
CRASH = b"<!-- crash -->"
LONG = b"<!-- long -->"
COURIER = next(site for site in load_sites() if site.slug == "courier")
#: The extraction time limit of these tests: far below the stall's 600 s, and far above what a
#: fixture page takes even on a loaded 2-core machine, where 0.3 s failed pages that were not
#: stuck (a fresh worker's first page pays for the extractor's imports).
LIMIT = 1.5


async def _first_worker_run(
    pool: Extractor, jobs: list[PageJob]
) -> tuple[list[Extracted | ExtractFailed], int | None, float]:
    """Every job's outcome, the exit status of the first worker that took them, and the
    seconds they took."""
    begun = time.monotonic()
    outcomes = asyncio.gather(*(pool.extract(job) for job in jobs))
    while not pool._workers:
        await asyncio.sleep(0.01)
    (first,) = pool._workers
    found = list(await asyncio.wait_for(outcomes, 30))
    took = time.monotonic() - begun
    return found, await first.process.wait(), took


def _jobs(count: int) -> list[PageJob]:
    pages = sorted(FIXTURES.glob("*.html"))[:count]
    return [PageJob(f"https://n.test/{p.stem}", p.read_bytes()) for p in pages]


def test_a_stuck_page_fails_with_extract_timeout_and_the_others_are_extracted() -> None:
    jobs = _jobs(5)
    # In the middle of a chunk: the pages before it were extracted, but not answered.
    jobs[2] = PageJob(jobs[2].url, jobs[2].body + STALL)

    async def run() -> tuple[list[Extracted | ExtractFailed], int | None, int, float]:
        async with Extractor(1, timeout=LIMIT, command=STALLING) as pool:
            found, status, took = await _first_worker_run(pool, jobs)
            return found, status, pool.started, took

    found, killed, started, took = asyncio.run(run())
    stuck = found.pop(2)
    assert isinstance(stuck, ExtractFailed)
    assert stuck.kind == "extract_timeout"
    assert f"longer than {LIMIT} s" in stuck.reason
    assert found == [extract_job(job) for i, job in enumerate(jobs) if i != 2]
    assert killed == -9  # the stuck worker was killed...
    assert started == 1  # ...and replaced
    assert took < 30  # not the stall's 600 s


def test_a_worker_frozen_between_pages_is_replaced_and_its_pages_sent_again() -> None:
    # Two chunks in flight: the worker answers the first, then never reads the second. No page
    # is begun, so none is timed; its idle time with pages in hand is, all the same. No page
    # is to blame, so the second chunk goes to a replacement (which freezes in turn once it
    # has nothing left to do: closing kills it).
    jobs = [job for _ in range(2) for job in _jobs(8)][:16]

    async def run() -> tuple[list[Extracted | ExtractFailed], int | None, float, int]:
        async with Extractor(1, timeout=LIMIT, command=FREEZING, exit_wait=0.5) as pool:
            found, killed, took = await _first_worker_run(pool, jobs)
            return found, killed, took, pool.started

    found, killed, took, started = asyncio.run(run())
    assert found == [extract_job(job) for job in jobs]
    assert killed == -9
    assert started == 1  # ...and replaced
    assert took < 30  # not the freeze's 600 s


def test_pages_of_workers_frozen_every_time_fail_the_second_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Workers that hang before their first page, every one: the pages go to a second worker
    # once, then fail (to be retried on a later run), rather than start workers forever.
    monkeypatch.setattr(extraction, "_SLOWEST_START", LIMIT)
    jobs = _jobs(3)
    hung = (sys.executable, "-c", "import time; time.sleep(600)")

    async def run() -> tuple[list[Extracted | ExtractFailed], int]:
        async with Extractor(1, timeout=LIMIT, command=hung, exit_wait=0.5) as pool:
            outcomes = asyncio.gather(*(pool.extract(j) for j in jobs))
            return list(await asyncio.wait_for(outcomes, 30)), pool.started

    found, started = asyncio.run(run())
    reason = f"its extraction worker stopped answering for {LIMIT} s with this page in hand, twice"
    assert all(isinstance(f, ExtractFailed) and f.kind == "worker_died" for f in found)
    assert all(isinstance(f, ExtractFailed) and f.reason.startswith(reason) for f in found)
    assert started == 0  # the second was not replaced: nothing was left to send


def test_a_worker_writing_a_long_answer_to_a_busy_crawl_is_not_taken_for_frozen() -> None:
    # Eight pages of 300 KB of text a chunk: its answer is past the pipe's megabyte, and the
    # crawl, busy between turns of its loop (a batch committed, say), reads a quarter of a
    # megabyte a turn. The worker waits on its write, between pages, for longer than the
    # limit, with the next chunk in hand: busy, not frozen.
    page = b"<html><body><p>A transcript.</p></body></html>" + LONG
    jobs = [PageJob(f"https://n.test/{i}", page) for i in range(16)]

    async def run() -> tuple[list[Extracted | ExtractFailed], int]:
        async with Extractor(1, timeout=LIMIT, command=STALLING, exit_wait=2) as pool:
            busy = True

            async def hold() -> None:
                while busy:
                    time.sleep(0.2)
                    await asyncio.sleep(0)

            holder = asyncio.create_task(hold())
            try:
                outcomes = asyncio.gather(*(pool.extract(job) for job in jobs))
                return list(await asyncio.wait_for(outcomes, 60)), pool.started
            finally:
                busy = False
                await holder

    found, started = asyncio.run(run())
    assert [type(outcome) for outcome in found] == [Extracted] * len(jobs)
    assert started == 1


def test_a_page_that_kills_its_worker_fails_alone_and_the_others_are_extracted() -> None:
    # Two chunks in flight; the worker dies in the middle of the first, so that the pages
    # before it were extracted but not answered, and the whole second chunk is unread.
    jobs = [job for _ in range(2) for job in _jobs(8)][:16]
    jobs[3] = PageJob(jobs[3].url, jobs[3].body + CRASH)

    async def run() -> tuple[list[Extracted | ExtractFailed], int | None, int]:
        async with Extractor(1, command=STALLING) as pool:
            outcomes = asyncio.gather(*(pool.extract(job) for job in jobs))
            while not pool._workers:
                await asyncio.sleep(0.01)
            (first,) = pool._workers
            found = list(await asyncio.wait_for(outcomes, 30))
            return found, await first.process.wait(), pool.started

    found, status, started = asyncio.run(run())
    died = found.pop(3)
    assert died == ExtractFailed("worker_died", "its extraction worker died (exit status 137)")
    assert found == [extract_job(job) for i, job in enumerate(jobs) if i != 3]
    assert (status, started) == (137, 1)  # it died on its own, and was replaced


def test_pages_of_workers_that_die_between_pages_are_sent_again_once() -> None:
    jobs = _jobs(3)
    dying = (sys.executable, "-c", "import os; os._exit(3)")  # dies before reading a page

    async def run() -> list[Extracted | ExtractFailed]:
        async with Extractor(1, command=dying) as pool:
            return await asyncio.wait_for(asyncio.gather(*(pool.extract(j) for j in jobs)), 30)

    # No page is to blame, so the pages go to a second worker; when it dies too, they fail
    # rather than start workers forever.
    failed = ExtractFailed("worker_died", "its extraction worker died (exit status 3)")
    assert asyncio.run(run()) == [failed] * 3


def _crawl(config: CrawlConfig) -> RunResult:
    """One run, its pages extracted by a stalling worker with a limit of ``LIMIT`` seconds."""
    store = SQLiteCrawlStore(config.store)

    async def crawl() -> RunResult:
        async with (
            Fetcher(fetch_options(config)) as fetcher,
            Extractor(config.workers, timeout=LIMIT, command=STALLING) as extractor,
        ):
            parts = RunParts(
                store=store,
                fetcher=fetcher,
                extractor=extractor,
                dedup=open_index(store),
                normalise=normalise_url,
            )
            return await crawl_once(config, parts)

    try:
        return asyncio.run(asyncio.wait_for(crawl(), 60))
    finally:
        store.close()


def _url_state(store: Path, url: str) -> tuple[str, int, str | None]:
    conn = sqlite3.connect(store)
    try:
        state, attempts, error = conn.execute(
            "SELECT state, attempts, last_error FROM urls WHERE url = ?", (url,)
        ).fetchone()
    finally:
        conn.close()
    return state, attempts, error


def test_a_crawl_records_a_stuck_page_retries_it_and_stores_every_other(tmp_path: Path) -> None:
    with SiteServer() as site:
        pages = render_site(COURIER, site.base_url)
        path = f"/stories/2026/{COURIER.articles[1].slug}"
        site.publish(pages)
        site.publish({path: replace(pages[path], body=pages[path].body + STALL)})
        config = CrawlConfig(
            sources=(Source(name="c", kind=SourceKind.FEED, urls=(site.base_url + "/feed.xml",)),),
            store=tmp_path / "crawl.db",
            politeness=Politeness(min_interval=0.0, per_host=4, concurrency=4),
            retry=RetryPolicy(max_attempts=2, backoff=0.0, per_request=1),
            workers=1,
            allow_networks=("127.0.0.0/8",),
        )
        first = _crawl(config)
        assert (first.stats.stored, first.stats.failed) == (len(COURIER.articles) - 1, 1)
        (failure,) = first.failures
        assert (failure.source, failure.kind) == (site.base_url + path, "extract_timeout")
        state, attempts, error = _url_state(config.store, site.base_url + path)
        assert (state, attempts) == ("retry", 1)  # a timeout under load may pass next time
        assert error is not None and f"longer than {LIMIT} s" in error
        second = _crawl(config)  # still stuck: given up after max_attempts
        assert (second.stats.stored, second.stats.gave_up) == (0, 1)
        assert _url_state(config.store, site.base_url + path)[:2] == ("gave_up", 2)


def test_closing_waits_for_all_stuck_workers_at_once_not_one_after_another() -> None:
    # On SIGTERM a service manager gives the process a few seconds in all: two stuck workers
    # must not take two exit waits.
    stuck = [PageJob(job.url, job.body + STALL) for job in _jobs(2)]
    wait = 1.0

    async def run() -> float:
        pool = Extractor(2, command=STALLING, exit_wait=wait)
        pool.expect(100)  # enough pages for two workers
        pending = [asyncio.ensure_future(pool.extract(stuck[0]))]
        while not any(worker.in_flight for worker in pool._workers):
            await asyncio.sleep(0.01)
        pending.append(asyncio.ensure_future(pool.extract(stuck[1])))
        while sum(bool(worker.in_flight) for worker in pool._workers) < 2:
            await asyncio.sleep(0.01)
        begun = time.monotonic()
        await pool.aclose()
        took = time.monotonic() - begun
        await asyncio.gather(*pending)
        return took

    took = asyncio.run(run())
    assert wait <= took < 1.8 * wait
