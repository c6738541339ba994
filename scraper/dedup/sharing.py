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

from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from scraper.dedup.analyse import Analysis, Unit, analyse_encoded, analyse_unit
from scraper.errors import DedupError

__all__ = ["SharedAnalysis"]


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
            self._futures.append(
                self._pool.submit(
                    analyse_encoded, _encoded(unit.texts), unit.addresses, self._min_bytes
                )
            )
            front += 1
            busy += 1

    def result(self) -> list[Analysis]:
        """Every unit's analysis, in order.

        Raises:
            DedupError: a worker process died.
        """
        taken: list[Analysis] = []
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
            taken.append(analyse_unit(self._units[self._back], self._min_bytes))
        theirs = [_result(future) for future in self._futures]
        self._futures = []
        return theirs + taken[::-1]

    def cancel(self) -> None:
        """Withdraw the units no worker has started (the batch will not be placed)."""
        for future in self._futures:
            future.cancel()
        self._back = 0


def _encoded(texts: list[str]) -> list[bytes]:
    return [text.encode("utf-8", "surrogatepass") for text in texts]


def _result(future: Future[Analysis]) -> Analysis:
    try:
        return future.result()
    except BrokenProcessPool as exc:
        raise DedupError(f"a dedup worker process died: {exc}") from exc
