"""Extraction in worker processes: page bytes in, compact results (or the reason there is none) out.

Extraction is CPU-bound and pure, so it runs in worker processes (:mod:`scraper.crawl.worker`)
while the event loop keeps fetching. What crosses the process boundary is kept small and flat:
the page's bytes, its URL and declared charset one way; the stored record (already JSON) and the
few fields dedup reads the other. Pickling a whole :class:`~scraper.models.Page` and
:class:`~scraper.models.Article` (headers, block tree) cost more than a millisecond per page on
both sides. Pages travel in chunks, so one message carries several pages when the workers are
behind, and each worker has its next chunk queued while it works on one. A chunk's bodies are
copied into memory the worker maps too, not written to the pipe (see
:func:`~scraper.crawl.jobs.jobs_message`), and its answers are read by the event loop's
callback (:class:`_Replies`).

The workers are plain child processes talking over their stdin and stdout, read and written by
the event loop itself: a multiprocessing pool re-ran the crawl's main module in every worker
(about 0.8 s of CPU each) and added two threads to the crawl process. A worker still costs as
much CPU to start as extracting a few dozen pages, so a small run starts fewer than it may.

A page whose extraction takes longer than the extractor's ``timeout`` (a quadratic corner, a
page near the decoded-size cap, a C library that hangs) fails with kind ``extract_timeout``
and its worker is killed: a call into C holding the interpreter cannot be stopped from within
its own process. Knowing which page is stuck costs nothing per message: each worker counts the
pages it starts and ends in eight bytes of memory it shares with the crawl process, which a
watchdog reads a few times per ``timeout``. The other pages the killed worker held go to its
replacement. A worker that dies on its own (the out-of-memory killer, a crash in a C library)
is treated the same: the page it was extracting, as its counter says, fails with kind
``worker_died`` (another attempt may pass) and the others go to its replacement. A worker
that holds pages but has begun none for as long (frozen by a signal or a suspended cgroup, a
hung start) is killed too, and its pages are sent again; pages that a worker held when it
died or froze between pages once fail the second time, so a broken worker is not replaced
forever.

What a worker receives and sends, and the work it does, are in :mod:`scraper.crawl.jobs`.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import mmap
import os
import signal
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable, Sequence
from itertools import accumulate
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
from scraper.crawl.wire import Message, Splitter
from scraper.crawl.worker import MEMORY_OPTION, PROGRESS_FD_OPTION, STOP_SIGNALS
from scraper.errors import (
    KIND_EXTRACT_TIMEOUT,
    KIND_INTERNAL,
    KIND_WORKER_DIED,
    WorkerUnavailable,
    shorten,
)

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
#: Bytes of page bodies a chunk places in the memory it shares with its worker (one such slot
#: per chunk in flight); a chunk of pages is about a megabyte, and what does not fit is sent
#: through the pipe.
SLOT_SIZE = 2 * 1024 * 1024
#: Chunks a worker has in flight at most: the one it works on and the next.
_IN_FLIGHT = 2
#: How a worker process is started (its progress file is added to it).
WORKER_COMMAND = (sys.executable, "-m", "scraper.crawl.worker")
#: The watchdog looks at the workers this many times per timeout: a stuck page is found
#: between one and one and a quarter timeouts after it started.
_LOOKS_PER_TIMEOUT = 8
#: Seconds a worker may take to begin its first page (at least the timeout): an interpreter
#: and the extractor's imports on a loaded machine.
_SLOWEST_START = 30.0


_Waiting = tuple[PageJob, "asyncio.Future[Outcome]"]


class _Worker:
    """One worker process; the chunks it was sent and has not answered yet, in order."""

    def __init__(
        self, process: asyncio.subprocess.Process, shared: mmap.mmap, replies: _Replies
    ) -> None:
        self.process = process
        self.replies = replies
        self.in_flight: deque[list[_Waiting]] = deque()
        view = memoryview(shared)
        # What the worker writes: twice the pages it finished, plus one while it extracts.
        self.progress = view[:8].cast("Q")
        # The rest holds the bodies of the chunks in flight, a slot each. Replies come in the
        # order chunks were sent, so the chunk sent next takes the slot of the one answered.
        self.area = view[8:]
        self.sent = 0
        self.answered = 0  # pages whose outcomes came back
        self.seen = 0  # the progress the watchdog last saw, and when it first saw it
        self.since = 0.0
        self.looked = time.monotonic()  # when the watchdog last looked

    def stuck(self, now: float, timeout: float) -> tuple[int, bool] | None:
        """The index in :attr:`in_flight` (chunks flattened) of the page this worker has been
        extracting for ``timeout`` seconds, as far as the watchdog has seen, with True; of the
        page it holds and has not begun for as long (it stopped between pages), with False;
        else None."""
        progress = self.progress[0]
        looked, self.looked = self.looked, now
        if not self.in_flight:
            return None
        if progress != self.seen or now - looked > timeout / 2:
            # Moved on, or not seen for a while: the event loop was held (a long write), and
            # this worker may have waited on it meanwhile (its answers unread, its pipe full).
            self.seen, self.since = progress, now
            return None
        index = progress // 2 - self.answered
        if progress % 2:
            return (index, True) if now - self.since >= timeout else None
        if index in accumulate(len(chunk) for chunk in self.in_flight):
            # It ended a chunk whose answer has not come: it may be writing it still, to a
            # pipe the crawl reads slowly (or all its pages are done and unread).
            return None
        # A worker that has begun no page yet is starting (the interpreter, its imports),
        # which takes far longer than moving to the next page on a loaded machine.
        allowed = timeout if progress else max(timeout, _SLOWEST_START)
        return (index, False) if now - self.since >= allowed else None

    def send(self, chunk: list[_Waiting]) -> None:
        """Queue a chunk on the worker's stdin (buffered: this never blocks)."""
        assert self.process.stdin is not None
        self.in_flight.append(chunk)
        slot = len(self.area) // _IN_FLIGHT
        start = slot * (self.sent % _IN_FLIGHT)
        self.sent += 1
        if len(self.in_flight) == 1:
            # Idle until now: the watchdog times the worker from here, not from its last page.
            self.seen, self.since = self.progress[0], time.monotonic()
        jobs = [job for job, _ in chunk]
        for piece in jobs_message(jobs, self.area, start, start + slot):
            self.process.stdin.write(piece)

    def answered_chunk(self, message: Message) -> list[tuple[_Waiting, Outcome]] | None:
        """The pages of the chunk ``message`` answers, with their outcomes; None when the
        worker was killed for a stuck page (its pages went elsewhere)."""
        outcomes = outcomes_from(message)
        if not self.in_flight:
            return None
        self.answered += len(outcomes)
        return list(zip(self.in_flight.popleft(), outcomes, strict=True))


