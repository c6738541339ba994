"""The lenient parser's process: a listing on stdin, what it lists on stdout.

Started by :mod:`scraper.crawl.lenient_feeds` as ``python -m scraper.discover.lenient``, one
process a listing, so that a parser's cost on hostile markup is paid, and ended, outside the
crawl: feedparser's on a feed only it reads (thousands of unclosed tags: half a minute of CPU
and 500 MB for a 4 MB feed), and lexbor's on a section page that leaves formatting elements
open to be copied at every block (:class:`~scraper.discover.links.HeavySection`: gigabytes
from 90 KB). It imports the listing readers only (no asyncio, nothing of the crawl).

Its request is one line of JSON, ``{"url": BASE_URL}`` for a feed (as
:class:`~scraper.discover.feeds.LenientFeed` holds it) or ``{"url": BASE_URL, "follow":
[PATTERN, ...]}`` for a section page, then the listing's bytes to the end of stdin. Its answer
is one JSON object: ``{"entries": [[url, published, latest, modified], ...]}`` (dates in ISO
8601, or null), or ``{"error": MESSAGE}`` when the document is no listing; exit status 0
either way. With ``--memory-mb N`` its data memory is capped at N megabytes
(:mod:`scraper.memory`), and it exits with :data:`OUT_OF_MEMORY_STATUS` should the feed need
more. With ``--seconds N`` the kernel kills it after a second more than N of CPU: its parent
kills it at N seconds anyway, but a parent killed itself (SIGKILL) leaves no parse behind that
runs for a minute.
"""

from __future__ import annotations

import json
import math
import os
import resource
import signal
import sys
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from scraper.discover.entry import Discovered, Listing
from scraper.discover.feeds import read_with_feedparser
from scraper.errors import InputError, ParseError
from scraper.memory import limit_memory

__all__ = [
    "MEMORY_OPTION",
    "OUT_OF_MEMORY_STATUS",
    "SECONDS_OPTION",
    "STOP_SIGNALS",
    "listing_from_answer",
    "main",
    "request_head",
]

#: The option that caps the process's memory, in megabytes.
MEMORY_OPTION = "--memory-mb"
#: The option that bounds the process's CPU time, in seconds.
SECONDS_OPTION = "--seconds"
#: The exit status of a process that ran out of the memory it was given.
OUT_OF_MEMORY_STATUS = 3
#: Signals the process leaves to its parent, which kills it when it stops. It is started with
#: them blocked, so that one sent to the whole process group (Ctrl-C, a service manager's
#: stop) while its interpreter starts waits instead of ending it with a traceback, which the
#: crawl would record as the feed's failure.
STOP_SIGNALS = frozenset({signal.SIGINT, signal.SIGTERM})


def request_head(base_url: str, follow: Sequence[str] | None = None) -> bytes:
    """The line that comes before the listing's bytes on the process's stdin: a section
    page's with the patterns of the links to follow, a feed's without."""
    head: dict[str, object] = {"url": base_url}
    if follow is not None:
        head["follow"] = list(follow)
    return json.dumps(head).encode() + b"\n"


def _answer(listing: Listing) -> bytes:
    rows = [[e.url, _iso(e.published), _iso(e.latest), _iso(e.modified)] for e in listing.entries]
    # ASCII (json's default): a lone surrogate in a link comes across as it was.
    return json.dumps({"entries": rows}).encode()


def _iso(when: datetime | None) -> str | None:
    return None if when is None else when.isoformat()


def listing_from_answer(answer: bytes) -> Listing:
    """The listing an answer carries.

    Raises:
        InputError: the answer says the document is no listing (its message).
        ValueError, TypeError, KeyError: the answer is not one this module writes.
    """
    data: Any = json.loads(answer)
    if not isinstance(data, dict):
        raise ValueError("the answer is not a JSON object")
    if isinstance(data.get("error"), str):
        raise InputError(data["error"])
    entries = []
    for url, published, latest, modified in data["entries"]:
        entries.append(
            Discovered(str(url), _datetime(published), _datetime(latest), _datetime(modified))
        )
    return Listing(entries=tuple(entries))


def _datetime(text: object) -> datetime | None:
    return None if text is None else datetime.fromisoformat(str(text))


def _option(argv: Sequence[str], name: str) -> str | None:
    return argv[argv.index(name) + 1] if name in argv else None


def _limit_cpu(seconds: int) -> None:
    """Have the kernel kill this process (SIGKILL) after ``seconds`` of CPU time.

    CPU time never runs ahead of the parent's clock: this only stops a parse whose parent is
    gone. The soft limit is the hard one, so no SIGXCPU (and core dump) comes first; never
    above a hard limit the system already imposes.
    """
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    if hard != resource.RLIM_INFINITY:
        seconds = min(seconds, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds))


def main(argv: Sequence[str] | None = None) -> None:
    """Read one listing from stdin and write what it lists to stdout."""
    args = sys.argv[1:] if argv is None else argv
    # Left to the parent (see STOP_SIGNALS), which kills this process when it stops.
    for signum in STOP_SIGNALS:
        signal.signal(signum, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
    seconds = _option(args, SECONDS_OPTION)
    if seconds is not None:
        _limit_cpu(math.ceil(float(seconds)) + 1)
    memory = _option(args, MEMORY_OPTION)
    if memory is not None:
        limit_memory(int(memory))
    # The answer goes to a private copy of stdout; anything printed by accident to stderr.
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    try:
        head = json.loads(sys.stdin.buffer.readline())
        base_url, follow = head["url"], head.get("follow")
        body = sys.stdin.buffer.read()
        try:
            if follow is None:
                answer = _answer(read_with_feedparser(body, base_url))
            else:
                # Imported here: a feed's process has no use for the HTML parser.
                from scraper.discover.links import parse_section

                answer = _answer(parse_section(body, base_url, follow))
        except ParseError:
            # lexbor gives up only when an allocation fails: here, at the memory cap.
            os._exit(OUT_OF_MEMORY_STATUS)
        except InputError as exc:
            answer = json.dumps({"error": str(exc)}).encode()
        replies.write(answer)
        replies.flush()
    except MemoryError:
        # Nothing more can be relied on to work, a traceback's formatting included.
        os._exit(OUT_OF_MEMORY_STATUS)
    except BrokenPipeError:
        os._exit(0)  # the parent is gone, and nobody wants the answer


if __name__ == "__main__":
    main()
