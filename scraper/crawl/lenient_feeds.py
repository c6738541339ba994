"""feedparser's reading of a feed, or lexbor's of a heavy section page, in a child process
with a time limit and a memory cap.

feedparser reads a feed the fast path cannot (:func:`scraper.discover.feeds.parse_fast`), and
on hostile markup its cost has no bound worth the name: 4 MB of unclosed tags cost it half a
minute of CPU and 500 MB. In the crawl process that held the interpreter and the memory, and a
thread running it could not be stopped. Here each such feed is read by a short-lived process
of its own (:mod:`scraper.discover.lenient`), fed over a pipe by the event loop and killed at
its time limit, or as soon as the await is cancelled (a stopped crawl, a spent time budget):
the feed fails alone, with a :class:`~scraper.errors.ParseLimit` that says which limit it met.

A section page whose markup leaves formatting elements open, to be copied again at every
block, can make lexbor's tree take gigabytes from 90 KB (:mod:`scraper.discover.reopened`):
such a page (:class:`~scraper.discover.links.HeavySection`) is read here too.

A process costs about a tenth of a second of CPU to start (it imports feedparser), paid only
by the feeds that need feedparser and the rare heavy section pages; the rest never get here.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from scraper.discover.entry import Listing
from scraper.discover.feeds import LenientFeed
from scraper.discover.lenient import (
    MEMORY_OPTION,
    OUT_OF_MEMORY_STATUS,
    SECONDS_OPTION,
    STOP_SIGNALS,
    listing_from_answer,
    request_head,
)
from scraper.discover.links import HeavySection
from scraper.errors import ParseError, ParseLimit, shorten

__all__ = [
    "DEFAULT_MEMORY_MB",
    "DEFAULT_SECONDS",
    "LENIENT_COMMAND",
    "LenientLimits",
    "read_in_child",
]

#: Seconds feedparser may take over one feed: an ordinary one of 4 MB (its size cap) takes
#: about four; hostile markup of that size half a minute and more.
DEFAULT_SECONDS = 20.0
#: Megabytes of data memory its process may hold: an ordinary feed of 4 MB needs some 100.
DEFAULT_MEMORY_MB = 512
#: How the process is started (its limits are added to it).
LENIENT_COMMAND = (sys.executable, "-m", "scraper.discover.lenient")
#: The most of the process's error output a failure's message quotes.
_QUOTED = 300


@dataclass(frozen=True, slots=True)
class LenientLimits:
    """What feedparser's process is given for one feed: ``seconds`` of time from its start,
    ``memory_mb`` megabytes of data memory."""

    seconds: float = DEFAULT_SECONDS
    memory_mb: int = DEFAULT_MEMORY_MB


async def read_in_child(
    feed: LenientFeed | HeavySection,
    limits: LenientLimits = LenientLimits(),
    command: Sequence[str] = LENIENT_COMMAND,
) -> Listing:
    """What :func:`~scraper.discover.feeds.read_with_feedparser` lists of a feed, or
    :func:`~scraper.discover.links.parse_section` of a section page, read in a process of its
    own; that process is killed when this is cancelled, and is gone (reaped) whenever this
    returns or raises.

    Raises:
        InputError: feedparser recognises no feed.
        ParseLimit: the process met the time limit or the memory cap.
        ParseError: the process failed otherwise (it died, or its answer is unreadable).
    """
    if isinstance(feed, HeavySection):
        head = request_head(feed.base_url, feed.patterns)
        what = "section page"
        where = "in a process of its own (its markup reopens formatting at every block)"
    else:
        head, what, where = request_head(feed.base_url), "feed", "in the lenient parser"
    process = await _start(command, limits)
    try:
        try:
            async with asyncio.timeout(limits.seconds):
                answer, errors = await process.communicate(head + feed.body)
        except TimeoutError as exc:
            raise ParseLimit(
                f"{what} took longer than {limits.seconds:g} s to parse {where}"
                f" ({shorten(feed.base_url)})"
            ) from exc
    finally:
        await _ended(process)
    status = process.returncode
    if status == OUT_OF_MEMORY_STATUS:
        raise ParseLimit(
            f"{what} needed more than {limits.memory_mb} MB to parse {where}"
            f" ({shorten(feed.base_url)})"
        )
    if status != 0:
        # A traceback's last line says what went wrong.
        said = shorten(errors.decode("utf-8", "replace").strip().rpartition("\n")[2], _QUOTED)
        raise ParseError(
            f"the lenient feed parser's process died (exit status {status})"
            f"{': ' + said if said else ''} ({shorten(feed.base_url)})"
        )
    try:
        return listing_from_answer(answer)
    except (ValueError, TypeError, KeyError) as exc:
        raise ParseError(
            f"the lenient feed parser's answer is unreadable: {exc} ({shorten(feed.base_url)})"
        ) from exc


async def _start(command: Sequence[str], limits: LenientLimits) -> asyncio.subprocess.Process:
    argv = [
        *command,
        SECONDS_OPTION,
        f"{limits.seconds:g}",
        MEMORY_OPTION,
        str(limits.memory_mb),
    ]
    # Inherited across exec: a stop signal sent to the whole process group while the child's
    # interpreter starts waits until it ignores such signals (it is killed by us instead).
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        return await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=_child_env(),
        )
    except OSError as exc:
        raise ParseError(f"the lenient feed parser's process could not start: {exc}") from exc
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


async def _ended(process: asyncio.subprocess.Process) -> None:
    """Kill ``process`` unless it has exited, and reap it."""
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError):  # it may have just exited on its own
            process.kill()
    # After SIGKILL this is a moment. Were this task cancelled once more meanwhile, the
    # process is dead all the same, and the event loop's child watcher reaps it.
    await process.wait()


def _child_env() -> dict[str, str]:
    # The child must import this very scraper, wherever it was imported from here.
    package_root = str(Path(__file__).resolve().parents[2])
    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [package_root, path]))}
