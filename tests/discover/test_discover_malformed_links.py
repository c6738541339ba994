"""Malformed links (a bad IPv6 literal, a host NFKC turns into a delimiter) are InputErrors.

urllib reports them with a bare ValueError, which nothing in discovery or dedup expected: one
such entry made a whole feed's discovery fail, and one such canonical link stopped a crawl.
"""

from __future__ import annotations

import pytest

from scraper.dedup.identity import identity_of
from scraper.discover.links import parse_section
from scraper.discover.urls import canonical_url, normalise_url, resolve_link, site_of
from scraper.errors import InputError

# The last: "s" matched "ſ" (U+017F) under a case-insensitive pattern, and "httpſ" had no port.
MALFORMED = ["http://[::1/x", "http://a\uff03b.example/x", "http://[zz]/x", "httpſ://a.example/x"]


@pytest.mark.parametrize("url", MALFORMED)
def test_a_malformed_url_is_an_input_error(url: str) -> None:
    with pytest.raises(InputError):
        normalise_url(url)
    assert site_of(url) == ""


@pytest.mark.parametrize("link", ["http://[::1/x", "//[oops/x"])
def test_a_malformed_canonical_link_is_ignored(link: str) -> None:
    url = "https://news.example/a"
    assert canonical_url(url, link) == url
    found = identity_of(url, link)
    assert (found.key, found.named) == (url, None)


def test_a_malformed_relative_link_is_left_for_normalisation_to_refuse() -> None:
    link = resolve_link("https://news.example/feed.xml", "//[oops/x")
    with pytest.raises(InputError):
        normalise_url(link)


def test_an_ipv6_host_keeps_its_brackets() -> None:
    assert normalise_url("http://[::1]:8080/x/") == "http://[::1]:8080/x"
    assert normalise_url("https://[2001:DB8::1]:443/x") == "https://[2001:db8::1]/x"


def test_a_section_page_skips_only_its_malformed_link() -> None:
    body = b'<a href="http://[::1/news/1">bad</a><a href="/news/2">good</a>'
    listing = parse_section(body, "https://news.example/section", ["/news/"])
    assert [e.url for e in listing.entries] == ["https://news.example/news/2"]
