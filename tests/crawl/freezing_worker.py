"""An extraction worker that stops answering between pages: after its first message it never
reads another (the crawl's timeout tests start it).

It stands in for a worker frozen by a signal (SIGSTOP, a suspended cgroup) or hung outside any
page: nothing it does marks a page begun, so only the watchdog's view of its idle time with
pages in hand can tell.
"""

from __future__ import annotations

import itertools
import time
from typing import BinaryIO

import scraper.crawl.worker as worker
from scraper.crawl.wire import Message, read

_CALLS = itertools.count(1)


def _read_once(stream: BinaryIO) -> Message | None:
    if next(_CALLS) > 1:
        time.sleep(600)
    return read(stream)


if __name__ == "__main__":
    # The worker's loop reads through its module's name for the function.
    vars(worker)["read"] = _read_once
    worker.main()
