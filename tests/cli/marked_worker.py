"""An extraction worker that misbehaves on pages marked for it (``scraper extract``'s tests
start it in place of the real one).

It is the real worker, with the extractor replaced inside it: a bug, the user's Ctrl-C and a
look at the command's output, each on the page that asks for it.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from scraper.crawl.worker import main
from scraper.extract import ExtractOptions, pipeline
from scraper.extract import extract as real_extract
from scraper.models import Article

#: The extractor raises IndexError on pages holding this (a bug met on one page).
BUG = "<!-- bug -->"
#: On pages holding this, the worker sends SIGINT to the command (the user's Ctrl-C reaches
#: the whole process group; the worker ignores it) and stalls.
INTERRUPT = "<!-- interrupt -->"
#: On pages holding this, the extractor fails saying how many lines the file named by the
#: environment variable OUTPUT_VARIABLE holds by then.
LINES = "<!-- lines -->"
OUTPUT_VARIABLE = "MARKED_WORKER_OUTPUT"
#: Seconds a marked page waits first: the command has read the answers sent before it.
_SETTLE = 0.5


def _extract(
    html: str | bytes,
    url: str | None = None,
    *,
    options: ExtractOptions | None = None,
    encoding: str | None = None,
    content_type: str | None = None,
) -> Article:
    text = html if isinstance(html, str) else html.decode("utf-8", "replace")
    if BUG in text:
        raise IndexError("list index out of range")
    if INTERRUPT in text:
        time.sleep(_SETTLE)
        os.kill(os.getppid(), signal.SIGINT)
        time.sleep(600)
    if LINES in text:
        time.sleep(_SETTLE)
        lines = len(Path(os.environ[OUTPUT_VARIABLE]).read_text("utf-8").splitlines())
        raise ValueError(f"{lines} lines written")
    return real_extract(html, url, options=options, encoding=encoding, content_type=content_type)


if __name__ == "__main__":
    # The worker's own extract_job calls it, so a bug is caught where a real one would be.
    pipeline.extract = _extract
    main()
