"""Which error a URL gets from robots.txt: a Disallow is final, a 429/5xx answer is not."""

from __future__ import annotations

import asyncio

import pytest

from scraper.errors import HTTPStatusError, RedirectError, RobotsDisallowed, RobotsUnavailable
from scraper.fetch.options import Politeness
from scraper.fetch.robots import RobotsCache

ORIGIN = "http://a.test"
URL = ORIGIN + "/news/1"


def _check(status: int, body: bytes = b"") -> None:
    async def fetch(url: str) -> tuple[int, bytes]:
        assert url == ORIGIN + "/robots.txt"
        return status, body

    cache = RobotsCache("scraper", Politeness(), fetch)
    asyncio.run(cache.check(URL, ORIGIN))


@pytest.mark.parametrize("status", [429, 500, 502, 503])
def test_a_429_or_5xx_robots_txt_is_temporary_and_only_a_disallow_is_final(status: int) -> None:
    with pytest.raises(RobotsUnavailable) as unavailable:
        _check(status)
    assert not isinstance(unavailable.value, RobotsDisallowed)
    assert unavailable.value.kind == "robots_unavailable"
    assert unavailable.value.url == URL
    assert f"answered {status}" in str(unavailable.value)
    with pytest.raises(RobotsDisallowed) as disallowed:
        _check(200, b"User-agent: *\nDisallow: /news/\n")
    assert not isinstance(disallowed.value, RobotsUnavailable)
    assert disallowed.value.kind == "robots"
    _check(200, b"User-agent: *\nDisallow: /private/\n")  # another path: allowed
    _check(404)  # no file: everything allowed


def test_a_robots_txt_starting_with_a_bom_keeps_its_first_group() -> None:
    # Saved with a BOM, the file's first line is still its first group's "User-agent".
    with pytest.raises(RobotsDisallowed):
        _check(200, b"\xef\xbb\xbfUser-agent: *\r\nDisallow: /news/\r\n")
    _check(200, b"\xef\xbb\xbfUser-agent: *\r\nDisallow: /private/\r\n")


def test_an_unusable_robots_txt_is_temporarily_unavailable() -> None:
    async def fetch(url: str) -> tuple[int, bytes]:
        raise RedirectError("more than 5 redirects", url=url)

    cache = RobotsCache("scraper", Politeness(), fetch)
    with pytest.raises(RobotsUnavailable, match="more than 5 redirects"):
        asyncio.run(cache.check(URL, ORIGIN))


def test_a_robots_txt_asking_to_wait_long_is_kept_that_long_and_says_so() -> None:
    asked: list[str] = []
    answered_by = "http://b.test/robots.txt"  # robots.txt redirected to another host

    async def fetch(url: str) -> tuple[int, bytes]:
        asked.append(url)
        raise HTTPStatusError(
            "HTTP 503", url=url, status=503, retry_after=3600.0, asked_by=answered_by
        )

    cache = RobotsCache("scraper", Politeness(), fetch)

    async def twice() -> list[RobotsUnavailable]:
        caught = []
        for _ in range(2):
            with pytest.raises(RobotsUnavailable) as unavailable:
                await cache.check(URL, ORIGIN)
            caught.append(unavailable.value)
        return caught

    for error in asyncio.run(twice()):
        assert error.retry_after is not None and 3590 < error.retry_after <= 3600
        assert error.asked_by == answered_by and error.url == URL
        assert "robots.txt answered 503: asked to retry after 3600 s" in str(error)
    assert asked == [ORIGIN + "/robots.txt"]  # kept: asked once
    with pytest.raises(RobotsUnavailable) as plain:
        _check(503)
    assert plain.value.retry_after is None and plain.value.asked_by == URL
