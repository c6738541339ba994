"""Discovery parsers: feeds (RSS, Atom, JSON Feed), sitemaps, robots.txt lines, section links."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime

import pytest

from scraper.demo.listings import Item, atom_feed, json_feed, news_sitemap, rss_feed, sitemap_index
from scraper.discover.feeds import parse_feed, read_with_feedparser
from scraper.discover.links import parse_section
from scraper.discover.sitemaps import is_robots_url, parse_robots_sitemaps, parse_sitemap
from scraper.discover.xmlfeeds import read_plain_feed
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


_RSS = b"""<?xml version="1.0" encoding="utf-8"?><rss version="2.0"
 xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>t</title>%s</channel></rss>"""
_ATOM = b"""<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">
<title>t</title>%s</feed>"""
PLAIN_FEEDS = {
    "rss dates in several zones": _RSS
    % b"""<item><link> https://news.test/a </link><pubDate>Sat, 21 Nov 2026 10:00:00 +0200</pubDate>
    <guid>x1</guid><dc:creator>Ann</dc:creator></item>
    <item><title>no date</title><link>/rel/b</link></item>
    <item><title>no link at all</title></item>
    <item><link>https://news.test/c</link>
    <pubDate>Sun, 22 Nov 2026 01:02:03 GMT</pubDate></item>""",
    "atom published, updated, alternate link": _ATOM
    % b"""<entry><link rel="self" href="https://news.test/self"/><link href="/a"/>
    <published>2026-11-20T08:30:00.250+01:00</published><updated>2026-11-21T00:00:00Z</updated></entry>
    <entry><link rel="alternate" href="https://news.test/b"/><updated>2026-11-22T10:00:00Z</updated>
    </entry><entry><title>no link</title></entry>""",
    "atom html alternate after a pdf, id for a missing link": _ATOM
    % b"""<entry><id>1</id><link rel="alternate" type="application/pdf" href="/a.pdf"/>
    <link rel="enclosure" href="/a.mp3"/><link rel="alternate" type="text/html" href="/a"/>
    <updated>2026-11-21T00:00:00Z</updated></entry>
    <entry><id>https://news.test/b</id><link rel="self" href="/api/b"/>
    <link rel="replies" href="/b/comments"/></entry>""",
    "rss dc:date, day or time, beside a pubDate": _RSS
    % b"""<item><link>https://news.test/a</link><dc:date>2026-11-20</dc:date></item>
    <item><link>https://news.test/b</link><dc:date>2026-11-20T08:30:00.5-05:00</dc:date>
    <dc:date>2026-11-21T10:00Z</dc:date></item>
    <item><link>https://news.test/c</link><dc:date>2026-11-19T10:00:00Z</dc:date>
    <pubDate>Sat, 21 Nov 2026 10:00:00 +0200</pubDate></item>""",
    "rss 1.0, dated by dc:date": b"""<?xml version="1.0"?><rdf:RDF
    xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
    xmlns:dc="http://purl.org/dc/elements/1.1/"><channel rdf:about="https://news.test/">
    <title>t</title><link>https://news.test/</link><items><rdf:Seq>
    <rdf:li rdf:resource="https://news.test/a"/></rdf:Seq></items></channel>
    <item rdf:about="https://news.test/a"><title>A</title><link>https://news.test/a</link>
    <dc:date>2026-11-20T08:30:00+09:00</dc:date></item>
    <item rdf:about="https://news.test/b"><title>no link</title></item>
    <item rdf:about="https://news.test/c"><link> /rel/c </link><dc:date>2026-11-21</dc:date></item>
    <item><link>https://news.test/d</link></item></rdf:RDF>""",
}
NEEDS_FEEDPARSER = {
    "not well-formed": _RSS % b"<item><link>https://news.test/a&nbsp;</link></item>",
    "a dc:date in RFC 822": _RSS
    % b"<item><link>https://news.test/a</link><dc:date>Fri, 20 Nov 2026 10:00:00 GMT</dc:date>"
    b"</item>",
    "an atom link in an RSS item": _RSS.replace(
        b"<rss ", b'<rss xmlns:atom="http://www.w3.org/2005/Atom" '
    )
    % b'<item><link>https://news.test/a</link><atom:link rel="alternate" href="/b"/></item>',
    "a basic-format Atom date": _ATOM
    % b'<entry><link href="/a"/><updated>20261120T100000Z</updated></entry>',
    "an odd date": _RSS
    % b"<item><link>https://news.test/a</link><pubDate>yesterday</pubDate></item>",
    "xml:base": _ATOM % b'<entry xml:base="https://other.test/"><link href="a"/></entry>',
    # feedparser reads it; the id is no link (see test_discover_feeds), the next entry's is.
    "an atom id for a link, not a URL": _ATOM
    % b'<entry><id>2026/a</id><link rel="replies" href="/a/comments"/></entry>'
    b'<entry><link href="/b"/></entry>',
    "RSS 0.90": b"""<?xml version="1.0"?><rdf:RDF
    xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    xmlns="http://my.netscape.com/rdf/simple/0.9/"><channel><title>t</title>
    <link>https://news.test/</link></channel><item><link>https://news.test/a</link></item>
    </rdf:RDF>""",
    "RSS 1.0 without a channel": b"""<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    xmlns="http://purl.org/rss/1.0/"><item rdf:about="https://news.test/a">
    <link>https://news.test/a</link></item></rdf:RDF>""",
}


