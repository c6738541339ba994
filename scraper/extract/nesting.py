"""Bounding how deep a page's elements nest, before it is parsed (``max_depth``).

For most start tags an HTML parser searches its stack of open elements (is a <p> open to
close?): a page whose elements nest N deep costs it about N² steps. lexbor builds a page of
20,000 nested <div>s in about a second and one of 200,000 in minutes, and nothing can stop it
once it has started; browsers bound the depth too (Chromium stops nesting at 512). A page whose
elements would nest deeper than ``max_depth`` is cut before the tag that would pass it: as
with ``max_html_chars``, its first part is read and its ``truncated`` says why.

The depth is followed without a parser, by HTML's own rules for which tags close which open
elements (:mod:`scraper.extract.elements`), looking a bounded way down the stack. Where the
rules are followed only in part, the depth found is the larger one, so a page can only be cut
too early, never parsed too deep. Only a page of more than ``SCAN_FROM`` tags is followed: a
smaller one cannot nest deep enough to cost the parser much, and the count of its '<' is all
the guard costs it.
"""

from __future__ import annotations

import re
from typing import Final

from scraper.extract.elements import (
    BUTTON_SCOPE,
    CLOSES_P,
    DEFAULT_SCOPE,
    END_SCOPE,
    FOREIGN_ROOTS,
    NOT_NESTED,
    POPS_TO,
    RAW_TEXT,
    SPECIAL,
    TOP_ONLY,
    VOID,
)

__all__ = ["SCAN_FROM", "deep_cut"]

#: Pages with at most this many '<' are not followed: at worst (every tag one more <div>
#: deep) lexbor builds them in about a tenth of a second (0.3 s on a slow machine), where
#: following them costs about 2 µs a tag: on the 15 largest shared pages (5,300-9,800 tags),
#: 60% of their extraction. Counting the '<' costs a page about 3% of its extraction.
SCAN_FROM: Final = 10_000
#: How far down the stack an element to close is looked for. Elements a tag closes lie near
#: the top; one further down is left open, which can only make the depth found larger.
_REACH: Final = 64
#: A comment's start, or a tag: its '/', name and rest.
_TAG: Final = re.compile(r"<(?:(!--)|(/?)([A-Za-z][^\s/>]*)([^>]*)>)")
#: The end of each raw-text element, searched for from its start: a regex that skipped the
#: text itself, lazily, cost more than a parse of the page.
_RAW_END: Final = {name: re.compile(rf"</{name}\s*>", re.IGNORECASE) for name in RAW_TEXT}
_P: Final = frozenset({"p"})
#: Start tags that may close open elements before they open.
_CLOSES_ANY: Final = CLOSES_P.union(POPS_TO, TOP_ONLY)


def deep_cut(text: str, max_depth: int, *, scan_from: int = SCAN_FROM) -> int | None:
    """Where to cut ``text`` so that its elements nest at most ``max_depth`` deep: the start
    of the tag that would pass it, or None when none does, or when the page has at most
    ``scan_from`` '<' and is not followed."""
    if text.count("<") <= max(scan_from, max_depth):
        return None
    stack: list[str] = []
    open_names: dict[str, int] = {}
    pos = 0
    while (match := _TAG.search(text, pos)) is not None:
        comment, slash, name, rest = match.groups()
        pos = match.end()
        if comment:
            pos = text.find("-->", pos)
            if pos < 0:
                return None  # the rest is a comment
            continue
        name = name.lower()
        if slash:
            if stack and stack[-1] == name:
                open_names[stack.pop()] -= 1  # most end tags end the element open last
            elif open_names.get(name):
                _end(stack, open_names, name)
            continue
        if name in RAW_TEXT:
            raw_end = _RAW_END[name].search(text, pos)
            if raw_end is None:
                return None  # the rest is its text
            pos = raw_end.end()
            continue
        if name in VOID or (name in NOT_NESTED and open_names.get(name)):
            continue
        if rest.endswith("/") and any(open_names.get(root) for root in FOREIGN_ROOTS):
            continue  # self-closed, as in XML
        if name in _CLOSES_ANY:
            _close_before(stack, open_names, name)
        stack.append(name)
        open_names[name] = open_names.get(name, 0) + 1
        if len(stack) > max_depth:
            return match.start()
    return None


def _close_before(stack: list[str], open_names: dict[str, int], name: str) -> None:
    """Close what the start tag ``name`` closes before it opens."""
    if name in CLOSES_P and open_names.get("p"):
        _pop_to(stack, open_names, _P, BUTTON_SCOPE)
    closes = POPS_TO.get(name)
    if closes is not None:
        _pop_to(stack, open_names, *closes)
    top_only = TOP_ONLY.get(name)
    if top_only is not None and stack and stack[-1] in top_only:
        open_names[stack.pop()] -= 1


def _end(stack: list[str], open_names: dict[str, int], name: str) -> None:
    if not open_names.get(name) or name in ("html", "head", "body"):
        return  # </body> and </html> close nothing: the page's content goes on
    if name == "form":
        # A form's end takes it off the stack, leaving what was opened inside it open.
        for depth in range(1, min(len(stack), _REACH) + 1):
            if stack[-depth] == "form":
                del stack[-depth]
                open_names["form"] -= 1
                return
    else:
        stop = END_SCOPE.get(name, DEFAULT_SCOPE if name in SPECIAL else SPECIAL)
        _pop_to(stack, open_names, frozenset((name,)), stop)


def _pop_to(
    stack: list[str], open_names: dict[str, int], names: frozenset[str], stop: frozenset[str]
) -> None:
    """Close the element of ``names`` open last, with those above it, when it lies within
    reach and no element of ``stop`` lies above it."""
    if not any(open_names.get(n) for n in names):
        return
    for depth in range(1, min(len(stack), _REACH) + 1):
        node = stack[-depth]
        if node in names:
            _pop(stack, open_names, depth)
            return
        if node in stop:
            return


def _pop(stack: list[str], open_names: dict[str, int], count: int) -> None:
    for _ in range(count):
        open_names[stack.pop()] -= 1
