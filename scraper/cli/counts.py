"""How a count reads in a command's messages: "1 article", "2 articles"."""

from __future__ import annotations

__all__ = ["counted"]


def counted(n: int, singular: str, plural: str | None = None) -> str:
    """``n`` and the noun in the number it takes (``plural``: when not ``singular`` + "s")."""
    return f"{n:,} {singular if n == 1 else plural or singular + 's'}"
