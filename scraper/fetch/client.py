"""The fetcher: polite, capped, guarded HTTP GETs on httpx transports (see ``pool``).

Redirects are followed here, not by httpx, so that every hop passes the address guard,
robots.txt and the pacer (each hop waits for its own host's pace). The request goes to the
address the guard checked, with the original ``Host`` (and TLS server name), so a name cannot
resolve elsewhere between the check and the connection.
"""

from __future__ import annotations

import asyncio
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from types import TracebackType

import httpx

from scraper.charset import declared_charset, decode_html
from scraper.errors import (
    DecodeError,
    FetchError,
    FetchTimeout,
    HTTPStatusError,
    InvalidURL,
    NetworkError,
    NotHTML,
    NotListing,
    RedirectError,
    TooLarge,
    UnsupportedEncoding,
    shorten,
)
from scraper.fetch.decoding import ACCEPT_ENCODING, decoder_for
from scraper.fetch.guard import AddressGuard, Resolver, literal_address, system_resolver
from scraper.fetch.httperrors import TRANSLATED, EndlessRedirects, after_attempts, translate
from scraper.fetch.onward import Onward
from scraper.fetch.options import FetchOptions, HostPace, parse_networks
from scraper.fetch.politeness import Pacer, pace_key
from scraper.fetch.pool import HostClients, Reply, sendable
from scraper.fetch.retry import is_retryable_error, too_long_to_wait, wait_before_retry
from scraper.fetch.robots import RobotsCache
from scraper.fetch.target import Target, TargetReader, parse_target
from scraper.models import Page
from scraper.request_hosts import SENDABLE_HOST, sendable_port

__all__ = ["NOT_MODIFIED", "Fetcher"]

#: ``Page.status`` of a conditional GET the server answered with "304 Not Modified".
NOT_MODIFIED = 304
#: The request headers that make a GET conditional (only those may be answered 304).
_CONDITIONAL = frozenset({"If-None-Match", "If-Modified-Since"})
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_BINARY_TYPES = frozenset({"application/gzip", "application/x-gzip"})

#: An http(s) Location with an empty authority: "http://", "https://" or "//", then no host
#: before the path, query or fragment (user information or a port alone name no host either).
#: Other schemes are refused as such.
_NO_HOST = re.compile(r"\s*(?:https?:)?//(?:[^/?#@]*@)?(?::[0-9]*)?(?:[/?#]|\Z)", re.I)


