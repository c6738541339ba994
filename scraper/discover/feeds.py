"""Feeds: RSS and Atom through feedparser, JSON Feed by hand (feedparser does not read it).

Plain, well-formed RSS 2.0, RSS 1.0 and Atom 1.0 feeds are read by
:mod:`scraper.discover.xmlfeeds` first, with the same result as feedparser's at a small part of
its cost; feedparser reads the rest, up to ``MAX_LENIENT_BYTES``: it costs about a second of
CPU a megabyte (25 to 40 times the fast path), and several times the feed's size in memory, and
far more on hostile markup (thousands of unclosed tags: half a minute and 500 MB for 4 MB).
:func:`parse_fast` reads what needs no feedparser and hands back the rest as a
:class:`LenientFeed`, for a caller that runs feedparser where its cost is bounded (the crawl
runs it in a child process, :mod:`scraper.crawl.lenient_feeds`).
"""

from __future__ import annotations

import calendar
import codecs
import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from scraper.discover.entry import Discovered, Listing
from scraper.discover.gzipped import gunzip, is_gzip
from scraper.discover.html_sniff import is_html_page
from scraper.discover.listed_dates import earliest, earliest_in_range, listed_date, vague_until
from scraper.discover.urls import resolve_link
from scraper.discover.xmlcharset import xml_for_parser
from scraper.discover.xmlfeeds import MAX_PLAIN_ELEMENTS, read_plain_feed
from scraper.errors import InputError, TooLarge
from scraper.surrogates import without_surrogates

__all__ = [
    "MAX_JSON_FEED_VALUES",
    "MAX_LENIENT_BYTES",
    "LenientFeed",
    "parse_fast",
    "parse_feed",
    "read_with_feedparser",
]

#: The largest feed handed to feedparser (any size up to the document cap is read by the
#: fast path). A changing 8 MB feed with one stray ``&`` cost 8 s of CPU on every run.
MAX_LENIENT_BYTES = 4_000_000
#: The most a gzipped feed file may hold once decompressed: a sitemap's limit.
MAX_GZIP_FEED_BYTES = 50 * 1024 * 1024
#: The most values a JSON Feed may hold, counted from above as its commas and opening
#: brackets (those inside strings too): some 20 a real item, and the commas of its text. Bytes
#: alone do not bound the memory: 40 MB of ``{},`` made 1 GB of dicts.
MAX_JSON_FEED_VALUES = 2_000_000


@dataclass(frozen=True, slots=True)
class LenientFeed:
    """A feed only feedparser reads: its bytes as :func:`read_with_feedparser` is to be given
    them (decompressed, in a charset it reads right, at most ``MAX_LENIENT_BYTES``)."""

    body: bytes
    base_url: str


def _from_struct(value: time.struct_time | None) -> datetime | None:
    """feedparser's date in UTC; None for one past year 9999 (``Dec 31 9999 23:00 -0500``
    is year 10000 in UTC), which dates nothing and must not fail the whole feed, and likewise
    for one in the first hours of year 1 (``0001-01-01``), which the other readers leave
    undated (:func:`~scraper.discover.listed_dates.earliest_in_range`)."""
    if value is None:
        return None
    try:
        when = datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
    except (OverflowError, ValueError, OSError):
        return None
    # feedparser reads a day as its 00:00 UTC, so whether the date is vague is not known here.
    return when if earliest_in_range(when) else None


def _json_feed(data: dict[str, Any], base_url: str) -> Listing:
    items = data.get("items")
    if not isinstance(items, list):
        raise InputError(f"JSON Feed without an items list ({base_url})")
    entries = []
    for item in items:
        if not isinstance(item, dict):
            continue
        url = item.get("url") or item.get("external_url")
        if isinstance(url, str) and url:
            # JSON lets a producer that cut an emoji in half write its lone surrogate.
            url = without_surrogates(url)
            when = item.get("date_published") or item.get("date_modified")
            published, latest = (isinstance(when, str) and listed_date(when)) or (None, None)
            changed = item.get("date_modified")
            stated = isinstance(changed, str) and listed_date(changed)
            modified = earliest(stated) if stated else None
            entries.append(Discovered(resolve_link(base_url, url), published, latest, modified))
    return Listing(entries=tuple(entries))


def parse_feed(body: bytes, base_url: str, charset: str | None = None) -> Listing:
    """The article links of an RSS, Atom or JSON feed, resolved against ``base_url``.

    ``charset`` is the one the server declared (``Content-Type``): an RSS or Atom feed's
    bytes are read by :mod:`scraper.discover.xmlcharset`'s rule, a JSON Feed's as UTF-8.
    A feed only feedparser reads is read by it here, in this process.

    Raises:
        InputError: the body is neither a feed feedparser recognises nor a JSON Feed.
        TooLarge: the feed needs feedparser and is over ``MAX_LENIENT_BYTES``, or is a
            JSON Feed of more than ``MAX_JSON_FEED_VALUES`` values.
    """
    read = parse_fast(body, base_url, charset)
    if isinstance(read, LenientFeed):
        return read_with_feedparser(read.body, read.base_url)
    return read


