"""Deciding how the bytes of an HTML page are encoded, and decoding them.

lexbor assumes UTF-8 and httpx ignores ``<meta charset>``, so scraper decides itself, in this
order (the first that applies wins):

1. a byte-order mark (UTF-8, UTF-16 LE/BE): it cannot be there by accident;
2. the charset the transport declared (``Content-Type``), if the bytes decode under it;
3. the ``<meta charset>`` or ``http-equiv`` declaration in the first 4 KiB, likewise;
4. strict UTF-8, which almost never decodes text in another encoding by accident;
5. detection with charset-normalizer;
6. UTF-8 with replacement characters, so that something readable always comes out.

A declaration of a single-byte charset (latin-1, windows-1252, ...) is overruled when the
bytes are valid UTF-8 containing multi-byte sequences: servers and templates lie this way far
more often than real windows-1252 text happens to be valid UTF-8. As in browsers, latin-1 and
ASCII labels mean windows-1252.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from scraper.errors import DecodeError
from scraper.models import Page

__all__ = ["Decoded", "declared_charset", "decode_html", "normalise_charset", "page_charset"]

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_META_CHARSET = re.compile(
    rb"""<meta[^>]{0,512}?charset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]+)""", re.IGNORECASE
)
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]+)""", re.IGNORECASE)
_WINDOWS_1252_ALIASES = frozenset({"latin_1", "iso8859_1", "ascii"})
_SINGLE_BYTE_PREFIXES = ("cp125", "iso8859", "latin", "koi8", "mac", "cp8", "ascii")
_PRESCAN_BYTES = 4096
_DETECT_BYTES = 64 * 1024
# Share of NUL or C0 control bytes (not tab/newline/CR/FF/ESC) beyond which bytes are not text.
_BINARY_RATIO = 0.05
_TEXT_CONTROLS = frozenset(b"\t\n\r\x0c\x1b")
_BINARY_BYTES = bytes(b for b in range(0x20) if b not in _TEXT_CONTROLS)
_BINARY_SINGLES = tuple(bytes([b]) for b in _BINARY_BYTES)


#: Sources whose text is the whole body decoded as strict UTF-8 (no BOM cut, nothing replaced).
_STRICT_UTF8_SOURCES = frozenset({"header", "meta", "header-overruled", "meta-overruled", "utf-8"})


@dataclass(frozen=True, slots=True)
class Decoded:
    """Decoded text and the charset used (a Python codec name); ``source`` says why."""

    text: str
    encoding: str
    source: str

    @property
    def strict_utf8(self) -> bool:
        """Whether the body's bytes are exactly ``text`` encoded as UTF-8 (so a parser that
        reads UTF-8 can take the bytes and skip encoding the text again)."""
        return self.encoding == "utf-8" and self.source in _STRICT_UTF8_SOURCES


def normalise_charset(label: str | None) -> str | None:
    """The Python codec name for a charset label, or None when the label is unknown."""
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().strip("\"'")).name
    except (LookupError, ValueError):
        return None
    name = name.replace("-", "_")
    if name in _WINDOWS_1252_ALIASES:
        return "cp1252"
    return codecs.lookup(name).name


def declared_charset(content_type: str | None) -> str | None:
    """The charset label in a Content-Type header value, or None."""
    if not content_type:
        return None
    match = _HEADER_CHARSET.search(content_type)
    return match.group(1) if match else None


def page_charset(page: Page) -> str | None:
    """The charset to decode a fetched page with: the fetcher's finding, else its header's."""
    return page.encoding or declared_charset(page.header("content-type"))


def _looks_binary(body: bytes) -> bool:
    size = min(len(body), _DETECT_BYTES)
    if not size:
        return False
    if body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    # Most pages hold no control byte at all: a memchr per control byte tells so at a fraction
    # of the cost of counting them.
    if all(body.find(byte, 0, size) < 0 for byte in _BINARY_SINGLES):
        return False
    sample = body[:size]
    # Counted in C (translate deletes them): a Python loop cost ~0.5 ms per 64 KiB page.
    controls = len(sample) - len(sample.translate(None, _BINARY_BYTES))
    return controls / len(sample) > _BINARY_RATIO


def _try(body: bytes, encoding: str) -> str | None:
    try:
        return body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _is_single_byte(encoding: str) -> bool:
    return encoding.replace("-", "").replace("_", "").startswith(_SINGLE_BYTE_PREFIXES)


def _prefer_utf8(body: bytes, encoding: str) -> str | None:
    """UTF-8 text when a single-byte declaration is contradicted by valid multi-byte UTF-8."""
    if not _is_single_byte(encoding) or body.isascii():
        return None
    return _try(body, "utf-8")


def decode_html(body: bytes, declared: str | None = None) -> Decoded:
    """Decode HTML bytes following the order in the module docstring.

    Args:
        body: the bytes as served.
        declared: the charset label the transport declared (Content-Type), if any.

    Raises:
        DecodeError: the bytes are binary, not text.
    """
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return Decoded(body[len(bom) :].decode(encoding, errors="replace"), encoding, "bom")
    if _looks_binary(body):
        raise DecodeError("the bytes look binary (too many NUL or control bytes), not HTML")

    candidates: list[tuple[str, str]] = []
    header = normalise_charset(declared)
    if header:
        candidates.append((header, "header"))
    match = _META_CHARSET.search(body[:_PRESCAN_BYTES])
    meta = normalise_charset(match.group(1).decode("ascii", "replace")) if match else None
    if meta:
        # A page saved as UTF-16 cannot declare itself in ASCII bytes; browsers ignore that.
        candidates.append(("utf-8" if meta.startswith("utf_16") else meta, "meta"))

    for encoding, source in candidates:
        utf8 = _prefer_utf8(body, encoding)
        if utf8 is not None:
            return Decoded(utf8, "utf-8", f"{source}-overruled")
        text = _try(body, encoding)
        if text is not None:
            return Decoded(text, encoding, source)

    text = _try(body, "utf-8")
    if text is not None:
        return Decoded(text, "utf-8", "utf-8")

    # Imported here: few pages get this far, and every extraction worker would pay for its
    # import at start-up (some 10-15 ms), which a small crawl's handful of pages does not repay.
    import charset_normalizer

    best = charset_normalizer.from_bytes(body[:_DETECT_BYTES]).best()
    if best is not None and best.encoding:
        encoding = normalise_charset(best.encoding) or best.encoding
        return Decoded(body.decode(encoding, errors="replace"), encoding, "detected")
    return Decoded(body.decode("utf-8", errors="replace"), "utf-8", "replacement")
