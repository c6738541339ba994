"""Pacing requests: a minimum interval and a concurrency cap per host, plus a global cap.

A host is its name, with its port when that is not the scheme's default: http and https of one
site share a pace (they are one server, as often as not), while two servers on one address's
other ports keep their own. robots.txt is per origin (scheme, host and port; RFC 9309), so the
Crawl-delay of each origin of a host is kept, and the longest applies.

A request holds its host's slot and one global slot for as long as it runs (body included).
Starts of two requests to one host are at least ``interval`` apart; a Retry-After pushes the
host's next start later for every request waiting on it, not only the one that was told.
"""

from __future__ import annotations

import asyncio
import time
from contextlib import AbstractAsyncContextManager

import httpx

from scraper.fetch.target import parse_target

__all__ = ["HostGate", "Pacer", "pace_key"]


def pace_key(url: str) -> str:
    """The host ``url``'s requests are paced as: ``Target.netloc``, or ``url`` itself when it
    is no URL the fetcher would request (it is refused before any pacing)."""
    try:
        target = parse_target(url)
    except (httpx.InvalidURL, TypeError, ValueError):
        return url
    return target.netloc if target.host else url


class HostGate:
    """The slots and the start schedule of one host."""

    def __init__(self, concurrency: int, interval: float) -> None:
        self._least = interval
        self._interval = interval
        self._delays: dict[str, float] = {}  # Crawl-delay by origin
        self._slots = asyncio.Semaphore(concurrency)
        self._schedule = asyncio.Lock()
        self._last_start = float("-inf")
        self._next_start = 0.0

    @property
    def interval(self) -> float:
        """Least seconds between the starts of two requests to this host."""
        return self._interval

    def crawl_delay(self, origin: str, seconds: float) -> None:
        """Hold the host to the Crawl-delay of ``origin``'s robots.txt (never below the least)."""
        if self._delays.get(origin) == seconds:
            return
        self._delays[origin] = seconds
        self._interval = max(self._least, *self._delays.values())
        # Applies to the start already made too (robots.txt's, typically).
        self._next_start = max(self._next_start, self._last_start + self._interval)

    def defer(self, seconds: float) -> None:
        """Start nothing on this host for ``seconds`` from now."""
        self._next_start = max(self._next_start, time.monotonic() + seconds)

    async def _wait_turn(self, global_slots: asyncio.Semaphore) -> None:
        async with self._schedule:
            while (wait := self._next_start - time.monotonic()) > 0:
                await asyncio.sleep(wait)
            # Taken under the schedule lock so that waiting for a global slot cannot let two
            # starts of this host drift closer than the interval.
            await global_slots.acquire()
            self._last_start = time.monotonic()
            self._next_start = self._last_start + self._interval

    async def acquire(self, global_slots: asyncio.Semaphore) -> None:
        """Wait for a host slot, the host's turn and a global slot (``release`` them after)."""
        await self._slots.acquire()
        try:
            await self._wait_turn(global_slots)
        except BaseException:
            self._slots.release()
            raise

    def release(self, global_slots: asyncio.Semaphore) -> None:
        """Give back what ``acquire`` took."""
        global_slots.release()
        self._slots.release()


class _Slot:
    """A host's slot and a global one, held inside ``async with``.

    A class rather than an ``asynccontextmanager``: the generator and its wrapper were as costly
    as the waiting itself, and this runs once per request.
    """

    __slots__ = ("_gate", "_global")

    def __init__(self, gate: HostGate, global_slots: asyncio.Semaphore) -> None:
        self._gate = gate
        self._global = global_slots

    async def __aenter__(self) -> None:
        await self._gate.acquire(self._global)

    async def __aexit__(self, *exc_info: object) -> None:
        self._gate.release(self._global)


class Pacer:
    """Hands out the right to start a request to a host, per the politeness settings."""

    def __init__(self, *, per_host: int, global_cap: int, interval: float) -> None:
        self._per_host = per_host
        self._interval = interval
        self._global = asyncio.Semaphore(global_cap)
        self._gates: dict[str, HostGate] = {}

    def gate(self, host: str) -> HostGate:
        """The gate of ``host`` (``name`` or ``name:port``, as ``Target.netloc``), made on first
        use."""
        found = self._gates.get(host)
        if found is None:
            found = self._gates[host] = HostGate(self._per_host, self._interval)
        return found

    def set_crawl_delay(self, host: str, origin: str, delay: float) -> None:
        """Raise the host's interval to the Crawl-delay of ``origin``'s robots.txt."""
        self.gate(host).crawl_delay(origin, delay)

    def slot(self, host: str) -> AbstractAsyncContextManager[None]:
        """Wait for a slot of ``host`` and a global one, and the host's turn; hold them."""
        return _Slot(self.gate(host), self._global)
