"""Feeds: what the slow lenient parser is given, and what a feed's bytes are read as."""

from __future__ import annotations

import calendar
import gzip
from datetime import UTC, date, datetime

import feedparser
import pytest

from scraper.discover.feeds import (
    MAX_JSON_FEED_VALUES,
    MAX_LENIENT_BYTES,
    LenientFeed,
    parse_fast,
    parse_feed,
    read_with_feedparser,
)
from scraper.discover.xmlfeeds import read_plain_feed
from scraper.errors import InputError, TooLarge

_ITEM = "<item><title>Story {i}</title><link>https://news.test/s/{i}</link><description>{pad}</description></item>"
_PAD = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 1000


def _rss(items: int, title: str = "t") -> bytes:
    body = "".join(_ITEM.format(i=i, pad=_PAD) for i in range(items))
    return f'<rss version="2.0"><channel><title>{title}</title>{body}</channel></rss>'.encode()


def test_a_large_feed_needing_the_lenient_parser_is_refused_and_says_why() -> None:
    items = MAX_LENIENT_BYTES // len(_PAD) + 1
    plain = _rss(items)
    assert len(plain) > MAX_LENIENT_BYTES
    # Well-formed, it is read by the fast path whatever its size (up to the document cap)...
    assert len(parse_feed(plain, "https://news.test/feed").entries) == items
    # ...while one stray "&" would cost feedparser seconds of CPU: it is not given it.
    with pytest.raises(TooLarge, match="lenient parser reads at most"):
        parse_feed(_rss(items, title="Q & A"), "https://news.test/feed")


def test_a_small_feed_that_is_not_well_formed_still_goes_to_feedparser() -> None:
    listing = parse_feed(_rss(3, title="Q & A"), "https://news.test/feed")
    assert [e.url for e in listing.entries] == [f"https://news.test/s/{i}" for i in range(3)]


def test_a_json_feed_may_start_with_a_byte_order_mark() -> None:
    body = b'\xef\xbb\xbf {"version": "https://jsonfeed.org/version/1.1", "items": [{"url": "/a"}]}'
    assert [e.url for e in parse_feed(body, "https://news.test/feed.json").entries] == [
        "https://news.test/a"
    ]


def _declared(encoding: str, title: str) -> str:
    return (
        f'<?xml version="1.0" encoding="{encoding}"?><rss version="2.0"><channel>'
        f"<title>{title}</title><item><link>https://news.test/café-crème</link></item>"
        "</channel></rss>"
    )


@pytest.mark.parametrize("title", ["plain", "not well-formed &"])
def test_utf8_bytes_under_a_latin1_declaration_are_read_as_utf8(title: str) -> None:
    # Both readers (the fast one, and feedparser for a feed that is not well-formed).
    for declared in ("ISO-8859-1", "windows-1252", "us-ascii"):
        body = _declared(declared, title).encode("utf-8")
        (entry,) = parse_feed(body, "https://news.test/feed").entries
        assert entry.url == "https://news.test/café-crème", declared


@pytest.mark.parametrize("title", ["plain", "not well-formed &"])
def test_a_latin1_feed_stays_latin1(title: str) -> None:
    body = _declared("ISO-8859-1", title).encode("latin-1")
    (entry,) = parse_feed(body, "https://news.test/feed").entries
    assert entry.url == "https://news.test/café-crème"


_DAY = datetime(2026, 11, 29, tzinfo=UTC)
#: The end of 2026-11-29 in UTC-12, the last time zone to leave it.
_DAY_ENDS = datetime(2026, 11, 30, 12, tzinfo=UTC)
_DATED = {
    "rss pubDate": "<item><link>https://news.test/a</link><pubDate>{}</pubDate></item>",
    "rss dc:date": "<item><link>https://news.test/a</link><dc:date>{}</dc:date></item>",
}
_RSS_DC = (
    '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>t</title>'
    "{}</channel></rss>"
)


@pytest.mark.parametrize(
    ("shape", "date"),
    [
        ("rss pubDate", "Sun, 29 Nov 2026"),
        ("rss pubDate", "29 Nov 2026"),
        ("rss dc:date", "2026-11-29"),
    ],
)
def test_a_feed_date_without_a_time_lasts_until_the_day_ends(shape: str, date: str) -> None:
    body = _RSS_DC.format(_DATED[shape].format(date)).encode()
    (entry,) = parse_feed(body, "https://news.test/feed").entries
    assert (entry.published, entry.latest) == (_DAY, _DAY_ENDS)


