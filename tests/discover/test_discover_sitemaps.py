"""Sitemap parsing: dates, namespaces, XML quirks of real generators."""

from __future__ import annotations

import gzip
import random
import tracemalloc
from datetime import UTC, datetime

import pytest

from scraper.discover import sitemaps
from scraper.discover.entry import Discovered, Listing
from scraper.discover.sitemaps import parse_sitemap
from scraper.errors import InputError, TooLarge

_NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
_NEWS = 'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"'
_BASE = "https://news.example/sitemap.xml"


def _news_entry(date: str) -> Discovered:
    body = (
        f"<urlset {_NS} {_NEWS}><url><loc>https://news.example/a</loc><news:news>"
        f"<news:publication_date>{date}</news:publication_date></news:news></url></urlset>"
    )
    (entry,) = parse_sitemap(body.encode(), _BASE).entries
    return entry


@pytest.mark.parametrize(
    "date",
    [
        "2026-10-31T17:41:42+00:00",
        "2026-10-31T17:41:42.000Z",
        "Sat, 31 Oct 2026 17:41:42 GMT",
        "Sat, 31 Oct 2026 18:41:42 +0100",
        "2026-10-31 17:41:42 +0000",
        " 2026-10-31T17:41:42Z\n",
    ],
)
def test_news_publication_dates_in_the_common_forms(date: str) -> None:
    entry = _news_entry(date)
    assert entry.published == datetime(2026, 10, 31, 17, 41, 42, tzinfo=UTC)
    assert entry.latest is None  # an instant: nothing vaguer to allow for


def test_a_date_with_slashes_and_no_zone_may_mean_twelve_hours_later() -> None:
    # A local time without a zone is read as UTC, but the window allows for UTC-12.
    entry = _news_entry("2026/10/31 17:41")
    assert entry.published == datetime(2026, 10, 31, 17, 41, tzinfo=UTC)
    assert entry.latest == datetime(2026, 11, 1, 5, 41, tzinfo=UTC)


@pytest.mark.parametrize(
    ("date", "start", "latest"),
    [
        ("2026-10-31", datetime(2026, 10, 31, tzinfo=UTC), datetime(2026, 11, 1, 12, tzinfo=UTC)),
        ("2026/10/31", datetime(2026, 10, 31, tzinfo=UTC), datetime(2026, 11, 1, 12, tzinfo=UTC)),
        (
            "Sat, 31 Oct 2026",
            datetime(2026, 10, 31, tzinfo=UTC),
            datetime(2026, 11, 1, 12, tzinfo=UTC),
        ),
        ("1 Oct 2026", datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 10, 2, 12, tzinfo=UTC)),
        ("2026-12", datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 1, 1, 12, tzinfo=UTC)),
        ("2026", datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, 12, tzinfo=UTC)),
    ],
)
def test_a_day_month_or_year_lasts_until_its_end_in_the_last_time_zone(
    date: str, start: datetime, latest: datetime
) -> None:
    entry = _news_entry(date)
    assert (entry.published, entry.latest) == (start, latest)


@pytest.mark.parametrize(
    "date",
    ["yesterday", "2026-02-30", "31/10/2026", "", "9999-12-31", "31 Okt 2026", "30 Feb 2026"],
)
def test_an_unreadable_date_leaves_the_entry_undated(date: str) -> None:
    entry = _news_entry(date)
    assert (entry.url, entry.published, entry.latest) == ("https://news.example/a", None, None)


def _urls(body: bytes) -> list[str]:
    return [e.url for e in parse_sitemap(body, _BASE).entries]


def _urlset(*urls: str) -> bytes:
    return f"<urlset {_NS}>{''.join(f'<url><loc>{u}</loc></url>' for u in urls)}</urlset>".encode()


@pytest.mark.parametrize("prefix", [b"\n\n  ", b"\xef\xbb\xbf", b"\xef\xbb\xbf\r\n"])
def test_whitespace_or_a_byte_order_mark_before_the_xml_declaration(prefix: bytes) -> None:
    # A stray newline before <?xml: the classic WordPress plugin mistake.
    body = prefix + b'<?xml version="1.0" encoding="UTF-8"?>' + _urlset("https://n.example/a")
    assert _urls(body) == ["https://n.example/a"]


def test_only_the_sitemap_s_own_loc_is_the_article_s() -> None:
    image = 'xmlns:image="http://www.google.com/schemas/sitemap-image/1.1"'
    body = (
        f"<urlset {_NS} {image}><url><image:image><image:loc>https://cdn.example/a.jpg"
        "</image:loc></image:image><loc>https://n.example/story</loc></url></urlset>"
    )
    assert _urls(body.encode()) == ["https://n.example/story"]
    # Without a namespace at all, too.
    assert _urls(b"<urlset><url><loc>https://n.example/x</loc></url></urlset>") == [
        "https://n.example/x"
    ]


def test_every_member_of_a_multi_member_gzip_is_read() -> None:
    head, tail = _urlset("https://n.example/a", "https://n.example/b").split(b"</url><url>")
    body = gzip.compress(head + b"</url>") + gzip.compress(b"<url>" + tail)
    assert _urls(body) == ["https://n.example/a", "https://n.example/b"]


