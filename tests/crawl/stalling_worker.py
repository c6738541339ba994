"""An extraction worker that stalls, or dies, on pages marked for it (the crawl's timeout tests
start it).

The stall stands in for a quadratic corner or a C library that hangs: only a kill ends it. The
death stands in for the out-of-memory killer or a crash in a C library.
"""

from __future__ import annotations

import os
import time

from scraper.crawl.jobs import Outcome, PageJob, extract_job
from scraper.crawl.worker import main

#: Pages whose body holds this never finish extracting.
STALL = b"<!-- stall -->"
#: Pages whose body holds this end the worker process at once.
CRASH = b"<!-- crash -->"


def _stalling(job: PageJob) -> Outcome:
    if STALL in job.body:
        time.sleep(600)
    if CRASH in job.body:
        os._exit(137)
    return extract_job(job)


if __name__ == "__main__":
    main(extract=_stalling)
