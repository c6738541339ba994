"""A fast reader for well-formed, plain RSS 2.0, RSS 1.0 and Atom 1.0 feeds: links and dates.

feedparser reads anything that calls itself a feed, but it builds and sanitises every field of
every entry, about a millisecond per entry, when discovery needs two. Most feeds are well-formed
RSS 2.0, RSS 1.0 or Atom 1.0 with a link and a date per entry: those are read here with the C
XML parser. Anything else (not well-formed, RSS 0.90, Atom 0.3, ``xml:base``, a guid without a
link, an Atom link in an RSS item, an Atom id standing for a missing link that is no web
address, a date in another element or in a form not read here) returns None and goes to
feedparser, so the result is the one feedparser gives, only sooner. As feedparser does, an
Atom entry's link is its last ``alternate`` link of an HTML type (or of none), else its id; an
RSS item's date is its ``pubDate``, else its (last) ``dc:date``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from xml.etree import ElementTree

from scraper.discover.entry import Discovered
from scraper.discover.listed_dates import earliest, earliest_in_range, listed_date, zoneless
from scraper.discover.xmlbounds import MAX_ELEMENT_ATTRIBUTES, attributes, declares_entities
from scraper.mail_dates import parse_mail_date

__all__ = ["MAX_PLAIN_ELEMENTS", "read_plain_feed"]

#: Elements (and attributes) a feed read here may have: some 200 MB of tree at most, and more
#: than 2,000 entries of full XHTML content need (14 MB, 1.1 million elements). A larger one,
#: or one that declares entities, goes to feedparser, in a process of its own with a memory
#: cap (:mod:`scraper.discover.lenient`), or is refused as too large for it.
MAX_PLAIN_ELEMENTS = 2_000_000
#: Bytes handed to the parser at a time: a sixteenth of the document, within these bounds. A
#: crawl reads listings in a thread beside its event loop, and expat holds the interpreter for
#: the whole of one call: 1.8 MB of hostile markup in one piece stopped every fetch, timeout
#: and stop signal of the run for seconds. Too many pieces cost too: expat before 2.6 reads a
#: token that spans pieces again from its start at each (a 48 MB attribute value took 13.9 s
#: of CPU in 64 KiB pieces, 1.2 s in 1 MiB ones, 0.3 s whole). The upper bound also bounds
#: the elements one piece adds past ``MAX_PLAIN_ELEMENTS`` before they are counted.
_PIECES = 16
_MIN_PIECE = 1 << 16
_MAX_PIECE = 1 << 20

_ATOM = "{http://www.w3.org/2005/Atom}"
_RSS1 = "{http://purl.org/rss/1.0/}"
_RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}RDF"
_DC_DATE = "{http://purl.org/dc/elements/1.1/}date"
_XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
#: Elements feedparser may take an entry's date from; only RSS ``pubDate`` and ``dc:date``
#: and Atom ``published``/``updated`` are read here.
_DATE_NAMES = frozenset({"date", "updated", "published", "modified", "issued", "created"})
#: The ``type`` of an Atom link to a web page, as feedparser reads it (``html`` and ``xhtml``
#: are Atom's short names).
_PAGE_TYPES = frozenset({"text/html", "application/xhtml+xml", "html", "xhtml"})
#: RFC 3339's date-time and its common looser spellings, read here as feedparser reads them
#: (it reads the basic ``20261129T100000Z`` and week dates otherwise than Python: those go
#: to it).
_RFC3339 = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)"
)
#: A day alone, which feedparser reads as its 00:00 UTC.
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
#: A zone offset written with a colon, which RFC 822 dates do not have but feeds write.
_COLON_OFFSET = re.compile(r"[+-]\d{2}:\d{2}\b")


class _Unplain(Exception):
    """The feed needs feedparser."""


def read_plain_feed(body: bytes) -> tuple[Discovered, ...] | None:
    """The entries (link as written, date) of a plain feed, or None when it is not one (or
    holds more than ``MAX_PLAIN_ELEMENTS`` elements)."""
    try:
        root = _tree(body)
        if root is None:
            return None
        if root.tag == "rss":
            return _rss(root)
        if root.tag == _RDF:
            return _rss1(root)
        if root.tag == _ATOM + "feed":
            return _atom(root)
    except (ElementTree.ParseError, ValueError, LookupError, OverflowError, _Unplain):
        pass
    return None


def _tree(body: bytes) -> ElementTree.Element | None:
    """The document's root element, or None past ``MAX_PLAIN_ELEMENTS`` elements and
    attributes, or when it declares entities.

    Read a piece at a time and counted as it grows: every element costs about 90 bytes, and
    a document of nothing but ``<x/>`` up to the 50 MB cap would make this process over a
    gigabyte before it turned out to be no feed.
    """
    if declares_entities(body):
        return None  # expanded, a few bytes can stand for any number of elements
    counted = attributes(body)
    if counted.total > MAX_PLAIN_ELEMENTS or counted.widest > MAX_ELEMENT_ATTRIBUTES:
        return None  # one element can hold them all: counting elements would come too late
    piece = min(_MAX_PIECE, max(_MIN_PIECE, len(body) // _PIECES))
    if body.count(b"<") + counted.total <= MAX_PLAIN_ELEMENTS:
        # No more elements than that can start: read without counting them (counting costs a
        # quarter of the parse), a piece at a time all the same (no slower than whole).
        plain = ElementTree.XMLParser()
        for at in range(0, len(body), piece):
            plain.feed(body[at : at + piece])
        root: ElementTree.Element = plain.close()
        return root
    parser: ElementTree.XMLPullParser[ElementTree.Element] = ElementTree.XMLPullParser(
        events=("start",)
    )
    first: ElementTree.Element | None = None
    elements = 0
    for at in range(0, len(body), piece):
        parser.feed(body[at : at + piece])
        for event in parser.read_events():
            if first is None and isinstance(event[-1], ElementTree.Element):
                first = event[-1]
            elements += 1
        if elements > MAX_PLAIN_ELEMENTS:
            return None
    parser.close()
    return first


def _check(element: ElementTree.Element) -> None:
    if _XML_BASE in element.attrib:
        raise _Unplain


def _rss(root: ElementTree.Element) -> tuple[Discovered, ...]:
    channel = root.find("channel")
    if channel is None or root.find("item") is not None or len(root.findall("channel")) > 1:
        raise _Unplain  # items outside the channel, or channels, that feedparser reads
    _check(root)
    _check(channel)
    return _items(channel.iter("item"), "")


def _rss1(root: ElementTree.Element) -> tuple[Discovered, ...]:
    """RSS 1.0: its items are the root's (in the RSS 1.0 namespace), beside the channel."""
    channel = root.find(_RSS1 + "channel")
    if channel is None or root.find(".//item") is not None:
        raise _Unplain  # RSS 0.90, or items in no namespace that feedparser may read
    _check(root)
    _check(channel)
    return _items(root.iter(_RSS1 + "item"), _RSS1)


