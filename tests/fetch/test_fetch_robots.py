"""Which error a URL gets from robots.txt: a Disallow is final, a 429/5xx answer is not, and
redirects that reach no file allow all."""

from __future__ import annotations

import asyncio

import pytest

from scraper.errors import HTTPStatusError, RedirectError, RobotsDisallowed, RobotsUnavailable
from scraper.fetch.httperrors import EndlessRedirects
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
        raise RedirectError("invalid Location 'http://': no host", url=url)

    cache = RobotsCache("scraper", Politeness(), fetch)
    with pytest.raises(RobotsUnavailable, match="invalid Location"):
        asyncio.run(cache.check(URL, ORIGIN))


@pytest.mark.parametrize(
    "message", ["more than 5 redirects", f"redirect loop back to {ORIGIN}/robots.txt"]
)
def test_redirects_that_reach_no_robots_txt_allow_all_and_are_kept_as_a_404(
    message: str,
) -> None:
    asked: list[str] = []

    async def fetch(url: str) -> tuple[int, bytes]:
        asked.append(url)
        raise EndlessRedirects(message, url=url)

    # With robots_error_ttl 0, an answer kept as an error would be asked for again.
    cache = RobotsCache("scraper", Politeness(robots_error_ttl=0.0), fetch)

    async def twice() -> None:
        for _ in range(2):
            rules = await cache.check(URL, ORIGIN)
            assert rules.allow_all and rules.parser is None
            assert message in rules.reason

    asyncio.run(twice())
    assert asked == [ORIGIN + "/robots.txt"]


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