def test_atom_and_json_feed_dates_without_a_time_last_until_the_day_ends() -> None:
    atom = (
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><entry>'
        '<link href="https://news.test/a"/><updated>2026-11-29</updated></entry></feed>'
    )
    json_feed = '{"version": "1.1", "items": [{"url": "/a", "date_published": "2026-11-29"}]}'
    for body in (atom, json_feed):
        (entry,) = parse_feed(body.encode(), "https://news.test/feed").entries
        assert (entry.published, entry.latest) == (_DAY, _DAY_ENDS), body


@pytest.mark.parametrize(
    ("date", "latest"),
    [
        # A time without a zone (``-0000``: an unknown one) may mean 12 hours later, as in
        # sitemaps; with a zone it is an instant.
        ("Sun, 29 Nov 2026 10:00:00 -0000", datetime(2026, 11, 29, 22, tzinfo=UTC)),
        ("Sun, 29 Nov 2026 10:00:00 GMT", None),
        ("Sun, 29 Nov 2026 11:00:00 +0100", None),
    ],
)
def test_a_feed_time_is_vague_only_without_a_zone(date: str, latest: datetime | None) -> None:
    for title in ("plain", "not well-formed &"):  # the fast reader, then feedparser
        item = _DATED["rss pubDate"].format(date)
        body = _RSS_DC.format(f"<title>{title}</title>{item}").encode()
        (entry,) = parse_feed(body, "https://news.test/feed").entries
        assert (entry.published, entry.latest) == (datetime(2026, 11, 29, 10, tzinfo=UTC), latest)


def test_a_date_feedparser_reads_otherwise_keeps_its_reading_without_leniency() -> None:
    # feedparser does not read 2026/11/29 as that day (it takes the year, and the month and
    # day from the day it runs): its reading is kept, and no day's end is added to it.
    body = _RSS_DC.format(_DATED["rss dc:date"].format("2026/11/29")).encode()
    (entry,) = parse_feed(body, "https://news.test/feed").entries
    parsed = feedparser.parse(body).entries[0].updated_parsed
    read = datetime.fromtimestamp(calendar.timegm(parsed), UTC)
    assert read.date() != date(2026, 11, 29)
    assert (entry.published, entry.latest) == (read, None)


_RSS1 = (
    '<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
    ' xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
    '<channel rdf:about="https://news.test/"><title>t</title><link>https://news.test/</link>'
    "</channel>{}</rdf:RDF>"
)
_RSS1_ITEM = (
    '<item rdf:about="https://news.test/s/{i}"><title>Story {i}</title>'
    "<link>https://news.test/s/{i}</link><dc:date>2026-11-29T10:00:00Z</dc:date>"
    "<description>{pad}</description></item>"
)
_DC_ITEM = (
    "<item><title>Story {i}</title><link>https://news.test/s/{i}</link>"
    "<dc:date>2026-11-29T10:00:00Z</dc:date><description>{pad}</description></item>"
)


@pytest.mark.parametrize(
    ("document", "item"), [(_RSS1, _RSS1_ITEM), (_RSS_DC, _DC_ITEM)], ids=["RSS 1.0", "dc:date"]
)
def test_a_well_formed_feed_over_the_lenient_cap_is_read(document: str, item: str) -> None:
    items = MAX_LENIENT_BYTES // len(_PAD) + 1
    body = document.format("".join(item.format(i=i, pad=_PAD) for i in range(items))).encode()
    assert len(body) > MAX_LENIENT_BYTES
    entries = parse_feed(body, "https://news.test/feed").entries
    assert [e.url for e in entries] == [f"https://news.test/s/{i}" for i in range(items)]
    assert {e.published for e in entries} == {datetime(2026, 11, 29, 10, tzinfo=UTC)}


@pytest.mark.parametrize(
    "item",
    [
        # Fast path: in UTC, past year 9999 (datetime's last) or before year 1.
        "<pubDate>Fri, 31 Dec 9999 23:00:00 -0500</pubDate>",
        '<dc:date xmlns:dc="http://purl.org/dc/elements/1.1/">0001-01-01T00:00:00+01:00</dc:date>',
        '<dc:date xmlns:dc="http://purl.org/dc/elements/1.1/">9999-12-31T23:00:00-05:00</dc:date>',
        # feedparser's path (no form the fast path reads): year 10000 in UTC too.
        "<pubDate>9999-12-31T23:00:00-05:00</pubDate>",
    ],
)
def test_an_entry_dated_out_of_range_is_undated_not_the_feed_s_failure(item: str) -> None:
    body = (
        '<rss version="2.0"><channel><title>t</title>'
        f"<item><link>https://news.test/placeholder</link>{item}</item>"
        "<item><link>https://news.test/story</link>"
        "<pubDate>Mon, 30 Nov 2026 10:00:00 GMT</pubDate></item>"
        "</channel></rss>"
    ).encode()
    listing = parse_feed(body, "https://news.test/feed")
    assert [(e.url, e.published) for e in listing.entries] == [
        ("https://news.test/placeholder", None),
        ("https://news.test/story", datetime(2026, 11, 30, 10, tzinfo=UTC)),
    ]


