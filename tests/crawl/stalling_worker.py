"""An extraction worker that stalls, or dies, on pages marked for it (the crawl's timeout tests
start it).

The stall stands in for a quadratic corner or a C library that hangs: only a kill ends it. The
death stands in for the out-of-memory killer or a crash in a C library. A long page's answer
fills the pipe back to the crawl.
"""

from __future__ import annotations

import os
import time

from scraper.crawl.jobs import Extracted, Outcome, PageJob, extract_job
from scraper.crawl.worker import main

#: Pages whose body holds this never finish extracting.
STALL = b"<!-- stall -->"
#: Pages whose body holds this end the worker process at once.
CRASH = b"<!-- crash -->"
#: Pages whose body holds this extract at once to 300 KB of text (a long transcript).
LONG = b"<!-- long -->"


def _stalling(job: PageJob) -> Outcome:
    if STALL in job.body:
        time.sleep(600)
    if CRASH in job.body:
        os._exit(137)
    if LONG in job.body:
        text = b"word " * 60_000
        return Extracted(b'{"text": "' + text + b'"}', text, "Transcript", None, None)
    return extract_job(job)


if __name__ == "__main__":
    main(extract=_stalling)
