"""Sitemaps: URL sets (with news and lastmod dates), sitemap indexes, feeds and text files of
URLs read as sitemaps, gzip, robots.txt lines."""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Iterator
from html.entities import name2codepoint
from xml.etree import ElementTree

from protego import Protego

from scraper.discover.entry import Discovered, Listing
from scraper.discover.feeds import LenientFeed, parse_fast, read_with_feedparser
from scraper.discover.gzipped import gunzip, is_gzip
from scraper.discover.html_sniff import is_html_page
from scraper.discover.kept_children import MAX_INDEX_CHILDREN, NewestKept
from scraper.discover.listed_dates import earliest, listed_date
from scraper.discover.urls import resolve_link
from scraper.discover.xmlbounds import MAX_ELEMENT_ATTRIBUTES, attributes, declares_entities
from scraper.discover.xmlcharset import xml_for_parser
from scraper.errors import InputError, TooLarge

__all__ = ["is_robots_url", "parse_robots_sitemaps", "parse_sitemap", "read_sitemap"]

MAX_SITEMAP_BYTES = 50 * 1024 * 1024  # the sitemaps.org limit for an uncompressed file
#: sitemaps.org's limit for a text sitemap.
MAX_TEXT_URLS = 50_000
#: Elements a sitemap may have: more than 50 MB of the shortest real entries hold (a loc of
#: twenty characters and a lastmod each, about 3 million), far more than sitemaps.org's
#: 50,000 URLs need. Each costs some 2 µs to read; a 50 MB file of empty elements has 12
#: million (25 s, and a gigabyte when they are all in one entry).
MAX_SITEMAP_ELEMENTS = 4_000_000
#: Elements one entry (or anything else the root holds) may have: an image sitemap's URL
#: lists at most 1,000 images. A larger one is left out (its elements dropped as they end),
#: the rest of the sitemap read.
MAX_ENTRY_ELEMENTS = 20_000
_BOM = b"\xef\xbb\xbf"
_SITEMAP_ROOTS = ("urlset", "sitemapindex")
#: RSS 2.0 and 0.9x, Atom, RSS 1.0 (rdf:RDF): sitemaps.org accepts feeds as sitemaps.
_FEED_ROOTS = ("rss", "feed", "RDF")
#: An ``&`` that starts no entity or character reference (a URL's query written unescaped).
_BARE_AMPERSAND = re.compile(rb"&(?!(?:[A-Za-z_][\w.-]*|#[0-9]+|#x[0-9A-Fa-f]+);)")
#: A named reference other than XML's five (which need no mending).
_NAMED_REFERENCE = re.compile(rb"&(?!(?:amp|lt|gt|quot|apos);)([A-Za-z][A-Za-z0-9]*);")
#: The control characters XML 1.0 allows nowhere (no byte of a UTF-8 character is one).
_XML_FORBIDDEN = bytes(b for b in range(32) if b not in (9, 10, 13))
#: The end of a whole sitemap, looked for in its last bytes.
_CLOSED_ROOT = re.compile(rb"</(?:\w+:)?(?:urlset|sitemapindex)\s*>\s*$")
_ROOT_END_SEARCH = 256


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _entry(elem: ElementTree.Element, base_url: str) -> Discovered | None:
    """A ``url`` or ``sitemap`` element's location and date.

    Only a ``loc`` or ``lastmod`` in the element's own namespace counts: an image's or a
    video's ``loc`` may come first. A news publication date is preferred to ``lastmod``.
    """
    space = elem.tag[: elem.tag.find("}") + 1]
    loc: str | None = None
    when = None
    fallback = None
    for child in elem:
        if child.tag == space + "loc" and loc is None and child.text:
            loc = resolve_link(base_url, child.text.strip())
        elif child.tag == space + "lastmod":
            fallback = listed_date(child.text)
        elif _local(child.tag) == "news":
            for field in child:
                if _local(field.tag) == "publication_date":
                    when = listed_date(field.text)
    if loc is None:
        return None
    published, latest = when or fallback or (None, None)
    modified = None if fallback is None else earliest(fallback)
    return Discovered(loc, published, latest, modified)


def parse_sitemap(
    body: bytes,
    base_url: str,
    charset: str | None = None,
    *,
    max_children: int = MAX_INDEX_CHILDREN,
) -> Listing:
    """:func:`read_sitemap`, a feed only feedparser reads read by it here, in this process.

    Raises:
        InputError: none of what a sitemap may be (an HTML page, not XML, another XML
            document).
        TooLarge: the decompressed sitemap is over the cap.
    """
    read = read_sitemap(body, base_url, charset, max_children=max_children)
    if isinstance(read, LenientFeed):
        return read_with_feedparser(read.body, read.base_url)
    return read


