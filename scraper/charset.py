"""Deciding how the bytes of an HTML page are encoded, and decoding them.

lexbor assumes UTF-8 and httpx ignores ``<meta charset>``, so scraper decides itself, in this
order (the first that applies wins):

1. a byte-order mark (UTF-8, UTF-16 LE/BE): it cannot be there by accident;
2. UTF-16 without a BOM, when the transport declares it or the first bytes are ASCII markup
   in UTF-16 form (``<\\0h\\0``), and the bytes decode as UTF-16 text with markup in it;
3. the charset the transport declared (``Content-Type``), if the bytes decode under it;
4. the ``<meta charset>`` or ``http-equiv`` declaration in the first 4 KiB, likewise;
5. strict UTF-8, which almost never decodes text in another encoding by accident;
6. UTF-8 with replacement characters, when the valid multi-byte characters far outnumber the
   bad sequences: a UTF-8 page with a few broken bytes (a cut character, a CESU surrogate);
7. detection with charset-normalizer among the encodings undeclared legacy pages are written
   in, windows-1252 winning over another single-byte pick that reads the bytes no better
   (the detector cannot tell Western text in windows-1252 from windows-1250, 1257 or 1258
   when the text has no letter that differs, and picks among ties);
8. UTF-8 with replacement characters, so that something readable always comes out.

A charset label counts only if the WHATWG Encoding Standard lists it
(:mod:`scraper.charset_labels`): any other label (``undefined``, ``unicode_escape``, ``rot13``)
is ignored, as browsers do, and the next clue decides. As in browsers, latin1/iso-8859-1 and
ASCII labels mean windows-1252. A declaration of a single-byte charset is overruled when the
bytes are valid UTF-8 containing multi-byte sequences, or UTF-8 but for a few bad sequences as
in step 6: servers and templates lie this way far more often than real windows-1252 text
happens to be (nearly) valid UTF-8.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Final

from scraper.charset_labels import LEGACY_DEFAULTS, WEB_ENCODINGS, WINDOWS_1252_LANGUAGES
from scraper.errors import DecodeError
from scraper.models import Page

if TYPE_CHECKING:
    from charset_normalizer import CharsetMatch

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
_CODEC_BY_LABEL: Final = MappingProxyType(
    {label: encoding.codec for encoding in WEB_ENCODINGS for label in encoding.labels}
)
_WEB_CODECS: Final = frozenset(encoding.codec for encoding in WEB_ENCODINGS)
_SINGLE_BYTE_CODECS: Final = frozenset(e.codec for e in WEB_ENCODINGS if e.single_byte)
_UTF16_CODECS: Final = ("utf-16-le", "utf-16-be")
_DETECTABLE: Final = tuple(sorted(LEGACY_DEFAULTS))
_WESTERN = "cp1252"
_PRESCAN_BYTES = 4096
_DETECT_BYTES = 64 * 1024
# Share of NUL or C0 control bytes (not tab/newline/CR/FF/ESC) beyond which bytes are not text.
_BINARY_RATIO = 0.05
_TEXT_CONTROLS = frozenset(b"\t\n\r\x0c\x1b")
_BINARY_BYTES = bytes(b for b in range(0x20) if b not in _TEXT_CONTROLS)
_BINARY_SINGLES = tuple(bytes([b]) for b in _BINARY_BYTES)
_BINARY_CHARS = tuple(chr(b) for b in _BINARY_BYTES)
# ASCII markup in UTF-16: "<" then three printable ASCII characters, each with a NUL byte.
_UTF16_HEAD = re.compile(rb"<\x00(?:[\t\n\r\x20-\x7e]\x00){3}")
_UTF16BE_HEAD = re.compile(rb"\x00<(?:\x00[\t\n\r\x20-\x7e]){3}")
# Valid non-ASCII characters per bad sequence for bytes to be read as broken UTF-8: text in
# another encoding read as UTF-8 gives (nearly) no valid multi-byte character at all.
_UTF8_MAJORITY = 4
_BAD_UTF8 = re.compile("\ufffd+")


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
    """The Python codec for a charset label of the Encoding Standard, or None when the label is
    not one (also accepted: the codec names this module returns, and ``_`` spelt for ``-``)."""
    if not label:
        return None
    key = label.strip().strip("\"'").strip().lower()
    codec = _CODEC_BY_LABEL.get(key) or _CODEC_BY_LABEL.get(key.replace("_", "-"))
    if codec is None and key in _WEB_CODECS:
        return key
    return codec


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
    # Most pages hold no control byte at all: a memchr per control byte tells so at a fraction
    # of the cost of counting them.
    if all(body.find(byte, 0, size) < 0 for byte in _BINARY_SINGLES):
        return False
    sample = body[:size]
    # Counted in C (translate deletes them): a Python loop cost ~0.5 ms per 64 KiB page.
    controls = len(sample) - len(sample.translate(None, _BINARY_BYTES))
    return controls / len(sample) > _BINARY_RATIO


def _utf16_text(body: bytes, codec: str) -> str | None:
    """``body`` as UTF-16 text if it is that: it decodes, holds markup and few controls."""
    try:
        # A body cut at a size cap may end in half a code unit.
        text = body[: len(body) - len(body) % 2].decode(codec)
    except UnicodeDecodeError:
        return None
    sample = text[: _DETECT_BYTES // 2]
    if "<" not in sample:
        return None
    controls = sum(sample.count(char) for char in _BINARY_CHARS)
    return text if controls <= _BINARY_RATIO * len(sample) else None


def _utf16(body: bytes, header: str | None) -> Decoded | None:
    """A UTF-16 body without BOM: as the header declares it, or as its first bytes show."""
    if header in _UTF16_CODECS:
        text = _utf16_text(body, header)
        if text is not None:
            return Decoded(text, header, "header")
    for head, codec in ((_UTF16_HEAD, "utf-16-le"), (_UTF16BE_HEAD, "utf-16-be")):
        if head.match(body):
            text = _utf16_text(body, codec)
            if text is not None:
                return Decoded(text, codec, "sniffed")
    return None


def _try(body: bytes, encoding: str) -> str | None:
    try:
        return body.decode(encoding)
    except UnicodeDecodeError:
        return None


def _prefer_utf8(body: bytes, encoding: str, source: str) -> Decoded | None:
    """UTF-8 text when a single-byte declaration is contradicted by multi-byte UTF-8: valid, or
    valid but for a few bad sequences."""
    if encoding not in _SINGLE_BYTE_CODECS or body.isascii():
        return None
    text = _try(body, "utf-8")
    if text is not None:
        return Decoded(text, "utf-8", f"{source}-overruled")
    text = _mostly_utf8(body)
    return None if text is None else Decoded(text, "utf-8", f"{source}-overruled-replaced")


def _mostly_utf8(body: bytes) -> str | None:
    """UTF-8 text with replacement characters, when the bytes are UTF-8 but for a few bad
    sequences: the valid non-ASCII characters outnumber the runs of replaced bytes
    ``_UTF8_MAJORITY`` to one."""
    text = body.decode("utf-8", errors="replace")
    replaced = text.count("\ufffd")
    bad = len(_BAD_UTF8.findall(text)) - body.count("\ufffd".encode())
    valid = len(text) - len(text.encode("ascii", errors="ignore")) - replaced
    return text if valid >= _UTF8_MAJORITY * max(bad, 1) else None


def _candidates(body: bytes, header: str | None) -> list[tuple[str, str]]:
    candidates: list[tuple[str, str]] = []
    if header and header not in _UTF16_CODECS:
        candidates.append((header, "header"))
    match = _META_CHARSET.search(body[:_PRESCAN_BYTES])
    meta = normalise_charset(match.group(1).decode("ascii", "replace")) if match else None
    if meta:
        # A page saved as UTF-16 cannot declare itself in ASCII bytes; browsers ignore that.
        candidates.append(("utf-8" if meta in _UTF16_CODECS else meta, "meta"))
    return candidates


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
    header = normalise_charset(declared)
    utf16 = _utf16(body, header)
    if utf16 is not None:
        return utf16
    if _looks_binary(body):
        raise DecodeError("the bytes look binary (too many NUL or control bytes), not HTML")

    for encoding, source in _candidates(body, header):
        overruled = _prefer_utf8(body, encoding, source)
        if overruled is not None:
            return overruled
        text = _try(body, encoding)
        if text is not None:
            return Decoded(text, encoding, source)

    text = _try(body, "utf-8")
    if text is not None:
        return Decoded(text, "utf-8", "utf-8")
    text = _mostly_utf8(body)
    if text is not None:
        return Decoded(text, "utf-8", "utf-8-replaced")
    detected = _detect(body)
    if detected is not None:
        return Decoded(body.decode(detected, errors="replace"), detected, "detected")
    return Decoded(body.decode("utf-8", errors="replace"), "utf-8", "replacement")


def _detect(body: bytes) -> str | None:
    """The encoding charset-normalizer finds among the legacy defaults, windows-1252 winning
    where it reads the bytes as well as the pick."""
    # Imported here: few pages get this far, and every extraction worker would pay for its
    # import at start-up (some 10-15 ms), which a small crawl's handful of pages does not repay.
    import charset_normalizer

    matches = charset_normalizer.from_bytes(body[:_DETECT_BYTES], cp_isolation=list(_DETECTABLE))
    best = matches.best()
    if best is None or not best.encoding:
        return None
    encoding = codecs.lookup(best.encoding).name
    if encoding == _WESTERN or encoding not in _SINGLE_BYTE_CODECS:
        return encoding
    western = next((m for m in matches if _WESTERN in _codecs(m.could_be_from_charset)), None)
    return _WESTERN if western is not None and _as_good(western, best) else encoding


def _as_good(western: CharsetMatch, best: CharsetMatch) -> bool:
    """Whether windows-1252 reads the bytes as well as the detector's single-byte pick.

    It must read them as cleanly (no more mess), and as coherently or as a language written in
    windows-1252 when the pick is read as one too: the two then differ on letters the text
    barely holds (the detector picks among ties, or by a few points of coherence), and
    windows-1252 is the web's legacy default for Western text. A pick read as its own language
    (Turkish in windows-1254, Lithuanian in windows-1257) stands.
    """
    if western.chaos > best.chaos:
        return False
    if western.coherence >= best.coherence:
        return True
    return _western_language(western.language) and _western_language(best.language)


def _codecs(names: list[str]) -> set[str]:
    return {codecs.lookup(name).name for name in names}


def _western_language(language: str) -> bool:
    # charset-normalizer marks variants of a language's profile with trailing dashes.
    return language.rstrip("\u2014") in WINDOWS_1252_LANGUAGES