def test_members_small_and_large_are_read_whole_across_the_slices_fed() -> None:
    # Members are fed a slice at a time (a body of many small members was quadratic): one
    # member per entry, one far larger than a slice (incompressible padding), then one cut
    # short, whose part that came through is read as before.
    locs = [f"https://n.example/{n}" for n in range(2_000)]
    members = [gzip.compress(f"<urlset {_NS}>".encode())]
    members += [gzip.compress(f"<url><loc>{loc}</loc></url>".encode()) for loc in locs]
    noise = random.Random(7).randbytes(300_000).hex()
    members.append(gzip.compress(f"<!-- {noise} -->".encode()))
    last = gzip.compress(b"</urlset>" + b" " * 70_000)
    whole = b"".join(members) + last
    assert _urls(whole) == locs
    assert _urls(b"".join(members) + last[: len(last) - 8]) == locs  # its trailer lost


def test_a_multi_member_gzip_is_capped_in_all(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sitemaps, "MAX_SITEMAP_BYTES", 1000)
    member = gzip.compress(b" " * 600)
    with pytest.raises(TooLarge):
        parse_sitemap(member + member, _BASE)


def test_a_bare_ampersand_in_a_url_is_read_as_escaped() -> None:
    body = _urlset("https://n.example/s?id=1&cat=2", "https://n.example/t?a=1&amp;b=2")
    assert _urls(body) == ["https://n.example/s?id=1&cat=2", "https://n.example/t?a=1&b=2"]
    # Not every error is that one: other faults are still reported.
    with pytest.raises(InputError, match="not well-formed XML"):
        parse_sitemap(b"<urlset><url><loc>https://n.example/a?b&c</url></urlset>", _BASE)


def test_html_entities_and_forbidden_control_characters_are_mended_not_fatal() -> None:
    # One news title with &nbsp; (which XML does not define) or a form feed lost the whole
    # sitemap, on every run.
    titled = (
        f"<urlset {_NS} {_NEWS}>"
        "<url><loc>https://n.example/a</loc><news:news><news:title>Caf&eacute;&nbsp;news"
        "&bogus;</news:title></news:news></url>"
        "<url><loc>https://n.example/b</loc><news:news><news:title>Page\x0c break"
        "</news:title></news:news></url></urlset>"
    ).encode()
    assert _urls(titled) == ["https://n.example/a", "https://n.example/b"]


def test_a_sitemap_cut_short_lists_the_entries_that_came_whole() -> None:
    whole = _urlset(*(f"https://n.example/{n}" for n in range(5)))
    cut = whole[: whole.index(b"/3</loc>")]
    assert _urls(cut) == [f"https://n.example/{n}" for n in range(3)]
    # A whole document with a fault in it is still reported, not read in part.
    broken = whole.replace(b"</loc></url><url><loc>https://n.example/2", b"</url><url><loc>x", 1)
    with pytest.raises(InputError, match="not well-formed XML"):
        parse_sitemap(broken, _BASE)


def test_a_feed_or_a_text_file_of_urls_is_read_as_sitemaps_org_allows() -> None:
    rss = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item><title>e'
        b"</title><link>https://n.example/f</link></item></channel></rss>"
    )
    assert _urls(rss) == ["https://n.example/f"]
    text = b"https://n.example/t1\r\n\n  https://n.example/t2  \n# a comment\nftp://n.example/x\n"
    assert _urls(text) == ["https://n.example/t1", "https://n.example/t2"]


def test_a_text_sitemap_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sitemaps, "MAX_TEXT_URLS", 3)
    text = "".join(f"https://n.example/{i}\n" for i in range(10)).encode()
    assert len(_urls(text)) == 3


@pytest.mark.parametrize(
    "body",
    [
        b"<!DOCTYPE html><html><body><h1>Page not found</h1></body></html>",
        b"\n<html lang=en><head><title>Oops</title></head></html>",
        b"<html><body><urlset><url><loc>https://n.example/x</loc></url></urlset></body></html>",
    ],
)
def test_an_html_page_is_named_as_such(body: bytes) -> None:
    with pytest.raises(InputError, match=r"not a sitemap: an HTML page \(https://news"):
        parse_sitemap(body, _BASE)


@pytest.mark.parametrize(("body", "reason"), [(b"", "empty body"), (b" \n", "empty body")])
def test_an_empty_sitemap_is_an_error_that_says_so(body: bytes, reason: str) -> None:
    with pytest.raises(InputError, match=reason):
        parse_sitemap(body, _BASE)


def test_a_time_without_a_zone_at_the_end_of_time_is_read_without_overflow() -> None:
    entry = _news_entry("9999-12-31T23:00:00")
    assert (entry.published, entry.latest) == (datetime(9999, 12, 31, 23, tzinfo=UTC), None)


