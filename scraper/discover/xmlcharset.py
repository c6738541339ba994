"""How the bytes of an XML listing (feed or sitemap) are encoded, decided before it is parsed.

XML parsers decode by the ``<?xml ... encoding="..."?>`` declaration alone (UTF-8 without one),
while the server's ``Content-Type`` charset is the one RFC 7303 makes authoritative, and either
may lie. Both listing kinds are read by one rule, the order HTML pages are decoded in
(:mod:`scraper.charset`), the first clue that holds winning:

1. a byte-order mark (UTF-8 or UTF-16), or UTF-16's ``<`` as the first character;
2. the HTTP charset, if the bytes decode under it (but not UTF-16, under which nearly any
   bytes decode: a UTF-16 body is known by its first bytes);
3. the declaration, likewise;
4. UTF-8;
5. when none of them holds, UTF-8 where the bytes are UTF-8 and windows-1252 for each byte
   that is not.

A single-byte charset (HTTP's or the declaration's) is overruled when the bytes are strict
UTF-8 with multi-byte characters in them: feed templates and CMSs often keep declaring
ISO-8859-1 or windows-1252 long after they started writing UTF-8, and the links then come out
as mojibake (``/café`` read as ``/cafÃ©``): another URL, fetched and stored under a wrong name.
Such bytes are almost never text in a single-byte encoding, while a real Latin-1 ``é`` is no
valid UTF-8 and keeps its label.

The parser is then given bytes it reads that way: the body as it is when its declaration (or
its lack of one) already says so, its declaration relabelled UTF-8 when the bytes are UTF-8,
else the text re-encoded as UTF-8 (expat reads no multi-byte legacy encoding, Shift_JIS or GBK,
at all, nor feedparser UTF-16 without a BOM).

The last resort is there because a parser stops at the first byte its encoding does not
decode, and a listing then loses every entry, thousands for a sitemap, to one byte. That byte
is most often a windows-1252 character pasted into a UTF-8 file (a title typed in an old
editor), or the file is windows-1252 throughout under a UTF-8 label: both read right this way,
and a listing in another legacy encoding under a wrong label still gives its ASCII URLs.
"""

from __future__ import annotations

import codecs
import re

from scraper.charset import normalise_charset
from scraper.charset_labels import WEB_ENCODINGS

__all__ = ["xml_for_parser"]

# The label is taken whatever it holds: one that is no encoding name (a NUL, a space, a
# non-ASCII letter) is relabelled too, for feedparser fails on it with a ValueError (its codec
# lookup) where expat only refuses it.
_DECLARATION = re.compile(
    rb"""(?:\xef\xbb\xbf)?\s*<\?xml\s[^>]{0,200}?encoding\s*=\s*["']([^"'>]*)["']"""
)
#: An encoding name as XML writes one (and a colon, which some producers put in).
_LABEL = re.compile(rb"[A-Za-z0-9._:\-]+")
_TEXT_DECLARATION = re.compile(r"""\s*<\?xml\s[^>]{0,200}?encoding\s*=\s*["']([^"']*)["']""")
_SINGLE_BYTE = frozenset(e.codec for e in WEB_ENCODINGS if e.single_byte)
#: How a UTF-16 body starts (after a BOM or none: ``<``), and the codec that reads it.
_UTF16_STARTS = (
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
    (b"<\x00", "utf-16-le"),
    (b"\x00<", "utf-16-be"),
)
_UTF16 = ("utf-16-le", "utf-16-be")