@dataclass(frozen=True, slots=True)
class _Answer:
    """One response as read: the body is empty for redirects, 304 and error statuses."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes = b""
    location: str | None = None

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((v for k, v in self.headers if k.lower() == lowered), None)


@dataclass(frozen=True, slots=True)
class _Spec:
    """One fetch: the URL asked for (named in every error, whatever hop failed), the media
    types it accepts (None: any), its caps, and whether robots.txt applies.

    ``truncate`` keeps the first ``max_body`` bytes instead of failing (robots.txt: RFC 9309
    asks parsers to read at least 500 KiB and ignore the rest). ``refused`` is the error a
    type outside ``accept`` raises.
    """

    url: str
    accept: frozenset[str] | None
    max_body: int
    max_decoded: int
    check_robots: bool = True
    truncate: bool = False
    refused: type[NotHTML] = NotHTML


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def _parse_url(
    raw: str, url: str, *, hop: bool, parse: Callable[[str], Target] = parse_target
) -> Target:
    """``raw`` as an absolute http(s) URL; a bad hop is a RedirectError, a bad start not.

    A start URL's message does not quote it again: the error names it already. ``parse``
    reads the URL as ``parse_target`` does.
    """
    error = RedirectError if hop else InvalidURL
    quoted = f" {shorten(raw)!r}" if hop else ""
    try:
        parsed = parse(raw)
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise error(f"invalid URL{quoted}", url=url) from exc
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise error(f"not an http(s) URL{quoted}", url=url)
    # httpx takes any port number and percent-encodes a host it cannot read (a space...):
    # port 0 went out as 80, 99999 raised OverflowError, "exa mple.com" was looked up.
    if not sendable_port(parsed.port):
        raise error(f"port {parsed.port} out of range in URL{quoted}", url=url)
    # httpx has checked the IP addresses the pattern lets through.
    if SENDABLE_HOST.fullmatch(parsed.host) is None:
        raise error(f"invalid host {shorten(parsed.host)!r} in URL{quoted}", url=url)
    return parsed


#: What ``Fetcher._follow`` read: the final answer, the URL that gave it, and the URLs
#: redirected from on the way.
_Followed = tuple[_Answer, str, tuple[str, ...]]


def _whole_lines(body: bytes, cap: int) -> bytes:
    """A robots.txt read to its cap, without the line the cap cut in half.

    RFC 9309 lets a crawler stop at the cap, but half a rule is another rule: "Disallow: /p"
    for "Disallow: /private/" shuts out every path under /p, half a user-agent line names
    another crawler. A file of one line (no line break before the cap) is kept as it is.
    """
    if len(body) < cap:
        return body
    end = max(body.rfind(b"\n"), body.rfind(b"\r"))
    return body[: end + 1] if end >= 0 else body


def _whole(followed: _Followed | Onward) -> _Followed:
    """A fetch followed to its end: only one kept to a lane stops at an Onward."""
    if isinstance(followed, Onward):
        raise AssertionError("unreachable: a fetch without a lane follows every redirect")
    return followed


def _with_auth(target: Target, first: Target) -> Target:
    """``target`` with the credentials of the start URL ``first`` when on its origin."""
    if target.auth is None and first.auth is not None and target.origin == first.origin:
        # The start URL's credentials go with every hop to its origin (an absolute Location
        # drops the user information), never to another origin.
        return replace(target, auth=first.auth)
    return target


def _join(base: str, location: str, url: str) -> Target:
    """The redirect target ``location`` names, relative to ``base``; a RedirectError if bad."""
    if _NO_HOST.match(location):
        # An empty authority ("http://", "//") names no page; joined, it gave ``base`` back,
        # which then read as a redirect loop.
        raise RedirectError(f"invalid Location {shorten(location)!r}: no host", url=url)
    try:
        joined = str(httpx.URL(base).join(location))
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise RedirectError(f"invalid Location {shorten(location)!r}", url=url) from exc
    return _parse_url(joined, url, hop=True)


class Fetcher:
    """Fetches pages politely; use as ``async with Fetcher(options) as f: await f.fetch(url)``.

    ``resolver`` and ``transport`` are for tests: a resolver replaces getaddrinfo, and a
    transport replaces the network (one client is then shared by every host).
    """

    def __init__(
        self,
        options: FetchOptions | None = None,
        *,
        resolver: Resolver | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.options = options or FetchOptions()
        polite = self.options.politeness
        self._guard = AddressGuard(
            parse_networks(self.options.allow_networks),
            resolver or system_resolver,
            timeout=self.options.timeouts.connect,
        )
        self._pacer = Pacer(
            per_host=polite.per_host_concurrency,
            global_cap=polite.global_concurrency,
            interval=polite.min_interval,
            hosts=polite.hosts,
        )
        self._robots = RobotsCache(self.options.robots_agent, polite, self._fetch_robots)
        self._clients = HostClients(self.options, transport)
        self._rng = rng or random.Random()
        # A URL is read for its lane, then for its fetch: once for both.
        self._read_url = TargetReader()
        self._base_headers = {
            "User-Agent": self.options.user_agent_header,
            "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.5",
            "Accept-Encoding": ACCEPT_ENCODING,
        }

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close every connection."""
        await self._clients.aclose()

    def lane(self, url: str) -> tuple[str, int]:
        """The key ``url``'s host is paced under (hosts one ``hosts`` entry covers share it)
        and how many requests to that host run at once."""
        gate = self._pacer.gate(pace_key(url, self._read_url))
        return gate.key, gate.concurrency

    def tighten(self, url: str, pace: HostPace) -> None:
        """Hold ``url``'s host to ``pace`` from now on, where it is stricter than the host's
        own (the strictest pace given wins)."""
        self._pacer.gate(pace_key(url)).tighten(pace)

    def rest(self, lane: str, seconds: float) -> None:
        """Leave the host(s) paced under ``lane`` (a key ``lane`` gave) alone for ``seconds``
        from now, as after its Retry-After: a request to it, a redirect's hop included, fails
        with :class:`~scraper.errors.HostWaiting` until then."""
        self._pacer.gate(lane).rest(seconds)

    async def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        document: bool = False,
    ) -> Page:
        """Fetch ``url`` and return it as a Page.

        Args:
            url: an absolute http(s) URL.
            etag: the ETag of the copy already held; sent as ``If-None-Match``.
            last_modified: its Last-Modified; sent as ``If-Modified-Since``. Either is left
                out when it is not printable ASCII (a server may send other bytes, which
                arrive decoded and cannot be sent back as they came): the GET is then plain.
            document: a feed or sitemap, held to the ``Limits.max_document_*`` caps instead
                of a page's.

        Returns:
            The page; a conditional GET the server answers "304 Not Modified" returns a Page
            with ``status == NOT_MODIFIED`` (304) and an empty body.

        Raises:
            FetchError: one of its subclasses (timeout, network, HTTP status, too large, not
                HTML, redirect, robots, refused address), always with ``url`` set.
        """
        headers = self._conditional(etag, last_modified)
        limits = self.options.limits
        if document:
            caps = (limits.max_document_body, limits.max_document_decoded)
            spec = _Spec(url, self.options.document_accept, *caps, refused=NotListing)
        else:
            spec = _Spec(url, self.options.accept, limits.max_body, limits.max_decoded)
        return self._page(url, headers, *_whole(await self._follow(headers, spec)))

    def _conditional(self, etag: str | None, last_modified: str | None) -> dict[str, str]:
        """The request headers, with the validators that make a GET conditional."""
        headers = dict(self._base_headers)
        if etag and sendable(etag):
            headers["If-None-Match"] = etag
        if last_modified and sendable(last_modified):
            headers["If-Modified-Since"] = last_modified
        return headers

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
        """Fetch the page ``url`` as ``fetch`` does (conditionally, given ``etag`` or
        ``last_modified``), but without asking a host paced under
        another key than ``lane`` (a key ``lane`` gave).

        A redirect to such a host ends the call before its request: the :class:`Onward`
        returned says where the fetch stopped, and passed back as ``onward`` (with the same
        ``url``, under the lane of ``onward.to``) it goes on from there. A crawl keeps its fetch
        workers to a share of each host so; hops between hosts one lane covers (http to https,
        the hosts of one ``hosts`` entry) go on within the call, each unless ``may_ask``, given
        its URL, says no: the call ends before it the same way (a crawl asks no URL another of
        its fetches is asking).

        Raises:
            FetchError: as ``fetch``.
        """
        headers = self._conditional(etag, last_modified)
        limits = self.options.limits
        spec = _Spec(url, self.options.accept, limits.max_body, limits.max_decoded)
        followed = await self._follow(headers, spec, lane, onward, may_ask)
        if isinstance(followed, Onward):
            return followed
        return self._page(url, headers, *followed)

    def _page(
        self,
        url: str,
        headers: dict[str, str],
        answer: _Answer,
        final: str,
        redirects: tuple[str, ...],
    ) -> Page:
        """The page of ``url``'s final ``answer`` (from ``final``), or its status's error."""
        if answer.status >= 400 or (answer.status >= 300 and answer.status != NOT_MODIFIED):
            raise self._status_error(answer, url, final)
        if answer.status == NOT_MODIFIED and not _CONDITIONAL.intersection(headers):
            # "Not modified" since a copy we do not hold: read as success, a feed would never
            # be read and a page would be given up as empty, with nothing to say why.
            raise HTTPStatusError(
                "HTTP 304 to a request that was not conditional", url=url, status=answer.status
            )
        return Page(
            url=url,
            body=answer.body,
            final_url=final if redirects else None,
            status=answer.status,
            headers=answer.headers,
            fetched_at=datetime.now(UTC),
            encoding=self._encoding(answer, url),
            redirects=redirects,
        )

    def _status_error(self, answer: _Answer, url: str, final: str) -> HTTPStatusError:
        """The error of a final error status, with the Retry-After when it was too long to
        wait for (its seconds in ``retry_after``, for a caller that can come back later, and
        ``final``, the URL that answered, in ``asked_by``)."""
        policy = self.options.retry
        status = answer.status
        if status in policy.statuses:
            asked = too_long_to_wait(answer.header("retry-after"), policy)
            if asked is not None:
                text = (
                    f"HTTP {status}: asked to retry after {asked:.0f} s, more than the "
                    f"{policy.max_retry_after:g} s we wait"
                )
                return HTTPStatusError(
                    text, url=url, status=status, retry_after=asked, asked_by=final
                )
        if status < 400:
            # A redirect with nowhere to go: said so, "HTTP 302" alone reads as a server fault.
            return HTTPStatusError(
                f"HTTP {status} without a Location to follow", url=url, status=status
            )
        return HTTPStatusError(f"HTTP {status}", url=url, status=status)

    def _encoding(self, answer: _Answer, url: str) -> str | None:
        if not self.options.decide_charset:
            return None
        content_type = answer.header("content-type")
        if not answer.body or _media_type(content_type) in _BINARY_TYPES:
            return None
        try:
            return decode_html(answer.body, declared_charset(content_type)).encoding
        except DecodeError as exc:
            raise NotHTML(f"body is binary, not text ({content_type})", url=url) from exc

    async def _fetch_robots(self, robots_url: str) -> tuple[int, bytes]:
        cap = self.options.limits.max_robots_body
        spec = _Spec(robots_url, None, cap, cap, check_robots=False, truncate=True)
        headers = {**self._base_headers, "Accept": "text/plain,*/*;q=0.5"}
        answer, final, _ = _whole(await self._follow(headers, spec))
        if answer.status >= 400:
            told = self._status_error(answer, robots_url, final)
            if told.retry_after is not None:
                raise told  # the host asked to be left alone: RobotsCache keeps that
        return answer.status, _whole_lines(answer.body, cap)

    async def _follow(
        self,
        headers: dict[str, str],
        spec: _Spec,
        lane: str | None = None,
        onward: Onward | None = None,
        may_ask: Callable[[str], bool] | None = None,
    ) -> _Followed | Onward:
        """Request the URL and follow its redirects; the final answer, its URL and the hops
        passed. With a ``lane``, an Onward instead of a hop to a host of another lane, or to
        one ``may_ask`` refuses; with an ``onward``, from where that stopped."""
        url = spec.url
        if not isinstance(url, str):
            # None from a record without its URL, say: the error's own message, which quotes
            # the URL, failed on it with a bare TypeError. Named by its repr instead.
            raise InvalidURL(f"a URL must be a string, not {type(url).__name__}", url=repr(url))
        first = _parse_url(url, url, hop=False, parse=self._read_url)
        if onward is None:
            current, passed, repeatable = first, [], set()
        else:
            current = _with_auth(_parse_url(onward.to, url, hop=True), first)
            passed, repeatable = list(onward.passed), set(onward.repeatable)
        # robots.txt: the five RFC 9309 (section 2.3.1.2) asks a crawler to follow at least,
        # whatever a page's limit; a longer chain is read as no file (``RobotsCache``).
        limit = self.options.limits.max_redirects if spec.check_robots else 5
        while True:
            answer = await self._hop(current, headers, spec)
            if answer.location is None:
                return answer, current.url, tuple(passed)
            passed.append(current.url)
            repeatable.discard(current.url)
            if len(passed) > limit:
                raise EndlessRedirects(f"more than {limit} redirects", url=url)
            if answer.header("set-cookie") is not None:
                # A URL asked again after a cookie was set is asked anew (a site's "cookie
                # check" redirects to the page itself, expecting it back), not a loop.
                repeatable = set(passed)
            current = _with_auth(_join(current.url, answer.location, url), first)
            if current.url in passed and current.url not in repeatable:
                raise EndlessRedirects(f"redirect loop back to {shorten(current.url)}", url=url)
            if lane is not None and (
                self._pacer.gate(current.netloc).key != lane
                or (may_ask is not None and not may_ask(current.url))
            ):
                again = tuple(u for u in passed if u in repeatable)
                return Onward(current.url, tuple(passed), again)

    async def _hop(self, target: Target, headers: dict[str, str], spec: _Spec) -> _Answer:
        """One URL of a redirect chain: guard, robots, then attempts with retries."""
        origin = target.origin
        port = target.port or (443 if target.scheme == "https" else 80)
        addresses = await self._guard.resolve(target.host, port, spec.url)
        if spec.check_robots and self.options.politeness.respect_robots:
            rules = await self._robots.check(target.url, origin, report_as=spec.url)
            delay = rules.crawl_delay(self.options.robots_agent)
            if delay is not None:
                cap = self.options.politeness.max_crawl_delay
                self._pacer.set_crawl_delay(target.netloc, origin, min(delay, cap))
        policy = self.options.retry
        for attempt in range(1, policy.attempts + 1):
            # A retry goes to the next address, in case the first one is unreachable.
            address = addresses[(attempt - 1) % len(addresses)]
            try:
                answer = await self._attempt(target, address, headers, spec)
            except FetchError as exc:
                if attempt == policy.attempts or not is_retryable_error(exc):
                    if isinstance(exc, FetchTimeout):
                        raise after_attempts(exc, attempt, self.options.timeouts) from exc
                    raise
                await asyncio.sleep(wait_before_retry(attempt, policy, self._rng))
                continue
            if answer.status not in policy.statuses or attempt == policy.attempts:
                return answer
            retry_after = answer.header("retry-after")
            asked = too_long_to_wait(retry_after, policy)
            if asked is not None:
                # Asked again after the cap, the server would only say the same: the answer
                # is final now, and the host rests for the time asked (its other requests
                # fail at once rather than ask too early).
                self._pacer.gate(target.netloc).rest(asked)
                return answer
            delay = wait_before_retry(attempt, policy, self._rng, retry_after)
            if retry_after is not None:
                self._pacer.gate(target.netloc).defer(delay)
            await asyncio.sleep(delay)
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def _attempt(
        self, target: Target, address: str, headers: dict[str, str], spec: _Spec
    ) -> _Answer:
        """One request to the checked ``address``, inside the pacer's slot and the deadline."""
        origin = target.origin
        extensions = {}
        if target.scheme == "https" and literal_address(target.host) is None:
            extensions["sni_hostname"] = target.host
        sent_headers = {**headers, "Host": target.netloc}
        if target.auth is not None:  # the URL's user:secret@ (not sent to another origin)
            sent_headers["Authorization"] = target.auth
        try:
            async with (
                self._clients.use(origin) as client,
                self._pacer.slot(target.netloc, spec.url),
                asyncio.timeout(self.options.timeouts.total),
            ):
                reply = await client.get(target, address, sent_headers, extensions)
                try:
                    return await self._read(reply, spec)
                finally:
                    await reply.aclose()
        except FetchError:
            raise
        except TRANSLATED as exc:
            raise translate(exc, spec.url) from exc

    async def _read(self, reply: Reply, spec: _Spec) -> _Answer:
        """Check the answer's status and type, then stream its body within the caps."""
        headers = reply.headers
        first = dict(reversed(headers))  # lower-case names; one pass, not four
        status = reply.status
        location = first.get("location")
        if status in _REDIRECTS and location:
            return _Answer(status, headers, location=location)
        if status >= 300:
            return _Answer(status, headers)
        media = _media_type(first.get("content-type"))
        if spec.accept is not None and media and media not in spec.accept:
            raise spec.refused(f"content type {media!r} is not accepted", url=spec.url)
        declared = first.get("content-length", "")
        if declared.isdigit() and int(declared) > spec.max_body and not spec.truncate:
            raise TooLarge(
                f"Content-Length {declared} is over the {spec.max_body}-byte cap", url=spec.url
            )
        encoding = first.get("content-encoding")
        if encoding is not None:
            # Field lines of one name are one list (RFC 9110 section 5.3): "gzip" sent on two
            # lines was undone once, its second coding left to be refused as binary bytes.
            encoding = ", ".join(v for k, v in headers if k == "content-encoding")
        return _Answer(status, headers, await _stream(reply, spec, encoding))


