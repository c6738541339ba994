"""Discovery parsers: feeds (RSS, Atom, JSON Feed), sitemaps, robots.txt lines, section links."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime

import pytest

from scraper.demo.listings import Item, atom_feed, json_feed, news_sitemap, rss_feed, sitemap_index
from scraper.discover.feeds import parse_feed
from scraper.discover.links import parse_section
from scraper.discover.sitemaps import is_robots_url, parse_robots_sitemaps, parse_sitemap
from scraper.errors import InputError

WHEN = datetime(2026, 11, 20, 8, 30, tzinfo=UTC)
ITEMS = [
    Item("https://news.test/a/one?utm_source=rss", "One", WHEN),
    Item("https://news.test/a/two", "Two & more", datetime(2026, 11, 21, tzinfo=UTC)),
]


@pytest.mark.parametrize("render", [rss_feed, atom_feed, json_feed])
def test_feed_entries_and_dates(render: object) -> None:
    assert callable(render)
    body = render("News", "https://news.test/", ITEMS)
    listing = parse_feed(body, "https://news.test/feed")
    assert [e.url for e in listing.entries] == [i.url for i in ITEMS]
    assert [e.published for e in listing.entries] == [i.published for i in ITEMS]
    assert listing.children == ()


def test_feed_relative_links_resolve_against_the_feed_url() -> None:
    body = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
    <item><link>/2026/story</link></item><item><title>no link</title></item></channel></rss>"""
    listing = parse_feed(body, "https://news.test/feeds/all.xml")
    assert [e.url for e in listing.entries] == ["https://news.test/2026/story"]
    assert listing.entries[0].published is None


@pytest.mark.parametrize(
    "body", [b"<html><body>not a feed</body></html>", b"{not json", b"[1, 2]", b'{"x": 1}']
)
def test_non_feeds_are_input_errors(body: bytes) -> None:
    with pytest.raises(InputError):
        parse_feed(body, "https://news.test/feed")


def test_news_sitemap_prefers_publication_date_and_reads_gzip() -> None:
    body = news_sitemap(ITEMS)
    for raw in (body, gzip.compress(body)):
        listing = parse_sitemap(raw, "https://news.test/sitemap.xml")
        assert [e.url for e in listing.entries] == [i.url for i in ITEMS]
        assert listing.entries[0].published == WHEN


def test_sitemap_lastmod_and_index() -> None:
    urlset = b"""<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
    <url><loc> https://news.test/x </loc><lastmod>2026-11-02</lastmod></url></urlset>"""
    listing = parse_sitemap(urlset, "https://news.test/s.xml")
    assert listing.entries[0].url == "https://news.test/x"
    assert listing.entries[0].published == datetime(2026, 11, 2, tzinfo=UTC)
    index = parse_sitemap(sitemap_index(["https://news.test/s1.xml"]), "https://news.test/")
    assert [c.url for c in index.children] == ["https://news.test/s1.xml"]
    assert index.children[0].published is None
    assert index.entries == ()


@pytest.mark.parametrize(
    "body", [b"<html></html>", b"<urlset><url>", b"plain text", gzip.compress(b"<a/>")[:10]]
)
def test_broken_sitemaps_are_input_errors(body: bytes) -> None:
    with pytest.raises(InputError):
        parse_sitemap(body, "https://news.test/s.xml")


def test_index_lastmod_dates_its_children() -> None:
    body = b"""<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
    <sitemap><loc>https://news.test/2024-01.xml</loc><lastmod>2024-02-01</lastmod></sitemap>
    </sitemapindex>"""
    (child,) = parse_sitemap(body, "https://news.test/index.xml").children
    assert child.published == datetime(2024, 2, 1, tzinfo=UTC)


def test_robots_sitemap_lines() -> None:
    body = b"User-agent: *\nDisallow: /private\nSitemap: https://news.test/a.xml\nSitemap: /b.xml\n"
    listing = parse_robots_sitemaps(body, "https://news.test/robots.txt")
    assert [c.url for c in listing.children] == [
        "https://news.test/a.xml",
        "https://news.test/b.xml",
    ]
    assert is_robots_url("https://news.test/robots.txt")
    assert not is_robots_url("https://news.test/sitemap.xml")


def test_section_links_follow_patterns_on_the_same_host_once() -> None:
    page = b"""<html><head><base href="https://news.test/world/"></head><body>
    <a href="2026/one">One</a> <a href="2026/one#comments">again</a>
    <a href="/world/2026/two?ref=x">Two</a> <a href="/about">About</a>
    <a href="https://other.test/world/2026/three">elsewhere</a>
    <a href="javascript:void(0)">js</a> <a href="mailto:x@news.test">mail</a>
    </body></html>"""
    listing = parse_section(page, "https://news.test/world/", [r"/world/\d{4}/"])
    assert [e.url for e in listing.entries] == [
        "https://news.test/world/2026/one",
        "https://news.test/world/2026/two?ref=x",
    ]
