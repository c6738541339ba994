"""Text normalisation for dedup: lower-case, punctuation-free, single-spaced lines as bytes.

Everything works on UTF-8 ``bytes`` because byte-level translate/split run in C, which is what
makes sketching 100k documents in seconds affordable.
"""

from __future__ import annotations

import hashlib
import unicodedata
import zlib
from collections.abc import Sequence
from string import punctuation

__all__ = ["line_keys", "normalise", "normalise_lines", "text_hash"]

# Non-ASCII punctuation folded to spaces before encoding; ASCII punctuation and the typographic
# apostrophes are deleted, so "don't", "don’t" and "dont" agree and "state-run" is one word.
UNICODE_PUNCTUATION = "“”‚„«»‹›—–‐‒―…·•′″¿¡、。，；：！？（）《》「」『』"
APOSTROPHES = "’‘"
# Control bytes other than the line break become spaces: the tokeniser splits on them.
_SPACES = bytes(32 if b < 32 and b != 10 else b for b in range(256))
_ASCII_PUNCTUATION = punctuation.encode("ascii")
_ASCII = bytes(range(128))
# A text whose UTF-8 form is at most an eighth longer than it is "mostly ASCII" (see _folded).
_MOSTLY_ASCII = 8
_strip = bytes.strip
_FOLDS = frozenset(APOSTROPHES + UNICODE_PUNCTUATION)


def normalise(text: str) -> bytes:
    """``text`` as NFKC, lower-case, punctuation-free lines joined by ``\\n``, single-spaced.

    Empty lines are dropped, so two texts that differ only in form give the same bytes.
    """
    return b"\n".join(_lines(text))


def normalise_lines(text: str) -> tuple[bytes, ...]:
    """The non-empty normalised lines of ``text`` (see :func:`normalise`)."""
    return tuple(_lines(text))


def _lines(text: str) -> list[bytes]:
    raw = _folded(text).translate(_SPACES, _ASCII_PUNCTUATION)
    lines = raw.split(b"\n")
    # Not ``b"  " in line``: bytes.__contains__ first tries its operand as an integer, and
    # raising and clearing that TypeError costs more than the search on a line.
    if raw.find(b"  ") >= 0:
        lines = [b" ".join(line.split()) if line.count(b"  ") else line for line in lines]
    # Mapped in C: most texts have blank lines or stray spaces, and a loop over their lines
    # in Python was the larger part of normalising them.
    return list(filter(None, map(_strip, lines)))


def _folded(text: str) -> bytes:
    """``text`` as NFKC, lower-case UTF-8, its non-ASCII punctuation folded (deleted or spaced)."""
    if text.isascii():
        return text.encode("ascii").lower()
    if not unicodedata.is_normalized("NFKC", text):
        text = _nfkc(text)
    raw = text.encode("utf-8", "replace")
    if len(raw) - len(text) <= len(text) // _MOSTLY_ASCII:
        # Mostly ASCII (say English with typographic quotes and dashes): its other characters
        # are picked out once, and when none of them has a lower case the bytes are lowered
        # as ASCII, which is what str.lower would do at several times the cost; only the
        # punctuation marks it holds are looked for.
        rare = raw.translate(None, _ASCII).decode("utf-8")
        if rare == rare.lower():
            if _FOLDS.isdisjoint(rare):
                return raw.lower()
            return _fold_punctuation(text, rare).encode("utf-8", "replace").lower()
    folded = text.lower()
    return _fold_punctuation(folded, folded).encode("utf-8", "replace")


def _fold_punctuation(text: str, present: str) -> str:
    """``text`` with the punctuation marks found in ``present`` deleted or spaced."""
    # Substring tests on str are fast; most texts hold only a few of these characters.
    for char in APOSTROPHES:
        if char in present:
            text = text.replace(char, "")
    for char in UNICODE_PUNCTUATION:
        if char in present:
            text = text.replace(char, " ")
    return text


def _nfkc(text: str) -> str:
    # NFKC never composes across a line break, so only the lines that change are normalised:
    # most texts hold one or two compatibility characters (a no-break space, an ellipsis).
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if not unicodedata.is_normalized("NFKC", line):
            lines[i] = unicodedata.normalize("NFKC", line)
    return "\n".join(lines)


def text_hash(normalised: bytes) -> str:
    """A stable digest of normalised text: equal for texts that differ only in form."""
    return hashlib.blake2b(normalised, digest_size=16).hexdigest()


def line_keys(lines: Sequence[bytes]) -> list[int]:
    """A stable 32-bit key per normalised line (for per-site line counts)."""
    return list(map(zlib.crc32, lines))
