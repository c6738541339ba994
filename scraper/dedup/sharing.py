"""A batch's texts analysed by this process and worker processes at once.

Worker processes take units of texts from the front of the batch while this process takes
them from the back, so both stay busy until the two meet, whatever their relative speed; a
worker gets its first units once it has started. Only
a few units are in flight at a time, and each travels as UTF-8 bytes: a ``str`` pickled to
another process keeps a cached UTF-8 copy of itself for as long as the caller holds it, which
for a whole batch of articles is as much memory again as the texts.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

from scraper.dedup.analyse import Texts, analyse, analyse_encoded
from scraper.errors import DedupError

__all__ = ["analyse_shared"]

T = TypeVar("T")
_IN_FLIGHT_PER_WORKER = 2  # enough to keep a worker busy while this process works on a unit


def analyse_shared(
    parts: Sequence[Sequence[str]],
    min_bytes: int,
    pool: ProcessPoolExecutor,
    workers: int,
    meanwhile: Callable[[], object],
) -> list[Texts]:
    """The analysis of each of ``parts``, shared with ``workers`` processes of ``pool``.

    ``meanwhile`` is called once the first units are on their way.

    Raises:
        DedupError: a worker process died.
    """
    return _Sharing(parts, min_bytes, pool, workers * _IN_FLIGHT_PER_WORKER).run(meanwhile)


class _Sharing:
    def __init__(
        self, parts: Sequence[Sequence[str]], min_bytes: int, pool: ProcessPoolExecutor, window: int
    ) -> None:
        self._parts = parts
        self._min_bytes = min_bytes
        self._pool = pool
        self._window = window
        self._done: list[Texts | None] = [None] * len(parts)
        self._sent: deque[tuple[int, Future[Texts]]] = deque()
        self._front, self._back = 0, len(parts)

    def run(self, meanwhile: Callable[[], object]) -> list[Texts]:
        # Units go to the workers only once one has started: a unit queued for a process
        # that is still starting (seconds on a busy machine) cannot be taken back.
        started: Future[None] | None = self._pool.submit(_started)
        meanwhile()
        while self._back > self._front:
            if started is not None and started.done():
                self._result(started)
                started = None
                self._send()
            self._back -= 1
            self._done[self._back] = analyse(self._parts[self._back], self._min_bytes)
            self._receive(block=False)
        self._receive(block=True)
        return [t for t in self._done if t is not None]

    def _send(self) -> None:
        while self._front < self._back and len(self._sent) < self._window:
            blobs = [text.encode("utf-8", "surrogatepass") for text in self._parts[self._front]]
            future = self._pool.submit(analyse_encoded, blobs, self._min_bytes)
            self._sent.append((self._front, future))
            self._front += 1

    def _receive(self, *, block: bool) -> None:
        while self._sent and (block or self._sent[0][1].done()):
            number, future = self._sent.popleft()
            self._done[number] = self._result(future)
            self._send()

    def _result(self, future: Future[T]) -> T:
        try:
            return future.result()
        except BrokenProcessPool as exc:
            raise DedupError(f"a dedup worker process died: {exc}") from exc


def _started() -> None:
    """Nothing: done once a worker process is up."""