def _items(items: Iterable[ElementTree.Element], space: str) -> tuple[Discovered, ...]:
    out = []
    link_tag = space + "link"
    for item in items:
        _check(item)
        link: str | None = None
        published: tuple[datetime, datetime | None] | None = None
        updated: tuple[datetime, datetime | None] | None = None
        for child in item:
            tag = child.tag
            if tag == link_tag:
                link = (child.text or "").strip()
            elif tag[0] != "{":  # in no namespace: RSS 2.0's own elements
                if tag == "pubDate" and not space:
                    published = _rfc822(child.text)
                elif space or tag in _DATE_NAMES:
                    raise _Unplain  # feedparser reads RSS 1.0's elements in no namespace too
            elif tag == _DC_DATE:
                updated = _w3c(child.text)  # the last one, as feedparser
            elif tag.startswith(_ATOM) or _local(tag) in _DATE_NAMES:
                raise _Unplain  # feedparser may take an atom:link for the item's link
        if link is None:  # an empty <link> is no link, and feedparser then takes no guid
            link = _permalink(item)
        if link:
            date, latest = published or updated or (None, None)
            modified = None if updated is None else earliest(updated)
            out.append(Discovered(link, date, latest, modified))
    return tuple(out)


def _permalink(item: ElementTree.Element) -> str | None:
    """The item's permalink guid, when it is a web address.

    feedparser takes any guid not marked ``isPermaLink="false"`` for the link, resolved as a
    URL against the feed's: a guid that is no address ("7f3a-0001") becomes a page under the
    feed's path that does not exist, fetched and given up. Only an address is taken here.
    """
    for child in item:
        if _local(child.tag) != "guid":
            continue
        if child.tag != "guid":
            raise _Unplain  # a guid in some namespace: feedparser's reading is its own
        guid = (child.text or "").strip()
        if child.get("isPermaLink", "true").strip().lower() != "false" and _is_web_url(guid):
            return guid
    return None


