"""The progress line of ``extract`` and ``scrape``, on a terminal that shows nothing else."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import TextIO

__all__ = ["Progress"]

#: More inputs than this get a progress line.
PROGRESS_FROM = 5
_CLEAR = "\r\033[K"


class Progress:
    """``label done/total``, drawn again in place on stderr as each input is done.

    It is drawn only where it can be read: on a terminal, with more than
    :data:`PROGRESS_FROM` inputs, and not when the articles go to that terminal too, where
    each article's first line ran on from the end of the line drawn in place. A line that an
    input writes to stderr (its failure, a warning) starts at the margin, with the progress
    line drawn again below it (:meth:`item`). Nothing is written when stderr is not a terminal:
    a log gets the failure lines alone.
    """

    def __init__(self, label: str, total: int, *, output: TextIO) -> None:
        self._label = label
        self._total = total
        self._done = 0
        self.live = total > PROGRESS_FROM and sys.stderr.isatty() and not output.isatty()

    def __enter__(self) -> Progress:
        self._draw("")
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._draw("\n")  # what follows (a summary, the shell's prompt) starts a line

    @contextmanager
    def item(self) -> Iterator[None]:
        """Around the handling of one input, counted done at the end."""
        if self.live:
            sys.stderr.write(_CLEAR)
        try:
            yield
        finally:
            self._done += 1
            self._draw("")

    def _draw(self, end: str) -> None:
        if self.live:
            sys.stderr.write(f"{_CLEAR}{self._label} {self._done}/{self._total}{end}")
            sys.stderr.flush()
