"""robots.txt per host, per RFC 9309, parsed by protego and cached with an expiry.

How the answer to ``/robots.txt`` is read:

- 2xx: the rules in the file (Disallow/Allow, Crawl-delay) for our user agent;
- 4xx other than 429: there are no rules, everything is allowed;
- redirects that reach no file (more than five, or a loop): likewise, kept as a 4xx answer
  is. RFC 9309 section 2.3.1.2 asks a crawler to follow at least five redirects and lets it
  take the file as "unavailable" past them, which section 2.3.1.3 says allows every path;
- 429 or 5xx (or an answer that cannot be used, such as a redirect to an invalid Location or
  a body in a Content-Encoding the fetcher cannot decode): the host is "unreachable" and
  nothing on it is fetched until ``robots_error_ttl`` passes and robots.txt is asked again;
  the URLs fail with :class:`~scraper.errors.RobotsUnavailable`, a temporary error (a crawl
  tries them again on a later run), not with ``RobotsDisallowed``, which only a rule of the
  file raises and which is final. The fetcher does not retry such a URL at once: the
  robots.txt request already had its own retries (on 429/5xx, as any request), and the
  host's answer is kept until the error expires;
- 429 or 5xx with a Retry-After longer than the fetcher waits: likewise, but the answer is
  kept until the time asked, and the URLs' errors carry what is left of it
  (``RobotsUnavailable.retry_after``): the host asked to be left alone, as an article's answer
  can, and a crawl leaves its URLs until then without counting an attempt;
- no answer at all (network error, timeout): likewise nothing is fetched, but the URLs fail
  with the network error itself, which says more than "blocked by robots".

Good answers are kept for ``robots_ttl`` (RFC 9309 asks for at most 24 hours).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from protego import Protego

from scraper.errors import (
    FetchError,
    FetchTimeout,
    HostWaiting,
    HTTPStatusError,
    NetworkError,
    RobotsDisallowed,
    RobotsUnavailable,
)
from scraper.fetch.httperrors import EndlessRedirects
from scraper.fetch.options import Politeness

__all__ = ["RobotsCache", "RobotsRules"]

#: ``fetch(url)`` returns the final status and body of a robots.txt request; a final 429/5xx
#: whose Retry-After is longer than the fetcher waits raises an HTTPStatusError with its
#: ``retry_after`` instead, and redirects that reach no file raise ``EndlessRedirects``.
RobotsFetch = Callable[[str], Awaitable[tuple[int, bytes]]]


@dataclass(frozen=True, slots=True)
class RobotsRules:
    """What one host's robots.txt says; ``parser`` is None when everything is allowed or not."""

    parser: Protego | None
    allow_all: bool
    expires: float
    reason: str
    failure: FetchTimeout | NetworkError | None = None
    #: The URL whose answer asked (Retry-After) not to be asked before ``expires``, if one did.
    asked_by: str | None = None

    def allows(self, url: str, agent: str) -> bool:
        """Whether ``agent`` may fetch ``url``."""
        if self.parser is None:
            return self.allow_all
        return bool(self.parser.can_fetch(url, agent))

    def crawl_delay(self, agent: str) -> float | None:
        """The Crawl-delay for ``agent`` in seconds, or None."""
        if self.parser is None:
            return None
        delay = self.parser.crawl_delay(agent)
        return float(delay) if delay is not None else None


