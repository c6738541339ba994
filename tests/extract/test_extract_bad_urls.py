"""A URL that cannot be parsed, in the page or given as its address, is no reason to fail.

``urllib.parse`` raises ValueError on a bracketed host that is no IPv6 address ("//[",
"http://[zz]/"): such a link in a page's head, or such a ``url`` passed by the caller, made
``extract`` raise that raw ValueError instead of returning the article.
"""

from __future__ import annotations

import pytest

import scraper

BODY = "<p>" + "The council met on Tuesday and voted on the harbour plan at last. " * 4 + "</p>"


def _page(head: str) -> str:
    head = f"<head><title>Harbour plan</title>{head}</head>"
    return f"<html>{head}<body><article>{BODY}</article></body></html>"


@pytest.mark.parametrize("href", ["//[", "//[zz]/story", "//[::1"])
def test_an_unparseable_link_in_the_page_is_left_out(href: str) -> None:
    page = _page(f'<link rel="canonical" href="{href}"><meta property="og:image" content="{href}">')
    article = scraper.extract(page, url="https://news.example/story")
    assert article.text.startswith("The council met")
    assert article.canonical_url is None or article.canonical_url.startswith("https://")
    assert article.image is None or article.image.startswith("https://")


def test_an_unparseable_link_does_not_hide_a_good_one() -> None:
    page = _page('<link rel="canonical" href="//["><meta property="og:image" content="/i.jpg">')
    article = scraper.extract(page, url="https://news.example/story")
    assert article.canonical_url is None
    assert article.image == "https://news.example/i.jpg"


@pytest.mark.parametrize("url", ["http://[::1", "http://[zz]/story", "https://[/x"])
def test_an_unparseable_address_given_by_the_caller(url: str) -> None:
    page = _page('<link rel="canonical" href="/story"><meta property="og:image" content="/i.jpg">')
    article = scraper.extract(page, url=url)
    assert article.url == url
    assert article.title == "Harbour plan"
    assert article.text.startswith("The council met")
    # Nothing to resolve the relative links against.
    assert article.canonical_url is None
    assert article.image is None