def read_sitemap(
    body: bytes,
    base_url: str,
    charset: str | None = None,
    *,
    max_children: int = MAX_INDEX_CHILDREN,
) -> Listing | LenientFeed:
    """The article URLs of a sitemap or the child sitemaps of a sitemap index.

    Read as sitemaps.org allows: a ``urlset`` or ``sitemapindex`` (gzipped too, every member,
    with a 50 MB cap), an RSS or Atom feed, or a text file of URLs, one a line. Leading
    whitespace and a byte order mark are skipped; a bare ``&`` in a URL is read as ``&amp;``.
    News-sitemap publication dates are preferred to ``lastmod``. The bytes are read by
    :mod:`scraper.discover.xmlcharset`'s rule, ``charset`` being the server's
    (``Content-Type``), as a feed's are. At most ``max_children`` child sitemaps are kept, the
    newest (:mod:`scraper.discover.kept_children`); the others are counted as dropped. A feed
    only feedparser reads is handed back unread, as :func:`~scraper.discover.feeds.parse_fast`
    hands it back (the crawl reads it in a process of its own).

    Raises:
        InputError: none of those (an HTML page, not XML, another XML document).
        TooLarge: the decompressed sitemap is over the cap.
    """
    if is_gzip(body):
        body = gunzip(body, base_url, MAX_SITEMAP_BYTES, "sitemap")
    body = xml_for_parser(body, charset).removeprefix(_BOM).lstrip()
    if body[:1] != b"<":
        return _url_list(body, base_url)
    if declares_entities(body):
        # Expanded, a few bytes of them stand for millions of elements before a count is
        # made; no sitemap needs entities of its own.
        raise _not_a_sitemap(body, base_url, "it declares XML entities of its own")
    counted = attributes(body)
    if counted.total > MAX_SITEMAP_ELEMENTS:
        raise TooLarge(
            f"sitemap has more than {MAX_SITEMAP_ELEMENTS:,} attributes: not read", url=base_url
        )
    if counted.widest > MAX_ELEMENT_ATTRIBUTES:
        raise TooLarge(
            f"sitemap has an element of more than {MAX_ELEMENT_ATTRIBUTES:,} attributes: not read",
            url=base_url,
        )
    root, listing = _read_repaired(body, base_url, max_children)
    if root in _FEED_ROOTS:
        return parse_fast(body, base_url)
    if root not in _SITEMAP_ROOTS:
        raise _not_a_sitemap(body, base_url, f"root element {root!r}")
    return listing


def _read_repaired(body: bytes, base_url: str, max_children: int) -> tuple[str | None, Listing]:
    """:func:`_read_xml`, again with what generators commonly get wrong mended should the body
    not be well-formed, and then, if it was cut short, the entries before the cut.

    The mends: a bare ``&`` (a URL's query) escaped, an HTML entity (``&nbsp;`` in a news
    title, which XML does not define) written as the character reference it stands for, an
    unknown one escaped, and the control characters XML forbids left out. One such fault
    would otherwise lose every entry of the sitemap, on every run.
    """
    try:
        return _read_xml(body, base_url, max_children)
    except ElementTree.ParseError as exc:
        error = exc
    repaired = _BARE_AMPERSAND.sub(b"&amp;", body)
    repaired = _NAMED_REFERENCE.sub(_numeric_reference, repaired)
    repaired = repaired.translate(None, _XML_FORBIDDEN)
    if repaired != body:
        try:
            return _read_xml(repaired, base_url, max_children)
        except ElementTree.ParseError:
            pass  # the first error is the one to report
    if not _CLOSED_ROOT.search(repaired[-_ROOT_END_SEARCH:]):
        # Cut short (a transfer or gzip body that ended early): what came whole is listed.
        root, listing = _read_xml(repaired, base_url, max_children, partial=True)
        if listing.entries or listing.children:
            return root, listing
    raise _not_a_sitemap(body, base_url, f"not well-formed XML: {error}") from error


def _numeric_reference(match: re.Match[bytes]) -> bytes:
    name = match.group(1).decode("ascii")
    code = name2codepoint.get(name)
    return b"&amp;" + match.group(1) + b";" if code is None else b"&#%d;" % code


