"""An extraction worker that stalls on pages marked for it (the crawl's timeout tests start it).

The stall stands in for a quadratic corner or a C library that hangs: only a kill ends it.
"""

from __future__ import annotations

import time

from scraper.crawl.jobs import Outcome, PageJob, extract_job
from scraper.crawl.worker import main

#: Pages whose body holds this never finish extracting.
STALL = b"<!-- stall -->"


def _stalling(job: PageJob) -> Outcome:
    if STALL in job.body:
        time.sleep(600)
    return extract_job(job)


if __name__ == "__main__":
    main(extract=_stalling)
