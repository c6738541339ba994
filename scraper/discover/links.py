"""Section pages: the links of an HTML page that match a source's URL patterns."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from urllib.parse import SplitResult, urlsplit

from selectolax.lexbor import LexborHTMLParser, SelectolaxError

from scraper.charset import decode_html
from scraper.discover.entry import Discovered, Listing
from scraper.discover.reopened import copy_bytes_bound
from scraper.discover.urls import join_url, site_of
from scraper.errors import InputError, ParseError, shorten
from scraper.extract.nesting import deep_cut

__all__ = [
    "MAX_FORMATTING_COPY_BYTES",
    "MAX_SECTION_DEPTH",
    "HeavySection",
    "parse_section",
    "read_section",
]

_DEFAULT_PORTS: Mapping[str, int] = MappingProxyType({"http": 80, "https": 443})
#: Bytes of copies of formatting elements (:func:`~scraper.discover.reopened.copy_bytes_bound`)
#: a section page may cost the parser in this process. The bound counts every formatting
#: element as open once seen, so a long page of closed ``<strong>`` teasers can be over it too,
#: and is read in a process of its own (about 0.1 s more): of 1,513 real article pages, 8 are.
MAX_FORMATTING_COPY_BYTES = 256 << 20
#: How deep a section page's elements may nest before the rest is left unread: extraction's
#: default ``max_depth``, past which no real page goes (browsers stop nesting at 512).
MAX_SECTION_DEPTH = 1_000


@dataclass(frozen=True, slots=True)
class HeavySection:
    """A section page whose markup may cost the HTML parser more than
    ``MAX_FORMATTING_COPY_BYTES`` in copies of formatting elements: its bytes and what
    :func:`parse_section` needs, for a caller that reads it where memory is capped (the crawl:
    :mod:`scraper.crawl.lenient_feeds`)."""

    body: bytes
    base_url: str
    patterns: tuple[str, ...]


def read_section(body: bytes, base_url: str, patterns: Sequence[str]) -> Listing | HeavySection:
    """:func:`parse_section`'s links, or the page handed back unread when building its tree
    could take gigabytes (formatting left open and reopened at every block).

    Raises:
        InputError: ``base_url`` does not parse as a URL (a bad IPv6 literal, port or host).
        ParseError: the HTML parser gave up on the page.
    """
    # Before the page is handed on: its links could never be told apart from another site's.
    _own_site(base_url)
    text = decode_html(body, None).text
    if copy_bytes_bound(text) > MAX_FORMATTING_COPY_BYTES:
        return HeavySection(body, base_url, tuple(patterns))
    return _links(text, base_url, patterns)


def parse_section(body: bytes, base_url: str, patterns: Sequence[str]) -> Listing:
    """Links of the page at ``base_url`` that match any of ``patterns`` (regex search), read
    in this process whatever it costs (a page nesting deeper than ``MAX_SECTION_DEPTH`` up to
    where it does).

    Links are resolved against the page's ``<base href>`` or URL; only http(s) links on the
    page's own site are kept (its host, with or without ``www.`` or another of ``site_of``'s
    prefixes, on the same port, a default one written or not), each once, in page order.

    Raises:
        InputError: ``base_url`` does not parse as a URL (a bad IPv6 literal, port or host).
        ParseError: the HTML parser gave up on the page (an allocation failed).
    """
    return _links(decode_html(body, None).text, base_url, patterns)


def _links(text: str, base_url: str, patterns: Sequence[str]) -> Listing:
    host, own = _own_site(base_url)
    deep = deep_cut(text, MAX_SECTION_DEPTH)
    if deep is not None:
        # The parser's time grows with the square of the depth (100,000 nested <div>s: 27 s,
        # in the crawl process): as extraction does, the links before the cut are read.
        text = text[:deep]
    compiled = [re.compile(p) for p in patterns]
    try:
        tree = LexborHTMLParser(text)
    except SelectolaxError as exc:
        # lexbor gives no reason; an allocation that failed is what makes it give up.
        raise ParseError(f"the HTML parser could not build this page ({exc})") from exc
    base_node = tree.css_first("base[href]")
    try:
        base = join_url(base_url, (base_node.attributes.get("href") or "") if base_node else "")
    except InputError:
        base = base_url  # a malformed <base href> is ignored, as browsers do
    seen: set[str] = set()
    entries: list[Discovered] = []
    for node in tree.css("a[href]"):
        href = (node.attributes.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:")):
            continue
        try:
            url = join_url(base, href).split("#", 1)[0]
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https"):
                continue
            if parts.netloc.lower() != host and (site_of(url), _port(parts)) != own:
                continue
        except (InputError, ValueError):
            continue  # one malformed link (a bad IPv6 literal, say) is not the page's fault
        if url in seen or not any(p.search(url) for p in compiled):
            continue
        seen.add(url)
        entries.append(Discovered(url))
    return Listing(entries=tuple(entries))


def _own_site(base_url: str) -> tuple[str, tuple[str, int | None]]:
    """The page's host as written (lower-cased), and its site and port (see ``_port``).

    Raises:
        InputError: ``base_url`` does not parse as a URL (a bad IPv6 literal, a port out of
            range or not a number, a host NFKC turns into a delimiter).
    """
    try:
        page = urlsplit(base_url)
        return page.netloc.lower(), (site_of(base_url), _port(page))
    except ValueError as exc:
        raise InputError(f"malformed section page URL {shorten(base_url)!r}: {exc}") from exc


def _port(parts: SplitResult) -> int | None:
    """The port of a URL, None for its scheme's default.

    Raises:
        ValueError: the port is not a number in range.
    """
    port = parts.port
    return None if port == _DEFAULT_PORTS.get(parts.scheme.lower()) else port
