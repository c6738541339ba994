"""A cap on a process's memory, so that one pathological page fails instead of taking the machine.

A few kilobytes of markup can make an HTML5 parser build millions of elements: formatting tags
left open are reopened at every new block (lexbor issue 340), so a 40 KB page grows a tree of
4 million elements and 1.3 GB, and an 80 KB one 5 GB, within seconds and before any budget of
the extractor applies. Extraction worker processes run under this cap: an allocation past it
fails, the parser reports the page unparsable (or Python raises ``MemoryError``), the page fails
alone and the worker goes on with the next one. Extraction of an ordinary page needs well under
a tenth of the default; a 10 MB page (the fetcher's cap) about a third.
"""

from __future__ import annotations

import resource
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = [
    "DEFAULT_MEMORY_MB",
    "MAX_MEMORY_MB",
    "MIN_MEMORY_MB",
    "OUT_OF_MEMORY",
    "cap_problem",
    "limit_memory",
    "memory_cap",
]

#: Megabytes of data memory an extraction worker may hold.
DEFAULT_MEMORY_MB = 1024
#: Below this a worker could not even import the extractor.
MIN_MEMORY_MB = 128
#: Past this (16 TiB) a cap is no limit on any machine, and from 2**43 megabytes on it is no
#: number the kernel takes: every worker died at start.
MAX_MEMORY_MB = 1 << 24
#: The reason of a page whose extraction met the cap (kind ``out_of_memory``).
OUT_OF_MEMORY = "extraction ran out of memory on this page"


def cap_problem(megabytes: int) -> str | None:
    """What is wrong with ``megabytes`` as a cap (0 means none), or None when it will do."""
    if megabytes < 0 or 0 < megabytes < MIN_MEMORY_MB:
        return f"must be 0 (no cap) or at least {MIN_MEMORY_MB}"
    if megabytes > MAX_MEMORY_MB:
        return f"must be at most {MAX_MEMORY_MB} (16 TiB; 0 for no cap)"
    return None


def limit_memory(megabytes: int) -> None:
    """Cap this process's data memory (heap and private maps, ``RLIMIT_DATA``) at ``megabytes``.

    Only the soft limit is set, never above a hard limit the system already imposes.
    """
    wanted = megabytes << 20
    _, hard = resource.getrlimit(resource.RLIMIT_DATA)
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (wanted, hard))


@contextmanager
def memory_cap(megabytes: int | None) -> Iterator[None]:
    """:func:`limit_memory` for the duration of a ``with`` block (None: no cap), then the
    soft limit as it was: a command run inside a longer-lived process leaves no cap behind.
    """
    if megabytes is None:
        yield
        return
    before = resource.getrlimit(resource.RLIMIT_DATA)
    limit_memory(megabytes)
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_DATA, before)
