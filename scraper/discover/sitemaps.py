"""Sitemaps: URL sets (with news and lastmod dates), sitemap indexes, gzip, robots.txt lines."""

from __future__ import annotations

import io
import re
import zlib
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from xml.etree import ElementTree

from protego import Protego

from scraper.discover.entry import Discovered, Listing
from scraper.discover.urls import resolve_link
from scraper.errors import InputError, TooLarge

__all__ = ["is_robots_url", "parse_robots_sitemaps", "parse_sitemap"]

MAX_SITEMAP_BYTES = 50 * 1024 * 1024  # the sitemaps.org limit for an uncompressed file
_GZIP_MAGIC = b"\x1f\x8b"
#: W3C Datetime's coarser precisions: a year, a month, a day.
_PERIOD = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
#: UTC-12, where a day ends last: a local time may mean an instant up to this much after UTC's.
_LAST_ZONE = timedelta(hours=12)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _listed_date(value: str | None) -> tuple[datetime, datetime | None] | None:
    """A sitemap date, and the latest instant it may mean when it is vaguer than an instant.

    Read: W3C Datetime (a year, a month, a day, or a time with or without a zone), the same
    with slashes (``YYYY/MM/DD``) and RFC 822. A time without a zone is taken as UTC, though it
    may mean up to 12 hours later (UTC-12); a day, month or year may mean up to its end there.
    """
    if not value:
        return None
    text = value.strip()
    if text[4:5] == "/" and text[7:8] == "/":
        text = text[:10].replace("/", "-") + text[10:]
    period = _PERIOD.fullmatch(text)
    if period:
        return _period(*period.groups())
    parsed = _instant(text)
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
        return parsed, parsed + _LAST_ZONE
    return parsed, None


def _period(year: str, month: str | None, day: str | None) -> tuple[datetime, datetime] | None:
    try:
        start = datetime(int(year), int(month or 1), int(day or 1), tzinfo=UTC)
        if day:
            end = start + timedelta(days=1)
        elif month:
            end = start.replace(year=start.year + start.month // 12, month=start.month % 12 + 1)
        else:
            end = start.replace(year=start.year + 1)
    except (ValueError, OverflowError):
        return None
    return start, end + _LAST_ZONE


def _instant(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None


def _gunzip(body: bytes, url: str) -> bytes:
    decompressor = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        out = decompressor.decompress(body, MAX_SITEMAP_BYTES + 1)
    except zlib.error as exc:
        raise InputError(f"broken gzip sitemap ({url}): {exc}") from exc
    if len(out) > MAX_SITEMAP_BYTES:
        raise TooLarge("decompressed sitemap over 50 MB", url=url)
    return out


def _entry(elem: ElementTree.Element, base_url: str) -> Discovered | None:
    loc: str | None = None
    when = None
    fallback = None
    for child in elem.iter():
        name = _local(child.tag)
        if name == "loc" and loc is None and child.text:
            loc = resolve_link(base_url, child.text.strip())
        elif name == "publication_date":
            when = _listed_date(child.text)
        elif name == "lastmod":
            fallback = _listed_date(child.text)
    if loc is None:
        return None
    published, latest = when or fallback or (None, None)
    return Discovered(loc, published, latest)


def parse_sitemap(body: bytes, base_url: str) -> Listing:
    """The article URLs of a ``urlset`` or the child sitemaps of a ``sitemapindex``.

    News-sitemap publication dates are preferred to ``lastmod``. Gzipped bodies are
    decompressed with a 50 MB cap.

    Raises:
        InputError: not XML, or neither a urlset nor a sitemap index.
        TooLarge: the decompressed sitemap is over the cap.
    """
    if body[:2] == _GZIP_MAGIC:
        body = _gunzip(body, base_url)
    entries: list[Discovered] = []
    children: list[Discovered] = []
    root: str | None = None
    try:
        for event, elem in ElementTree.iterparse(io.BytesIO(body), events=("start", "end")):
            name = _local(elem.tag)
            if event == "start":
                root = root or name
                continue
            if name not in ("url", "sitemap"):
                continue
            found = _entry(elem, base_url)
            if found and name == "url":
                entries.append(found)
            elif found:
                children.append(found)
            elem.clear()
    except ElementTree.ParseError as exc:
        raise InputError(f"sitemap is not well-formed XML ({base_url}): {exc}") from exc
    if root not in ("urlset", "sitemapindex"):
        raise InputError(f"not a sitemap: root element {root!r} ({base_url})")
    return Listing(entries=tuple(entries), children=tuple(children))


def is_robots_url(url: str) -> bool:
    """Whether a sitemap source URL points at a robots.txt (read for its Sitemap lines)."""
    return url.split("?", 1)[0].endswith("/robots.txt")


def parse_robots_sitemaps(body: bytes, base_url: str) -> Listing:
    """The ``Sitemap:`` lines of a robots.txt, as child documents."""
    text = body.decode("utf-8", errors="replace")
    robots = Protego.parse(text)
    return Listing(children=tuple(Discovered(resolve_link(base_url, s)) for s in robots.sitemaps))
