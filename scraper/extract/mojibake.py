"""Repair of text that was UTF-8 decoded as Latin-1/cp1252 somewhere upstream ("â€™" for "’")."""

from __future__ import annotations

import re

__all__ = ["repair_mojibake"]

# UTF-8 lead byte read as Latin-1/cp1252 (Ã, Â, â, ð...) followed by a continuation byte.
_SUSPECT = re.compile(
    "[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013-\u2122]"
)


def repair_mojibake(text: str) -> str:
    """``text`` with double-decoded UTF-8 undone when that decodes cleanly; else unchanged."""
    if not _SUSPECT.search(text):
        return text
    for codec in ("cp1252", "latin-1"):
        try:
            return text.encode(codec).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
    return text
