"""Batch extraction in worker processes: stopping the batch does not wait for its workers."""

from __future__ import annotations

import time
from pathlib import Path

from scraper.batch import extract_files
from scraper.extract import ExtractOptions, extract_page
from scraper.models import Article, Page

HTML = (
    "<html><head><title>Lock gates renewed</title></head><body><article><p>"
    + "The lock gates on the lower canal were renewed by the trust over the winter. " * 4
    + "</p></article></body></html>"
)
SLOW = "<!-- slow -->"
SLOW_SECONDS = 5.0


def _slow(page: Page, options: ExtractOptions) -> Article:
    """Extraction that takes seconds on a marked page, as a very large page does."""
    if SLOW.encode() in page.body:
        time.sleep(SLOW_SECONDS)
    return extract_page(page, options)


def test_stopping_a_batch_ends_its_workers_instead_of_waiting_for_their_pages(
    tmp_path: Path,
) -> None:
    paths = [tmp_path / f"p{n:02}.html" for n in range(24)]
    for n, path in enumerate(paths):
        # The first chunk (8 pages) is quick; the worker holding the next one is 8 slow pages
        # deep, which leaving the pool would wait for (40 s).
        path.write_text(HTML + (SLOW if n >= 8 else ""), encoding="utf-8")
    items = extract_files(paths, ExtractOptions(), workers=2, extract=_slow)
    first = next(items)
    assert isinstance(first.result, Article)
    begun = time.monotonic()
    items.close()  # what Ctrl-C in the command, or a caller that stops reading, does
    assert time.monotonic() - begun < SLOW_SECONDS