def _atom(root: ElementTree.Element) -> tuple[Discovered, ...]:
    _check(root)
    out = []
    for entry in root.iter(_ATOM + "entry"):
        _check(entry)
        link: str | None = None
        entry_id: str | None = None
        published: datetime | None = None
        updated: datetime | None = None
        for child in entry:
            tag = child.tag
            if tag == _ATOM + "link":
                _check(child)
                if _is_page_link(child):
                    link = (child.get("href") or "").strip()  # the last one, as feedparser
            elif tag == "link":
                raise _Unplain  # a link in no namespace, which feedparser reads
            elif tag == _ATOM + "id":
                entry_id = (child.text or "").strip()
            elif tag == _ATOM + "published":
                published = _iso(child.text)
            elif tag == _ATOM + "updated":
                updated = _iso(child.text)
            elif _local(tag) in _DATE_NAMES:
                raise _Unplain
        if link is None and entry_id:
            # feedparser takes the id for the link then, resolved as a URL: "1" becomes a
            # path under the feed's; the same result here is sure only for a web address.
            if not _is_web_url(entry_id):
                raise _Unplain
            link = entry_id
        if link:
            out.append(Discovered(link, published or updated, modified=updated))
    return tuple(out)


def _is_page_link(link: ElementTree.Element) -> bool:
    """Whether an Atom link is the entry's web page: rel alternate, an HTML type (or none)."""
    rel = link.get("rel", "alternate").lower()
    return rel == "alternate" and link.get("type", "text/html").lower() in _PAGE_TYPES


def _is_web_url(text: str) -> bool:
    return text.lower().startswith(("http://", "https://"))


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _rfc822(text: str | None) -> tuple[datetime, datetime | None] | None:
    """A pubDate, and the latest instant it may mean when it has no zone (or ``-0000``)."""
    try:
        parsed = parse_mail_date((text or "").strip())
    except (TypeError, ValueError, IndexError, OverflowError) as exc:
        raise _Unplain from exc  # a day without a time among others: feedparser reads it
    if parsed.tzinfo is None and _COLON_OFFSET.search(text or ""):
        raise _Unplain  # "+05:30", which the mail-date parser takes for no zone at all
    if parsed.tzinfo is not None:
        instant = _utc(parsed)
        # As feedparser's are (feeds._from_struct): a placeholder that dates nothing.
        return None if instant is None or not earliest_in_range(instant) else (instant, None)
    read = zoneless(parsed)
    if read is None:  # may mean an instant before year 1: as _utc's out of range, no date
        return None
    published, latest = read
    return published.replace(microsecond=0), latest


def _iso(text: str | None) -> datetime | None:
    """An RFC 3339 date-time (with its zone, as Atom requires)."""
    value = (text or "").strip()
    if not _RFC3339.fullmatch(value):
        raise _Unplain
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:  # no such day or hour
        raise _Unplain from exc
    return _utc(parsed)


def _w3c(text: str | None) -> tuple[datetime, datetime | None] | None:
    """A ``dc:date``: an RFC 3339 date-time, or a day (lasting until it ends everywhere)."""
    value = (text or "").strip()
    if _DAY.fullmatch(value):
        day = listed_date(value)
        if day is None:  # no such day
            raise _Unplain
        return day
    instant = _iso(value)
    return None if instant is None else (instant, None)


def _utc(value: datetime) -> datetime | None:
    """As feedparser gives it: in UTC, to the second (a date without a zone is taken as UTC).

    None when that is past year 9999 or before year 1 (``Dec 31 9999 23:00 -0500``): such a
    placeholder dates nothing, and one entry's must not fail the whole feed.
    """
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC).replace(microsecond=0)
    except OverflowError:
        return None
