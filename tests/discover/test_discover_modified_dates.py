"""When a listing says a page last changed (``Discovered.modified``), by each reader: a stored
article listed as changed after its fetch is fetched again
(tests/crawl/test_crawl_updated_stories.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from scraper.discover.feeds import parse_feed, read_with_feedparser
from scraper.discover.lenient import _answer, listing_from_answer
from scraper.discover.sitemaps import parse_sitemap

_PUBLISHED = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)
_CHANGED = datetime(2026, 11, 30, 14, 30, tzinfo=UTC)
_NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
_NEWS = 'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"'
_ATOM = (
    '<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><entry>'
    '<link href="https://news.test/a"/><published>2026-11-29T08:00:00Z</published>'
    "<updated>2026-11-30T14:30:00Z</updated></entry></feed>"
)


def test_a_news_sitemap_dates_publication_by_its_news_date_and_change_by_lastmod() -> None:
    body = (
        f"<urlset {_NS} {_NEWS}><url><loc>https://news.test/a</loc>"
        "<lastmod>2026-11-30T14:30:00Z</lastmod><news:news><news:publication_date>"
        "2026-11-29T08:00:00Z</news:publication_date></news:news></url></urlset>"
    )
    (entry,) = parse_sitemap(body.encode(), "https://news.test/sitemap.xml").entries
    assert (entry.published, entry.modified) == (_PUBLISHED, _CHANGED)


@pytest.mark.parametrize(
    ("lastmod", "modified"),
    [
        # A day starts first in UTC+14: read as UTC, a Tokyo page fetched at 01:00 on that
        # day (16:00 UTC the day before) would look changed after its fetch.
        ("2026-11-30", datetime(2026, 11, 29, 10, tzinfo=UTC)),
        # A time without a zone, the same: a Tokyo sitemap's 10:00 is 01:00 UTC.
        ("2026-11-30T10:00:00", datetime(2026, 11, 29, 20, tzinfo=UTC)),
        ("2026-11-30T10:00:00+09:00", datetime(2026, 11, 30, 1, tzinfo=UTC)),
    ],
)
def test_a_vague_lastmod_dates_the_change_at_its_earliest_instant(
    lastmod: str, modified: datetime
) -> None:
    body = f"<urlset {_NS}><url><loc>https://news.test/a</loc><lastmod>{lastmod}</lastmod></url>"
    (entry,) = parse_sitemap(f"{body}</urlset>".encode(), "https://news.test/s.xml").entries
    assert entry.modified == modified


@pytest.mark.parametrize("reader", ["fast", "feedparser"])
def test_an_atom_entry_is_changed_when_it_says_it_was_updated(reader: str) -> None:
    base = "https://news.test/feed"
    listing = (
        parse_feed(_ATOM.encode(), base)
        if reader == "fast"
        else read_with_feedparser(_ATOM.encode(), base)
    )
    (entry,) = listing.entries
    assert (entry.published, entry.modified) == (_PUBLISHED, _CHANGED)


def test_a_json_feed_item_is_changed_by_its_date_modified() -> None:
    body = (
        '{"version": "https://jsonfeed.org/version/1.1", "items": [{"url": "/a",'
        ' "date_published": "2026-11-29T08:00:00Z", "date_modified": "2026-11-30T14:30:00Z"}]}'
    )
    (entry,) = parse_feed(body.encode(), "https://news.test/feed.json").entries
    assert (entry.published, entry.modified) == (_PUBLISHED, _CHANGED)


def test_an_rss_item_with_only_its_pub_date_states_no_change() -> None:
    body = (
        '<rss version="2.0"><channel><title>t</title><item><link>https://news.test/a</link>'
        "<pubDate>Sun, 29 Nov 2026 08:00:00 GMT</pubDate></item></channel></rss>"
    )
    (entry,) = parse_feed(body.encode(), "https://news.test/rss").entries
    assert (entry.published, entry.modified) == (_PUBLISHED, None)


def test_the_lenient_child_hands_the_change_date_back() -> None:
    listing = read_with_feedparser(_ATOM.encode(), "https://news.test/feed")
    (entry,) = listing_from_answer(_answer(listing)).entries
    assert (entry.published, entry.modified) == (_PUBLISHED, _CHANGED)
