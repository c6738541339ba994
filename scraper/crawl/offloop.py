"""Running a slow pure function off the event loop, in a thread the process does not wait for.

``asyncio.to_thread`` would keep the loop free too, but its threads are joined when the loop
closes (and again at interpreter exit), so a run whose time budget cut a seconds-long parse
would still sit out the parse before exiting. A thread cannot be stopped, so the work given
here must be bounded in itself (feeds have a size cap for their slow parser); a daemon thread
only stops it from holding the run's end.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from functools import partial
from typing import TypeVar

__all__ = ["off_loop"]

_T = TypeVar("_T")


async def off_loop(work: Callable[[], _T], name: str = "off-loop") -> _T:
    """The result of ``work()`` run in a daemon thread (its exception is raised here).

    Cancelling the await leaves the thread to finish on its own, and its result is dropped.
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future[_T] = loop.create_future()

    def run() -> None:
        try:
            settle = partial(_set_result, future, work())
        except BaseException as exc:  # handed to the awaiting task, whatever it is
            settle = partial(_set_exception, future, exc)
        with contextlib.suppress(RuntimeError):  # the loop has closed: nobody waits any more
            loop.call_soon_threadsafe(settle)

    threading.Thread(target=run, name=name, daemon=True).start()
    return await future


def _set_result(future: asyncio.Future[_T], result: _T) -> None:
    if not future.done():  # not cancelled meanwhile
        future.set_result(result)


def _set_exception(future: asyncio.Future[_T], error: BaseException) -> None:
    if not future.done():
        future.set_exception(error)