def test_an_atom_entry_dated_out_of_range_is_undated_not_the_feed_s_failure() -> None:
    body = (
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>'
        b'<entry><id>a</id><link href="https://news.test/placeholder"/>'
        b"<updated>9999-12-31T23:00:00-05:00</updated></entry>"
        b'<entry><id>b</id><link href="https://news.test/story"/>'
        b"<updated>2026-11-30T10:00:00Z</updated></entry></feed>"
    )
    listing = parse_feed(body, "https://news.test/feed")
    assert [(e.url, e.published) for e in listing.entries] == [
        ("https://news.test/placeholder", None),
        ("https://news.test/story", datetime(2026, 11, 30, 10, tzinfo=UTC)),
    ]


_FEED = "https://news.test/feed"


def test_a_blank_line_or_bom_before_the_declaration_keeps_a_feed_on_the_fast_path() -> None:
    # A WordPress classic: not well-formed XML as served, so every run paid feedparser, and
    # a feed over its cap was refused.
    items = MAX_LENIENT_BYTES // len(_PAD) + 1
    declared = b'<?xml version="1.0" encoding="UTF-8"?>' + _rss(items)
    for lead in (b"\n\n", b"\xef\xbb\xbf\r\n"):
        assert len(parse_feed(lead + declared, _FEED).entries) == items


def test_one_absurd_date_leaves_its_entry_undated_not_the_feed_lost() -> None:
    # A year of twenty digits overflowed the date parser, out of every error handler.
    rss = (
        '<rss version="2.0"><channel><title>t</title>'
        "<item><link>https://news.test/a</link>"
        "<pubDate>Mon, 01 Jan 99999999999999999999 00:00:00 GMT</pubDate></item>"
        "<item><link>https://news.test/b</link>"
        "<pubDate>Tue, 01 Dec 2026 10:00:00 GMT</pubDate></item></channel></rss>"
    )
    entries = parse_feed(rss.encode(), _FEED).entries
    assert [(e.url, e.published) for e in entries] == [
        ("https://news.test/a", None),
        ("https://news.test/b", datetime(2026, 12, 1, 10, tzinfo=UTC)),
    ]


def test_a_zone_offset_with_a_colon_is_read_not_dropped() -> None:
    # "+05:30" is no RFC 822 zone: the mail-date reader took the time for one without a zone.
    rss = (
        '<rss version="2.0"><channel><title>t</title><item><link>https://news.test/a</link>'
        "<pubDate>Tue, 01 Dec 2026 10:00:00 +05:30</pubDate></item></channel></rss>"
    )
    (entry,) = parse_feed(rss.encode(), _FEED).entries
    assert entry.published == datetime(2026, 12, 1, 4, 30, tzinfo=UTC)


def test_a_json_feed_url_with_half_an_emoji_keeps_the_feed() -> None:
    body = b'{"items": [{"url": "https://news.test/a\\ud83d"}, {"url": "https://news.test/b"}]}'
    urls = [e.url for e in parse_feed(body, _FEED).entries]
    assert urls[1] == "https://news.test/b" and "\ufffd" in urls[0]


@pytest.mark.parametrize(
    "body",
    [
        b'{"items": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",  # nesting past the recursion limit
        b'{"items": [{"url": ' + b"9" * 5_000 + b"}]}",  # an integer past Python's digit limit
    ],
    ids=["deep nesting", "huge integer"],
)
def test_a_json_feed_json_cannot_read_is_an_input_error(body: bytes) -> None:
    with pytest.raises(InputError, match="invalid JSON Feed"):
        parse_feed(body, _FEED)


def test_an_empty_feed_body_is_no_feed_not_a_bug() -> None:
    with pytest.raises(InputError, match="not a feed"):
        parse_feed(b"", _FEED)


def _items(*items: str, after: str = "") -> bytes:
    return (
        f'<rss version="2.0"><channel><title>t</title>{"".join(items)}</channel>{after}</rss>'
    ).encode()


