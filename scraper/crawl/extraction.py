"""Extraction in a process pool: pages in, Articles (or the reason there is none) out.

Extraction is CPU-bound and pure, so it runs in worker processes while the event loop keeps
fetching. Errors come back as values: exceptions with keyword-only constructors do not survive
pickling, and an extractor bug on one page must not stop the run.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import threading
import time
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from scraper.closing import Closeable
from scraper.errors import ScraperError
from scraper.extract import extract_page
from scraper.extract.options import ExtractOptions
from scraper.models import Article, Page

__all__ = ["ExtractFailed", "Extractor", "extract_or_reason", "watch_parent"]

_WATCH_INTERVAL = 0.5


@dataclass(frozen=True, slots=True)
class ExtractFailed:
    """Why a page gave no article."""

    kind: str
    reason: str


def extract_or_reason(page: Page, options: ExtractOptions) -> Article | ExtractFailed:
    """Extract one page; failures are returned, not raised (this runs in a worker)."""
    try:
        article = extract_page(page, options)
    except ScraperError as exc:
        return ExtractFailed(exc.kind, str(exc))
    except Exception as exc:  # an extractor bug on one page is that page's failure only
        return ExtractFailed("internal", f"{type(exc).__name__}: {exc}")
    if not article.text.strip():
        return ExtractFailed("empty", "no article text found")
    return article


def watch_parent(parent: int) -> None:
    """In a worker: exit when the crawl process that started it is gone.

    A worker blocked waiting for work would otherwise outlive a crawl killed with SIGKILL
    (it holds its own copy of the queue's write end, so it never sees end-of-file).
    """

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(_WATCH_INTERVAL)
        os._exit(1)

    threading.Thread(target=watch, name="watch-parent", daemon=True).start()


class Extractor(Closeable):
    """Runs :func:`extract_or_reason` in ``workers`` processes (inline when ``workers`` is 0).

    The pool starts on first use, so a run with nothing new never pays for it.
    """

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool: Executor | None = None

    def _executor(self) -> Executor:
        if self._pool is None:
            # spawn: forking a process that runs an event loop and threads is unsafe, and a
            # forkserver would outlive a crawl killed with SIGKILL.
            context = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=context,
                initializer=watch_parent,
                initargs=(os.getpid(),),
            )
        return self._pool

    async def extract(self, page: Page, options: ExtractOptions) -> Article | ExtractFailed:
        """The article of ``page``, or why there is none."""
        if self.workers <= 0:
            return extract_or_reason(page, options)
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor(), extract_or_reason, page, options)
        except BrokenProcessPool as exc:
            # A worker died (out of memory, a crash in a C library): restart the pool and
            # charge the loss to this page only.
            self.close()
            return ExtractFailed("internal", f"extraction worker died: {exc}")

    def close(self) -> None:
        """Stop the workers."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
