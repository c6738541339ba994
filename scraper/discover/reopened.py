"""How much memory an HTML parser may spend copying formatting elements while it builds a page.

HTML's tree construction keeps a list of the formatting elements still open (``<b>``,
``<font>``, ``<em>``...) and, before each piece of text or inline element, opens again every one
a block closed ("reconstruct the active formatting elements"), each copy with all its
attributes. A page that leaves N distinct ones open and then has M blocks makes about N × M
elements: 90 KB of ``<font class=cI>`` and paragraphs made lexbor build 1.4 GB, and 84 KB of
``<font a0 ... a9>`` 3.6 GB. Extraction runs under a memory cap in its workers; a section page's
links are read in the crawl process, which has none, so this tells which pages must be read
elsewhere.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["FORMATTING", "UNREADABLE", "copy_bytes_bound"]

# --- data: the formatting elements HTML reopens, and what a copy of one costs lexbor -----------
#: The elements of the list of active formatting elements besides ``a``, of which at most one
#: is open at a time (opening an ``<a>`` closes the one before).
FORMATTING: Final = frozenset(
    {"b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong", "tt", "u"}
)
#: Bytes a copy costs at least, and each of its attributes, beside the bytes of its tag (twice
#: those: the name and value are copied, and kept with their lengths). Measured: some 365
#: bytes a copy of ``<font class=cN>``, 1.8 KB of one with eleven short attributes, 1.7 KB of
#: one with a 1.2 KB title.
_COPY_BYTES: Final = 320
_ATTRIBUTE_BYTES: Final = 160
_TAG_BYTE_FACTOR: Final = 2
# ------------------------------------------------------------------------------------------------

#: What :func:`copy_bytes_bound` answers for a page whose formatting tags it cannot read as the
#: tokenizer does: more than any page is allowed, so that it is read where memory is capped.
UNREADABLE: Final = 1 << 62
_SPACE = "\t\n\f\r "
#: A tag, start or end, named as the tokenizer names it (up to whitespace, "/" or ">"); the
#: tokenizer starts one at every "<" followed by an ASCII letter (also inside comments and
#: scripts here, which only makes the bound larger).
_TAG: Final = re.compile(rf"<(/?)([A-Za-z][^{_SPACE}/>]*)")
#: One attribute as the tokenizer reads it: a name (its first character may be "="), then
#: maybe "=" and a quoted or unquoted value. Atomic and possessive: no backtracking, however
#: the markup is written.
_ATTRIBUTE: Final = (
    rf"(?>[{_SPACE}/]*+[^{_SPACE}/>][^{_SPACE}/>=]*+"
    rf"(?>[{_SPACE}]*+=[{_SPACE}]*+(?>\"[^\"]*+\"|'[^']*+'|[^{_SPACE}>]*+))?)"
)
_ATTRIBUTES: Final = re.compile(_ATTRIBUTE)
#: A whole start tag: its name, its attributes, its end.
_START_TAG: Final = re.compile(rf"<[A-Za-z][^{_SPACE}/>]*+((?:{_ATTRIBUTE})*+)[{_SPACE}/]*+>")
_FORMATTING_OR_ANCHOR: Final = re.compile(
    r"<(?:" + "|".join(sorted({*FORMATTING, "a"}, key=len, reverse=True)) + rf")(?=[{_SPACE}/>])",
    re.IGNORECASE,
)


def copy_bytes_bound(text: str) -> int:
    """At least the bytes a parser spends on copies of formatting elements to build ``text``
    (up to about twice: each tag can be followed by a piece of text, both reopening), or
    :data:`UNREADABLE` when a formatting tag does not end as the tokenizer would end it.

    Every formatting start tag counts as open from there on (an end tag is not trusted to
    close it: one out of scope, inside a table cell, closes nothing), and every later tag as
    a reopening of all of them, plus the last ``<a>``.
    """
    tags = text.count("<")
    # Each formatting or <a> start tag weighed once, by where it starts.
    weights: dict[int, int] = {}
    formatting = widest_anchor = 0
    for match in _FORMATTING_OR_ANCHOR.finditer(text):
        weight = weights[match.start()] = _weight(text, match.start())
        if match.group().lower() == "<a":
            widest_anchor = max(widest_anchor, weight)
        else:
            formatting += weight
    if (formatting + widest_anchor) * tags <= _CHEAP_ENOUGH:
        # Nearly every page: no need to look in order.
        return (formatting + widest_anchor) * tags
    total = opened = anchor = 0
    for match in _TAG.finditer(text):
        if not match.group(1):
            name = match.group(2).lower()
            if name in FORMATTING or name == "a":
                at = match.start()
                # A tag at the very end of the text was not matched above.
                weight = weights[at] if at in weights else _weight(text, at)
                if name == "a":
                    anchor = weight
                else:
                    opened += weight
        total += opened + anchor
    return total


def _weight(text: str, at: int) -> int:
    """What a copy of the element whose start tag begins at ``at`` costs, at least."""
    tag = _START_TAG.match(text, at)
    if tag is None:
        return UNREADABLE  # cut short, or written otherwise than this reads: not guessed
    attributes = len(_ATTRIBUTES.findall(tag.group(1)))
    return _COPY_BYTES + _ATTRIBUTE_BYTES * attributes + _TAG_BYTE_FACTOR * (tag.end() - at)


#: Below this, the cheap bound (every formatting element's copy for every tag) is answer enough.
_CHEAP_ENOUGH: Final = 64 << 20
