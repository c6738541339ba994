"""Which error a URL gets from robots.txt: a Disallow is final, a 429/5xx answer is not."""

from __future__ import annotations

import asyncio

import pytest

from scraper.errors import RedirectError, RobotsDisallowed, RobotsUnavailable
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


def test_an_unusable_robots_txt_is_temporarily_unavailable() -> None:
    async def fetch(url: str) -> tuple[int, bytes]:
        raise RedirectError("more than 5 redirects", url=url)

    cache = RobotsCache("scraper", Politeness(), fetch)
    with pytest.raises(RobotsUnavailable, match="more than 5 redirects"):
        asyncio.run(cache.check(URL, ORIGIN))
