"""An XML listing's declared single-byte encoding, overruled when its bytes are UTF-8.

XML parsers decode by the ``<?xml ... encoding="..."?>`` declaration. Feed templates and CMSs
often keep declaring ISO-8859-1 or windows-1252 long after they started writing UTF-8, and the
links then come out as mojibake (``/café`` read as ``/cafÃ©``): another URL, fetched and
stored under a wrong name. As for HTML pages (:mod:`scraper.charset`), bytes that decode as
strict UTF-8 with multi-byte characters in them are almost never text in a single-byte
encoding, so such a declaration is taken for the lie it nearly always is. A body with a byte
that is not valid UTF-8 (a real Latin-1 ``é`` is one) keeps its declaration.
"""

from __future__ import annotations

import re

from scraper.charset import normalise_charset
from scraper.charset_labels import WEB_ENCODINGS

__all__ = ["utf8_when_mislabelled"]

_DECLARATION = re.compile(
    rb"""(?:\xef\xbb\xbf)?\s*<\?xml\s[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9._:\-]+)["']"""
)
_SINGLE_BYTE = frozenset(e.codec for e in WEB_ENCODINGS if e.single_byte)


def utf8_when_mislabelled(body: bytes) -> bytes:
    """``body`` with its declaration saying UTF-8 when it declares a single-byte encoding
    over bytes that are UTF-8 with non-ASCII characters; else ``body`` as it is."""
    match = _DECLARATION.match(body)
    if match is None or normalise_charset(match.group(1).decode("ascii")) not in _SINGLE_BYTE:
        return body
    if body.isascii():
        return body  # read alike in either
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return body
    start, end = match.span(1)
    return body[:start] + b"UTF-8" + body[end:]
