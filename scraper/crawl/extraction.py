"""Extraction in worker processes: page bytes in, compact results (or the reason there is none) out.

Extraction is CPU-bound and pure, so it runs in worker processes (:mod:`scraper.crawl.worker`)
while the event loop keeps fetching. What crosses the process boundary is kept small and flat:
the page's bytes, its URL and declared charset one way; the stored record (already JSON) and the
few fields dedup reads the other. Pickling a whole :class:`~scraper.models.Page` and
:class:`~scraper.models.Article` (headers, block tree) cost more than a millisecond per page on
both sides. Pages travel in chunks, so one message carries several pages when the workers are
behind, and each worker has its next chunk queued while it works on one.

The workers are plain child processes talking over their stdin and stdout, read and written by
the event loop itself: a multiprocessing pool re-ran the crawl's main module in every worker
(about 0.8 s of CPU each) and added two threads to the crawl process. A worker still costs as
much CPU to start as extracting a few dozen pages, so a small run starts fewer than it may.

What a worker receives and sends, and the work it does, are in :mod:`scraper.crawl.jobs`.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections import deque
from collections.abc import AsyncIterator
from pathlib import Path

from scraper.crawl.jobs import (
    Extracted,
    ExtractFailed,
    Outcome,
    PageJob,
    extract_chunk,
    extract_job,
    jobs_message,
    outcomes_from,
)
from scraper.crawl.wire import read_async
from scraper.crawl.worker import STOP_SIGNALS

__all__ = [
    "ExtractFailed",
    "Extracted",
    "Extractor",
    "PageJob",
    "extract_chunk",
    "extract_job",
]

#: Seconds a closed worker gets to finish its chunk before it is killed.
_EXIT_WAIT = 10.0
#: Pages per task at most: enough to amortise a task's round trip, few enough that both
#: workers get a share of a small batch.
CHUNK = 8
#: A worker process costs about a sixth of a second of CPU to start (it imports the extractor),
#: as much as extracting some 20 pages, so a run starts one worker per this many pages it expects.
PAGES_PER_WORKER = 50
#: Bytes a pipe to or from a worker holds (Linux's limit for an unprivileged process).
PIPE_SIZE = 1024 * 1024


_Waiting = tuple[PageJob, "asyncio.Future[Outcome]"]


class _Worker:
    """One worker process; the chunks it was sent and has not answered yet, in order."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.in_flight: deque[list[_Waiting]] = deque()

    def send(self, chunk: list[_Waiting]) -> None:
        """Queue a chunk on the worker's stdin (buffered: this never blocks)."""
        assert self.process.stdin is not None
        self.in_flight.append(chunk)
        for piece in jobs_message([job for job, _ in chunk]):
            self.process.stdin.write(piece)

    async def replies(self) -> AsyncIterator[tuple[list[_Waiting], list[Outcome]]]:
        """Each answered chunk with its outcomes, until the worker's stdout ends."""
        assert self.process.stdout is not None
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
            while True:
                outcomes = outcomes_from(await read_async(self.process.stdout))
                yield self.in_flight.popleft(), outcomes


