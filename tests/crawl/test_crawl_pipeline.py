"""The crawl's pipeline parts: extraction in chunks in a process pool, batched commits."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from scraper.crawl.commit import Committer, Ready
from scraper.crawl.extraction import (
    PAGES_PER_WORKER,
    Extracted,
    ExtractFailed,
    Extractor,
    PageJob,
    _start_worker,
    extract_job,
)
from scraper.crawl.identity import open_index
from scraper.errors import StoreError
from scraper.models import Article, Page
from scraper.store.crawl_store import SQLiteCrawlStore
from scraper.store.protocol import FetchRecord, ListingRecord, NewArticle, NewURL

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def _jobs() -> list[PageJob]:
    pages = sorted(FIXTURES.glob("*.html"))[:5]
    jobs = [PageJob(f"https://n.test/{p.stem}", p.read_bytes()) for p in pages]
    return [*jobs, PageJob("https://n.test/binary", b"\x00\x01\x02" * 400)]


def test_worker_extraction_in_chunks_gives_what_inline_extraction_gives() -> None:
    jobs = _jobs()

    async def extract_all(extractor: Extractor) -> list[Extracted | ExtractFailed]:
        return list(await asyncio.gather(*(extractor.extract(job) for job in jobs)))

    async def run() -> tuple[list[Extracted | ExtractFailed], list[Extracted | ExtractFailed]]:
        async with Extractor(2) as pool, Extractor(0) as inline:
            pool.expect(len(jobs))
            pooled = await extract_all(pool)
            assert pool.started == 1  # a few pages do not pay for a second process
            pool.expect(PAGES_PER_WORKER)
            assert await extract_all(pool) == pooled
            assert pool.started == 2
            assert inline.started == 0
            processes = [w.process for w in pool._workers]
        assert pool.started == 0
        assert [p.returncode for p in processes] == [0, 0]  # closed: they ended on their own
        return pooled, await extract_all(Extractor(0))

    pooled, inline = asyncio.run(run())
    assert pooled == inline == [extract_job(job) for job in jobs]
    *articles, binary = pooled
    assert isinstance(binary, ExtractFailed) and binary.kind == "decode"
    for found in articles:
        assert isinstance(found, Extracted)
        record = Article.from_dict(json.loads(found.record))
        text = found.text_utf8.decode("utf-8", "surrogatepass")
        assert (record.text, record.title) == (text, found.title)


def test_a_worker_that_dies_between_pages_loses_none_and_is_replaced() -> None:
    jobs = _jobs()[:2]

    async def run() -> tuple[list[Extracted | ExtractFailed], int]:
        async with Extractor(1) as pool:
            first = await pool.extract(jobs[0])
            (worker,) = pool._workers
            worker.process.kill()  # as the out-of-memory killer would
            sent = await pool.extract(jobs[1])  # sent to the dead worker, then to another
            return [first, sent], pool.started

    (first, sent), started = asyncio.run(run())
    assert [first, sent] == [extract_job(job) for job in jobs]
    assert started == 1


def test_a_worker_leaves_stop_signals_to_the_crawl_process() -> None:
    # Ctrl-C reaches the whole process group, and a service manager's stop every process of
    # the unit: the crawl process stops its workers itself, so the pages in hand are not lost.
    jobs = _jobs()[:2]

    async def run() -> tuple[list[Extracted | ExtractFailed], int]:
        async with Extractor(1) as pool:
            first = await pool.extract(jobs[0])  # the worker is up and has set its handlers
            (worker,) = pool._workers
            worker.process.send_signal(signal.SIGTERM)
            worker.process.send_signal(signal.SIGINT)
            second = await pool.extract(jobs[1])
            return [first, second], pool.started

    (first, second), started = asyncio.run(run())
    assert (first, second) == (extract_job(jobs[0]), extract_job(jobs[1]))
    assert started == 1


def test_a_stop_signal_while_a_worker_starts_does_not_kill_it() -> None:
    # A service manager's stop can reach a worker still starting its interpreter, before it
    # could ignore the signal: it is started with the signal blocked, so the stop waits.
    async def run() -> int:
        process = await _start_worker()
        process.send_signal(signal.SIGTERM)
        process.send_signal(signal.SIGINT)
        assert process.stdin is not None
        process.stdin.close()  # then it exits as after a run
        return await process.wait()

    assert asyncio.run(run()) == 0
    # The crawl process held the signals back for the start only.
    assert not {signal.SIGTERM, signal.SIGINT} & signal.pthread_sigmask(signal.SIG_BLOCK, [])


def test_a_worker_imports_the_extractor_only() -> None:
    # Every worker pays its imports: dedup's numpy, the fetcher's httpx and asyncio are the
    # crawl process's business only.
    probe = (
        "import sys, scraper.crawl.worker;"
        "print(sorted(m for m in ('numpy', 'httpx', 'asyncio', 'sqlite3') if m in sys.modules))"
    )
    found = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert found.stdout.strip() == "[]"


def test_a_page_job_carries_the_final_url_and_the_declared_charset() -> None:
    page = Page(
        url="https://n.test/a",
        final_url="https://n.test/b",
        body=b"<p>x</p>",
        headers=(("content-type", "text/html; charset=ISO-8859-1"),),
    )
    job = PageJob.of(page)
    assert (job.url, job.encoding, job.options) == ("https://n.test/b", "ISO-8859-1", None)


class _CountingStore(SQLiteCrawlStore):
    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.batches: list[int] = []

    def store_articles(self, items: Sequence[NewArticle], run_id: int) -> tuple[str, ...]:
        self.batches.append(len(items))
        return super().store_articles(items, run_id)


def _ready(store: SQLiteCrawlStore, count: int) -> list[Ready]:
    store.ensure_source("src", "urls")
    urls = [NewURL(url=f"https://n.test/{n}", raw=f"https://n.test/{n}") for n in range(count)]
    store.record_listing("src", ListingRecord(fetch=None, entries=urls), 1)
    out = []
    for queued in store.due_urls(0.0, 0, count):
        text = f"Story {queued.id} " + " ".join(f"word{queued.id}x{i}" for i in range(60))
        article = Article(url=queued.url, title=f"t{queued.id}", text=text)
        out.append(Ready(queued, FetchRecord(url=queued.url, status=200), Extracted.of(article)))
    return out


def test_articles_are_committed_in_batches_and_after_a_delay(tmp_path: Path) -> None:
    store = _CountingStore(tmp_path / "c.db")
    stored: list[str] = []

    async def run() -> None:
        committer = Committer(
            store, open_index(store), 1, lambda item, _: stored.append(item.queued.url), _no_fail
        )
        committer.batch, committer.max_delay = 3, 0.3
        task = asyncio.create_task(committer.run())
        items = _ready(store, 5)
        for item in items[:3]:
            committer.add(item)
        await _until(lambda: store.batches == [3])  # a full batch is committed at once...
        committer.add(items[3])
        for _ in range(20):
            await asyncio.sleep(0)
        assert store.batches == [3]
        await _until(lambda: store.batches == [3, 1])  # ...a partial one after max_delay
        committer.add(items[4])
        committer.close()
        await task

    asyncio.run(run())
    assert store.batches == [3, 1, 1]
    assert stored == [f"https://n.test/{n}" for n in range(5)]
    assert [a.key for a in store.articles_since()] == stored
    assert store.due_urls(0.0, 0, 10) == []
    store.close()


async def _until(done: Callable[[], bool]) -> None:
    async with asyncio.timeout(10):
        while not done():
            await asyncio.sleep(0.01)


def _no_fail(*args: object) -> None:
    raise AssertionError(f"unexpected failure {args}")


class _BrokenStore(SQLiteCrawlStore):
    def store_articles(self, items: Sequence[NewArticle], run_id: int) -> tuple[str, ...]:
        raise StoreError("disk full")


def test_a_batch_that_cannot_be_stored_stops_the_run(tmp_path: Path) -> None:
    store = _BrokenStore(tmp_path / "c.db")

    async def run() -> None:
        committer = Committer(store, open_index(store), 1, lambda *a: None, _no_fail)
        committer.batch = 1
        task = asyncio.create_task(committer.run())
        first, second = _ready(store, 2)
        committer.add(first)
        with pytest.raises(StoreError, match="disk full"):
            await task
        with pytest.raises(StoreError, match="an earlier batch failed"):
            committer.add(second)

    asyncio.run(run())
    assert store.due_urls(0.0, 0, 10) != []  # nothing marked done: the next run fetches them
    store.close()


class _FailingOnceStore(SQLiteCrawlStore):
    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.breakdowns = 1

    def store_articles(self, items: Sequence[NewArticle], run_id: int) -> tuple[str, ...]:
        if self.breakdowns:
            self.breakdowns -= 1
            raise StoreError("disk full")
        return super().store_articles(items, run_id)


def test_a_batch_that_cannot_be_stored_leaves_nothing_in_the_index(tmp_path: Path) -> None:
    store = _FailingOnceStore(tmp_path / "c.db")
    items = _ready(store, 3)

    def commit(batch: list[Ready]) -> None:
        committer = Committer(store, open_index(store), 1, lambda *a: None, _no_fail)
        for item in batch:
            committer.add(item)
        committer.flush()

    with pytest.raises(StoreError, match="disk full"):
        commit(items)
    assert store.conn.execute("SELECT count(*) FROM dedup_docs").fetchone() == (0,)
    # The next run finds the pages changed: each URL still gets one index document.
    changed = []
    for item in items:
        text = item.extracted.text_utf8.decode() + " Updated at noon."
        article = Article(url=item.queued.url, title=item.extracted.title, text=text)
        changed.append(Ready(item.queued, item.fetch, Extracted.of(article)))
    commit(changed)
    docs = store.conn.execute("SELECT url FROM dedup_docs ORDER BY url").fetchall()
    articles = store.conn.execute("SELECT url FROM articles ORDER BY url").fetchall()
    assert docs == articles == [(i.queued.url,) for i in items]
    store.close()
