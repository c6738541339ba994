"""A batch's texts analysed by worker processes and this process at once.

Every unit of texts is handed to the worker processes as soon as the batch is known, so they
can start while this process is still busy (placing the batch before, for one). When this
process comes to need the analysis, it takes units back from the end of the batch, one at a
time, as long as no worker has started them (a future not yet running can be cancelled), and
analyses them itself; then it waits for the units the workers took. The two sides meet
wherever their relative speed puts them, and nothing is analysed twice. Each unit travels as
UTF-8 bytes: a ``str`` pickled to another process keeps a cached UTF-8 copy of itself for as
long as the caller holds it, which for a whole batch of articles is as much memory again as the
texts.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from scraper.dedup.analyse import Analysis, Unit, analyse_encoded, analyse_unit
from scraper.errors import DedupError

__all__ = ["SharedAnalysis"]


class SharedAnalysis:
    """The analysis of each of ``units``, under way in the processes of ``pool`` from now on."""

    def __init__(self, units: Sequence[Unit], min_bytes: int, pool: ProcessPoolExecutor) -> None:
        self._units = units
        self._min_bytes = min_bytes
        self._futures: list[Future[Analysis]] = [
            pool.submit(analyse_encoded, _encoded(unit.texts), unit.addresses, min_bytes)
            for unit in units
        ]

    def result(self) -> list[Analysis]:
        """Every unit's analysis, in order.

        Raises:
            DedupError: a worker process died.
        """
        taken: list[Analysis] = []
        back = len(self._units)
        # Units run in order, so once one cannot be taken back, none before it can.
        while back > 0 and self._futures[back - 1].cancel():
            back -= 1
            taken.append(analyse_unit(self._units[back], self._min_bytes))
        theirs = [_result(future) for future in self._futures[:back]]
        self._futures = []
        return theirs + taken[::-1]

    def cancel(self) -> None:
        """Withdraw the units no worker has started (the batch will not be placed)."""
        for future in self._futures:
            future.cancel()
        self._futures = []


def _encoded(texts: list[str]) -> list[bytes]:
    return [text.encode("utf-8", "surrogatepass") for text in texts]


def _result(future: Future[Analysis]) -> Analysis:
    try:
        return future.result()
    except BrokenProcessPool as exc:
        raise DedupError(f"a dedup worker process died: {exc}") from exc
