"""Reading an XHTML page with the HTML parser as a browser shows it as XHTML.

A browser parses a page served as ``application/xhtml+xml`` with its XML parser, where
``<script src="x.js"/>``, ``<div/>``, ``<a name="top"/>`` or ``<title/>`` are empty elements
and a CDATA section is text. lexbor is an HTML parser: to it the slash means nothing, so such a
tag opens an element that swallows the rest of the page (a script's or a title's raw text) or
holds everything after it. Before such a page is parsed, each self-closed tag of an element
that is not void is written as a start tag and its end tag, and each CDATA section outside
scripts and styles as the text it holds. One pass, left to right; markup that the pass cannot
read to its end (a tag, comment or section left open) is left as it is from there on, as the
HTML parser would read it.

When the transport's content type is known it decides, as in a browser (a page served as
``text/html`` is HTML whatever it says of itself). Without one (a saved file, a string) a page
is XHTML when it starts with an XML declaration. The XHTML namespace on ``<html>`` alone is no
sign: XHTML 1.0 templates served as text/html carry it (229 of the 1,513 shared benchmark
pages), some with ``<a name="x"/>`` that browsers read as HTML, and reading those four as XHTML
lowered their scores against the browser's text.
"""

from __future__ import annotations

import re
from html import escape
from typing import Final

from scraper.extract.elements import VOID

__all__ = ["as_html", "is_xhtml"]

#: Media types a browser parses with its XML parser (and shows as XHTML in that namespace).
_XML_TYPES: Final = frozenset({"application/xhtml+xml", "application/xml", "text/xml"})
#: Characters at the start of a page searched for its own XHTML markers.
_SNIFF_CHARS: Final = 4096
_XML_DECLARATION: Final = re.compile(r"\ufeff?\s*<\?xml\s")
#: A comment, a CDATA section or a start tag's name.
_MARKUP: Final = re.compile(r"<(?:(!--)|(!\[CDATA\[)|([A-Za-z][^\s/>]*))")
#: The rest of a start tag after its name: quoted values may hold '>' and '/>'. Possessive, so
#: a tag that does not end fails at once instead of backtracking.
_TAG_REST: Final = re.compile(r"""(?:[^>"']++|"[^"]*+"|'[^']*+')*+>""")
#: Where the content of a script or style ends: the HTML parser reads it as raw text.
_RAW_END: Final = {
    "script": re.compile(r"</script", re.IGNORECASE),
    "style": re.compile(r"</style", re.IGNORECASE),
}


def is_xhtml(content_type: str | None, text: str) -> bool:
    """Whether a browser would show the page as XHTML: by ``content_type`` (the transport's
    Content-Type value) when given, else by its XML declaration."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media:
        return media in _XML_TYPES
    return _XML_DECLARATION.match(text, 0, _SNIFF_CHARS) is not None


def as_html(text: str) -> str:
    """``text`` (XHTML) as HTML that parses to the same tree: self-closed non-void elements
    given their end tag, CDATA sections outside scripts and styles given as text. ``text``
    itself when there is nothing to change."""
    if "/>" not in text and "<![CDATA[" not in text:
        return text
    pieces: list[str] = []
    copied = 0  # text before this is in pieces
    at = 0
    while True:
        found = _MARKUP.search(text, at)
        if found is None:
            break
        if found.group(1) is not None:
            end = text.find("-->", found.end())
            if end < 0:
                break
            at = end + 3
            continue
        if found.group(2) is not None:
            end = text.find("]]>", found.end())
            if end < 0:
                break
            pieces += (text[copied : found.start()], escape(text[found.end() : end], quote=False))
            copied = at = end + 3
            continue
        rest = _TAG_REST.match(text, found.end())
        if rest is None:
            break
        name = found.group(3)
        lowered = name.lower()
        at = rest.end()
        if text[at - 2] == "/":
            if lowered not in VOID:
                pieces += (text[copied : at - 2], "></", name, ">")
                copied = at
            continue
        raw_end = _RAW_END.get(lowered)
        if raw_end is not None:
            closing = raw_end.search(text, at)
            if closing is None:
                break
            at = closing.end()
    if not pieces:
        return text
    pieces.append(text[copied:])
    return "".join(pieces)