async def _stream(reply: Reply, spec: _Spec, encoding: str | None) -> bytes:
    """The decoded body, stopped as soon as either cap is passed.

    The body is decompressed here, a bounded piece at a time (see ``decoding``), so a
    compression bomb is stopped within one piece of the cap.
    """
    url = spec.url
    try:
        decoder = decoder_for(encoding)
    except DecodeError as exc:
        # Final, not retried: we never offer such a coding (Accept-Encoding), so a server
        # that sends it anyway will do so on every attempt.
        raise UnsupportedEncoding(str(exc), url=url) from exc
    if reply.whole is not None:
        return _capped(reply.whole, spec)
    chunks: list[bytes] = []
    downloaded = decoded = 0
    try:
        async for raw in reply.chunks():
            downloaded += len(raw)
            over = downloaded - spec.max_body
            if over > 0:
                if not spec.truncate:
                    raise TooLarge(f"body is over the {spec.max_body}-byte cap", url=url)
                # Up to the cap, not up to the piece before it (pieces run to 256 KiB): a
                # robots.txt is read to its first 500 KiB at least (RFC 9309).
                raw = raw[: len(raw) - over]
            for piece in decoder.feed(raw):
                decoded += len(piece)
                chunks.append(piece)
                if decoded > spec.max_decoded:
                    if spec.truncate:
                        return b"".join(chunks)[: spec.max_decoded]
                    raise TooLarge(
                        f"decompressed body is over the {spec.max_decoded}-byte cap", url=url
                    )
            if over > 0:
                break
        else:
            # A body cut short on purpose (truncate) may end mid-stream; any other may not.
            decoder.finish()
    except DecodeError as exc:
        raise NetworkError(f"undecodable Content-Encoding ({exc})", url=url) from exc
    return b"".join(chunks)


def _capped(body: bytes, spec: _Spec) -> bytes:
    """A body that arrived whole, held to the decompressed cap."""
    if len(body) <= spec.max_decoded or spec.truncate:
        return body[: spec.max_decoded]
    raise TooLarge(f"decompressed body is over the {spec.max_decoded}-byte cap", url=spec.url)
