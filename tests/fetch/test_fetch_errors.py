"""Every httpx error becomes a scraper FetchError with the URL attached."""

from __future__ import annotations

import inspect
import ssl
from collections.abc import Callable

import httpx
import pytest

from scraper.errors import (
    FetchError,
    FetchTimeout,
    HTTPStatusError,
    NetworkError,
    RedirectError,
)
from scraper.fetch.httperrors import after_attempts, translate
from scraper.fetch.options import Timeouts

URL = "http://example.org/a"
_REQUEST = httpx.Request("GET", URL)
_HTTPX_ERRORS = sorted(
    (c for _, c in inspect.getmembers(httpx, inspect.isclass) if issubclass(c, Exception)),
    key=lambda c: c.__name__,
)


def _instance(cls: type[Exception]) -> Exception:
    if issubclass(cls, httpx.HTTPStatusError):
        response = httpx.Response(503, request=_REQUEST)
        return cls("boom", request=_REQUEST, response=response)
    if issubclass(cls, httpx.RequestError | httpx.TooManyRedirects):
        return cls("boom", request=_REQUEST)
    make: Callable[..., Exception] = cls
    if issubclass(cls, httpx.StreamError) and cls is not httpx.StreamError:
        return make()  # StreamConsumed and friends take no message
    return make("boom")


def test_httpx_has_the_errors_we_expect() -> None:
    names = {c.__name__ for c in _HTTPX_ERRORS}
    assert {"ConnectTimeout", "ReadError", "RemoteProtocolError", "InvalidURL"} <= names
    assert len(names) >= 25


@pytest.mark.parametrize("cls", _HTTPX_ERRORS, ids=lambda c: c.__name__)
def test_every_httpx_error_is_mapped_with_its_url(cls: type[Exception]) -> None:
    mapped = translate(_instance(cls), URL)
    assert isinstance(mapped, FetchError)
    assert mapped.url == URL
    assert URL in str(mapped)


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (httpx.ConnectTimeout("t", request=_REQUEST), FetchTimeout),
        (httpx.ReadTimeout("t", request=_REQUEST), FetchTimeout),
        (httpx.PoolTimeout("t", request=_REQUEST), FetchTimeout),
        (TimeoutError(), FetchTimeout),
        (httpx.ConnectError("refused", request=_REQUEST), NetworkError),
        (httpx.RemoteProtocolError("reset", request=_REQUEST), NetworkError),
        (httpx.ProxyError("proxy", request=_REQUEST), NetworkError),
        (httpx.UnsupportedProtocol("gopher", request=_REQUEST), NetworkError),
        (httpx.DecodingError("bad gzip", request=_REQUEST), NetworkError),
        (ConnectionResetError(104, "reset"), NetworkError),
        (httpx.TooManyRedirects("many", request=_REQUEST), RedirectError),
    ],
)
def test_errors_map_to_the_right_class(error: Exception, kind: type[FetchError]) -> None:
    assert type(translate(error, URL)) is kind


def test_an_http_status_error_keeps_its_status() -> None:
    response = httpx.Response(429, request=_REQUEST)
    mapped = translate(httpx.HTTPStatusError("x", request=_REQUEST, response=response), URL)
    assert isinstance(mapped, HTTPStatusError)
    assert mapped.status == 429


def test_an_error_without_a_message_says_what_it_was_raised_from() -> None:
    # httpx raises a TLS failure as a ConnectError of its own with no message: the run said
    # "network failure (ConnectError)", and nothing of why.
    try:
        try:
            raise ssl.SSLError(1, "[SSL: WRONG_VERSION_NUMBER] wrong version number")
        except ssl.SSLError as exc:
            raise httpx.ConnectError("", request=_REQUEST) from exc
    except httpx.ConnectError as error:
        mapped = translate(error, URL)
    assert isinstance(mapped, NetworkError)
    assert "ConnectError: SSLError: " in str(mapped)
    assert "WRONG_VERSION_NUMBER" in str(mapped)


@pytest.mark.parametrize(
    ("cause", "says"),
    [
        (httpx.ReadTimeout("", request=_REQUEST), "3 attempts, each waiting at most 2 s for data"),
        (httpx.ConnectTimeout("", request=_REQUEST), "3 attempts, each allowed 1 s to connect"),
        (httpx.PoolTimeout("", request=_REQUEST), "3 attempts of at most 9 s each (PoolTimeout)"),
        (TimeoutError(), "3 attempts of at most 9 s each (answer incomplete at the deadline)"),
    ],
)
def test_a_timeout_names_the_limit_it_met(cause: Exception, says: str) -> None:
    # A wait for data of 20 s was reported as "of at most 300 s each" under --timeout 300.
    error = FetchTimeout("timed out", url=URL)
    error.__cause__ = cause
    found = after_attempts(error, 3, Timeouts(connect=1.0, read=2.0, total=9.0))
    assert says in str(found)
    assert found.url == URL
