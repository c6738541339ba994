"""Text normalisation for dedup: lines of lower-case words, their hashes, and content words.

Everything works on UTF-8 ``bytes`` words because byte-level translate/split run in C, which is
what makes pure-Python sketching of 100k documents affordable.
"""

from __future__ import annotations

import hashlib
import unicodedata
import zlib
from collections.abc import Sequence
from itertools import compress
from string import punctuation

__all__ = [
    "content_lines",
    "line_keys",
    "normalise_lines",
    "text_hash",
    "word_ids",
    "words_of",
]

# Non-ASCII punctuation folded to spaces before encoding; ASCII punctuation and the typographic
# apostrophes are deleted, so "don't", "don’t" and "dont" agree and "state-run" is one word.
UNICODE_PUNCTUATION = "“”‚„«»‹›—–‐‒―…·•′″¿¡、。，；：！？（）《》「」『』"
APOSTROPHES = "’‘"
_SPACES = bytes(32 if chr(b) in "\t\r\f\v" else b for b in range(256))
_ASCII_PUNCTUATION = punctuation.encode("ascii")


def normalise_lines(text: str) -> tuple[bytes, ...]:
    """The non-empty lines of ``text`` as NFKC, lower-case, punctuation-free, single-spaced."""
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    folded = text.lower()
    for char in APOSTROPHES:
        if char in folded:
            folded = folded.replace(char, "")
    for char in UNICODE_PUNCTUATION:
        if char in folded:
            folded = folded.replace(char, " ")
    raw = folded.encode("utf-8", "replace").translate(_SPACES, _ASCII_PUNCTUATION)
    out = []
    for line in raw.split(b"\n"):
        line = b" ".join(line.split()) if b"  " in line else line.strip()
        if line:
            out.append(line)
    return tuple(out)


def text_hash(lines: tuple[bytes, ...]) -> str:
    """A stable digest of normalised lines: equal for texts that differ only in form."""
    return hashlib.blake2b(b"\n".join(lines), digest_size=16).hexdigest()


def line_keys(lines: Sequence[bytes]) -> list[int]:
    """A stable 32-bit key per normalised line (for per-site line counts)."""
    return list(map(zlib.crc32, lines))


def words_of(lines: Sequence[bytes]) -> list[bytes]:
    """All words of ``lines`` in reading order."""
    return b" ".join(lines).split()


def content_lines(lines: Sequence[bytes], min_bytes: int) -> tuple[bytes, ...]:
    """Each line reduced to its words of at least ``min_bytes`` bytes (b"" when none is)."""
    keep = min_bytes.__le__
    return tuple(b" ".join(compress(ws, map(keep, map(len, ws)))) for ws in map(bytes.split, lines))


def word_ids(words: list[bytes]) -> list[int]:
    """A process-independent integer per word (its bytes read as one integer)."""
    return list(map(int.from_bytes, words))
