"""Extraction in a process pool: pages in, Articles (or the reason there is none) out.

Extraction is CPU-bound and pure, so it runs in worker processes while the event loop keeps
fetching. Errors come back as values: exceptions with keyword-only constructors do not survive
pickling, and an extractor bug on one page must not stop the run.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from types import TracebackType

from scraper.errors import ScraperError
from scraper.extract import extract_page
from scraper.extract.options import ExtractOptions
from scraper.models import Article, Page

__all__ = ["ExtractFailed", "Extractor", "extract_or_reason"]


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


class Extractor:
    """Runs :func:`extract_or_reason` in ``workers`` processes (inline when ``workers`` is 0).

    The pool starts on first use, so a run with nothing new never pays for it.
    """

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool: Executor | None = None

    def __enter__(self) -> Extractor:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _executor(self) -> Executor:
        if self._pool is None:
            # forkserver: forking a process that runs an event loop and threads is unsafe.
            context = multiprocessing.get_context("forkserver")
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=context)
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
