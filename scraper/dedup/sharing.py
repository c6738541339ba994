"""A batch's texts analysed by worker processes and this process at once.

Units of texts are handed to the worker processes as soon as the batch is known, a window of
them at a time (topped up whenever this process finds a moment, such as between two spans of
the batch before), so the workers can start while this process is still busy. When this
process comes to need the analysis, it analyses units itself from the end of the batch while
the workers go on from the front, and where the two meet it takes back the units no worker
has started yet (a future not yet running can be cancelled) rather than wait for them. Nothing
is analysed twice. Each unit travels as UTF-8 bytes: a ``str`` pickled to another process keeps
a cached UTF-8 copy of itself for as long as the caller holds it, which for a whole batch of
articles is as much memory again as the texts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import TypeVar

from scraper.dedup.analyse import Analysis, Facts, Unit, analyse_encoded, outline_unit
from scraper.dedup.tokens import Words, tokenise
from scraper.errors import DedupError

__all__ = ["Done", "SharedAnalysis"]

T = TypeVar("T")
#: Seconds a wait for a worker lasts before checking that the pool still works.
_PATIENCE = 1.0


@dataclass(frozen=True, slots=True)
class Done:
    """One unit's analysis; its content words may still be on their way from a worker."""

    facts: Facts
    source: Words | Future[Words]
    pool: ProcessPoolExecutor | None = None

    @classmethod
    def of(cls, analysis: Analysis) -> Done:
        """A whole analysis, content words included."""
        return cls(analysis.facts, analysis.content)

    def content(self) -> Words:
        """The unit's content words (waiting for the worker tokenising them, if need be).

        Raises:
            DedupError: a worker process died.
        """
        source = self.source
        if isinstance(source, Future):
            assert self.pool is not None  # a unit under way is handed out with its pool
            return _result(source, self.pool)
        return source


class SharedAnalysis:
    """The analysis of each of ``units``, under way in the processes of ``pool`` from now on.

    At most ``window`` units are with the workers and unfinished at any time.
    """

    def __init__(
        self, units: Sequence[Unit], min_bytes: int, pool: ProcessPoolExecutor, window: int
    ) -> None:
        self._units = units
        self._min_bytes = min_bytes
        self._pool = pool
        self._window = window
        self._futures: list[Future[Analysis]] = []  # one per unit handed over, in order
        self._back = len(units)  # units from here on are this process's
        self.top_up()

    def top_up(self) -> None:
        """Hand the workers more units, up to the window."""
        front = len(self._futures)
        busy = sum(1 for future in self._futures[-self._window :] if not future.done())
        while front < self._back and busy < self._window:
            unit = self._units[front]
            texts = _encoded(unit.texts)
            self._futures.append(
                _submit(self._pool, analyse_encoded, texts, unit.addresses, self._min_bytes)
            )
            front += 1
            busy += 1

    def result(self) -> list[Done]:
        """Every unit's analysis, in order.

        The units this process analyses are outlined only: their content words, needed only
        once the units before them are placed, are left to the workers, which would otherwise
        idle from here on while this process places the batch alone.

        Raises:
            DedupError: a worker process died.
        """
        taken: list[Done] = []
        outlines: list[tuple[Facts, list[bytes]]] = []
        while True:
            self.top_up()
            if self._back > len(self._futures):
                self._back -= 1
            # Units run in order: once the last one handed over has started, all before it have.
            elif self._futures and self._futures[-1].cancel():
                self._futures.pop()
                self._back -= 1
            else:
                break
            outlines.append(outline_unit(self._units[self._back]))
        for facts, normalised in reversed(outlines):  # the first needed first
            work = _submit(self._pool, tokenise, normalised, self._min_bytes)
            taken.append(Done(facts, work, self._pool))
        theirs = [Done.of(_result(future, self._pool)) for future in self._futures]
        self._futures = []
        return theirs + taken

    def cancel(self) -> None:
        """Withdraw the units no worker has started (the batch will not be placed)."""
        for future in self._futures:
            future.cancel()
        self._back = 0


def _encoded(texts: list[str | bytes]) -> list[bytes]:
    return [t if isinstance(t, bytes) else t.encode("utf-8", "surrogatepass") for t in texts]


def _submit(pool: ProcessPoolExecutor, work: Callable[..., T], *args: object) -> Future[T]:
    try:
        return pool.submit(work, *args)
    except BrokenProcessPool as exc:  # a worker died since the last result came back
        raise DedupError(f"a dedup worker process died: {exc}") from exc


def _result(future: Future[T], pool: ProcessPoolExecutor) -> T:
    """The future's result; a dead worker is a DedupError, even one the executor fails to
    report: Python 3.11's executor thread, failing the futures of a broken pool, dies of
    InvalidStateError on one this process has cancelled and leaves the rest waiting forever."""
    while True:
        try:
            return future.result(timeout=_PATIENCE)
        except TimeoutError:
            # A broken pool refuses a new task at once, which _submit reports as a DedupError;
            # a working one runs this no-op after the real work.
            _submit(pool, int)
        except BrokenProcessPool as exc:
            raise DedupError(f"a dedup worker process died: {exc}") from exc