@pytest.mark.parametrize("name", sorted(PLAIN_FEEDS))
def test_plain_feeds_are_read_without_feedparser_with_its_result(name: str) -> None:
    body = PLAIN_FEEDS[name]
    assert read_plain_feed(body) is not None
    ours = parse_feed(body, "https://news.test/feed")
    assert ours == read_with_feedparser(body, "https://news.test/feed")
    assert len(ours.entries) == (3 if name.startswith("rss") else 2)


@pytest.mark.parametrize("name", sorted(NEEDS_FEEDPARSER))
def test_other_feeds_go_to_feedparser(name: str) -> None:
    body = NEEDS_FEEDPARSER[name]
    assert read_plain_feed(body) is None
    listing = parse_feed(body, "https://news.test/feed")
    assert listing == read_with_feedparser(body, "https://news.test/feed")
    assert listing.entries  # feedparser finds the link in each of them


def test_a_guid_that_is_a_web_address_is_the_link_on_the_fast_path_too() -> None:
    body = _RSS % b"<item><guid>https://news.test/a</guid></item>"
    assert read_plain_feed(body) is not None
    listing = parse_feed(body, "https://news.test/feed")
    assert listing == read_with_feedparser(body, "https://news.test/feed")
    assert [e.url for e in listing.entries] == ["https://news.test/a"]


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


@pytest.mark.parametrize(
    "date",
    [
        "2026-11-20T08:30:00Z",
        "2026-11-20T08:30:00.250+01:00",
        "2026-11-20T08:30:00,5-05:00",
        "2026-11-20T08:30Z",
        "2026-11-20 08:30:00Z",
        "2026-11-20T08:30:00+0100",
        "2026-11-20T08:30:00+01",
        "2026-11-20",
        "20261120T083000Z",
        "2026-W47-5T08:30Z",
        "2026-324T08:30Z",
        "2026-11-20T08:30:00z",
        "2026-11-20T24:00:00Z",
        "2026-11-20T08:30:00",
        "2026-02-30",
        "2026-11",
    ],
)
def test_the_fast_reader_reads_a_date_as_feedparser_or_leaves_it_to_it(date: str) -> None:
    # Whatever form a date takes, the fast reader gives feedparser's reading or none at all.
    atom = _ATOM % f'<entry><link href="/a"/><updated>{date}</updated></entry>'.encode()
    rss = _RSS % f"<item><link>/a</link><dc:date>{date}</dc:date></item>".encode()
    for body in (atom, rss):
        if read_plain_feed(body) is not None:
            assert parse_feed(body, "https://news.test/f") == read_with_feedparser(
                body, "https://news.test/f"
            )
