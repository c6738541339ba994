"""Per-host limits stricter than the fetcher's: ``[hosts."name"]`` in the crawl config.

The fetcher paces every host alike; a site that asks for gentler treatment (or a host known to
be fragile) gets its own interval and concurrency here, on top of the fetcher's.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from urllib.parse import urlsplit

from scraper.config import HostLimit
from scraper.crawl.fetching import PageFetcher
from scraper.fetch.politeness import pace_key
from scraper.models import Page

__all__ = ["GatedFetcher", "host_limit", "lane_of"]


def host_limit(limits: Mapping[str, HostLimit], url: str) -> tuple[str, HostLimit] | None:
    """The ``[hosts]`` entry that applies to ``url`` and its key: by ``name:port``, name, or
    name without ``www.``."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    for key in (parts.netloc.lower(), host, host.removeprefix("www.")):
        limit = limits.get(key)
        if limit is not None:
            return key, limit
    return None


def lane_of(limits: Mapping[str, HostLimit], url: str, per_host: int) -> tuple[str, int]:
    """The host ``url``'s request waits for, as a key, and how many requests it runs at once.

    The key is the ``[hosts]`` entry's when one applies (its limit then also counts), else the
    host name and non-default port, as the fetcher paces it.
    """
    found = host_limit(limits, url)
    if found is not None:
        key, limit = found
        return key, min(per_host, limit.per_host)
    return pace_key(url), per_host


class _Gate:
    def __init__(self, limit: HostLimit) -> None:
        self.limit = limit
        self.slots = asyncio.Semaphore(limit.per_host)
        self.turn = asyncio.Lock()
        self.next_start = 0.0


class GatedFetcher:
    """A fetcher that waits for the host's own limit (if it has one) before each request."""

    def __init__(self, fetcher: PageFetcher, limits: Mapping[str, HostLimit]) -> None:
        self.fetcher = fetcher
        self.limits = limits
        self._gates: dict[str, _Gate] = {}

    def _gate(self, url: str) -> _Gate | None:
        found = host_limit(self.limits, url)
        if found is None:
            return None
        key, limit = found
        gate = self._gates.get(key)
        if gate is None:
            gate = self._gates[key] = _Gate(limit)
        return gate

    async def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        document: bool = False,
    ) -> Page:
        """Fetch ``url`` once its host's limit allows."""
        gate = self._gate(url)
        if gate is None:
            return await self.fetcher.fetch(
                url, etag=etag, last_modified=last_modified, document=document
            )
        async with gate.slots:
            async with gate.turn:
                delay = gate.next_start - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                gate.next_start = time.monotonic() + gate.limit.min_interval
            return await self.fetcher.fetch(
                url, etag=etag, last_modified=last_modified, document=document
            )
