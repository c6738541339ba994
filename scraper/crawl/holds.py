"""Hosts that asked to be left alone longer than a run waits, kept across runs.

A retryable answer (429, 503...) whose Retry-After asks for more than the fetcher waits
(``RetryPolicy.max_retry_after``), to a page or to the host's robots.txt, ends that fetch at
once, and the fetcher fails the host's other requests (:class:`~scraper.errors.HostWaiting`,
or :class:`~scraper.errors.RobotsUnavailable` with a ``retry_after``) until the time asked, for
as long as it lives: one run. The crawl keeps that time in its store, so that the next runs do
not ask the host before it either, for its listings or for URLs found since. A host is the key
its requests are paced under (``CrawlFetcher.lane``: its name, with a port other than the
default; the hosts one ``[hosts]`` entry covers are one) of the URL that answered: a redirect's
target that asks to wait holds its own host, not the one that redirected there. The fetcher is
told the stored times at the start of a run, so that no redirect's hop asks such a host early.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

from scraper.crawl.fetching import CrawlFetcher, FetcherLayer
from scraper.errors import HostWaiting, HTTPStatusError, RobotsUnavailable
from scraper.fetch.onward import Onward
from scraper.fetch.politeness import entry_key, pace_key
from scraper.models import Page
from scraper.store.protocol import CrawlStore, HostURLs

__all__ = ["MAX_HOLD", "HostHolds", "current_holds", "hold_for", "host_urls"]

#: The longest a host is left alone for on its word (a day). A Retry-After of weeks is more
#: likely a misconfigured server than a wish, and would silently freeze a source's URLs: after
#: a day the host is asked again, and simply says so once more if it meant it.
MAX_HOLD = 86400.0


def hold_for(asked: float) -> float:
    """The seconds a host that asked for ``asked`` is left alone: at most ``MAX_HOLD``."""
    return min(asked, MAX_HOLD)


def current_holds(store: CrawlStore, now: float) -> dict[str, float]:
    """The hosts waiting at ``now``, with the time each waits for, never past ``now`` and
    ``MAX_HOLD``: a time further ahead was stored while the clock ran ahead (no hold is set
    longer), and would otherwise keep the host unasked until then."""
    latest = now + MAX_HOLD
    return {host: min(until, latest) for host, until in store.host_holds(now).items()}


def host_urls(name: str) -> HostURLs:
    """The URLs of the host ``scraper status`` names ``name`` (a key its wait is kept under):
    those on ``name`` (``host`` or ``host:port``), and, as a ``[hosts]`` entry of that key
    would cover them (the store does not keep which entries there were), on its other ports
    and its ``www.`` form when ``name`` has no port."""
    spelled = name.strip().lower()
    # As the fetcher spells a host (an IDN in punycode, no default port), when it is one.
    key = pace_key(f"http://{spelled}/")
    if "/" in key:
        key = spelled  # no host a URL can name: it covers none
    keys = frozenset({key})

    def covers(url: str) -> bool:
        return entry_key(pace_key(url), keys) is not None

    return HostURLs(key=key, covers=covers)


def _stamp(when: float) -> str:
    return datetime.fromtimestamp(when, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


class HostHolds(FetcherLayer):
    """A crawl fetcher that does not ask a host before the time it asked for, and keeps that
    time in the store when a host asks for it."""

    def __init__(self, fetcher: CrawlFetcher, store: CrawlStore) -> None:
        super().__init__(fetcher)
        self.store = store
        now = time.time()
        # Kept as read: capped afresh at each run's start, a time from a clock far ahead
        # would move a day later with every run and never come.
        store.cap_host_holds(now + MAX_HOLD)
        self._until = current_holds(store, now)
        for key, until in self._until.items():
            fetcher.rest(key, until - now)

    async def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        document: bool = False,
    ) -> Page:
        """Fetch ``url`` unless its host asked not to be asked yet.

        Raises:
            HostWaiting: the host's time has not come (no request made).
            FetchError: as the fetcher raises it; an :class:`HTTPStatusError` or a
                :class:`RobotsUnavailable` with a ``retry_after`` has its host's time stored
                first.
        """
        if self._until:  # most runs hold no host: no key to work out
            self._check(url, self.fetcher.lane(url)[0])
        try:
            return await self.fetcher.fetch(
                url, etag=etag, last_modified=last_modified, document=document
            )
        except (HTTPStatusError, RobotsUnavailable) as exc:
            self._kept(exc)
            raise

    async def fetch_in_lane(
        self,
        url: str,
        lane: str,
        onward: Onward | None = None,
        may_ask: Callable[[str], bool] | None = None,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> Page | Onward:
        """Fetch ``url`` within ``lane`` (and ``may_ask``), unless that lane's host asked not
        to be asked yet.

        Raises:
            HostWaiting, FetchError: as ``fetch``.
        """
        self._check(url, lane)
        # Awaited here rather than through a helper coroutine: every step of a fetch passes
        # through each coroutine that awaits it, and a page's fetch takes several.
        try:
            return await self.fetcher.fetch_in_lane(
                url, lane, onward, may_ask, etag=etag, last_modified=last_modified
            )
        except (HTTPStatusError, RobotsUnavailable) as exc:
            self._kept(exc)
            raise

    def _check(self, url: str, key: str) -> None:
        """Raise HostWaiting when the host(s) paced under ``key`` asked to be left alone."""
        until = self._until.get(key)
        if until is not None and (left := until - time.time()) > 0:
            raise HostWaiting(
                f"the host asked not to be asked before {_stamp(until)} (Retry-After)",
                url=url,
                retry_after=left,
            )

    def _kept(self, exc: HTTPStatusError | RobotsUnavailable) -> None:
        """Store the time the host that answered with ``exc`` asked for, if it asked."""
        if exc.retry_after is not None:
            self._hold(exc.asked_by, exc.retry_after, str(exc))

    def _hold(self, asked_by: str, asked: float, reason: str) -> None:
        key = self.fetcher.lane(asked_by)[0]
        until = time.time() + hold_for(asked)
        self._until[key] = max(until, self._until.get(key, 0.0))
        self.store.hold_host(key, until, reason)
