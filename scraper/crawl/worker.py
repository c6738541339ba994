"""An extraction worker process: chunks of pages on stdin, their outcomes on stdout.

Started by :class:`scraper.crawl.extraction.Extractor` as ``python -m scraper.crawl.worker``, so
it imports the extractor and :mod:`scraper.crawl.jobs` and nothing of the crawl process (no
re-run of its main module, as a multiprocessing worker would; not even asyncio). It exits when
its stdin ends: when the crawl closes it, or when the crawl process dies, even by SIGKILL, since
nobody else holds the pipe's other end.
"""

from __future__ import annotations

import os
import signal
import sys

from scraper.crawl.jobs import extract_chunk, jobs_from, outcomes_message
from scraper.crawl.wire import read

__all__ = ["STOP_SIGNALS", "main"]

#: Signals a worker leaves to the crawl process. It is started with them blocked (see
#: :mod:`scraper.crawl.extraction`), so that one arriving while the interpreter starts, before
#: :func:`main` can ignore it, waits instead of killing the worker.
STOP_SIGNALS = frozenset({signal.SIGINT, signal.SIGTERM})


def main() -> None:
    """Serve chunks until stdin ends."""
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
    try:
        while (message := read(requests)) is not None:
            for piece in outcomes_message(extract_chunk(jobs_from(message))):
                replies.write(piece)
            replies.flush()
    except BrokenPipeError:
        # The crawl process is gone and nobody wants the result; exit without flushing again.
        os._exit(0)


if __name__ == "__main__":
    main()
