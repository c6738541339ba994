"""A thin synchronous face of the fetcher, for code that is not async."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterable
from typing import TypedDict, Unpack

from scraper.closing import Closeable
from scraper.errors import FetchError
from scraper.fetch.batch import FetchResult, fetch_each
from scraper.fetch.client import Fetcher
from scraper.fetch.options import FetchOptions
from scraper.models import Page

__all__ = ["FetchKeywords", "SyncFetcher"]


class FetchKeywords(TypedDict, total=False):
    """The keywords of :meth:`Fetcher.fetch` besides the URL."""

    etag: str | None
    last_modified: str | None
    document: bool


class SyncFetcher(Closeable):
    """Runs a :class:`Fetcher` on a private event loop; use as a context manager.

    Calls from several threads are safe but serialised: one runs at a time, on the one loop
    (``fetch_all`` fetches its URLs concurrently within its call). A thread pool that wants
    its fetches to run in parallel uses the async :class:`Fetcher`, or one SyncFetcher per
    thread.

    After ``close()``, ``fetch`` raises a :class:`~scraper.errors.FetchError` and ``fetch_all``
    gives one for each URL.
    """

    def __init__(self, options: FetchOptions | None = None) -> None:
        self._runner = asyncio.Runner()
        self._fetcher = Fetcher(options)
        # The runner's loop runs one call at a time, and its locks and connections belong to
        # it: a second thread's call into it failed ("This event loop is already running").
        self._lock = threading.Lock()
        self._closed = False

    def close(self) -> None:
        """Close the connections and the event loop (after a call under way ends)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            try:
                self._runner.run(self._fetcher.aclose())
            finally:
                self._runner.close()

    def fetch(self, url: str, **keywords: Unpack[FetchKeywords]) -> Page:
        """See :meth:`Fetcher.fetch`, whose keywords it takes (``etag``, ``last_modified``,
        ``document``)."""
        with self._lock:
            # Checked before the coroutine is made: made and not run, it warned "never awaited".
            if self._closed:
                raise _closed(url)
            return self._runner.run(self._fetcher.fetch(url, **keywords))

    def fetch_all(self, urls: Iterable[str]) -> list[FetchResult]:
        """Fetch every URL concurrently; one result per URL, in input order."""

        async def collect() -> list[FetchResult]:
            return [result async for result in fetch_each(self._fetcher, urls)]

        with self._lock:
            if self._closed:
                return [FetchResult(url, error=_closed(url)) for url in urls]
            return self._runner.run(collect())


def _closed(url: str) -> FetchError:
    """The error of ``url`` asked for after ``close()``."""
    return FetchError("the SyncFetcher is closed", url=url)
