"""An HTML page answered for a feed (a soft 404) is named as such, not as a parser's complaint."""

from __future__ import annotations

import pytest

from scraper.discover.feeds import parse_feed
from scraper.discover.html_sniff import is_html_page
from scraper.errors import InputError

_PAGES = [
    b"<!DOCTYPE html><html><body><h1>Page not found</h1></body></html>",
    b"<!doctype HTML>\n<title>Moved</title><p>Gone",
    b"  <html><head><title>x</title></head><body><p>hi</body></html>",
    b"<!-- cache: miss -->\n<html lang=en><body></body></html>",
]


@pytest.mark.parametrize("body", _PAGES)
def test_a_feed_answered_with_an_html_page_says_so(body: bytes) -> None:
    with pytest.raises(InputError, match=r"^not a feed: an HTML page \(https://n\.example/rss\)$"):
        parse_feed(body, "https://n.example/rss")


@pytest.mark.parametrize(
    "body",
    [
        b'<?xml version="1.0"?><rss version="2.0"><channel><description>&lt;html&gt; ok',
        b"<feed><title>htmlish</title></feed>",
        b"<urlset><url><loc>https://n.example/html</loc></url></urlset>",
    ],
)
def test_feeds_and_sitemaps_are_not_taken_for_html(body: bytes) -> None:
    assert not is_html_page(body)
