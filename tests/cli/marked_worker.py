"""An extraction worker that misbehaves on pages marked for it (``scraper extract``'s tests
start it in place of the real one).

It is the real worker, with the extractor replaced inside it: a bug, the user's Ctrl-C and a
look at the command's output, each on the page that asks for it.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Sequence
from pathlib import Path

from scraper.crawl import worker
from scraper.crawl.jobs import Outcome, outcomes_message
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
#: The command's output file. A page marked INTERRUPT or LINES first waits until it holds an
#: article for every page answered before: the command has read those answers and taken them.
OUTPUT_VARIABLE = "MARKED_WORKER_OUTPUT"
#: Seconds a marked page waits for those articles at most: a safety net, far beyond what a
#: loaded machine takes, for a command that never writes them (the test then fails on them).
_SETTLE_LIMIT = 20.0

#: Pages whose outcomes this worker has sent back.
_answered = 0


def _count_answers(outcomes: Sequence[Outcome]) -> list[bytes]:
    global _answered
    _answered += len(outcomes)
    return outcomes_message(outcomes)


def _articles_written(path: Path) -> int:
    """Articles in the output so far: a JSON Lines record per line, a JSON array's item from
    its opening line (its nested objects are indented further)."""
    try:
        lines = path.read_text("utf-8").splitlines()
    except FileNotFoundError:
        return 0
    return sum(line.startswith("{") or line == "  {" for line in lines)


def _settle() -> None:
    # A fixed pause (half a second) raced the command on a loaded machine: the Ctrl-C could
    # come before it had read the chunk answered last, or the lines be counted before it had
    # written them.
    output = Path(os.environ[OUTPUT_VARIABLE])
    deadline = time.monotonic() + _SETTLE_LIMIT
    while _articles_written(output) < _answered and time.monotonic() < deadline:
        time.sleep(0.005)


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
        _settle()
        os.kill(os.getppid(), signal.SIGINT)
        time.sleep(600)
    if LINES in text:
        _settle()
        lines = len(Path(os.environ[OUTPUT_VARIABLE]).read_text("utf-8").splitlines())
        raise ValueError(f"{lines} lines written")
    return real_extract(html, url, options=options, encoding=encoding, content_type=content_type)


if __name__ == "__main__":
    # The worker's own extract_job calls it, so a bug is caught where a real one would be.
    pipeline.extract = _extract
    # The name the worker's loop calls for each chunk's answer (not exported, hence vars()).
    vars(worker)["outcomes_message"] = _count_answers
    main()
