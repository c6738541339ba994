"""An extraction worker process: chunks of pages on stdin, their outcomes on stdout.

Started by :class:`scraper.crawl.extraction.Extractor` as ``python -m scraper.crawl.worker``, so
it imports the extractor and :mod:`scraper.crawl.jobs` and nothing of the crawl process (no
re-run of its main module, as a multiprocessing worker would; not even asyncio). It exits when
its stdin ends: when the crawl closes it, or when the crawl process dies, even by SIGKILL, since
nobody else holds the pipe's other end.

With ``--memory-mb N`` it caps its data memory at N megabytes (:mod:`scraper.memory`), so a
page whose tree grows without bound fails alone. With ``--progress-fd N`` it maps the memory of
that file descriptor and counts in it, as an unsigned 64-bit number, twice the pages it
finished, plus one while it extracts one: the crawl process reads it to find a page the worker
has been stuck on for too long (a store of eight bytes per page, no system call). The memory
past those eight bytes is where the crawl places the page bodies of its chunks
(:func:`scraper.crawl.jobs.jobs_message`).
"""

from __future__ import annotations

import mmap
import os
import signal
import sys
from collections.abc import Callable, Sequence

from scraper.crawl.jobs import Outcome, PageJob, extract_job, jobs_from, outcomes_message
from scraper.crawl.wire import read
from scraper.memory import limit_memory

__all__ = ["MEMORY_OPTION", "PROGRESS_FD_OPTION", "STOP_SIGNALS", "main"]

#: The option that hands a worker the file descriptor of its progress counter.
PROGRESS_FD_OPTION = "--progress-fd"
#: The option that caps a worker's memory, in megabytes.
MEMORY_OPTION = "--memory-mb"

#: Signals a worker leaves to the crawl process. It is started with them blocked (see
#: :mod:`scraper.crawl.extraction`), so that one arriving while the interpreter starts, before
#: :func:`main` can ignore it, waits instead of killing the worker.
STOP_SIGNALS = frozenset({signal.SIGINT, signal.SIGTERM})


def main(
    argv: Sequence[str] | None = None, extract: Callable[[PageJob], Outcome] = extract_job
) -> None:
    """Serve chunks until stdin ends, extracting each page with ``extract``."""
    args = sys.argv[1:] if argv is None else argv
    progress, area = _shared(args)
    if MEMORY_OPTION in args:
        limit_memory(int(args[args.index(MEMORY_OPTION) + 1]))
    # Ctrl-C on a terminal reaches the whole process group, and a service manager's stop
    # (systemd's SIGTERM to the whole unit) every process of the run: the crawl process
    # handles it and closes our stdin, after which we finish the chunk in hand and exit. Dying
    # first would fail the pages in hand as if they could not be extracted.
    for signum in STOP_SIGNALS:
        signal.signal(signum, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
    # Replies go to a private copy of stdout; anything printed by accident goes to stderr.
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    requests = sys.stdin.buffer
    done = 0
    try:
        while (message := read(requests)) is not None:
            outcomes = []
            for job in jobs_from(message, area):
                progress[0] = 2 * done + 1
                outcomes.append(extract(job))
                done += 1
                progress[0] = 2 * done
            for piece in outcomes_message(outcomes):
                replies.write(piece)
            replies.flush()
    except BrokenPipeError:
        # The crawl process is gone and nobody wants the result; exit without flushing again.
        os._exit(0)


def _shared(argv: Sequence[str]) -> tuple[memoryview, memoryview | None]:
    """The counter the crawl process reads (a private one when it gave none), and the memory
    past it where the crawl places page bodies (None when it gave none)."""
    if PROGRESS_FD_OPTION not in argv:
        return memoryview(bytearray(8)).cast("Q"), None
    fd = int(argv[argv.index(PROGRESS_FD_OPTION) + 1])
    shared = memoryview(mmap.mmap(fd, os.fstat(fd).st_size))
    return shared[:8].cast("Q"), shared[8:]


if __name__ == "__main__":
    main()
