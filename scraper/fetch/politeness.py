"""Pacing requests: a minimum interval and a concurrency cap per host, plus a global cap.

A host is its name, with its port when that is not the scheme's default: http and https of one
site share a pace (they are one server, as often as not), while two servers on one address's
other ports keep their own. robots.txt is per origin (scheme, host and port; RFC 9309), so the
Crawl-delay of each origin of a host is kept, and the longest applies.

A host can be held to a stricter pace than the others (``Politeness.hosts``, or later with
``HostGate.tighten``): the strictest pace given wins. Every request is paced by its own host,
each hop of a redirect included.

A request holds its host's slot and one global slot for as long as it runs (body included).
Starts of two requests to one host are at least ``interval`` apart; a Retry-After pushes the
host's next start later for every request waiting on it, not only the one that was told. A
Retry-After longer than the fetcher waits puts the host to rest instead: until that time, a
request for it fails at once with :class:`~scraper.errors.HostWaiting` (those already waiting
for their turn included), rather than waiting part of the time and asking too early.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Container, Mapping
from contextlib import AbstractAsyncContextManager

import httpx

from scraper.errors import HostWaiting
from scraper.fetch.options import HostPace
from scraper.fetch.target import Target, parse_target

__all__ = ["HostGate", "Pacer", "entry_key", "pace_key"]


def pace_key(url: str, parse: Callable[[str], Target] = parse_target) -> str:
    """The host ``url``'s requests are paced as: ``Target.netloc``, or ``url`` itself when it
    is no URL the fetcher would request (it is refused before any pacing). ``parse`` reads
    the URL as ``parse_target`` does."""
    try:
        target = parse(url)
    except (httpx.InvalidURL, TypeError, ValueError):
        return url
    return target.netloc if target.host else url


def entry_key(host: str, keys: Container[str]) -> str | None:
    """The key among ``keys`` (lower-case) that covers ``host`` (``name`` or ``name:port``, as
    ``Target.netloc``): ``name:port`` itself, its name (any port), or its name without ``www.``.
    """
    name = host if host.endswith("]") else host.rpartition(":")[0] or host
    for key in (host, name, name.removeprefix("www.")):
        if key in keys:
            return key
    return None


class HostGate:
    """The slots and the start schedule of one host (or of the hosts one entry covers)."""

    def __init__(self, key: str, concurrency: int, interval: float) -> None:
        self.key = key
        self._concurrency = concurrency
        self._active = 0
        self._freed = asyncio.Event()
        self._least = interval
        self._interval = interval
        self._delays: dict[str, float] = {}  # Crawl-delay by origin
        self._schedule = asyncio.Lock()
        self._last_start = float("-inf")
        self._next_start = 0.0
        self._rest_until = 0.0  # monotonic; see rest

    @property
    def interval(self) -> float:
        """Least seconds between the starts of two requests to this host."""
        return self._interval

    @property
    def concurrency(self) -> int:
        """How many requests to this host may run at once."""
        return self._concurrency

    def tighten(self, pace: HostPace) -> None:
        """Hold the host to ``pace`` where it is stricter than the host's own."""
        self._concurrency = min(self._concurrency, pace.concurrency)
        self._least = max(self._least, pace.min_interval)
        self._reschedule()

    def crawl_delay(self, origin: str, seconds: float) -> None:
        """Hold the host to the Crawl-delay of ``origin``'s robots.txt (never below the least)."""
        if self._delays.get(origin) == seconds:
            return
        self._delays[origin] = seconds
        self._reschedule()

    def _reschedule(self) -> None:
        self._interval = max(self._least, max(self._delays.values(), default=0.0))
        # Applies to the start already made too (robots.txt's, typically).
        self._next_start = max(self._next_start, self._last_start + self._interval)

    def defer(self, seconds: float) -> None:
        """Start nothing on this host for ``seconds`` from now."""
        self._next_start = max(self._next_start, time.monotonic() + seconds)

    def rest(self, seconds: float) -> None:
        """Start nothing on this host for ``seconds`` from now, and make the requests for it
        fail (:class:`HostWaiting`) until then instead of waiting."""
        self._rest_until = max(self._rest_until, time.monotonic() + seconds)

    async def acquire(self, global_slots: asyncio.Semaphore, url: str = "") -> None:
        """Wait for a host slot, the host's turn and a global slot (``release`` them after).

        Requests queue on the schedule lock in their order of arrival; the one holding it
        waits for a free slot, then for its turn, then for a global slot, so that waiting for
        one of these cannot let two starts of this host drift closer than the interval. A
        count rather than a semaphore, because a host's concurrency may be lowered while
        requests hold its slots.

        Raises:
            HostWaiting: the host is resting (see ``rest``), ``url`` being the one asked for.
        """
        async with self._schedule:
            while self._active >= self._concurrency:
                self._freed.clear()
                await self._freed.wait()
            while True:
                now = time.monotonic()
                if self._rest_until > now:
                    left = self._rest_until - now
                    raise HostWaiting(
                        f"the host asked to be left alone for {left:.0f} s more (Retry-After)",
                        url=url or self.key,
                        retry_after=left,
                    )
                if (wait := self._next_start - now) <= 0:
                    break
                await asyncio.sleep(wait)
            await global_slots.acquire()
            self._active += 1
            self._last_start = time.monotonic()
            self._next_start = self._last_start + self._interval

    def release(self, global_slots: asyncio.Semaphore) -> None:
        """Give back what ``acquire`` took."""
        global_slots.release()
        self._active -= 1
        self._freed.set()


