"""Section pages: the links of an HTML page that match a source's URL patterns."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from urllib.parse import SplitResult, urlsplit

from selectolax.lexbor import LexborHTMLParser

from scraper.charset import decode_html
from scraper.discover.entry import Discovered, Listing
from scraper.discover.urls import join_url, site_of
from scraper.errors import InputError

__all__ = ["parse_section"]

_DEFAULT_PORTS: Mapping[str, int] = MappingProxyType({"http": 80, "https": 443})


def parse_section(body: bytes, base_url: str, patterns: Sequence[str]) -> Listing:
    """Links of the page at ``base_url`` that match any of ``patterns`` (regex search).

    Links are resolved against the page's ``<base href>`` or URL; only http(s) links on the
    page's own site are kept (its host, with or without ``www.`` or another of ``site_of``'s
    prefixes, on the same port, a default one written or not), each once, in page order.
    """
    compiled = [re.compile(p) for p in patterns]
    tree = LexborHTMLParser(decode_html(body, None).text)
    base_node = tree.css_first("base[href]")
    try:
        base = join_url(base_url, (base_node.attributes.get("href") or "") if base_node else "")
    except InputError:
        base = base_url  # a malformed <base href> is ignored, as browsers do
    page = urlsplit(base_url)
    host = page.netloc.lower()
    own = (site_of(base_url), _port(page))
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


def _port(parts: SplitResult) -> int | None:
    """The port of a URL, None for its scheme's default.

    Raises:
        ValueError: the port is not a number in range.
    """
    port = parts.port
    return None if port == _DEFAULT_PORTS.get(parts.scheme.lower()) else port
