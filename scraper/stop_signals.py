"""Stop signals (SIGTERM, Ctrl-C) held back while a step runs that must not stop half-way,
such as an export between its file landing and its cursor moving: the step finishes, and the
signal then ends the command as it would have."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from types import FrameType
from typing import Any

from scraper.errors import ConfigError

__all__ = ["held_back", "interrupts"]

_Handler = Callable[[int, FrameType | None], Any] | int | signal.Handlers | None


@contextmanager
def held_back(signums: Sequence[int]) -> Iterator[list[int]]:
    """While the block runs, ``signums`` are only noted, in the list yielded, in the order
    they came; the handlers there were before are put back afterwards.

    Raises:
        ConfigError: called outside the main thread, where Python takes no signals
            (``key`` ``stop_on``).
    """
    received: list[int] = []

    def note(signum: int, frame: FrameType | None) -> None:
        del frame
        received.append(signum)

    previous: dict[int, _Handler] = {}
    try:
        for signum in signums:
            try:
                previous[signum] = signal.signal(signum, note)
            except ValueError as exc:
                raise ConfigError(f"cannot take stop signals here: {exc}", key="stop_on") from exc
        yield received
    finally:
        for signum, handler in previous.items():
            # None: a handler not set from Python, which cannot be put back; the default is.
            signal.signal(signum, signal.SIG_DFL if handler is None else handler)


def interrupts() -> tuple[int, ...]:
    """SIGINT, when here it raises ``KeyboardInterrupt`` (Python's own handler, in the main
    thread): a caller that set a handler of its own keeps it."""
    main = threading.current_thread() is threading.main_thread()
    if main and signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        return (signal.SIGINT,)
    return ()
