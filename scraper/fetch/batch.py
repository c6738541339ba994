"""Fetching many URLs concurrently, one failure never stopping the rest."""

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
    fetcher: Fetcher, urls: Iterable[str], *, ordered: bool = True, window: int | None = None
) -> AsyncIterator[FetchResult]:
    """Yield one result per URL, with up to ``window`` URLs started and not yet yielded.

    ``ordered`` yields in input order (a slow URL then holds back the ones after it, up to the
    window); otherwise results come as they complete. The window defaults to eight times the
    global concurrency cap, so the pacer has work for other hosts while one host waits.
    """
    ahead = window or 8 * fetcher.options.politeness.global_concurrency
    pending: deque[asyncio.Task[FetchResult]] = deque()
    try:
        for url in urls:
            pending.append(asyncio.create_task(_one(fetcher, url)))
            if len(pending) >= ahead:
                yield await _next(pending, ordered)
        while pending:
            yield await _next(pending, ordered)
    finally:
        # Reached when the consumer stops early: do not leave fetches running unowned.
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)


async def _next(pending: deque[asyncio.Task[FetchResult]], ordered: bool) -> FetchResult:
    """The first task's result, or (unordered) whichever finishes first."""
    if ordered:
        return await pending.popleft()
    done, _ = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
    task = next(iter(done))
    pending.remove(task)
    return task.result()
