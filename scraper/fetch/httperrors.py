"""Translating httpx and socket errors into scraper's error tree, with the URL attached."""

from __future__ import annotations

import httpx

from scraper.errors import FetchError, FetchTimeout, HTTPStatusError, NetworkError, RedirectError

__all__ = ["translate"]


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def translate(exc: Exception, url: str) -> FetchError:
    """The scraper error for an httpx or OS-level error met while fetching ``url``.

    The caller raises the result ``from exc`` so the original stays in the traceback.
    """
    if isinstance(exc, FetchError):
        return exc
    what = _describe(exc)
    if isinstance(exc, httpx.TimeoutException | TimeoutError):
        return FetchTimeout(f"timed out ({what})", url=url)
    if isinstance(exc, httpx.HTTPStatusError):
        status = exc.response.status_code
        return HTTPStatusError(f"HTTP {status}", url=url, status=status)
    if isinstance(exc, httpx.TooManyRedirects):
        return RedirectError(f"too many redirects ({what})", url=url)
    if isinstance(exc, httpx.DecodingError):
        return NetworkError(f"undecodable Content-Encoding ({what})", url=url)
    if isinstance(exc, httpx.RequestError | OSError):
        # Transport, protocol, proxy, DNS, TLS and unsupported-scheme failures.
        return NetworkError(f"network failure ({what})", url=url)
    if isinstance(exc, httpx.InvalidURL):
        return FetchError(f"invalid URL ({what})", url=url)
    return FetchError(f"fetch failed ({what})", url=url)
