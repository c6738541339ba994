"""Malformed URLs, asked for or met in a Location header: a one-line error of the fetcher's own,
never httpx's or the socket layer's, and never a request (or a DNS lookup) they should not make."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from fetch_server import LocalServer, local_options, loopback_resolver, run

from scraper.errors import FetchError, InvalidURL, NetworkError, RedirectError
from scraper.fetch import Fetcher, SyncFetcher
from scraper.models import Page

_BAD_URLS = [
    "http://[::1",  # httpx.InvalidURL
    "http://127.0.0.1:99999/x",  # OverflowError at connect
    "http://127.0.0.1:0/x",  # went out to port 80
    "http://exa mple.com/x",  # looked up as exa%20mple.com
    "http://" + "a" * 64 + ".test/x",  # UnicodeError from the resolver's IDNA encoding
    "http://a..test/x",
]


async def _fetch(url: str) -> Page:
    async with Fetcher(local_options(), resolver=loopback_resolver) as fetcher:
        return await fetcher.fetch(url)


@pytest.mark.parametrize("location", _BAD_URLS)
def test_a_bad_location_is_a_redirect_error(server: LocalServer, location: str) -> None:
    url = server.url("/to?u=" + quote(location, safe=""))
    with pytest.raises(RedirectError) as caught:
        run(_fetch(url))
    assert caught.value.url == url
    assert caught.value.kind == "redirect"
    assert "Location" in str(caught.value) or "URL" in str(caught.value)


@pytest.mark.parametrize("location", ["http://", "https://", "//", "http:///path", "//?q=1"])
def test_a_location_without_a_host_is_invalid_not_a_loop(
    server: LocalServer, location: str
) -> None:
    # Joined to the page's URL, an empty authority gave that URL back: a "redirect loop".
    url = server.url("/to?u=" + quote(location, safe=""))
    with pytest.raises(RedirectError, match=r"invalid Location .*: no host"):
        run(_fetch(url))


@pytest.mark.parametrize("url", _BAD_URLS)
def test_a_bad_url_asked_for_is_refused_before_any_request(url: str) -> None:
    # No server: a request or a lookup would fail otherwise (loopback_resolver raises).
    with pytest.raises(InvalidURL) as caught:
        run(_fetch(url))
    # Not a NetworkError: trying again cannot help, and a crawl gives it up at once.
    assert caught.value.kind == "invalid_url"
    assert caught.value.url == url


def test_one_bad_location_does_not_stop_the_other_urls(server: LocalServer) -> None:
    urls = [
        server.url("/page/a"),
        server.url("/to?u=" + quote("http://[::1", safe="")),
        server.url("/to?u=" + quote("http://127.0.0.1:99999/", safe="")),
        server.url("/page/b"),
    ]
    with SyncFetcher(local_options()) as fetcher:
        results = fetcher.fetch_all(urls)
    kinds = [r.error.kind if r.error else None for r in results]
    assert kinds == [None, "redirect", "redirect", None]


def test_a_redirect_to_a_good_port_and_host_is_still_followed(server: LocalServer) -> None:
    target = f"http://127.0.0.1:{server.port}/page/there"
    page = run(_fetch(server.url("/to?u=" + quote(target, safe=""))))
    assert page.final_url == target


def test_a_resolver_failing_with_unicode_error_is_a_network_error() -> None:
    # getaddrinfo raises UnicodeError for a name IDNA cannot encode (an empty or long label).
    async def failing(host: str, port: int) -> list[str]:
        raise UnicodeError("label empty or too long")

    async def scenario() -> Page:
        async with Fetcher(local_options(), resolver=failing) as fetcher:
            return await fetcher.fetch("http://example.test/")

    with pytest.raises(NetworkError, match=r"cannot resolve example\.test"):
        run(scenario())


def test_error_messages_quote_a_long_url_shortened() -> None:
    url = "http://exa mple.com/" + "a" * 100_000
    with pytest.raises(FetchError) as caught:
        run(_fetch(url))
    assert caught.value.url == url  # the error still carries it whole
    assert len(str(caught.value)) < 500
    assert str(caught.value).count("a" * 150) == 1


def test_a_long_token_in_a_url_is_redacted_before_the_message_cuts_it() -> None:
    token = "t" * 300
    url = f"http://{token}@127.0.0.1:99999/x"
    with pytest.raises(FetchError) as caught:
        run(_fetch(url))
    assert "t" * 20 not in str(caught.value)
    assert "***@127.0.0.1:99999" in str(caught.value)


@pytest.mark.parametrize("url", [None, 17, b"http://127.0.0.1/x"])
def test_a_url_that_is_not_a_string_is_an_invalid_url(url: object) -> None:
    # None from a record without its URL: the error's message, quoting it, raised TypeError.
    with pytest.raises(InvalidURL) as caught:
        run(_fetch(url))  # type: ignore[arg-type]
    assert caught.value.url == repr(url)
    assert type(url).__name__ in str(caught.value)


def test_a_none_among_the_urls_of_a_batch_is_its_own_failure(server: LocalServer) -> None:
    urls: list[str | None] = [server.url("/page/a"), None, server.url("/page/b")]
    with SyncFetcher(local_options()) as fetcher:
        results = fetcher.fetch_all(urls)  # type: ignore[arg-type]
    assert [(r.url, r.error.kind if r.error else None) for r in results] == [
        (urls[0], None),
        (None, "invalid_url"),
        (urls[2], None),
    ]
