"""Bounding the work on oversized pages (``max_html_chars``), at no cost to the others.

An oversized page first loses what can never be article text: the contents of scripts,
styles and inert templates, and comments (a framework's state, inline fonts). JSON-LD scripts
stay (they hold the metadata), and so do declarative shadow roots (templates a browser shows)
and <noscript> (read when the page shows nothing else). Only what is still over the cap is
cut, at the start of a tag, so that the page's last element is whole (a cut inside
``<title>`` cut the title short).
Bytes far beyond the cap are cut before decoding, where a cut cannot split a character.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["cap_bytes", "cap_text"]

#: Bytes kept of a page before decoding, per character of the cap: a UTF-8 character takes at
#: most four, so the decoded text still reaches the cap whatever the script, with room for
#: the scripts and styles that are emptied before the cap is applied.
_BYTES_PER_CHAR: Final = 4
#: How far from the cap a tag start is looked for.
_CUT_SLACK: Final = 4096
#: Bytes read to tell an encoding in which a byte '<' always starts a tag (ASCII-compatible,
#: not UTF-16 or a shifting ISO-2022 one).
_SNIFF_BYTES: Final = 4096
_OPEN: Final = re.compile(r"<!--|<(script|style|template)\b([^>]{0,2000})>", re.IGNORECASE)
_CLOSE: Final = {
    name: re.compile(rf"</{name}\s*>", re.IGNORECASE) for name in ("script", "style", "template")
}
_COMMENT_END: Final = re.compile(r"-->")
#: Open-tag attributes of the elements whose content stays: JSON-LD, a shadow root.
_KEPT: Final = re.compile(r"ld\+json|shadowroot", re.IGNORECASE)


def cap_bytes(body: bytes, max_chars: int) -> bytes | None:
    """``body`` cut before a tag start near ``_BYTES_PER_CHAR * max_chars`` bytes, or None when it
    is shorter or cannot be cut safely before decoding (UTF-16, ISO-2022, no tag near)."""
    limit = _BYTES_PER_CHAR * max_chars
    if len(body) <= limit:
        return None
    head = body[:_SNIFF_BYTES]
    if b"\x00" in head or b"\x1b" in head or body.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None
    # In an ASCII-compatible encoding no byte of a multi-byte character is '<' (0x3c).
    cut = body.rfind(b"<", max(limit - _CUT_SLACK, 0), limit)
    return body[:cut] if cut > 0 else None


def cap_text(text: str, max_chars: int) -> tuple[str, bool]:
    """``text`` within ``max_chars`` characters once emptied of what is never article text, and
    whether it had to be cut. Call only when ``text`` is longer than ``max_chars``."""
    text = _without_raw_text(text)
    if len(text) <= max_chars:
        return text, False
    # The first tag start after the cap when one is near (the element before it ends whole),
    # else the last one before it, else the cap itself.
    cut = text.find("<", max_chars, max_chars + _CUT_SLACK)
    if cut < 0:
        cut = text.rfind("<", max(max_chars - _CUT_SLACK, 0), max_chars)
    if cut <= 0:
        cut = max_chars
    return text[:cut], True


def _without_raw_text(text: str) -> str:
    """``text`` with the contents of its scripts (but JSON-LD), styles and templates (but shadow
    roots), and its comments, left out; the tags stay."""
    pieces: list[str] = []
    at = 0
    while True:
        found = _OPEN.search(text, at)
        if found is None:
            break
        name = found.group(1)
        closer = _CLOSE[name.lower()] if name else _COMMENT_END
        end = closer.search(text, found.end())
        if end is None:
            # Unclosed: the rest of the page is its content, as a browser reads it.
            pieces.append(text[at : found.start()])
            at = len(text)
            break
        if name and _KEPT.search(found.group(2)):
            pieces.append(text[at : end.end()])
        elif name:
            pieces += (text[at : found.end()], end.group(0))
        else:
            pieces.append(text[at : found.start()])
        at = end.end()
    pieces.append(text[at:])
    return "".join(pieces)