@pytest.mark.parametrize(
    "oversized",
    [
        "<url><loc>https://news.example/big</loc>{junk}</url>",
        # Nested deeper (an image list), under a wrapper, or no entry at all.
        "<url><loc>https://news.example/big</loc><image><i>{junk}</i></image></url>",
        "<group><url><loc>https://news.example/big</loc>{junk}</url></group>",
        "<junk>{junk}</junk>",
    ],
)
def test_a_sitemap_entry_of_endless_elements_is_left_out_and_the_rest_read(
    oversized: str,
) -> None:
    # Once its elements are over the bound they are let go as they end: 200,000 of them
    # cost no more memory than 20,000.
    listing, peak = _read_between_two_entries(oversized.format(junk="<x/>" * 200_000))
    assert [e.url for e in listing.entries] == ["https://news.example/a", "https://news.example/b"]
    assert listing.oversized_entries == 1
    assert peak < 8_000_000


def _read_between_two_entries(markup: str) -> tuple[Listing, int]:
    """The sitemap of ``markup`` between two entries, read, and the peak of memory it took."""
    body = (
        f"<urlset {_NS}><url><loc>https://news.example/a</loc></url>{markup}"
        f"<url><loc>https://news.example/b</loc></url></urlset>"
    ).encode()
    tracemalloc.start()
    try:
        listing = parse_sitemap(body, _BASE)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert isinstance(listing, Listing)
    return listing, peak


def test_a_sitemap_of_too_many_elements_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    # The real bound needs a 10 MB document; the rule is the same at a small one.
    monkeypatch.setattr(sitemaps, "MAX_SITEMAP_ELEMENTS", 1_000)
    entries = "".join(f"<url><loc>https://news.example/{i}</loc></url>" for i in range(600))
    with pytest.raises(TooLarge, match="more than 1,000 elements"):
        parse_sitemap(f"<urlset {_NS}>{entries}</urlset>".encode(), _BASE)
    fewer = "".join(f"<url><loc>https://news.example/{i}</loc></url>" for i in range(400))
    assert len(parse_sitemap(f"<urlset {_NS}>{fewer}</urlset>".encode(), _BASE).entries) == 400


def test_elements_beside_the_entries_are_let_go_as_they_are_read() -> None:
    # 200,000 stray elements between the entries: kept under the root, they would hold some
    # 18 MB until the document ended; let go one by one, the entries around them are read.
    listing, peak = _read_between_two_entries("<x/>" * 200_000)
    assert [e.url for e in listing.entries] == ["https://news.example/a", "https://news.example/b"]
    assert peak < 4_000_000


def test_a_sitemap_declaring_entities_is_refused_before_they_expand() -> None:
    body = (
        f'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY e "<x/><x/><x/>">]>'
        f"<urlset {_NS}><url><loc>https://news.example/a</loc>&e;</url></urlset>"
    )
    with pytest.raises(InputError, match="declares XML entities of its own"):
        parse_sitemap(body.encode(), _BASE)


def test_a_sitemap_of_too_many_attributes_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sitemaps, "MAX_SITEMAP_ELEMENTS", 1_000)
    flood = " ".join(f'a{i}="1"' for i in range(1_001))
    body = f"<urlset {_NS}><url {flood}><loc>https://news.example/a</loc></url></urlset>"
    with pytest.raises(TooLarge, match="more than 1,000 attributes"):
        parse_sitemap(body.encode(), _BASE)


@pytest.mark.parametrize(
    "body",
    [
        f"<urlset {_NS}><urlset><url><loc>https://news.example/a</loc></url></urlset></urlset>",
        f"<urlset {_NS}><group><url><loc>https://news.example/a</loc></url></group></urlset>",
    ],
    ids=["doubled root", "wrapper"],
)
def test_entries_below_a_wrapper_element_are_read_as_before(body: str) -> None:
    assert [e.url for e in parse_sitemap(body.encode(), _BASE).entries] == [
        "https://news.example/a"
    ]


def test_a_wrapper_of_many_entries_is_no_entry_too_large() -> None:
    entries = "".join(f"<url><loc>https://news.example/{i}</loc></url>" for i in range(30_000))
    body = f"<urlset {_NS}><group>{entries}</group></urlset>"
    assert len(parse_sitemap(body.encode(), _BASE).entries) == 30_000


def test_a_sitemap_element_of_too_many_attributes_is_refused_before_expat_builds_it() -> None:
    # 1.5 million attributes on one element (17 MB) took 530 MB and 9 s to build.
    flood = " ".join(f'a{i}="1"' for i in range(10_001))
    body = f"<urlset {_NS}><url {flood}><loc>https://news.example/a</loc></url></urlset>"
    with pytest.raises(TooLarge, match="an element of more than 10,000 attributes"):
        parse_sitemap(body.encode(), _BASE)
    # Hreflang alternates spread over many entries are no such element.
    alternates = "".join(
        f'<url><loc>https://news.example/{i}</loc><xhtml:link rel="alternate" hreflang="de"'
        f' href="https://news.example/de/{i}"/></url>'
        for i in range(5_000)
    )
    xhtml = 'xmlns:xhtml="http://www.w3.org/1999/xhtml"'
    read = parse_sitemap(f"<urlset {_NS} {xhtml}>{alternates}</urlset>".encode(), _BASE)
    assert len(read.entries) == 5_000
