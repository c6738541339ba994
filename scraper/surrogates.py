"""Lone UTF-16 surrogates, as a browser reads them: one U+FFFD each.

A JSON ``"\\ud800"`` escape with no partner (left by a producer that cut an emoji in half)
becomes a lone surrogate in a Python ``str``, which no UTF-8 encoder, SQLite or strict JSON
reader takes. Extraction (JSON-LD) and dedup (records, URLs) both meet them.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["has_surrogates", "without_surrogates"]

#: A UTF-16 surrogate code point; in a str it is a lone one, never half of a character.
_SURROGATE: Final = re.compile("[\ud800-\udfff]")


def has_surrogates(text: str) -> bool:
    """Whether ``text`` holds a lone surrogate (no UTF-8 encoder takes it)."""
    return not text.isascii() and _SURROGATE.search(text) is not None


def without_surrogates(text: str) -> str:
    """``text`` with each lone surrogate replaced by U+FFFD (a high-low pair joined)."""
    if text.isascii() or _SURROGATE.search(text) is None:
        return text
    # UTF-16 lets surrogates through one way and decodes each lone one to one U+FFFD.
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