class _Replies(asyncio.Protocol):
    """A worker's stdout, read by the event loop's callback: each answer goes to ``answer`` as
    soon as it is whole, with no task to wake. ``ended`` is done when the pipe closes (with the
    exception that closed it, or that an answer raised, if any)."""

    def __init__(self, answer: Callable[[Message], None]) -> None:
        self.answer = answer
        self.splitter = Splitter()
        self.ended: asyncio.Future[BaseException | None] = (
            asyncio.get_running_loop().create_future()
        )
        self.transport: asyncio.BaseTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        if self.ended.done():
            return
        try:
            for message in self.splitter.feed(data):
                self.answer(message)
        except Exception as exc:  # a bug here must end the worker, not the event loop
            self._end(exc)
            if self.transport is not None:
                self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self._end(exc)

    def _end(self, exc: BaseException | None) -> None:
        if not self.ended.done():
            self.ended.set_result(exc)


class Extractor:
    """Runs :func:`extract_job` in up to ``workers`` processes (inline when ``workers`` is 0).

    An async context manager: the workers belong to the event loop that started them. Callers
    await one page each; pages waiting for a worker are sent together, up to :data:`CHUNK` per
    message, at most two messages per worker in flight. Workers start on first use, one more
    for every :data:`PAGES_PER_WORKER` pages the run said to :meth:`expect`, so a run with
    nothing new starts none and a small run one.

    A page that a worker has been extracting for ``timeout`` seconds fails with kind
    ``extract_timeout``; the worker is killed and replaced. A page a worker dies on fails with
    kind ``worker_died``. Either way the worker's other pages go to its replacement. Inline
    extraction has no limit: nothing can stop a call into C safely within the process that
    makes it. ``command`` starts a worker (tests start one with a slow extract function).
    On close, workers get ``exit_wait`` seconds, all at once, to finish their chunk and exit.
    With ``memory_mb`` each worker's data memory is capped (:mod:`scraper.memory`): a page that
    needs more fails (kind ``parse`` or ``out_of_memory``) and the worker goes on.
    """

    def __init__(
        self,
        workers: int,
        *,
        timeout: float | None = None,
        command: Sequence[str] = WORKER_COMMAND,
        exit_wait: float = _EXIT_WAIT,
        memory_mb: int | None = None,
    ) -> None:
        self.workers = workers
        self.timeout = timeout
        cap = () if memory_mb is None else (MEMORY_OPTION, str(memory_mb))
        self.command = (*command, *cap)
        self.exit_wait = exit_wait
        self._workers: list[_Worker] = []
        self._readers: list[asyncio.Task[None]] = []
        self._watchdog: asyncio.Task[None] | None = None
        self._waiting: list[_Waiting] = []
        # Pages sent again after their worker died or froze between pages: they fail if it
        # happens again.
        self._orphans: set[asyncio.Future[Outcome]] = set()
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
        # Once the run's workers are running, a page skips the lock and the coroutines that
        # start them: they cost more than handing the page over.
        if self._closed or len(self._workers) < self._wanted():
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
            try:
                worker = await _new_worker(self.command, self._answered)
            except OSError as exc:
                # Its memory, its pipe or its process refused by the system: no page's fault.
                raise WorkerUnavailable(
                    f"cannot start an extraction worker ({shorten(self.command[0])}): "
                    f"{exc.strerror or exc}"
                ) from exc
            self._workers.append(worker)
            self._readers.append(asyncio.create_task(self._read(worker)))
        if self._watchdog is None and self.timeout is not None:
            self._watchdog = asyncio.create_task(self._watch(self.timeout))

    async def _watch(self, timeout: float) -> None:
        """Kill the workers stuck on a page for ``timeout`` seconds, for as long as we run."""
        while True:
            await asyncio.sleep(timeout / _LOOKS_PER_TIMEOUT)
            now = time.monotonic()
            for worker in list(self._workers):
                found = worker.stuck(now, timeout)
                if found is not None:
                    self._kill_stuck(worker, *found, timeout)

    def _kill_stuck(self, worker: _Worker, index: int, begun: bool, timeout: float) -> None:
        """Fail the page a worker is stuck on (``begun``) and send its other pages again; or,
        for a worker that stopped between pages, send them all again once. Then kill it.

        Its reader sees the worker end and starts another for the pages waiting. A worker that
        stopped between pages (frozen by a signal, a suspended cgroup, a hung start) blames no
        page, so its pages go to the next worker, as a worker's death between pages sends
        them; those it held a second time fail, so that workers frozen every time are not
        replaced forever.
        """
        self._workers.remove(worker)
        with contextlib.suppress(ProcessLookupError):  # it may have just ended on its own
            worker.process.kill()
        if begun:
            reason = f"extraction took longer than {timeout:g} s (its worker was killed)"
            self._requeue(worker, index, ExtractFailed(KIND_EXTRACT_TIMEOUT, reason))
        else:
            reason = (
                f"its extraction worker stopped answering for {timeout:g} s with this page"
                " in hand, twice (it was killed)"
            )
            self._requeue(worker, None, ExtractFailed(KIND_WORKER_DIED, reason))

    def _send(self) -> None:
        while self._waiting and self._workers:
            worker = min(self._workers, key=lambda w: len(w.in_flight))
            if len(worker.in_flight) >= _IN_FLIGHT:
                return
            chunk, self._waiting = self._waiting[:CHUNK], self._waiting[CHUNK:]
            worker.send(chunk)

    def _answered(self, worker: _Worker, message: Message) -> None:
        """Hand a worker's answer to the pages of its chunk, and send it the next."""
        answered = worker.answered_chunk(message)
        if answered is None:
            return
        for (_, waiter), outcome in answered:
            if not waiter.done():
                waiter.set_result(outcome)
        self._send()

    async def _read(self, worker: _Worker) -> None:
        reason = "extraction worker stopped"
        try:
            # Its answers are taken as they come (_answered), until its stdout ends.
            failed = await worker.replies.ended
            if failed is not None:  # an answer that could not be read: the worker is of no use
                with contextlib.suppress(ProcessLookupError):
                    worker.process.kill()
            status = await worker.process.wait()
            reason = f"extraction worker died (exit status {status})"
            if worker in self._workers:  # not killed by the watchdog, nor closed
                self._requeue_dead(worker, status)
        finally:
            # However the replies ended, no page may wait for this worker forever.
            if worker in self._workers:
                self._workers.remove(worker)
            for chunk in worker.in_flight:
                for _, waiter in chunk:
                    if not waiter.done():
                        waiter.set_result(ExtractFailed(KIND_INTERNAL, reason))
            worker.in_flight.clear()
        if self._waiting and not self._closed:
            try:
                await self._start_wanted()
            except WorkerUnavailable as exc:
                # Raised in this reader's task, it reached no one, and the pages sent again
                # waited for a worker forever: each caller gets the refusal instead.
                waiting, self._waiting = self._waiting, []
                for _, waiter in waiting:
                    if not waiter.done():
                        waiter.set_exception(exc)
                return
            self._send()

    def _requeue_dead(self, worker: _Worker, status: int) -> None:
        """Fail the page a worker died on (out of memory, a crash in a C library), if it was
        extracting one, and send its other pages again; its reader then starts another."""
        self._workers.remove(worker)
        progress = worker.progress[0]
        dying = progress // 2 - worker.answered if progress % 2 else None
        reason = f"its extraction worker died (exit status {status})"
        self._requeue(worker, dying, ExtractFailed(KIND_WORKER_DIED, reason))

    def _requeue(self, worker: _Worker, blamed: int | None, failed: ExtractFailed) -> None:
        """Settle the pages a worker held when it ended: the one at index ``blamed`` (chunks
        flattened) fails with ``failed``, the others are sent again, first in line.

        With no page to blame (it ended between pages), each is sent again once: one held a
        second time fails with ``failed`` too, as a worker that cannot start, or dies or
        freezes on every chunk, must not be replaced forever. The pages before the blamed one
        in its chunk were extracted, but their answer is lost with the worker.
        """
        held = [waiting for chunk in worker.in_flight for waiting in chunk]
        worker.in_flight.clear()
        self._orphans = {waiter for waiter in self._orphans if not waiter.done()}
        again = []
        for index, (job, waiter) in enumerate(held):
            if waiter.done():
                continue
            if index == blamed or (blamed is None and waiter in self._orphans):
                waiter.set_result(failed)
            else:
                if blamed is None:
                    self._orphans.add(waiter)
                again.append((job, waiter))
        self._waiting[:0] = again

    async def aclose(self) -> None:
        """Stop the workers: they finish the chunk in hand and exit."""
        self._closed = True
        # Past this point a page of a killed worker would have nowhere to go.
        if self._watchdog is not None:
            self._watchdog.cancel()
        workers, self._workers = self._workers, []
        for worker in workers:
            if worker.process.stdin is not None:
                worker.process.stdin.close()
        # The readers keep draining the workers' answers meanwhile, so that a worker finishing
        # a chunk is never stuck writing to a full pipe. All are waited for at once: on
        # SIGTERM a service manager gives the whole process a few seconds, not one per worker.
        await asyncio.gather(*(self._end(worker) for worker in workers))
        watchdog = [] if self._watchdog is None else [self._watchdog]
        await asyncio.gather(*self._readers, *watchdog, return_exceptions=True)

    async def _end(self, worker: _Worker) -> None:
        """Wait ``exit_wait`` seconds for ``worker`` to exit, then kill it."""
        try:
            await asyncio.wait_for(worker.process.wait(), self.exit_wait)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):  # it may have just ended on its own
                worker.process.kill()
            await worker.process.wait()


