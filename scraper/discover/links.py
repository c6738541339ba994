"""Section pages: the links of an HTML page that match a source's URL patterns."""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser

from scraper.charset import decode_html
from scraper.discover.entry import Discovered, Listing
from scraper.discover.urls import join_url
from scraper.errors import InputError

__all__ = ["parse_section"]


def parse_section(body: bytes, base_url: str, patterns: Sequence[str]) -> Listing:
    """Links of the page at ``base_url`` that match any of ``patterns`` (regex search).

    Links are resolved against the page's ``<base href>`` or URL; only http(s) links on the
    page's own host are kept, each once, in page order.
    """
    compiled = [re.compile(p) for p in patterns]
    tree = LexborHTMLParser(decode_html(body, None).text)
    base_node = tree.css_first("base[href]")
    try:
        base = join_url(base_url, (base_node.attributes.get("href") or "") if base_node else "")
    except InputError:
        base = base_url  # a malformed <base href> is ignored, as browsers do
    host = urlsplit(base_url).netloc.lower()
    seen: set[str] = set()
    entries: list[Discovered] = []
    for node in tree.css("a[href]"):
        href = (node.attributes.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:")):
            continue
        try:
            url = join_url(base, href).split("#", 1)[0]
            parts = urlsplit(url)
        except (InputError, ValueError):
            continue  # one malformed link (a bad IPv6 literal, say) is not the page's fault
        if parts.scheme not in ("http", "https") or parts.netloc.lower() != host:
            continue
        if url in seen or not any(p.search(url) for p in compiled):
            continue
        seen.add(url)
        entries.append(Discovered(url))
    return Listing(entries=tuple(entries))
