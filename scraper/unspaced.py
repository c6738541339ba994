"""Scripts written without spaces between words: Chinese, Japanese, Thai and their neighbours.

Repeat detection (``scraper.extract.repeats``) and near-duplicate detection
(``scraper.dedup``) count and shingle *words*, which in these scripts would be whole clauses
between punctuation marks: one edited character would then change a whole "word". Both split
runs of these characters into smaller units (single characters for repeats, overlapping
character pairs for dedup). Korean is written with spaces between words, so Hangul is not here.
This module holds the data both use: the code point ranges, as a regex character class, and
the UTF-8 lead bytes of those ranges, which rule most text out with a few C-level searches.
"""

from __future__ import annotations

from typing import Final

__all__ = ["UNSPACED_CLASS", "UNSPACED_RANGES", "may_hold_unspaced"]

#: (first, last) code points of scripts written without spaces between words.
UNSPACED_RANGES: Final = (
    (0x0E00, 0x0EFF),  # Thai, Lao
    (0x1000, 0x109F),  # Myanmar
    (0x1780, 0x17FF),  # Khmer
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x31F0, 0x31FF),  # Katakana phonetic extensions
    (0x3400, 0x4DBF),  # CJK unified ideographs, extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFF66, 0xFF9F),  # halfwidth Katakana
    (0x20000, 0x3134F),  # CJK unified ideographs, extensions B to G
)

#: The ranges as the inside of a regex character class (``"[" + UNSPACED_CLASS + "]"``).
UNSPACED_CLASS: Final = "".join(f"{chr(first)}-{chr(last)}" for first, last in UNSPACED_RANGES)


def _lead(code_point: int) -> int:
    return chr(code_point).encode("utf-8")[0]


# UTF-8 lead bytes grow with the code point, so a range's characters start with the bytes from
# its first character's lead to its last one's. Each is searched for on its own: bytes.find of
# one byte is a memchr, far cheaper per byte than a translation or a regex over the text.
_LEADS: Final = tuple(
    bytes([lead])
    for lead in sorted(
        {lead for first, last in UNSPACED_RANGES for lead in range(_lead(first), _lead(last) + 1)}
    )
)


def may_hold_unspaced(raw: bytes) -> bool:
    """Whether UTF-8 ``raw`` may hold characters of the ranges (False: it holds none)."""
    return any(raw.find(lead) >= 0 for lead in _LEADS)