class Extractor:
    """Runs :func:`extract_job` in up to ``workers`` processes (inline when ``workers`` is 0).

    An async context manager: the workers belong to the event loop that started them. Callers
    await one page each; pages waiting for a worker are sent together, up to :data:`CHUNK` per
    message, at most two messages per worker in flight. Workers start on first use, one more
    for every :data:`PAGES_PER_WORKER` pages the run said to :meth:`expect`, so a run with
    nothing new starts none and a small run one.
    """

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._workers: list[_Worker] = []
        self._readers: list[asyncio.Task[None]] = []
        self._waiting: list[_Waiting] = []
        self._expected = 0
        self._starting = asyncio.Lock()
        self._closed = False

    async def __aenter__(self) -> Extractor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def expect(self, pages: int) -> None:
        """Say that ``pages`` more pages are coming (more pages, more worker processes)."""
        self._expected += pages

    @property
    def started(self) -> int:
        """How many worker processes are running."""
        return len(self._workers)

    def _wanted(self) -> int:
        return min(self.workers, max(1, -(-self._expected // PAGES_PER_WORKER)))

    async def extract(self, job: PageJob) -> Outcome:
        """The extracted article of the page, or why there is none."""
        if self.workers <= 0:
            return extract_job(job)
        waiter: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self._waiting.append((job, waiter))
        try:
            await self._start_wanted()
        except BaseException:
            self._waiting = [w for w in self._waiting if w[1] is not waiter]
            raise
        self._send()
        return await waiter

    async def _start_wanted(self) -> None:
        async with self._starting:  # callers arrive together; each process is started once
            await self._start_missing()

    async def _start_missing(self) -> None:
        if self._closed:
            raise RuntimeError("the extractor is closed")
        while len(self._workers) < self._wanted():
            worker = _Worker(await _start_worker())
            self._workers.append(worker)
            self._readers.append(asyncio.create_task(self._read(worker)))

    def _send(self) -> None:
        while self._waiting and self._workers:
            worker = min(self._workers, key=lambda w: len(w.in_flight))
            if len(worker.in_flight) >= 2:
                return
            chunk, self._waiting = self._waiting[:CHUNK], self._waiting[CHUNK:]
            worker.send(chunk)

    async def _read(self, worker: _Worker) -> None:
        reason = "extraction worker stopped"
        try:
            async for chunk, outcomes in worker.replies():
                for (_, waiter), outcome in zip(chunk, outcomes, strict=True):
                    if not waiter.done():
                        waiter.set_result(outcome)
                self._send()
            # The worker died (out of memory, a crash in a C library): the pages it held fail,
            # and a new worker takes its place for the pages still waiting.
            reason = f"extraction worker died (exit status {await worker.process.wait()})"
        finally:
            # However the replies ended, no page may wait for this worker forever.
            if worker in self._workers:
                self._workers.remove(worker)
            for chunk in worker.in_flight:
                for _, waiter in chunk:
                    if not waiter.done():
                        waiter.set_result(ExtractFailed("internal", reason))
            worker.in_flight.clear()
        if self._waiting and not self._closed:
            await self._start_wanted()
            self._send()

    async def aclose(self) -> None:
        """Stop the workers: they finish the chunk in hand and exit."""
        self._closed = True
        workers, self._workers = self._workers, []
        for worker in workers:
            if worker.process.stdin is not None:
                worker.process.stdin.close()
        # The readers keep draining the workers' answers meanwhile, so that a worker finishing
        # a chunk is never stuck writing to a full pipe.
        for worker in workers:
            try:
                await asyncio.wait_for(worker.process.wait(), _EXIT_WAIT)
            except TimeoutError:
                worker.process.kill()
                await worker.process.wait()
        await asyncio.gather(*self._readers, return_exceptions=True)


async def _start_worker(pipe_size: int = PIPE_SIZE) -> asyncio.subprocess.Process:
    # The child inherits the mask across exec: a stop signal sent to the whole process group
    # while its interpreter starts stays pending until it ignores such signals (see the worker).
    # Here they are only held back for the moment of the start, and then delivered.
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        # A chunk of pages is about a megabyte: in a pipe of the default 64 KiB it took some 16
        # writes, each a turn of the event loop, and as many reads in the worker.
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "scraper.crawl.worker",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            env=_worker_env(),
            pipesize=pipe_size,
        )
    except OSError:
        if pipe_size < 0:
            raise
        # The system's pipe limits refused the size: the default pipes will do.
        return await _start_worker(-1)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _worker_env() -> dict[str, str]:
    # The worker must import this very scraper, wherever it was imported from here.
    package_root = str(Path(__file__).resolve().parents[2])
    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [package_root, path]))}
