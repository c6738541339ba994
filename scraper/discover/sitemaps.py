"""Sitemaps: URL sets (with news and lastmod dates), sitemap indexes, gzip, robots.txt lines."""

from __future__ import annotations

import io
import zlib
from datetime import UTC, datetime
from xml.etree import ElementTree

from protego import Protego

from scraper.discover.entry import Discovered, Listing
from scraper.discover.urls import resolve_link
from scraper.errors import InputError, TooLarge

__all__ = ["is_robots_url", "parse_robots_sitemaps", "parse_sitemap"]

MAX_SITEMAP_BYTES = 50 * 1024 * 1024  # the sitemaps.org limit for an uncompressed file
_GZIP_MAGIC = b"\x1f\x8b"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    text = value.strip().replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _gunzip(body: bytes, url: str) -> bytes:
    decompressor = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        out = decompressor.decompress(body, MAX_SITEMAP_BYTES + 1)
    except zlib.error as exc:
        raise InputError(f"broken gzip sitemap ({url}): {exc}") from exc
    if len(out) > MAX_SITEMAP_BYTES:
        raise TooLarge("decompressed sitemap over 50 MB", url=url)
    return out


def _entry(elem: ElementTree.Element, base_url: str) -> tuple[str | None, datetime | None]:
    loc: str | None = None
    when: datetime | None = None
    fallback: datetime | None = None
    for child in elem.iter():
        name = _local(child.tag)
        if name == "loc" and loc is None and child.text:
            loc = resolve_link(base_url, child.text.strip())
        elif name == "publication_date":
            when = _date(child.text)
        elif name == "lastmod":
            fallback = _date(child.text)
    return loc, when or fallback


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
            loc, when = _entry(elem, base_url)
            if loc and name == "url":
                entries.append(Discovered(loc, when))
            elif loc:
                children.append(Discovered(loc, when))
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
