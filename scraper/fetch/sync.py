"""A thin synchronous face of the fetcher, for code that is not async."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import TypedDict, Unpack

from scraper.closing import Closeable
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
    """Runs a :class:`Fetcher` on a private event loop; use as a context manager."""

    def __init__(self, options: FetchOptions | None = None) -> None:
        self._runner = asyncio.Runner()
        self._fetcher = Fetcher(options)

    def close(self) -> None:
        """Close the connections and the event loop."""
        try:
            self._runner.run(self._fetcher.aclose())
        finally:
            self._runner.close()

    def fetch(self, url: str, **keywords: Unpack[FetchKeywords]) -> Page:
        """See :meth:`Fetcher.fetch`, whose keywords it takes (``etag``, ``last_modified``,
        ``document``)."""
        return self._runner.run(self._fetcher.fetch(url, **keywords))

    def fetch_all(self, urls: Iterable[str]) -> list[FetchResult]:
        """Fetch every URL concurrently; one result per URL, in input order."""

        async def collect() -> list[FetchResult]:
            return [result async for result in fetch_each(self._fetcher, urls)]

        return self._runner.run(collect())