def test_a_guid_is_the_link_only_when_it_is_a_web_address() -> None:
    # A guid that is no address ("7f3a-0001") became a page under the feed's path, fetched
    # and given up; one marked isPermaLink="false" is no link either.
    body = _items(
        "<item><title>a</title><guid>https://news.test/a</guid></item>",
        "<item><title>b</title><guid>7f3a9c2e-0001</guid></item>",
        '<item><title>c</title><guid isPermaLink="false">https://news.test/c</guid></item>',
        "<item><title>d</title><link>https://news.test/d</link><guid>x-1</guid></item>",
    )
    urls = [e.url for e in parse_feed(body, "https://news.test/podcast/feed").entries]
    assert urls == ["https://news.test/a", "https://news.test/d"]


def test_items_the_fast_reader_would_miss_are_left_to_feedparser() -> None:
    # Items after </channel>, a second channel: feedparser lists them; the fast path listed
    # only the first channel's, as if that were all.
    outside = _items(
        "<item><link>https://news.test/a</link></item>",
        after="<item><link>https://news.test/b</link></item>",
    )
    assert [e.url for e in parse_feed(outside, _FEED).entries] == [
        "https://news.test/a",
        "https://news.test/b",
    ]
    atom = (
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>'
        b'<entry><title>a</title><link xmlns="" href="https://news.test/a"/></entry></feed>'
    )
    assert [e.url for e in parse_feed(atom, _FEED).entries] == [
        feedparser.parse(atom).entries[0].link
    ]


def test_a_gzipped_feed_file_is_read() -> None:
    body = gzip.compress(_items("<item><link>https://news.test/a</link></item>"))
    assert [e.url for e in parse_feed(body, _FEED).entries] == ["https://news.test/a"]


def test_a_feed_only_feedparser_reads_is_handed_back_by_the_fast_path() -> None:
    plain = _items("<item><link>https://news.test/a</link></item>")
    assert parse_fast(plain, _FEED) == parse_feed(plain, _FEED)
    broken = _items("<item><link>https://news.test/a</link><title>Q & A</title></item>")
    handed = parse_fast(b"\n" + broken, _FEED)
    assert handed == LenientFeed(broken, _FEED)  # as read_with_feedparser is to be given it
    assert read_with_feedparser(handed.body, handed.base_url) == parse_feed(broken, _FEED)


#: Not well-formed (a bare "&" in the title): feedparser reads these.
_GUIDS = (
    "<item><guid>7f3a9c2e-0001</guid></item>",
    "<item><guid>2026/a</guid></item>",
    "<item><guid>tag:news.test,2026:a</guid></item>",
    "<item><guid>https://news.test/b</guid></item>",
    "<item><guid>HTTP://news.test/c</guid></item>",
    "<item><link>/news/d</link><guid>x-1</guid></item>",
    "<item><guid>x-2</guid><link>e</link></item>",
    "<item><guid>f</guid><link>f</link></item>",
    '<item><guid isPermaLink="false">https://news.test/g</guid></item>',
)


def test_a_guid_is_the_link_only_when_it_is_a_web_address_for_feedparser_too() -> None:
    # feedparser took any guid for the link of an item without one, resolved against the
    # feed's URL: "7f3a9c2e-0001" became a page under the feed's path that does not exist.
    body = _items(*_GUIDS).replace(b"<title>t</title>", b"<title>Q & A</title>")
    assert parse_fast(body, "https://news.test/podcast/feed").__class__ is LenientFeed
    urls = [e.url for e in parse_feed(body, "https://news.test/podcast/feed").entries]
    assert urls == [
        "https://news.test/b",
        "HTTP://news.test/c",
        # A link element is the link whatever it says, resolved against the feed's URL.
        "https://news.test/news/d",
        "https://news.test/podcast/e",
        "https://news.test/podcast/f",
    ]


def test_an_atom_id_is_the_link_only_when_it_is_a_web_address_for_feedparser_too() -> None:
    entries = (
        "<entry><id>tag:news.test,2026:a</id></entry>",
        "<entry><id>2026/b</id><link rel='enclosure' href='/b.mp3'/></entry>",
        "<entry><id>https://news.test/c</id></entry>",
        "<entry><id>urn:uuid:1225c695</id><link href='/news/d'/></entry>",
        "<entry><link href='e'/><id>urn:uuid:1225c696</id></entry>",
    )
    body = f'<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>{"".join(entries)}</feed>'
    assert isinstance(parse_fast(body.encode(), _FEED), LenientFeed)  # ids no address: feedparser
    urls = [e.url for e in parse_feed(body.encode(), "https://news.test/feeds/main").entries]
    assert urls == ["https://news.test/c", "https://news.test/news/d", "https://news.test/feeds/e"]