class _Slot:
    """A host's slot and a global one, held inside ``async with``.

    A class rather than an ``asynccontextmanager``: the generator and its wrapper were as costly
    as the waiting itself, and this runs once per request.
    """

    __slots__ = ("_gate", "_global", "_url")

    def __init__(self, gate: HostGate, global_slots: asyncio.Semaphore, url: str) -> None:
        self._gate = gate
        self._global = global_slots
        self._url = url

    async def __aenter__(self) -> None:
        await self._gate.acquire(self._global, self._url)

    async def __aexit__(self, *exc_info: object) -> None:
        self._gate.release(self._global)


class Pacer:
    """Hands out the right to start a request to a host, per the politeness settings.

    ``hosts`` are stricter paces for some hosts (see ``Politeness.hosts``); the hosts an entry
    covers share its gate.
    """

    def __init__(
        self,
        *,
        per_host: int,
        global_cap: int,
        interval: float,
        hosts: Mapping[str, HostPace] | None = None,
    ) -> None:
        self._per_host = per_host
        self._interval = interval
        self._hosts = {key.lower(): pace for key, pace in (hosts or {}).items()}
        self._global = asyncio.Semaphore(global_cap)
        # By host, and by entry key for the hosts an entry covers.
        self._gates: dict[str, HostGate] = {}

    def gate(self, host: str) -> HostGate:
        """The gate of ``host`` (``name`` or ``name:port``, as ``Target.netloc``), made on first
        use."""
        found = self._gates.get(host)
        if found is None:
            found = self._gates[host] = self._new_gate(host)
        return found

    def _new_gate(self, host: str) -> HostGate:
        key = self._entry(host)
        if key is None:
            return HostGate(host, self._per_host, self._interval)
        gate = self._gates.get(key)
        if gate is None:
            gate = self._gates[key] = HostGate(key, self._per_host, self._interval)
            gate.tighten(self._hosts[key])
        return gate

    def _entry(self, host: str) -> str | None:
        """The key of the ``hosts`` entry covering ``host``: by ``name:port``, name, or name
        without ``www.``."""
        if not self._hosts:
            return None
        return entry_key(host, self._hosts)

    def set_crawl_delay(self, host: str, origin: str, delay: float) -> None:
        """Raise the host's interval to the Crawl-delay of ``origin``'s robots.txt."""
        self.gate(host).crawl_delay(origin, delay)

    def slot(self, host: str, url: str) -> AbstractAsyncContextManager[None]:
        """Wait for a slot of ``host`` and a global one, and the host's turn; hold them.
        ``url`` (the one asked for) is the one a :class:`HostWaiting` names."""
        return _Slot(self.gate(host), self._global, url)