class RobotsCache:
    """Fetches each host's robots.txt once (one request even under concurrency) and caches it."""

    def __init__(self, agent: str, politeness: Politeness, fetch: RobotsFetch) -> None:
        self._agent = agent
        self._politeness = politeness
        self._fetch = fetch
        self._rules: dict[str, RobotsRules] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def rules(self, origin: str) -> RobotsRules:
        """The rules of ``origin`` (``scheme://host:port``), fetched when missing or expired."""
        cached = self._rules.get(origin)
        if cached is not None and cached.expires > time.monotonic():
            return cached  # the common case, without taking the lock
        lock = self._locks.setdefault(origin, asyncio.Lock())
        async with lock:
            cached = self._rules.get(origin)
            if cached is not None and cached.expires > time.monotonic():
                return cached
            fresh = await self._load(origin)
            self._rules[origin] = fresh
            return fresh

    async def _load(self, origin: str) -> RobotsRules:
        now = time.monotonic()
        ok_until = now + self._politeness.robots_ttl
        error_until = now + self._politeness.robots_error_ttl
        try:
            status, body = await self._fetch(f"{origin}/robots.txt")
        except (FetchTimeout, NetworkError) as exc:
            return RobotsRules(None, False, error_until, "robots.txt unreachable", failure=exc)
        except HostWaiting:
            raise  # not asked: nothing learnt about the file, nothing to keep
        except EndlessRedirects as exc:
            # RFC 9309 section 2.3.1.2 lets such a file be taken as "unavailable", as a 404 is:
            # read as unreachable, a site whose robots.txt redirects in circles would be
            # skipped, and asked again every few minutes, for as long as it is misconfigured.
            return RobotsRules(None, True, ok_until, f"robots.txt not reached: {exc}")
        except FetchError as exc:
            if isinstance(exc, HTTPStatusError) and exc.retry_after is not None:
                # Kept for as long as the host asked: asked sooner, it would only say so again.
                reason = (
                    f"robots.txt answered {exc.status}: asked to retry after "
                    f"{exc.retry_after:.0f} s"
                )
                until = now + exc.retry_after
                return RobotsRules(None, False, until, reason, asked_by=exc.asked_by)
            return RobotsRules(None, False, error_until, f"robots.txt unusable: {exc}")
        if 200 <= status < 300:
            # A BOM (files saved by some Windows editors) would be read as part of the first
            # line, and protego then drops that "User-agent" and the rules of its group.
            parser = Protego.parse(body.decode("utf-8-sig", errors="replace"))
            return RobotsRules(parser, True, ok_until, "robots.txt")
        if 400 <= status < 500 and status != 429:
            return RobotsRules(None, True, ok_until, f"robots.txt answered {status}")
        return RobotsRules(None, False, error_until, f"robots.txt answered {status}")

    async def check(self, url: str, origin: str, *, report_as: str | None = None) -> RobotsRules:
        """The rules of ``origin``, after making sure they allow ``url``.

        Errors name ``report_as`` (the URL first asked for, before redirects) when given.

        Raises:
            RobotsDisallowed: robots.txt forbids the URL (final).
            RobotsUnavailable: robots.txt answered 429/5xx or was unusable (temporary); with
                its ``retry_after`` set when the answer asked to wait longer than the
                fetcher waits.
            NetworkError, FetchTimeout: robots.txt could not be fetched at all (the host is
                down); the URL is not tried, and neither is the host until the error expires.
            HostWaiting: the host asked to be left alone and robots.txt was not asked.
        """
        reported = report_as or url
        try:
            rules = await self.rules(origin)
        except HostWaiting as exc:
            raise HostWaiting(
                f"robots.txt not asked: {exc}", url=reported, retry_after=exc.retry_after
            ) from exc
        if rules.failure is not None:
            kind = type(rules.failure)
            raise kind(f"host unreachable, robots.txt failed: {rules.failure}", url=reported)
        if not rules.allows(url, self._agent):
            if rules.parser is None:  # no rules to read: the file could not be had
                left = None
                if rules.asked_by is not None:
                    left = max(0.0, rules.expires - time.monotonic())
                raise RobotsUnavailable(
                    f"host skipped for now ({rules.reason})",
                    url=reported,
                    retry_after=left,
                    asked_by=rules.asked_by,
                )
            raise RobotsDisallowed("blocked by robots.txt (disallowed)", url=reported)
        return rules
