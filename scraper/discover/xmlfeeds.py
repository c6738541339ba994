"""A fast reader for well-formed, plain RSS 2.0 and Atom 1.0 feeds: links and dates only.

feedparser reads anything that calls itself a feed, but it builds and sanitises every field of
every entry, about a millisecond per entry, when discovery needs two. Most feeds are well-formed
RSS 2.0 or Atom 1.0 with a link and a date per entry: those are read here with the C XML parser.
Anything else (not well-formed, RSS 1.0, Atom 0.3, ``xml:base``, a guid without a link, an
Atom id standing for a missing link that is no web address, a date in another element or in a
form not read here) returns None and goes to feedparser, so the result is the one feedparser
gives, only sooner. As feedparser does, an Atom entry's link is its last ``alternate`` link of
an HTML type (or of none), else its id.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from xml.etree import ElementTree

from scraper.discover.entry import Discovered
from scraper.discover.listed_dates import zoneless

__all__ = ["read_plain_feed"]

_ATOM = "{http://www.w3.org/2005/Atom}"
_XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
#: Elements feedparser may take an entry's date from; only RSS ``pubDate`` and Atom
#: ``published``/``updated`` are read here.
_DATE_NAMES = frozenset({"date", "updated", "published", "modified", "issued", "created"})
#: The ``type`` of an Atom link to a web page, as feedparser reads it (``html`` and ``xhtml``
#: are Atom's short names).
_PAGE_TYPES = frozenset({"text/html", "application/xhtml+xml", "html", "xhtml"})


class _Unplain(Exception):
    """The feed needs feedparser."""


def read_plain_feed(body: bytes) -> tuple[Discovered, ...] | None:
    """The entries (link as written, date) of a plain feed, or None when it is not one."""
    try:
        root = ElementTree.fromstring(body)
        if root.tag == "rss":
            return _rss(root)
        if root.tag == _ATOM + "feed":
            return _atom(root)
    except (ElementTree.ParseError, ValueError, LookupError, _Unplain):
        pass
    return None


def _check(element: ElementTree.Element) -> None:
    if _XML_BASE in element.attrib:
        raise _Unplain


def _rss(root: ElementTree.Element) -> tuple[Discovered, ...]:
    channel = root.find("channel")
    if channel is None:
        raise _Unplain
    _check(root)
    _check(channel)
    out = []
    for item in channel.iter("item"):
        _check(item)
        link: str | None = None
        date: datetime | None = None
        latest: datetime | None = None
        for child in item:
            tag = child.tag
            if tag == "link":
                link = (child.text or "").strip()
            elif tag == "pubDate":
                date, latest = _rfc822(child.text)
            elif _local(tag) in _DATE_NAMES:
                raise _Unplain
        if not link and item.find("guid") is not None:
            raise _Unplain  # feedparser may take a permalink guid as the link
        if link:
            out.append(Discovered(link, date, latest))
    return tuple(out)


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
            out.append(Discovered(link, published or updated))
    return tuple(out)


def _is_page_link(link: ElementTree.Element) -> bool:
    """Whether an Atom link is the entry's web page: rel alternate, an HTML type (or none)."""
    rel = link.get("rel", "alternate").lower()
    return rel == "alternate" and link.get("type", "text/html").lower() in _PAGE_TYPES


def _is_web_url(text: str) -> bool:
    return text.lower().startswith(("http://", "https://"))


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _rfc822(text: str | None) -> tuple[datetime, datetime | None]:
    """A pubDate, and the latest instant it may mean when it has no zone (or ``-0000``)."""
    try:
        parsed = parsedate_to_datetime((text or "").strip())
    except (TypeError, ValueError, IndexError) as exc:
        raise _Unplain from exc  # a day without a time among others: feedparser reads it
    published, latest = zoneless(parsed)
    return _utc(published), latest


def _iso(text: str | None) -> datetime:
    try:
        parsed = datetime.fromisoformat((text or "").strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise _Unplain from exc
    if parsed.tzinfo is None:
        raise _Unplain
    return _utc(parsed)


def _utc(value: datetime) -> datetime:
    # As feedparser gives it: in UTC, to the second (a date without a zone is taken as UTC).
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).replace(microsecond=0)
