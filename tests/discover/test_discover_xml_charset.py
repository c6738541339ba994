"""Feeds and sitemaps read their bytes by one charset rule: BOM, HTTP charset, declaration,
UTF-8, a single-byte label overruled by UTF-8 bytes."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from scraper.discover.entry import Listing
from scraper.discover.feeds import parse_feed
from scraper.discover.sitemaps import parse_sitemap

_BASE = "https://news.test/listing"
_Parse = Callable[[bytes, str, str | None], Listing]


def _rss(declaration: str, path: str) -> str:
    return (
        f'{declaration}<rss version="2.0"><channel><title>t</title>'
        f"<item><link>https://news.test/{path}</link></item></channel></rss>"
    )


def _rss_not_well_formed(declaration: str, path: str) -> str:
    return _rss(declaration, path).replace("<title>t</title>", "<title>Q & A</title>")


def _urlset(declaration: str, path: str) -> str:
    return (
        f'{declaration}<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<url><loc>https://news.test/{path}</loc></url></urlset>"
    )


#: The fast feed reader, feedparser (for a feed that is not well-formed), the sitemap reader.
READERS: dict[str, tuple[Callable[[str, str], str], _Parse]] = {
    "feed": (_rss, parse_feed),
    "feed for feedparser": (_rss_not_well_formed, parse_feed),
    "sitemap": (_urlset, parse_sitemap),
}


def _declaration(label: str | None) -> str:
    return "" if label is None else f'<?xml version="1.0" encoding="{label}"?>'


CASES = {
    # (path, bytes' encoding, declared label, HTTP charset)
    "UTF-8 declared Latin-1": ("café-crème", "utf-8", "ISO-8859-1", None),
    "UTF-8 declared windows-1252, HTTP Latin-1": ("café-crème", "utf-8", "windows-1252", "latin1"),
    "UTF-8 undeclared, HTTP Latin-1": ("café-crème", "utf-8", None, "iso-8859-1"),
    "Latin-1 undeclared, HTTP Latin-1": ("café-crème", "latin-1", None, "ISO-8859-1"),
    "Latin-1 declared, HTTP UTF-8 that it is not": ("café", "latin-1", "ISO-8859-1", "utf-8"),
    "Latin-1 declared, no HTTP charset": ("café", "latin-1", "ISO-8859-1", None),
    "windows-1251 by HTTP, declared Latin-1": ("новости", "cp1251", "ISO-8859-1", "windows-1251"),
    "windows-1251 declared, HTTP label unknown": ("новости", "cp1251", "windows-1251", "bogus"),
    "Shift_JIS declared": ("ニュース", "shift_jis", "Shift_JIS", None),
    "GBK by HTTP, undeclared": ("新闻", "gbk", None, "gb2312"),
    "UTF-8 served as UTF-16": ("café", "utf-8", None, "utf-16"),
    "UTF-16 without a BOM, HTTP Latin-1": ("café", "utf-16-le", None, "iso-8859-1"),
    # All ASCII (as a Japanese or Chinese site's URLs often are) under a label expat has no
    # decoder for: the parser refused it, and the sitemap failed on every run.
    "ASCII declared Shift_JIS": ("news/1", "ascii", "Shift_JIS", None),
    "ASCII declared GBK, HTTP GBK": ("news/1", "ascii", "GBK", "gbk"),
    "ASCII declared windows-874": ("news/1", "ascii", "windows-874", None),
    "ASCII declared an unknown label": ("news/1", "ascii", "x-bogus", None),
    # Labels the Encoding Standard knows and Python's codecs (which the parser asks) do not,
    # or under another name; and one that is Python's and no text encoding.
    "windows-874 declared": ("ข่าว", "cp874", "windows-874", None),
    "Mac Cyrillic declared": ("новости", "mac-cyrillic", "x-mac-cyrillic", None),
    "UTF-8 declared Python's undefined": ("café", "utf-8", "undefined", None),
    "Latin-1 declared, a byte windows-1252 leaves unmapped": (
        "café\x81",
        "latin-1",
        "ISO-8859-1",
        None,
    ),
}


@pytest.mark.parametrize("reader", sorted(READERS))
@pytest.mark.parametrize("case", sorted(CASES))
def test_feeds_and_sitemaps_read_their_charset_by_one_rule(reader: str, case: str) -> None:
    path, encoding, declared, http = CASES[case]
    document, parse = READERS[reader]
    body = document(_declaration(declared), path).encode(encoding)
    (entry,) = parse(body, _BASE, http).entries
    assert entry.url == f"https://news.test/{path}"


@pytest.mark.parametrize("reader", sorted(READERS))
def test_a_utf8_byte_order_mark_outweighs_the_http_charset_and_declaration(reader: str) -> None:
    document, parse = READERS[reader]
    body = b"\xef\xbb\xbf" + document(_declaration("ISO-8859-1"), "café").encode()
    (entry,) = parse(body, _BASE, "windows-1251").entries
    assert entry.url == "https://news.test/café"


@pytest.mark.parametrize("reader", sorted(READERS))
@pytest.mark.parametrize("label", ["x-user-defined", "utf-32", "undefined"])
def test_bytes_no_clue_decodes_are_read_leniently(reader: str, label: str) -> None:
    """Not a LookupError or ValueError of the parser's, a listing's "internal" error, nor
    (for a sitemap) a parse error that loses every entry."""
    document, parse = READERS[reader]
    body = document(_declaration(label), "ニュース").encode("shift_jis")
    assert len(parse(body, _BASE, None).entries) == 1


@pytest.mark.parametrize("reader", sorted(READERS))
@pytest.mark.parametrize("label", ["UTF-8", None])
def test_a_windows_1252_byte_among_utf8_loses_no_entry(reader: str, label: str) -> None:
    # A title typed in an old editor: the parser stopped at its byte, and the listing (for a
    # sitemap: thousands of entries) was lost on every run.
    document, parse = READERS[reader]
    text = document(_declaration(label), "crème").replace("><", "><!-- é --><", 1)
    body = text.encode().replace("<!-- é -->".encode(), b"<!-- \xe9 -->")
    entries = parse(body, _BASE, None).entries
    assert [e.url for e in entries] == ["https://news.test/crème"]


@pytest.mark.parametrize("reader", sorted(READERS))
def test_windows_1252_labelled_utf8_is_read_as_windows_1252(reader: str) -> None:
    document, parse = READERS[reader]
    body = document(_declaration("utf-8"), "café-“quoted”").encode("cp1252")
    (entry,) = parse(body, _BASE, "utf-8").entries
    assert entry.url == "https://news.test/café-“quoted”"
