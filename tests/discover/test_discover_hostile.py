"""Hostile listings a fuzz run found: each fails one entry or one listing with a project error
(or reads as well as it can), never with a Python error that the crawl records as a bug.

Dates that may mean an instant before year 1, AMP cache URLs nested thousands deep, a section
page URL that does not parse, and an XML declaration whose encoding label holds a NUL."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from scraper.crawl.lenient_feeds import read_in_child
from scraper.discover.entry import Discovered, Listing
from scraper.discover.feeds import LenientFeed, parse_fast, parse_feed, read_with_feedparser
from scraper.discover.links import MAX_SECTION_DEPTH, parse_section, read_section
from scraper.discover.listed_dates import (
    EARLIEST_LISTED,
    listed_date,
    without_placeholder_dates,
    zoneless,
)
from scraper.discover.sitemaps import parse_sitemap
from scraper.discover.urls import normalise_url, request_url
from scraper.errors import InputError
from scraper.extract.dates import EARLIEST

_BASE = "https://news.test/listing"
_NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
_UNDATED = Discovered("https://news.test/a")
_AMP = "a.cdn.ampproject.org/c/s/"


# --- dates that may mean an instant before year 1 --------------------------------------------


@pytest.mark.parametrize(
    "text", ["0001-01-01", "0001-01", "0001", "0001/01/01", "01 Jan 0001", "0001-01-01T05:00:00"]
)
def test_a_vague_date_that_may_start_before_year_1_is_no_date(text: str) -> None:
    assert listed_date(text) is None
    # Year 1 itself is no error: an instant in it, or a day that starts late enough, is read.
    assert listed_date("0001-01-01T00:00:00Z") == (datetime(1, 1, 1, tzinfo=UTC), None)
    read = listed_date("0001-01-02")
    assert read is not None and read[0] == datetime(1, 1, 2, tzinfo=UTC)


def test_a_zoneless_instant_in_the_first_hours_of_year_1_is_no_date() -> None:
    assert zoneless(datetime(1, 1, 1, 13, 59)) is None
    assert zoneless(datetime(1, 1, 1, 14)) is not None


@pytest.mark.parametrize("lastmod", ["0001-01-01", "0001-01", "0001-01-01T03:00:00"])
def test_a_sitemap_lastmod_of_year_1_leaves_its_entry_undated(lastmod: str) -> None:
    body = (
        f"<urlset {_NS}><url><loc>https://news.test/a</loc><lastmod>{lastmod}</lastmod></url>"
        "<url><loc>https://news.test/b</loc></url></urlset>"
    )
    listing = parse_sitemap(body.encode(), _BASE)
    assert listing.entries == (_UNDATED, Discovered("https://news.test/b"))


@pytest.mark.parametrize("field", ["date_published", "date_modified"])
def test_a_json_feed_date_of_year_1_leaves_its_item_undated(field: str) -> None:
    body = f'{{"items":[{{"url":"https://news.test/a","{field}":"0001-01-01"}}]}}'
    assert parse_feed(body.encode(), _BASE).entries == (_UNDATED,)


@pytest.mark.parametrize(
    "body",
    [
        # An xml:base and a zoneless time: read by feedparser.
        '<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://news.test/"><entry>'
        '<link href="https://news.test/a"/><updated>0001-01-01T00:00:00</updated></entry></feed>',
        # A dc:date day the fast path does not date, handed on to feedparser.
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><item>'
        "<link>https://news.test/a</link><dc:date>0001-01-01</dc:date></item></channel></rss>",
    ],
    ids=["atom updated", "rss dc:date"],
)
def test_a_feed_date_of_year_1_leaves_its_entry_undated(body: str) -> None:
    assert parse_feed(body.encode(), _BASE).entries == (_UNDATED,)


@pytest.mark.parametrize(
    "pub_date",
    [
        "Mon, 01 Jan 0001 00:00:00 GMT",
        "Mon, 01 Jan 0001 00:00:00 +0000",
        "Mon, 01 Jan 0001 00:00:00",
    ],
)
def test_a_pubdate_of_year_1_written_in_four_digits_leaves_its_entry_undated(
    pub_date: str,
) -> None:
    # .NET's DateTime.MinValue, printed for an item without a date: read as 2001 by the
    # two-digit-year rule, a new item looked 25 years old and fell out of every age window.
    body = (
        '<rss version="2.0"><channel><item><link>https://news.test/a</link>'
        f"<pubDate>{pub_date}</pubDate></item></channel></rss>"
    ).encode()
    fast = parse_fast(body, _BASE)
    assert isinstance(fast, Listing)  # read by the fast path, not handed on
    assert fast.entries == (_UNDATED,) == read_with_feedparser(body, _BASE).entries


def test_a_two_digit_pubdate_year_is_still_read_in_this_century() -> None:
    body = (
        b'<rss version="2.0"><channel><item><link>https://news.test/a</link>'
        b"<pubDate>Mon, 01 Jan 01 00:00:00 GMT</pubDate></item></channel></rss>"
    )
    fast = parse_fast(body, _BASE)
    assert isinstance(fast, Listing)
    assert fast.entries[0].published == datetime(2001, 1, 1, tzinfo=UTC)
    assert fast.entries == read_with_feedparser(body, _BASE).entries


# --- AMP cache URLs nested without end ---------------------------------------------------------


@pytest.mark.parametrize("read", [normalise_url, request_url])
def test_an_amp_cache_url_nested_thousands_deep_is_an_input_error(
    read: Callable[[str], str],
) -> None:
    with pytest.raises(InputError, match="nested"):
        read("https://" + _AMP * 3000 + "news.test/a")
    # A few levels are unwrapped still, as one is.
    assert read("https://" + _AMP * 3 + "news.test/a") == "https://news.test/a"


# --- a section page URL that does not parse --------------------------------------------------

_Section = Callable[[bytes, str, list[str]], object]


@pytest.mark.parametrize(
    "base",
    [
        "http://[::1/world/",
        "http://news.test:99999/world/",
        "http://news.test:ab/world/",
        "http://\u2100.test/world/",  # NFKC makes it "a/c": a delimiter in the host
    ],
)
@pytest.mark.parametrize("read", [parse_section, read_section])
def test_a_section_page_url_that_does_not_parse_is_an_input_error_naming_it(
    read: _Section, base: str
) -> None:
    with pytest.raises(InputError) as raised:
        read(b'<a href="/world/a">a</a>', base, ["/world/"])
    # Not a ParseError: the lenient parser's process takes that for its memory cap.
    assert type(raised.value) is InputError
    assert base in str(raised.value)


@pytest.mark.parametrize("read", [parse_section, read_section])
def test_a_section_page_nested_past_the_bound_is_read_up_to_it(read: _Section) -> None:
    # 20,000 nested <div>s took lexbor half a second, 100,000 about 27 s: the parser's time
    # grows with the square of the depth. The links before the depth passes the bound count.
    depth = MAX_SECTION_DEPTH * 20
    body = (
        '<a href="/world/before">a</a>'
        + "<div>" * depth
        + '<a href="/world/inside">b</a>'
        + "</div>" * depth
        + '<a href="/world/after">c</a>'
    ).encode()
    listing = read(body, _BASE, ["/world/"])
    assert isinstance(listing, Listing)
    assert [e.url for e in listing.entries] == ["https://news.test/world/before"]
    shallow = body.replace(b"<div>" * depth, b"<div>" * 10).replace(b"</div>" * depth, b"")
    whole = read(shallow, _BASE, ["/world/"])
    assert isinstance(whole, Listing)
    assert [e.url for e in whole.entries] == [
        "https://news.test/world/before",
        "https://news.test/world/inside",
        "https://news.test/world/after",
    ]


# --- an encoding label holding a NUL ---------------------------------------------------------

_ATOM = (
    b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><link href="https://news.test/a"/>'
    b"</entry></feed>"
)


@pytest.mark.parametrize(
    ("parse", "label"),
    [
        (parse_feed, b"utf-8\x00"),
        (parse_sitemap, b"utf-8\x00"),
        # expat refuses these, and a sitemap lost every entry to them.
        (parse_sitemap, b""),
        (parse_sitemap, b"utf 8"),
        (parse_sitemap, b"caf\xc3\xa9"),
    ],
    ids=["feed nul", "sitemap nul", "sitemap empty", "sitemap space", "sitemap non-ascii"],
)
def test_an_encoding_label_that_is_no_name_is_read_as_utf8(
    parse: Callable[[bytes, str], Listing], label: bytes
) -> None:
    body = b'<?xml version="1.0" encoding="' + label + b'"?>\n' + _ATOM
    assert [e.url for e in parse(body, _BASE).entries] == ["https://news.test/a"]


def test_a_nul_label_reaches_the_lenient_parser_relabelled() -> None:
    # A bare "&" makes the feed one only feedparser reads.
    body = b'<?xml version="1.0" encoding="utf-8\x00"?>' + _ATOM.replace(b"<entry>", b"&<entry>")
    feed = parse_fast(body, _BASE)
    assert isinstance(feed, LenientFeed)
    assert b"\x00" not in feed.body
    assert [e.url for e in asyncio.run(read_in_child(feed)).entries] == ["https://news.test/a"]


def test_feedparser_failing_on_a_label_is_an_input_error_here_and_in_its_process() -> None:
    # The bytes as they came, without xml_for_parser: what feedparser raises is the feed's fault.
    raw = b'<?xml version="1.0" encoding="utf-8\x00"?>' + _ATOM
    with pytest.raises(InputError, match="not a feed") as in_process:
        read_with_feedparser(raw, _BASE)
    with pytest.raises(InputError) as in_child:
        asyncio.run(read_in_child(LenientFeed(raw, _BASE)))
    # A ParseError would say the process died (a traceback), not that the feed is bad.
    assert type(in_child.value) is InputError
    assert str(in_child.value) == str(in_process.value)


# --- placeholder dates -----------------------------------------------------------------------


def test_placeholder_dates_are_left_out_and_real_ones_kept() -> None:
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    real = datetime(2024, 5, 2, tzinfo=UTC)
    listing = Listing(
        entries=(
            Discovered("https://news.test/a", epoch, epoch, epoch),
            Discovered("https://news.test/b", real, None, epoch),
            Discovered("https://news.test/c", real, real, real),
        ),
        children=(Discovered("https://news.test/s.xml", datetime(1, 1, 2, tzinfo=UTC)),),
    )
    cleaned = without_placeholder_dates(listing)
    assert cleaned.entries == (
        Discovered("https://news.test/a"),
        Discovered("https://news.test/b", real),
        listing.entries[2],
    )
    assert cleaned.children == (Discovered("https://news.test/s.xml"),)
    assert datetime(1989, 12, 31, tzinfo=UTC) < EARLIEST_LISTED <= datetime(1990, 1, 1, tzinfo=UTC)
    assert without_placeholder_dates(cleaned) is cleaned


def test_listings_and_extraction_agree_on_the_earliest_plausible_date() -> None:
    assert EARLIEST == EARLIEST_LISTED