def parse_fast(body: bytes, base_url: str, charset: str | None = None) -> Listing | LenientFeed:
    """:func:`parse_feed`'s listing when the feed needs no feedparser (a JSON Feed, plain
    well-formed RSS or Atom); else the feed as feedparser is to be given it.

    Raises:
        InputError: the body is an invalid JSON Feed.
        TooLarge: the feed needs feedparser and is over ``MAX_LENIENT_BYTES``, or is a
            JSON Feed of more than ``MAX_JSON_FEED_VALUES`` values.
    """
    if is_gzip(body):
        # A feed file stored gzipped (feed.xml.gz), served as such rather than in a
        # Content-Encoding the fetcher undoes.
        body = gunzip(body, base_url, MAX_GZIP_FEED_BYTES, "feed")
    head = body.removeprefix(codecs.BOM_UTF8).lstrip()[:1]  # json.loads reads past a BOM
    if head in (b"{", b"["):
        values = body.count(b",") + body.count(b"{") + body.count(b"[")
        if values > MAX_JSON_FEED_VALUES:
            raise TooLarge(
                f"JSON Feed may hold {values:,} values (counting its commas and brackets),"
                f" more than the {MAX_JSON_FEED_VALUES:,} read",
                url=base_url,
            )
        try:
            data = json.loads(body)
        except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError are
            # ValueErrors, as is an integer of more than 4,300 digits; nesting has no bound.
            raise InputError(f"invalid JSON Feed ({base_url}): {exc}") from exc
        if not isinstance(data, dict):
            raise InputError(f"JSON Feed is not an object ({base_url})")
        return _json_feed(data, base_url)
    # A BOM or blank lines before the XML declaration (a classic of WordPress plug-ins) make
    # the XML not well-formed: the lenient parser, slower by far, would read it every time.
    body = xml_for_parser(body, charset).removeprefix(codecs.BOM_UTF8).lstrip()
    plain = read_plain_feed(body)
    if plain is not None:
        return Listing(
            entries=tuple(
                Discovered(resolve_link(base_url, e.url), e.published, e.latest, e.modified)
                for e in plain
            )
        )
    if len(body) > MAX_LENIENT_BYTES:
        raise TooLarge(
            f"feed of {len(body) / 1e6:.1f} MB is not plain, well-formed RSS or Atom 1.0 of at"
            f" most {MAX_PLAIN_ELEMENTS:,} elements without entities of its own, and the"
            f" lenient parser reads at most {MAX_LENIENT_BYTES / 1e6:.1f} MB",
            url=base_url,
        )
    return LenientFeed(body, base_url)


def read_with_feedparser(body: bytes, base_url: str) -> Listing:
    """The article links of an RSS or Atom feed as feedparser reads them.

    Raises:
        InputError: feedparser does not recognise a feed, or fails on its bytes.
    """
    # Imported here: plain feeds never get this far, and feedparser loads some 80 modules
    # (chardet's among them), about 40 ms of every cron run's start-up otherwise.
    import feedparser

    # No base is given it: feedparser would resolve a guid standing for the link against it,
    # and a guid that is no address ("7f3a-0001") could no longer be told from one that is.
    # Links are resolved here instead, as the fast path's are (an xml:base still applies).
    try:
        parsed = feedparser.parse(body)
    except (ValueError, LookupError) as exc:
        # Its codec lookup of a declared label it cannot name (xml_for_parser relabels those it
        # knows of): the feed's fault, which uncaught a crawl recorded as a bug of ours, and
        # which killed the lenient parser's process with a traceback.
        raise InputError(f"not a feed ({base_url}): {type(exc).__name__}: {exc}") from exc
    # An empty body gives a result without its "version" key.
    if not parsed.get("version") and not parsed.entries:
        if is_html_page(body):
            raise InputError(f"not a feed: an HTML page ({base_url})")
        reason = parsed.get("bozo_exception") or "no RSS/Atom root element"
        raise InputError(f"not a feed ({base_url}): {reason}")
    entries = []
    for entry in parsed.entries:
        link = _page_link(entry)
        if not link:
            continue
        # dict.get: feedparser's own get() maps a missing updated_parsed to published_parsed
        # with a DeprecationWarning.
        field = "published" if dict.get(entry, "published_parsed") else "updated"
        published = _from_struct(dict.get(entry, field + "_parsed"))
        # feedparser reads a day without a time as its 00:00 UTC: the text says how vague.
        latest = None if published is None else vague_until(dict.get(entry, field), published)
        updated = _from_struct(dict.get(entry, "updated_parsed"))
        modified = (
            None
            if updated is None
            else earliest((updated, vague_until(dict.get(entry, "updated"), updated)))
        )
        entries.append(Discovered(resolve_link(base_url, link), published, latest, modified))
    return Listing(entries=tuple(entries))


def _page_link(entry: Any) -> str | None:
    """An entry's link as written, unless it is only its guid (Atom: its id) and no address.

    feedparser takes an RSS guid not marked ``isPermaLink="false"``, or an Atom id, for the
    link of an entry that has none (``guidislink``, which it also sets when a link element
    follows the guid): resolved against the feed's URL, a guid such as "7f3a-0001" or an id
    such as "tag:news.test,2026:a" is a page that does not exist, fetched and given up. As on
    the fast path (:mod:`scraper.discover.xmlfeeds`), such a link is taken only when it is a
    web address; a link element's value is taken whatever it is.
    """
    link = entry.get("link")
    if not isinstance(link, str) or not link:
        return None
    if not dict.get(entry, "guidislink"):
        return link
    written = {each.get("href") for each in entry.get("links", ())}
    return link if link in written or link.lower().startswith(("http://", "https://")) else None