def _read_xml(
    body: bytes, base_url: str, max_children: int, *, partial: bool = False
) -> tuple[str | None, Listing]:
    """The root element's name, and what a sitemap lists (nothing when the root is another);
    with ``partial``, what it lists up to the first fault instead of the fault's error."""
    entries: list[Discovered] = []
    # Chosen as they come: a million-entry index never has a million children in hand.
    children = NewestKept(max_children, _child_date)
    root: str | None = None
    top: ElementTree.Element | None = None
    # Elements read, those still in hand, and how deep the parser is: memory and CPU are
    # bounded by the counts, not only by the bytes (``<x/>`` is four bytes an element).
    elements = in_hand = depth = 0
    # The open elements, and the depth of an entry left out for its size (0: none): its
    # elements are dropped as they end, and the rest of the sitemap is read.
    open_elements: list[ElementTree.Element] = []
    oversized = left_out = 0
    events = ElementTree.iterparse(io.BytesIO(body), events=("start", "end"))
    for event, elem in _until_fault(events) if partial else events:
        if event == "start":
            elements += 1
            in_hand += 1
            depth += 1
            open_elements.append(elem)
            if root is None:
                root, top = _local(elem.tag), elem
                if root not in _SITEMAP_ROOTS:
                    break
            elif elements > MAX_SITEMAP_ELEMENTS:
                raise _too_many(base_url)
            elif in_hand > MAX_ENTRY_ELEMENTS and not oversized:
                oversized = _oversized_depth(open_elements)
            continue
        depth -= 1
        open_elements.pop()
        if top is None or depth == 0:
            continue  # the root's end
        if oversized:
            if depth + 1 > oversized:
                # Its parent's children have all ended: nothing of them is read.
                del open_elements[-1][:]
                continue
            elem.clear()
            oversized = 0
            left_out += 1
            in_hand = depth
            continue
        name = _local(elem.tag)
        if name in ("url", "sitemap"):
            # Read wherever it is (a generator's wrapper element or doubled root too).
            found = _entry(elem, base_url)
            if found and name == "url":
                entries.append(found)
            elif found:
                children.offer(found)
            elem.clear()
            in_hand = depth
        if depth == 1:
            # Cleared entries (and whatever else the root holds) stay attached to it
            # otherwise: some 70 bytes each, for every one in the document, until its end.
            elem.clear()
            del top[:]
            in_hand = 1
    return root, Listing(
        entries=tuple(entries),
        children=children.kept(),
        dropped_children=children.dropped,
        oversized_entries=left_out,
    )


def _oversized_depth(open_elements: list[ElementTree.Element]) -> int:
    """The depth (the root's is 1) of what to leave out of a sitemap for holding more than
    ``MAX_ENTRY_ELEMENTS`` elements: the innermost open entry, else the root's open child."""
    for depth in range(len(open_elements), 1, -1):
        if _local(open_elements[depth - 1].tag) in ("url", "sitemap"):
            return depth
    return 2


def _too_many(base_url: str) -> TooLarge:
    return TooLarge(
        f"sitemap has more than {MAX_SITEMAP_ELEMENTS:,} elements: not read", url=base_url
    )


def _until_fault(
    events: Iterator[tuple[str, ElementTree.Element]],
) -> Iterator[tuple[str, ElementTree.Element]]:
    with contextlib.suppress(ElementTree.ParseError):
        yield from events


def _child_date(child: Discovered) -> float | None:
    """The date a nested sitemap is ranked by, as discovery dates it (its latest instant)."""
    when = child.latest or child.published
    return when.timestamp() if when else None


def _url_list(body: bytes, base_url: str) -> Listing:
    """A text sitemap: one URL a line (http and https only, at most 50,000 as sitemaps.org
    allows; other lines are ignored)."""
    urls: list[Discovered] = []
    for line in body.decode("utf-8", errors="replace").splitlines():
        url = line.strip()
        if url[:8].lower().startswith(("http://", "https://")) and " " not in url:
            urls.append(Discovered(url))
            if len(urls) == MAX_TEXT_URLS:
                break
    if not urls:
        raise _not_a_sitemap(body, base_url, "neither XML nor a list of URLs")
    return Listing(entries=tuple(urls))


def _not_a_sitemap(body: bytes, base_url: str, reason: str) -> InputError:
    if is_html_page(body):
        # A soft 404 most of the time: the site's error or home page answered with a 200.
        return InputError(f"not a sitemap: an HTML page ({base_url})")
    if not body:
        return InputError(f"not a sitemap: empty body ({base_url})")
    return InputError(f"not a sitemap: {reason} ({base_url})")


def is_robots_url(url: str) -> bool:
    """Whether a sitemap source URL points at a robots.txt (read for its Sitemap lines)."""
    return url.split("?", 1)[0].endswith("/robots.txt")


def parse_robots_sitemaps(
    body: bytes, base_url: str, *, max_children: int = MAX_INDEX_CHILDREN
) -> Listing:
    """The ``Sitemap:`` lines of a robots.txt, as child documents: the first ``max_children``
    (undated, they keep the file's order); the others are counted as dropped."""
    text = body.decode("utf-8", errors="replace")
    robots = Protego.parse(text)
    children = NewestKept(max_children, _child_date)
    for sitemap in robots.sitemaps:
        children.offer(Discovered(resolve_link(base_url, sitemap)))
    return Listing(children=children.kept(), dropped_children=children.dropped)
