"""What bounds the work of reading an XML listing besides its bytes.

A feed or sitemap is read in the crawl process, and bytes alone do not bound what its tree
costs: ``<x/>`` is an element in four bytes (some 90 bytes of tree each), an attribute takes
five, and an entity declared in the document's DTD expands to as much markup as it is defined
to hold, again and again (expat's own guard allows a hundredfold). Listings need none of
that: real feeds and sitemaps declare no entities and carry a few attributes an element.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

__all__ = ["MAX_ELEMENT_ATTRIBUTES", "Attributes", "attributes", "declares_entities"]

#: Attributes one element may hold: expat builds them all before any count can be made (1.5
#: million of them, 17 MB, took 530 MB), and a real element has a handful.
MAX_ELEMENT_ATTRIBUTES: Final = 10_000

#: Every XML attribute is written ``name="value"`` or ``name='value'``.
_ATTRIBUTE_VALUE: Final = re.compile(rb"=[ \t\r\n]*[\"']")


def declares_entities(body: bytes) -> bool:
    """Whether the document declares entities of its own (in its DTD)."""
    return b"<!ENTITY" in body


@dataclass(frozen=True, slots=True)
class Attributes:
    """At least how many attributes a document's elements hold (an ``=`` before a quote, also
    in text, which only makes the counts larger): in all, and on its widest element."""

    total: int
    widest: int


def attributes(body: bytes) -> Attributes:
    """The document's attribute counts, from above."""
    equals = body.count(b"=")
    if equals <= MAX_ELEMENT_ATTRIBUTES:
        return Attributes(equals, equals)  # upper bounds, counted in C: the common case
    total = sum(1 for _ in _ATTRIBUTE_VALUE.finditer(body))
    # An attribute value holds no "<": an element's are among the "=" up to the next one.
    widest = max(piece.count(b"=") for piece in body.split(b"<"))
    return Attributes(total, widest)
