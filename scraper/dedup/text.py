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


def normalise(text: str) -> bytes:
    """``text`` as NFKC, lower-case, punctuation-free lines joined by ``\\n``, single-spaced.

    Empty lines are dropped, so two texts that differ only in form give the same bytes.
    """
    if text.isascii():
        raw = text.encode("ascii").lower()
    else:
        if not unicodedata.is_normalized("NFKC", text):
            text = _nfkc(text)
        folded = text.lower()
        # Substring tests on str are fast; most texts hold only a few of these characters.
        for char in APOSTROPHES:
            if char in folded:
                folded = folded.replace(char, "")
        for char in UNICODE_PUNCTUATION:
            if char in folded:
                folded = folded.replace(char, " ")
        raw = folded.encode("utf-8", "replace")
    raw = raw.translate(_SPACES, _ASCII_PUNCTUATION)
    if b"  " not in raw and b" \n" not in raw and b"\n " not in raw and b"\n\n" not in raw:
        return raw.strip()
    out = []
    for line in raw.split(b"\n"):
        line = b" ".join(line.split()) if b"  " in line else line.strip()
        if line:
            out.append(line)
    return b"\n".join(out)


def _nfkc(text: str) -> str:
    # NFKC never composes across a line break, so only the lines that change are normalised:
    # most texts hold one or two compatibility characters (a no-break space, an ellipsis).
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if not unicodedata.is_normalized("NFKC", line):
            lines[i] = unicodedata.normalize("NFKC", line)
    return "\n".join(lines)


def normalise_lines(text: str) -> tuple[bytes, ...]:
    """The non-empty normalised lines of ``text`` (see :func:`normalise`)."""
    joined = normalise(text)
    return tuple(joined.split(b"\n")) if joined else ()


def text_hash(normalised: bytes) -> str:
    """A stable digest of normalised text: equal for texts that differ only in form."""
    return hashlib.blake2b(normalised, digest_size=16).hexdigest()


def line_keys(lines: Sequence[bytes]) -> list[int]:
    """A stable 32-bit key per normalised line (for per-site line counts)."""
    return list(map(zlib.crc32, lines))
