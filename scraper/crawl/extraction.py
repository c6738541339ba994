"""Extraction in a process pool: page bytes in, compact results (or the reason there is none) out.

Extraction is CPU-bound and pure, so it runs in worker processes while the event loop keeps
fetching. What crosses the process boundary is kept small and flat: the page's bytes, its URL
and declared charset one way; the stored record (already JSON) and the few fields dedup reads
the other. Pickling a whole :class:`~scraper.models.Page` and :class:`~scraper.models.Article`
(headers, block tree) cost more than a millisecond per page on both sides. Pages travel in
chunks, so one task carries several pages when the workers are behind, and workers always have
the next chunk queued while they finish one. A small run starts fewer workers than it may: each
costs as much CPU to start as extracting dozens of pages.

Errors come back as values: exceptions with keyword-only constructors do not survive pickling,
and an extractor bug on one page must not stop the run.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import multiprocessing
import os
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from scraper.charset import declared_charset
from scraper.closing import Closeable
from scraper.errors import ScraperError
from scraper.extract import extract
from scraper.extract.options import DEFAULT_OPTIONS, ExtractOptions
from scraper.models import Article, Page

__all__ = [
    "ExtractFailed",
    "Extracted",
    "Extractor",
    "PageJob",
    "extract_chunk",
    "extract_job",
    "watch_parent",
]

_WATCH_INTERVAL = 0.5
#: Pages per task at most: enough to amortise a task's round trip, few enough that both
#: workers get a share of a small batch.
CHUNK = 8
#: A worker process costs about half a second of CPU to start (it imports scraper), as much as
#: extracting some 50 pages, so a run starts one worker per this many pages it expects.
PAGES_PER_WORKER = 50


@dataclass(frozen=True, slots=True)
class PageJob:
    """What extraction reads of a fetched page; ``options`` None means the defaults."""

    url: str
    body: bytes
    encoding: str | None = None
    options: ExtractOptions | None = None

    @classmethod
    def of(cls, page: Page, options: ExtractOptions | None = None) -> PageJob:
        """The job for a fetched page (its final URL and the charset its headers declare)."""
        declared = page.encoding or declared_charset(page.header("content-type"))
        return cls(page.effective_url, page.body, declared, options)


@dataclass(frozen=True, slots=True)
class Extracted:
    """An extracted article as the crawl keeps it: the stored record (JSON of
    :meth:`Article.to_dict`) and the fields the near-duplicate index and the events read."""

    record: str
    text: str
    title: str | None
    published: datetime | None
    canonical_url: str | None

    @classmethod
    def of(cls, article: Article) -> Extracted:
        """The compact form of ``article``."""
        return cls(
            record=json.dumps(article.to_dict(), ensure_ascii=False),
            text=article.text,
            title=article.title,
            published=article.published,
            canonical_url=article.canonical_url,
        )


@dataclass(frozen=True, slots=True)
class ExtractFailed:
    """Why a page gave no article."""

    kind: str
    reason: str


Outcome = Extracted | ExtractFailed


def extract_job(job: PageJob) -> Outcome:
    """Extract one page; failures are returned, not raised (this runs in a worker)."""
    try:
        article = extract(
            job.body, url=job.url, options=job.options or DEFAULT_OPTIONS, encoding=job.encoding
        )
    except ScraperError as exc:
        return ExtractFailed(exc.kind, str(exc))
    except Exception as exc:  # an extractor bug on one page is that page's failure only
        return ExtractFailed("internal", f"{type(exc).__name__}: {exc}")
    if not article.text.strip():
        return ExtractFailed("empty", "no article text found")
    return Extracted.of(article)


def extract_chunk(jobs: Sequence[PageJob]) -> list[Outcome]:
    """Extract several pages in one task (the unit a worker receives)."""
    return [extract_job(job) for job in jobs]


def watch_parent(parent: int) -> None:
    """In a worker: exit when the crawl process that started it is gone.

    A worker blocked waiting for work would otherwise outlive a crawl killed with SIGKILL
    (it holds its own copy of the queue's write end, so it never sees end-of-file).
    """

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(_WATCH_INTERVAL)
        os._exit(1)

    threading.Thread(target=watch, name="watch-parent", daemon=True).start()


_Waiting = tuple[PageJob, "asyncio.Future[Outcome]"]


@dataclass(slots=True)
class _Worker:
    """One worker process (a pool of one, so the crawl decides how many are started)."""

    pool: Executor
    in_flight: int = 0


@dataclass(frozen=True, slots=True)
class _Sent:
    """A chunk handed to a worker, and the loop its callers wait on."""

    loop: asyncio.AbstractEventLoop
    chunk: list[_Waiting]
    worker: _Worker


class Extractor(Closeable):
    """Runs :func:`extract_job` in up to ``workers`` processes (inline when ``workers`` is 0).

    Callers await one page each; pages waiting for a worker are sent together, up to
    :data:`CHUNK` per task, with at most two tasks per worker in flight so that a worker never
    waits for the event loop. Workers start on first use, one more for every
    :data:`PAGES_PER_WORKER` pages the run said to :meth:`expect`, so a run with nothing new
    starts none and a small run one.
    """

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._workers: list[_Worker] = []
        self._waiting: list[_Waiting] = []
        self._expected = 0

    def expect(self, pages: int) -> None:
        """Say that ``pages`` more pages are coming (more pages, more worker processes)."""
        self._expected += pages

    @property
    def started(self) -> int:
        """How many worker processes have been started (and not lost)."""
        return len(self._workers)

    def _wanted(self) -> int:
        return min(self.workers, max(1, -(-self._expected // PAGES_PER_WORKER)))

    def _free_worker(self) -> _Worker | None:
        while len(self._workers) < self._wanted():
            self._workers.append(_Worker(_one_process_pool()))
        worker = min(self._workers, key=lambda w: w.in_flight)
        return worker if worker.in_flight < 2 else None

    async def extract(self, job: PageJob) -> Outcome:
        """The extracted article of the page, or why there is none."""
        if self.workers <= 0:
            return extract_job(job)
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[Outcome] = loop.create_future()
        self._waiting.append((job, waiter))
        self._send(loop)
        return await waiter

    def _send(self, loop: asyncio.AbstractEventLoop) -> None:
        while self._waiting and (worker := self._free_worker()) is not None:
            chunk, self._waiting = self._waiting[:CHUNK], self._waiting[CHUNK:]
            worker.in_flight += 1
            task = worker.pool.submit(extract_chunk, [job for job, _ in chunk])
            task.add_done_callback(partial(self._relay, _Sent(loop, chunk, worker)))

    def _relay(self, sent: _Sent, task: Future[list[Outcome]]) -> None:
        # Called in the pool's thread: hand the results over to the event loop's thread. A loop
        # that has closed meanwhile (the run was interrupted) has nobody left to tell.
        with contextlib.suppress(RuntimeError):
            sent.loop.call_soon_threadsafe(self._finished, sent, task)

    def _finished(self, sent: _Sent, task: Future[list[Outcome]]) -> None:
        sent.worker.in_flight -= 1
        try:
            outcomes: Sequence[Outcome] = task.result()
        except BrokenProcessPool as exc:
            # The worker died (out of memory, a crash in a C library): a new one takes its
            # place, and the loss is charged to the pages it held only.
            if sent.worker in self._workers:
                self._workers.remove(sent.worker)
                sent.worker.pool.shutdown(wait=False, cancel_futures=True)
            reason = f"extraction worker died: {exc}"
            outcomes = [ExtractFailed("internal", reason)] * len(sent.chunk)
        except Exception as exc:  # a result that could not be sent back: those pages fail
            reason = f"{type(exc).__name__}: {exc}"
            outcomes = [ExtractFailed("internal", reason)] * len(sent.chunk)
        for (_, waiter), outcome in zip(sent.chunk, outcomes, strict=True):
            if not waiter.done():
                waiter.set_result(outcome)
        self._send(sent.loop)

    def close(self) -> None:
        """Stop the workers."""
        workers, self._workers = self._workers, []
        for worker in workers:
            worker.pool.shutdown(wait=True, cancel_futures=True)


def _one_process_pool() -> Executor:
    # spawn: forking a process that runs an event loop and threads is unsafe, and a
    # forkserver would outlive a crawl killed with SIGKILL.
    return ProcessPoolExecutor(
        max_workers=1,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=watch_parent,
        initargs=(os.getpid(),),
    )