async def _start_worker(
    command: Sequence[str] = WORKER_COMMAND,
    progress_fd: int | None = None,
    pipe_size: int = PIPE_SIZE,
    stdout: int = asyncio.subprocess.PIPE,
) -> asyncio.subprocess.Process:
    """A worker process, counting its pages in ``progress_fd`` (a file it maps) if given,
    answering on ``stdout`` (a pipe of its own by default)."""
    argv = [*command]
    if progress_fd is not None:
        argv += [PROGRESS_FD_OPTION, str(progress_fd)]
    # The child inherits the mask across exec: a stop signal sent to the whole process group
    # while its interpreter starts stays pending until it ignores such signals (see the worker).
    # Here they are only held back for the moment of the start, and then delivered.
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        # A chunk of pages is about a megabyte: in a pipe of the default 64 KiB it took some 16
        # writes, each a turn of the event loop, and as many reads in the worker.
        return await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=stdout,
            env=_worker_env(),
            pipesize=pipe_size,
            pass_fds=() if progress_fd is None else (progress_fd,),
        )
    except OSError:
        if pipe_size < 0:
            raise
        # The system's pipe limits refused the size: the default pipes will do.
        return await _start_worker(command, progress_fd, -1, stdout)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


async def _new_worker(
    command: Sequence[str], answered: Callable[[_Worker, Message], None]
) -> _Worker:
    """A worker process with the shared memory in which it counts its pages and reads their
    bodies; ``answered`` receives its answers."""
    size = 8 + _IN_FLIGHT * SLOT_SIZE
    fd = _shared_memory(size)
    # Its answers come on a pipe of ours, read by a protocol rather than a stream reader.
    read_end, write_end = os.pipe()
    if sys.platform == "linux":
        with contextlib.suppress(OSError):  # the system's pipe limits refused: the default will do
            fcntl.fcntl(read_end, fcntl.F_SETPIPE_SZ, PIPE_SIZE)
    try:
        shared = mmap.mmap(fd, size)
        process = await _start_worker(command, fd, stdout=write_end)
    except BaseException:
        os.close(read_end)
        raise
    finally:
        os.close(fd)  # the map and the worker hold their own references
        os.close(write_end)
    worker: _Worker | None = None

    def answer(message: Message) -> None:
        assert worker is not None  # no answer comes before the worker is sent a chunk
        answered(worker, message)

    pipe = os.fdopen(read_end, "rb", buffering=0)
    try:
        _, replies = await asyncio.get_running_loop().connect_read_pipe(
            lambda: _Replies(answer), pipe
        )
    except BaseException:
        pipe.close()
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        raise
    worker = _Worker(process, shared, replies)
    return worker


def _shared_memory(size: int) -> int:
    """A file descriptor of ``size`` zeroed bytes of memory, for a worker to map too."""
    if sys.platform == "linux":
        fd = os.memfd_create("scraper-extract-progress")
    else:
        with tempfile.TemporaryFile() as file:
            fd = os.dup(file.fileno())
    os.ftruncate(fd, size)
    return fd


def _worker_env() -> dict[str, str]:
    # The worker must import this very scraper, wherever it was imported from here.
    package_root = str(Path(__file__).resolve().parents[2])
    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [package_root, path]))}
