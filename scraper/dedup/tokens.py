"""Batch tokenisation: the content words of many normalised texts, hashed at once with numpy.

The normalised texts (words split by single spaces, lines by ``\\n``) are joined into one
buffer; word boundaries, lengths, lines and documents come from a few vectorised passes over
its bytes, and each word is read as four little-endian 64-bit lanes of its first 32 bytes
(unaligned reads, masked to the word's length) and mixed into one hash. A word's id depends
only on its bytes, so it is the same in every process and every run: sketches built from ids
can be stored, and a stored body (kept as ids) can be sketched again.

Scripts written without spaces between words (Chinese, Japanese, Thai: see
``scraper.unspaced``) have no words to split on, only clauses between punctuation marks, so
each run of their characters is read as its overlapping character pairs: one edited character
changes two "words" of a run, as one edited word does in English. A pair is 6 bytes of UTF-8,
so it is a content word at the default length. Text without such characters is read exactly
as before (the same words and ids).

A word holding an ASCII digit ("3", "30" for "3-0", "78th") is a content word whatever its
length: numbers are what tell one day's market report or one match report from the next, and
a wire copy keeps them. Its id is taken into the numbers' range (``NUMBER_IDS`` and up), so
verification can pick a text's numbers out of its ids; other words keep their ids (one in
4096 falls in that range by chance and is read as a number).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from operator import add

import numpy as np
from numpy.typing import NDArray

from scraper.unspaced import UNSPACED_CLASS, may_hold_unspaced

__all__ = [
    "I64",
    "NUMBER_IDS",
    "U32",
    "U64",
    "Flags",
    "Keys",
    "Words",
    "constants",
    "flat_keys",
    "mix",
    "tokenise",
    "unspaced_pairs",
    "word_count",
]

U32 = NDArray[np.uint32]
U64 = NDArray[np.uint64]
I64 = NDArray[np.int64]
Flags = NDArray[np.bool_]
#: A text's 32-bit line keys: an ``array("I")`` as analysed, or as read from the store.
Keys = Sequence[int] | NDArray[np.uint32]


def constants(values: Sequence[int]) -> U64:
    """``values`` as a read-only uint64 array, for module-level tables nothing may change."""
    table = np.array(values, dtype=np.uint64)
    table.setflags(write=False)
    return table


def flat_keys(parts: Sequence[Keys], empty: int | None = None) -> I64:
    """The 32-bit keys of ``parts`` one after another; with ``empty``, that value in one slot
    for each part without keys."""
    # Through the buffer protocol (an array("I") is read as it is): np.fromiter packs keys one
    # by one at some hundreds of instructions each, and a batch has thousands of lines.
    arrays = [np.asarray(part, dtype=np.uint32) for part in parts]
    flat = np.concatenate(arrays).astype(np.int64) if arrays else np.zeros(0, dtype=np.int64)
    if empty is not None:
        sizes = [len(a) for a in arrays]
        if 0 in sizes:
            ends = np.cumsum(sizes).tolist()
            flat = np.insert(
                flat, [end for end, size in zip(ends, sizes, strict=True) if not size], empty
            )
    return flat


#: A run of characters of scripts written without spaces between words.
_UNSPACED_RUN = re.compile(f"[{UNSPACED_CLASS}]+")
# One character, to tell whether there is any: a search for a run tries a match at every
# character, one for a character of a class scans for it in a tight loop (a third of the cost).
_UNSPACED_CHAR = re.compile(f"[{UNSPACED_CLASS}]")
_ASCII = bytes(range(128))
_LANES = 4
_PAD = b"\0" * (8 * _LANES)
_SALTS = constants([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93])
# MASKS[n] keeps the low n bytes of a lane.
_MASKS = constants([(1 << (8 * n)) - 1 for n in range(9)])
#: Ids of words holding a digit are at least this (the top 12 bits set, 20 bits of hash left).
NUMBER_IDS = 0xFFF00000
#: Content words a line needs for its figures to count as numbers: datelines, timestamps and
#: photo counters ("Nov. 30, 2026 5:32 PM ET", "Photo 1 of 12") are shorter, and copies of one
#: wire story carry each site's own.
NUMBER_LINE_WORDS = 8


def mix(x: U64) -> U64:
    """A bijective 64-bit finaliser (splitmix64) over every value of ``x``."""
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


@dataclass(frozen=True, slots=True)
class Words:
    """The content words of a batch: their ids in reading order, and how many each line holds.

    Line slots number the lines of all documents in turn; document ``d`` owns the slots from
    ``line_start[d]`` (a document without text owns one empty slot). Only counts are kept per
    line (not a document and line number per word), which keeps a batch's words small.
    ``text_words`` counts every word of each document, content word or not.
    """

    ids: U32
    line_words: U32
    line_start: I64
    text_words: I64

    @property
    def lines(self) -> I64:
        """The line slot of each word."""
        counts = self.line_words.astype(np.int64)
        return np.repeat(np.arange(len(counts), dtype=np.int64), counts)

    @property
    def docs(self) -> I64:
        """The document of each word."""
        counts = self.line_words.astype(np.int64)
        per_doc = np.add.reduceat(counts, self.line_start) if len(self.line_start) else counts[:0]
        return np.repeat(np.arange(len(self.line_start), dtype=np.int64), per_doc)


def unspaced_pairs(text: bytes) -> bytes:
    """Normalised ``text`` with each run of unspaced-script characters written as its
    overlapping pairs, single-spaced: "xyz" becomes "xy yz" (a lone character stays)."""
    # Most texts are ASCII, and most others hold no lead byte of those scripts (Latin with
    # typographic quotes, Cyrillic): both are ruled out in C before anything is decoded.
    if text.isascii() or not may_hold_unspaced(text):
        return text
    # Those scripts have no ASCII character: only the others are decoded and looked at, which
    # for text with an emoji or two (a lead byte of theirs) is a few characters.
    others = text.translate(None, _ASCII).decode("utf-8", "surrogatepass")
    if _UNSPACED_CHAR.search(others) is None:
        return text
    decoded = text.decode("utf-8", "surrogatepass")
    paired = _UNSPACED_RUN.sub(_pairs, decoded)
    lines = (" ".join(filter(None, line.split(" "))) for line in paired.split("\n"))
    return "\n".join(lines).encode("utf-8", "surrogatepass")


def _pairs(run: re.Match[str]) -> str:
    chars = run.group()
    return f" {' '.join(map(add, chars, chars[1:])) if len(chars) > 1 else chars} "


def word_count(text: bytes) -> int:
    """How many words ``tokenise`` finds in a normalised text (content words or not)."""
    text = unspaced_pairs(text)
    # Normalised text has single spaces between words and no empty lines.
    return text.count(b" ") + text.count(b"\n") + 1 if text else 0


def tokenise(texts: Sequence[bytes], min_bytes: int) -> Words:
    """The words of at least ``min_bytes`` bytes or with a digit of each normalised text,
    with their ids (a word with a digit, on a line of at least ``NUMBER_LINE_WORDS`` content
    words, gets one in the numbers' range).

    Runs of unspaced-script characters are read as their pairs (see ``unspaced_pairs``).
    """
    texts = [unspaced_pairs(text) for text in texts]
    if not texts:
        empty = np.zeros(0, dtype=np.int64)
        return Words(np.zeros(0, dtype=np.uint32), np.zeros(0, dtype=np.uint32), empty, empty)
    buf = b"\n".join(texts)
    data = np.frombuffer(buf, dtype=np.uint8)
    # A word runs from just after one separator (a byte up to the space) to the next: one
    # candidate per separator and one more, empty between two separators. Everything else
    # is per candidate, not per byte (a few passes over the words instead of the text).
    seps = np.flatnonzero(data <= 32)
    starts = np.concatenate(([0], seps + 1))
    lengths = np.concatenate((seps, [len(data)])) - starts
    # A candidate's line slot: the line breaks before it.
    line = np.zeros(len(starts), dtype=np.int64)
    np.cumsum(data.take(seps) == 10, out=line[1:])
    slots = int(line[-1]) + 1
    # Each text owns the slots from its first line on (the texts are joined by line breaks):
    # the slot of the candidate its first byte starts (counting each text's line breaks
    # again cost a pass over every byte).
    first = np.zeros(len(texts), dtype=np.int64)
    np.cumsum([len(t) + 1 for t in texts[:-1]], dtype=np.int64, out=first[1:])
    opening = np.searchsorted(seps, first)  # each text's first candidate
    line_start = line.take(opening)
    # A text's words are its candidates less the empty ones, which are few: normalised text
    # is single-spaced, without blank lines.
    bounds = np.append(opening, len(starts))
    empty = np.searchsorted(np.flatnonzero(lengths == 0), bounds)
    text_words = np.diff(bounds) - np.diff(empty)
    # Candidates are picked by index (``take``), never by a boolean mask: numpy copies a
    # masked selection run by run, and words and separators alternate, so a mask over the
    # candidates cost ten times the index it stands for.
    # The candidate of a digit is the number of separators before it. (A uint8 difference
    # wraps, so only the bytes "0" to "9" come out under 10.)
    numeric = np.zeros(len(starts), dtype=np.bool_)
    numeric[np.searchsorted(seps, np.flatnonzero(data - np.uint8(48) < 10))] = True
    keep = np.flatnonzero((lengths >= max(1, min_bytes)) | numeric)
    kept_line = line.take(keep)
    line_words = np.bincount(kept_line, minlength=slots).astype(np.uint32)
    ids = _ids(buf, starts.take(keep), lengths.take(keep))
    # Only a sentence's figures are the story's: a dateline, a timestamp or a photo counter
    # differs from site to site on copies of one wire story.
    numbers = numeric.take(keep) & (line_words.take(kept_line) >= NUMBER_LINE_WORDS)
    ids[numbers] = (ids[numbers] & np.uint32(~NUMBER_IDS & 0xFFFFFFFF)) | np.uint32(NUMBER_IDS)
    return Words(ids, line_words, line_start, text_words)


def _ids(buf: bytes, starts: I64, lengths: I64) -> NDArray[np.uint32]:
    padded = buf + _PAD
    # Every byte offset read as a little-endian uint64 (unaligned, overlapping views).
    view = np.ndarray((len(padded) - 7,), dtype="<u8", buffer=padded, strides=(1,))
    acc = lengths.astype(np.uint64)
    acc += (view[starts] & _MASKS[np.minimum(lengths, 8)]) * _SALTS[0]
    reach = np.flatnonzero(lengths > 8)
    for lane in range(1, _LANES):
        # Only words that reach this lane add to it (the others would add zero); they are
        # picked among those that reached the lane before, a shrinking few.
        if lane > 1:
            reach = reach.take(np.flatnonzero(lengths.take(reach) > 8 * lane))
        if not len(reach):
            break
        at, left = starts.take(reach) + 8 * lane, np.minimum(lengths.take(reach) - 8 * lane, 8)
        acc[reach] += (view[at] & _MASKS[left]) * _SALTS[lane]
    return (mix(acc) >> np.uint64(32)).astype(np.uint32)
