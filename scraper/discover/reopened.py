"""How many copies of formatting elements an HTML parser may make while it builds a page.

HTML's tree construction keeps a list of the formatting elements still open (``<b>``,
``<font>``, ``<em>``...) and, before each piece of text or inline element, opens again every one
a block closed ("reconstruct the active formatting elements"). A page that leaves N distinct
ones open and then has M blocks makes about N × M elements: 90 KB of ``<font class=cI>`` and
paragraphs made lexbor build 1.4 GB. Extraction runs under a memory cap in its workers; a
section page's links are read in the crawl process, which has none, so this tells which pages
must be read elsewhere.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["FORMATTING", "copies_bound"]

# --- data: the formatting elements HTML reopens -------------------------------------------------
#: The elements of the list of active formatting elements. ``a`` is left out: opening an
#: ``<a>`` closes the one before, so at most one is open at a time.
FORMATTING: Final = frozenset(
    {"b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong", "tt", "u"}
)
# ------------------------------------------------------------------------------------------------

#: A tag, start or end: the tokenizer starts one at every "<" followed by an ASCII letter (also
#: inside comments and scripts here, which only makes the bound larger).
_TAG: Final = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)")
_FORMATTING_START: Final = re.compile(
    r"<(?:" + "|".join(sorted(FORMATTING, key=len, reverse=True)) + r")(?=[\s/>])",
    re.IGNORECASE,
)


def copies_bound(text: str) -> int:
    """At least the number of formatting elements a parser copies to build ``text``, up to a
    factor of about two (each tag can be followed by a piece of text, both reopening).

    Every formatting start tag is counted as open from there on (end tags are not trusted to
    close it: one that is out of scope, inside a table cell, closes nothing), and every later
    tag as a reopening of all of them, plus one for an open ``<a>``.
    """
    tags = text.count("<")
    formatting = len(_FORMATTING_START.findall(text))
    if (formatting + 1) * tags <= _CHEAP_ENOUGH:
        return (formatting + 1) * tags  # nearly every page: no need to look in order
    total = opened = anchor = 0
    for match in _TAG.finditer(text):
        if not match.group(1):
            name = match.group(2).lower()
            if name in FORMATTING:
                opened += 1
            elif name == "a":
                anchor = 1
        total += opened + anchor
    return total


#: Below this, the cheap product bound (formatting start tags times tags) is answer enough.
_CHEAP_ENOUGH: Final = 1_000_000