def test_an_xml_base_still_applies_to_links_feedparser_reads() -> None:
    body = (
        b'<rss version="2.0" xml:base="https://other.test/news/"><channel><title>&</title>'
        b"<item><link>a</link></item><item><link>/b</link></item>"
        b"<item><link>https://news.test/c</link></item></channel></rss>"
    )
    assert [e.url for e in parse_feed(body, _FEED).entries] == [
        "https://other.test/news/a",
        "https://other.test/b",
        "https://news.test/c",
    ]


def test_a_feed_of_empty_elements_past_the_bound_is_refused_not_built(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Four-byte elements past the bound: read whole, their tree would take some 90 bytes
    # each. The fast reader gives up; feedparser, in a process with a memory cap, gets the
    # feed when it is under the lenient cap, and a larger one is refused as too large. (The
    # bound lowered, the rule is the same at a smaller size.)
    monkeypatch.setattr("scraper.discover.xmlfeeds.MAX_PLAIN_ELEMENTS", 200_000)

    def feed(elements: int) -> bytes:
        junk = "<x/>" * elements
        return f'<rss version="2.0"><channel><title>t</title>{junk}</channel></rss>'.encode()

    small = feed(300_000)
    assert read_plain_feed(small) is None
    assert isinstance(parse_fast(small, "https://news.test/feed"), LenientFeed)
    large = feed(MAX_LENIENT_BYTES // 4)
    assert read_plain_feed(large) is None
    with pytest.raises(TooLarge, match="not plain, well-formed RSS"):
        parse_fast(large, "https://news.test/feed")


def test_a_feed_whose_markup_is_escaped_in_cdata_is_read_past_the_bound_on_angle_brackets(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # More "<" than the bound allows elements, nearly all inside CDATA: counted element by
    # element, the feed has a dozen, and is read on the fast path.
    monkeypatch.setattr("scraper.discover.xmlfeeds.MAX_PLAIN_ELEMENTS", 200_000)
    html = "<p>a</p>" * 101_000
    items = "".join(
        f"<item><link>https://news.test/s/{i}</link><description><![CDATA[{html}]]>"
        "</description></item>"
        for i in range(2)
    )
    body = f'<rss version="2.0"><channel><title>t</title>{items}</channel></rss>'.encode()
    assert body.count(b"<") > 200_000
    read = read_plain_feed(body)
    assert read is not None
    assert [e.url for e in read] == ["https://news.test/s/0", "https://news.test/s/1"]


def test_a_json_feed_of_millions_of_tiny_values_is_refused_before_it_is_parsed() -> None:
    # 7 MB of empty objects: parsed, some 180 MB of dicts in the crawl process.
    junk = b"{}," * (MAX_JSON_FEED_VALUES // 2 + 1)
    body = b'{"version": "https://jsonfeed.org/version/1.1", "items": [' + junk + b"{}]}"
    with pytest.raises(TooLarge, match="more than the 2,000,000 read"):
        parse_fast(body, "https://news.test/feed.json")


def test_a_json_feed_of_long_texts_is_read_under_the_bound() -> None:
    text = "Words, and more words, " * 2000
    items = ", ".join(
        f'{{"id": "{i}", "url": "https://news.test/s/{i}", "content_text": "{text}"}}'
        for i in range(20)
    )
    body = f'{{"version": "https://jsonfeed.org/version/1.1", "items": [{items}]}}'.encode()
    listing = parse_fast(body, "https://news.test/feed.json")
    assert not isinstance(listing, LenientFeed)
    assert len(listing.entries) == 20


def test_a_feed_declaring_entities_is_left_to_the_capped_parser() -> None:
    # Expanded in this process, a few bytes of nested entities stood for 2.5 GB of elements.
    body = (
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY e "<x/><x/>">]>'
        b'<rss version="2.0"><channel><title>t</title>'
        b"<item><link>https://news.test/s/1</link></item>&e;</channel></rss>"
    )
    assert read_plain_feed(body) is None
    assert isinstance(parse_fast(body, "https://news.test/feed"), LenientFeed)


def test_a_feed_of_an_element_with_millions_of_attributes_is_not_built_here(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("scraper.discover.xmlfeeds.MAX_PLAIN_ELEMENTS", 200_000)
    flood = " ".join(f'a{i}="1"' for i in range(250_000))
    body = f'<rss version="2.0"><channel><title {flood}>t</title></channel></rss>'.encode()
    assert read_plain_feed(body) is None
