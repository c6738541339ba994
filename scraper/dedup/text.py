"""Text normalisation for dedup: lower-case, punctuation-free, single-spaced lines as bytes.

Everything works on UTF-8 ``bytes`` because byte-level translate/split run in C, which is what
makes sketching 100k documents in seconds affordable.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zlib
from collections.abc import Sequence
from string import punctuation

import numpy as np

from scraper.errors import InputError

__all__ = ["NFKC_STABLE", "line_keys", "normalise", "normalise_lines", "text_hash"]

# Non-ASCII punctuation folded to spaces before encoding; ASCII punctuation and the typographic
# apostrophes are deleted, so "don't", "don’t" and "dont" agree and "state-run" is one word.
UNICODE_PUNCTUATION = "“”‚„«»‹›—–‐‒―…·•′″¿¡、。，；：！？（）《》「」『』"
APOSTROPHES = "’‘"
# Control bytes other than the line break become spaces (the tokeniser splits on them), and
# ASCII capitals lower-case: all that bytes.lower() does, in the pass that drops punctuation.
_SPACES = bytes(32 if b < 32 and b != 10 else b for b in range(256)).translate(
    bytes(range(256)).lower()
)
_ASCII_PUNCTUATION = punctuation.encode("ascii")
# A text whose UTF-8 form is at most an eighth longer than it is "mostly ASCII" (see _folded).
_MOSTLY_ASCII = 8
_strip = bytes.strip
# Two or more spaces, written as two then any more: the engine then scans for the two-space
# prefix and tries a match only where a run starts ("  +" tried one at every space).
_SPACE_RUN = re.compile(b"   *")
_FOLDS = frozenset(APOSTROPHES + UNICODE_PUNCTUATION)
# Each mark, its UTF-8 form and what that becomes. UTF-8 is self-synchronising: the form of a
# whole character is found in the bytes only where that character is, so folding the bytes
# gives what folding the text and encoding it gives, without the text's encoding.
_FOLDED_UTF8 = tuple(
    (char, char.encode("utf-8"), b"" if char in APOSTROPHES else b" ")
    for char in APOSTROPHES + UNICODE_PUNCTUATION
)
# Most of them (quotes, dashes, the ellipsis) are General Punctuation, U+2000 to U+203F: the
# bytes E2 80 and one more, which tells them apart.
_GENERAL = b"\xe2\x80"
_GENERAL_MARKS = frozenset(char for char, code, _ in _FOLDED_UTF8 if code.startswith(_GENERAL))
_GENERAL_INTO = {code[2]: into for _, code, into in _FOLDED_UTF8 if code.startswith(_GENERAL)}
_OTHER_FOLDS = tuple(fold for fold in _FOLDED_UTF8 if not fold[1].startswith(_GENERAL))
# Blocks of characters common in news text (Latin, Greek, Cyrillic, punctuation, currency,
# symbols, arrows, dingbats, variation selectors, emoji) in which no character is the second
# of a canonical composition (NFKC's quick check says "maybe" of those).
_STABLE_BLOCKS = (
    (0x80, 0x300),
    (0x370, 0x530),
    (0x2000, 0x20D0),
    (0x2100, 0x2800),
    (0xFE00, 0xFE10),
    (0x1F000, 0x1FB00),
)
#: Characters that NFKC leaves as they are whatever surrounds them (quick check "yes",
#: canonical combining class 0): a text of these and ASCII is NFKC.
NFKC_STABLE = frozenset(
    char
    for first, end in _STABLE_BLOCKS
    for char in map(chr, range(first, end))
    if not unicodedata.combining(char) and unicodedata.is_normalized("NFKC", char)
)


def normalise(text: str | bytes) -> bytes:
    """``text`` as NFKC, lower-case, punctuation-free lines joined by ``\\n``, single-spaced.

    Empty lines are dropped, so two texts that differ only in form give the same bytes.
    ``text`` may be given as its UTF-8 form (encoded with ``surrogatepass``, as the crawl's
    workers send it): the same bytes come out.
    """
    return b"\n".join(_lines(text))


def normalise_lines(text: str | bytes) -> tuple[bytes, ...]:
    """The non-empty normalised lines of ``text`` (see :func:`normalise`)."""
    return tuple(_lines(text))


def _lines(text: str | bytes) -> list[bytes]:
    # Lower-cased here for ASCII (see _SPACES): _folded leaves the ASCII capitals as they are.
    raw = _folded(text).translate(_SPACES, _ASCII_PUNCTUATION)
    # Spaces and line breaks are its only whitespace now: runs of spaces are collapsed over
    # the whole text in one pass, not line by line in Python. Not ``b"  " in raw``:
    # bytes.__contains__ first tries its operand as an integer, and raising and clearing
    # that TypeError costs more than the search.
    if raw.find(b"  ") >= 0:
        raw = _SPACE_RUN.sub(b" ", raw)
    # Mapped in C: most texts have blank lines or stray spaces, and a loop over their lines
    # in Python was the larger part of normalising them.
    return list(filter(None, map(_strip, raw.split(b"\n"))))


def _folded(text: str | bytes) -> bytes:
    """``text`` as NFKC, lower-case UTF-8 (but for ASCII capitals, which ``_lines`` lowers),
    its non-ASCII punctuation folded (deleted or spaced)."""
    if isinstance(text, bytes):
        return _folded_utf8(text)
    if text.isascii():
        return text.encode("ascii")
    return _folded_encoded(text, text.encode("utf-8", "replace"))


def _folded_utf8(raw: bytes) -> bytes:
    """``_folded`` of a text given as UTF-8 (``surrogatepass``), not encoded a second time."""
    if raw.isascii():
        return raw
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        try:
            # A lone surrogate, which the text's own encoding (errors="replace") makes a "?".
            return _folded(raw.decode("utf-8", "surrogatepass"))
        except UnicodeDecodeError as exc:
            # The caller's bytes (a Document's text) in another charset: decode them first.
            raise InputError(f"a document's text given as bytes is not UTF-8 ({exc})") from exc
    # Strict UTF-8 decodes to a text without surrogates, which encodes to these very bytes.
    return _folded_encoded(text, raw)


def _folded_encoded(text: str, raw: bytes) -> bytes:
    """``_folded`` of a text that is not ASCII, given with its UTF-8 form."""
    if len(raw) - len(text) <= len(text) // _MOSTLY_ASCII:
        # Mostly ASCII (say English with typographic quotes and dashes): its other characters
        # are picked out once. When NFKC leaves every one of them as it is (see NFKC_STABLE),
        # the text is NFKC already, which the quick check over the whole text would find at
        # a cost per character; otherwise only the lines holding the others are looked at.
        rare = _non_ascii(raw).decode("utf-8")
        if not NFKC_STABLE.issuperset(rare):
            normal = _nfkc(text, set(rare).difference(NFKC_STABLE))
            if normal != text:
                return _folded_other(normal)
        return _folded_mostly_ascii(text, raw, rare)
    return _folded_other(text if unicodedata.is_normalized("NFKC", text) else _nfkc(text, None))


def _folded_mostly_ascii(text: str, raw: bytes, rare: str) -> bytes:
    """``_folded`` of an NFKC text that is mostly ASCII, its UTF-8 form and other characters."""
    if rare == rare.lower():
        # None of the other characters has a lower case, so the bytes are lowered as ASCII
        # (by _lines), which is what str.lower would do at several times the cost; only the
        # punctuation marks it holds are looked for.
        if _FOLDS.isdisjoint(rare):
            return raw
        return _fold_punctuation(raw, rare)
    folded = text.lower()
    return _fold_punctuation(folded.encode("utf-8", "replace"), folded)


def _folded_other(text: str) -> bytes:
    """``_folded`` of an NFKC text that is not ASCII."""
    raw = text.encode("utf-8", "replace")
    if len(raw) - len(text) <= len(text) // _MOSTLY_ASCII:
        return _folded_mostly_ascii(text, raw, _non_ascii(raw).decode("utf-8"))
    folded = text.lower()
    return _fold_punctuation(folded.encode("utf-8", "replace"), folded)


def _non_ascii(raw: bytes) -> bytes:
    """The bytes of ``raw`` that are not ASCII, in order (whole characters, for UTF-8)."""
    # A masked copy: bytes.translate deleting the 128 ASCII bytes took twice the instructions
    # (it looks each byte up in a table and branches on it).
    data = np.frombuffer(raw, dtype=np.uint8)
    return data[data >= 0x80].tobytes()


def _fold_punctuation(raw: bytes, present: str) -> bytes:
    """UTF-8 ``raw`` with the punctuation marks found in ``present`` deleted or spaced."""
    # Folded in the bytes (see _FOLDED_UTF8): str.replace rescans a text it deletes from for
    # its widest character, and the text then had to be encoded. The General Punctuation
    # marks go in one split at their common lead bytes and a look at the byte after each
    # (a text holds a few dozen), not a replace, two scans of the text, for each mark present.
    if not _GENERAL_MARKS.isdisjoint(present):
        pieces = raw.split(_GENERAL)
        for number in range(1, len(pieces)):
            piece = pieces[number]
            into = _GENERAL_INTO.get(piece[0]) if piece else None
            pieces[number] = _GENERAL + piece if into is None else into + piece[1:]
        raw = b"".join(pieces)
    # Substring tests on str are fast; most texts hold only a few of these characters.
    for char, code, into in _OTHER_FOLDS:
        if char in present:
            raw = raw.replace(code, into)
    return raw


def _nfkc(text: str, suspects: set[str] | None) -> str:
    """``text`` as NFKC; when ``suspects`` are given, the other characters are NFKC_STABLE."""
    # NFKC never composes across a line break, so only the lines that change are normalised:
    # most texts hold one or two compatibility characters (a no-break space, an ellipsis).
    if suspects is not None:
        return _nfkc_lines(text, _lines_holding(text, suspects))
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if not unicodedata.is_normalized("NFKC", line):
            lines[i] = unicodedata.normalize("NFKC", line)
    return "\n".join(lines)


def _lines_holding(text: str, chars: set[str]) -> list[tuple[int, int]]:
    """The (start, end) offsets of the lines of ``text`` that hold one of ``chars``, in order."""
    found: set[tuple[int, int]] = set()
    for char in chars:
        at = text.find(char)
        while at >= 0:
            end = text.find("\n", at)
            end = len(text) if end < 0 else end
            found.add((text.rfind("\n", 0, at) + 1, end))
            at = text.find(char, end)
    return sorted(found)


def _nfkc_lines(text: str, lines: list[tuple[int, int]]) -> str:
    """``text`` with the lines at ``lines`` (offsets, in order) brought to NFKC."""
    parts: list[str] = []
    done = 0
    for start, end in lines:
        line = text[start:end]
        if not unicodedata.is_normalized("NFKC", line):
            parts += (text[done:start], unicodedata.normalize("NFKC", line))
            done = end
    return "".join([*parts, text[done:]]) if parts else text


def text_hash(normalised: bytes) -> str:
    """A stable digest of normalised text: equal for texts that differ only in form."""
    return hashlib.blake2b(normalised, digest_size=16).hexdigest()


def line_keys(lines: Sequence[bytes]) -> list[int]:
    """A stable 32-bit key per normalised line (for per-site line counts)."""
    return list(map(zlib.crc32, lines))
