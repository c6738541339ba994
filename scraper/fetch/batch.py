"""Fetching many URLs concurrently, results in input order, one failure never stopping the rest."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass

from scraper.errors import FetchError
from scraper.fetch.client import Fetcher
from scraper.models import Page

__all__ = ["FetchResult", "fetch_each"]


@dataclass(frozen=True, slots=True)
class FetchResult:
    """The outcome of one URL: a page, or the error that stopped it."""

    url: str
    page: Page | None = None
    error: FetchError | None = None


async def _one(fetcher: Fetcher, url: str) -> FetchResult:
    try:
        return FetchResult(url, page=await fetcher.fetch(url))
    except FetchError as exc:
        return FetchResult(url, error=exc)


async def fetch_each(
    fetcher: Fetcher, urls: Iterable[str], *, window: int | None = None
) -> AsyncIterator[FetchResult]:
    """Yield one result per URL, in input order, with up to ``window`` fetches under way.

    The window defaults to four times the global concurrency cap, so the pacer always has work
    for other hosts while one host waits for its turn.
    """
    ahead = window or 4 * fetcher.options.politeness.global_concurrency
    pending: deque[asyncio.Task[FetchResult]] = deque()
    try:
        for url in urls:
            pending.append(asyncio.create_task(_one(fetcher, url)))
            if len(pending) >= ahead:
                yield await pending.popleft()
        while pending:
            yield await pending.popleft()
    finally:
        # Reached when the consumer stops early: do not leave fetches running unowned.
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