def xml_for_parser(body: bytes, http_charset: str | None = None) -> bytes:
    """``body`` as bytes an XML parser decodes by the module's rule.

    ``http_charset`` is the ``Content-Type`` charset label, if any (labels outside the Encoding
    Standard are ignored, as browsers do).
    """
    utf16 = _utf16(body)
    if utf16 is not None:
        # feedparser reads no UTF-16 without a BOM: every parser gets the text as UTF-8.
        try:
            return _as_utf8(body.decode(utf16))
        except UnicodeDecodeError:
            return body  # cut short, or no UTF-16 after all: the parser says what is wrong
    match = _DECLARATION.match(body)
    if body.isascii():
        # Read alike in every encoding a parser could pick, but expat refuses a declared one
        # it has no decoder for (Shift_JIS, GBK, windows-874: an all-ASCII sitemap of a
        # Japanese site failed on every run), so it is told UTF-8, which reads ASCII as is.
        return body if _parser_reads(match, "utf-8") else _relabelled(body, match)
    declared = normalise_charset(_label(match))
    if declared in _UTF16:
        declared = "utf-8"  # ASCII bytes declared it: they are no UTF-16
    if body.startswith(codecs.BOM_UTF8):
        candidates: tuple[str | None, ...] = ("utf-8",)
    else:
        http = normalise_charset(http_charset)
        candidates = (None if http in _UTF16 else http, declared, "utf-8")
    utf8 = _Utf8(body)
    for codec in candidates:
        if codec is None or (codec == "utf-8" and not utf8.valid()):
            continue
        if codec in _SINGLE_BYTE and utf8.valid():
            codec = "utf-8"
        # What the parser reads the bytes as: a BOM does not overrule the declaration there.
        if (codec == "utf-8" or codec in _SINGLE_BYTE) and _parser_reads(match, codec):
            return body  # the parser reads it so, as it is
        if codec == "utf-8":
            return _relabelled(body, match)
        try:
            text = body.decode(codec)
        except UnicodeDecodeError:
            continue
        return _as_utf8(text)
    label = _label(match)
    if label is not None:
        # No clue of the Encoding Standard's holds: the label as Python reads it, as the
        # parser would (ISO-8859-1 is no windows-1252 there, with its five unmapped bytes).
        try:
            return _as_utf8(body.decode(label))
        except (LookupError, ValueError):  # no text codec; or bytes it cannot decode
            pass
    # Under a label it lacks the parser would raise no parse error but a LookupError or
    # ValueError, a listing's "internal" error.
    return _as_utf8(_utf8_or_1252(body))


def _parser_reads(declaration: re.Match[bytes] | None, codec: str) -> bool:
    """Whether the parser decodes a body with ``declaration`` (None: none) as ``codec``.

    Python's codec of the label as written decides there, not the Encoding Standard's: a
    label it lacks (``windows-874``, ``x-mac-cyrillic``, a misspelt one), a multi-byte one
    (``Shift_JIS``) or one that is no text encoding (``undefined``) is refused by the parser,
    an error of no listing kind.
    """
    if declaration is None:
        return codec == "utf-8"
    label = _label(declaration)
    if label is None:
        return False
    try:
        return codecs.lookup(label).name == codecs.lookup(codec).name
    except LookupError:
        return False


def _label(declaration: re.Match[bytes] | None) -> str | None:
    """The declaration's encoding label, None when there is none or it is no encoding name."""
    if declaration is None:
        return None
    label = declaration.group(1)
    return label.decode("ascii") if _LABEL.fullmatch(label) else None


def _relabelled(body: bytes, declaration: re.Match[bytes] | None) -> bytes:
    """``body`` with its declaration's encoding label (if any) replaced by UTF-8."""
    if declaration is None:
        return body
    start, end = declaration.span(1)
    return body[:start] + b"UTF-8" + body[end:]


def _utf16(body: bytes) -> str | None:
    for start, codec in _UTF16_STARTS:
        if body.startswith(start):
            return codec
    return None


class _Utf8:
    """Whether a body is strict UTF-8, found out once (a sitemap may have 50 MB)."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.known: bool | None = None

    def valid(self) -> bool:
        if self.known is None:
            try:
                self.body.decode("utf-8")
                self.known = True
            except UnicodeDecodeError:
                self.known = False
        return self.known


#: A byte no UTF-8 sequence holds, as ``surrogateescape`` gives it (U+DC80-U+DCFF), to its
#: windows-1252 character (U+FFFD for the five bytes windows-1252 leaves unmapped).
_ESCAPED_1252 = {
    0xDC00 + byte: bytes([byte]).decode("cp1252", errors="replace") for byte in range(0x80, 0x100)
}


def _utf8_or_1252(body: bytes) -> str:
    """``body`` read as UTF-8 where it is, each byte of no UTF-8 sequence as windows-1252."""
    return body.decode("utf-8", errors="surrogateescape").translate(_ESCAPED_1252)


def _as_utf8(text: str) -> bytes:
    """The text encoded as UTF-8, with its declaration (if any) saying so."""
    text = text.removeprefix("\ufeff")
    match = _TEXT_DECLARATION.match(text)
    if match is not None:
        text = text[: match.start(1)] + "UTF-8" + text[match.end(1) :]
    return text.encode("utf-8")
