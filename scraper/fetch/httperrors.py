"""Translating httpx, httpcore and socket errors into scraper's error tree, with the URL; and
the one RedirectError the fetcher tells apart, a chain that reaches no answer."""

from __future__ import annotations

import httpcore
import httpx

from scraper.errors import (
    FetchError,
    FetchTimeout,
    HTTPStatusError,
    InvalidURL,
    NetworkError,
    RedirectError,
    shorten,
)
from scraper.fetch.options import Timeouts

__all__ = ["CORE_ERRORS", "TRANSLATED", "EndlessRedirects", "after_attempts", "translate"]

#: httpcore's errors, met when the fetcher's own transport is used without httpx's objects.
#: Their names and messages are those of the httpx errors httpx would raise for them.
CORE_ERRORS: tuple[type[Exception], ...] = (
    httpcore.TimeoutException,
    httpcore.NetworkError,
    httpcore.ProtocolError,
    httpcore.ProxyError,
    httpcore.UnsupportedProtocol,
)
#: What a fetch translates at the boundary (anything else is a bug, and not hidden).
TRANSLATED: tuple[type[Exception], ...] = (httpx.HTTPError, httpx.InvalidURL, OSError, *CORE_ERRORS)


class EndlessRedirects(RedirectError):
    """A redirect chain that reached no answer: longer than the limit, or back to a URL it
    had passed. A :class:`~scraper.errors.RedirectError` like any other to a page's caller;
    told apart for robots.txt, which RFC 9309 (section 2.3.1.2) lets a crawler then take as
    unavailable, as if it answered 404, where a bad Location stays an unusable answer."""


#: How far down a chain of errors a message is looked for.
_CAUSES_READ = 4


def _describe(exc: BaseException) -> str:
    text = shorten(str(exc).strip())
    if not text:
        # httpx re-raises some transport errors with no message of their own (a TLS failure
        # as a bare ConnectError): the reason is in what it was raised from.
        inner = exc.__cause__ or exc.__context__
        for _ in range(_CAUSES_READ):
            if inner is None:
                break
            text = shorten(str(inner).strip())
            if text:
                text = f"{type(inner).__name__}: {text}"
                break
            inner = inner.__cause__ or inner.__context__
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def translate(exc: Exception, url: str) -> FetchError:
    """The scraper error for an httpx, httpcore or OS-level error met while fetching ``url``.

    The caller raises the result ``from exc`` so the original stays in the traceback.
    """
    if isinstance(exc, FetchError):
        return exc
    what = _describe(exc)
    if isinstance(exc, httpx.TimeoutException | TimeoutError | httpcore.TimeoutException):
        return FetchTimeout(f"timed out ({what})", url=url)
    if isinstance(exc, httpx.HTTPStatusError):
        status = exc.response.status_code
        return HTTPStatusError(f"HTTP {status}", url=url, status=status)
    if isinstance(exc, httpx.TooManyRedirects):
        return RedirectError(f"too many redirects ({what})", url=url)
    if isinstance(exc, httpx.DecodingError):
        # httpx passes a coding it lacks through undecoded, so this is a body corrupt in one
        # it has: maybe cut short in transfer, worth another try. (A coding the fetcher cannot
        # decode is refused for good before the body is read: ``client._stream``.)
        return NetworkError(f"undecodable Content-Encoding ({what})", url=url)
    if isinstance(exc, (httpx.RequestError, OSError, *CORE_ERRORS)):
        # Transport, protocol, proxy, DNS, TLS and unsupported-scheme failures.
        return NetworkError(f"network failure ({what})", url=url)
    if isinstance(exc, httpx.InvalidURL):
        return InvalidURL(f"invalid URL ({what})", url=url)
    return FetchError(f"fetch failed ({what})", url=url)


def after_attempts(error: FetchTimeout, attempts: int, timeouts: Timeouts) -> FetchTimeout:
    """``error``, the last of ``attempts`` timeouts, saying how many and which limit each met:
    the wait to connect, the wait for data (between two reads), or the whole attempt's."""
    cause = error.__cause__
    tries = "1 attempt" if attempts == 1 else f"{attempts} attempts"
    if cause is None or (type(cause) is TimeoutError and not str(cause)):
        # The attempt's own (total) deadline.
        return FetchTimeout(
            f"timed out after {tries} of at most {timeouts.total:g} s each"
            " (answer incomplete at the deadline)",
            url=error.url,
        )
    if isinstance(cause, httpx.ConnectTimeout | httpcore.ConnectTimeout):
        limit = f", each allowed {timeouts.connect:g} s to connect"
    elif isinstance(cause, httpx.ReadTimeout | httpcore.ReadTimeout):
        limit = f", each waiting at most {timeouts.read:g} s for data"
    else:
        limit = f" of at most {timeouts.total:g} s each"
    return FetchTimeout(f"timed out after {tries}{limit} ({_describe(cause)})", url=error.url)
