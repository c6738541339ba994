"""Lone UTF-16 surrogates, as a browser reads them: one U+FFFD each.

A JSON ``"\\ud800"`` escape with no partner (left by a producer that cut an emoji in half)
becomes a lone surrogate in a Python ``str``, which no UTF-8 encoder, SQLite or strict JSON
reader takes. Extraction (JSON-LD) and dedup (records, URLs) both meet them.
"""

from __future__ import annotations

import re
from typing import Any, Final

__all__ = ["has_surrogate_escapes", "has_surrogates", "without_surrogates", "without_surrogates_in"]

#: A UTF-16 surrogate code point; in a str it is a lone one, never half of a character.
_SURROGATE: Final = re.compile("[\ud800-\udfff]")
#: A JSON escape of a surrogate, paired or not: JSON text without one decodes to none.
_SURROGATE_ESCAPE: Final = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE_ESCAPE_BYTES: Final = re.compile(rb"\\u[dD][89a-fA-F]")


def has_surrogates(text: str) -> bool:
    """Whether ``text`` holds a lone surrogate (no UTF-8 encoder takes it)."""
    return not text.isascii() and _SURROGATE.search(text) is not None


def without_surrogates(text: str) -> str:
    """``text`` with each lone surrogate replaced by U+FFFD (a high-low pair joined)."""
    if text.isascii() or _SURROGATE.search(text) is None:
        return text
    # UTF-16 lets surrogates through one way and decodes each lone one to one U+FFFD.
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def has_surrogate_escapes(json_text: str | bytes) -> bool:
    """Whether the JSON text ``json_text`` may decode to a lone surrogate (it escapes one)."""
    if isinstance(json_text, bytes):
        return b"\\u" in json_text and _SURROGATE_ESCAPE_BYTES.search(json_text) is not None
    return "\\u" in json_text and _SURROGATE_ESCAPE.search(json_text) is not None


def without_surrogates_in(value: Any) -> Any:
    """A decoded JSON ``value`` with every string's lone surrogates replaced (keys too)."""
    if isinstance(value, str):
        return without_surrogates(value)
    if isinstance(value, list):
        return [without_surrogates_in(item) for item in value]
    if isinstance(value, dict):
        return {without_surrogates(k): without_surrogates_in(v) for k, v in value.items()}
    return value
