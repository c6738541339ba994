"""Bounding how deep a page's elements nest, before it is parsed (``max_depth``).

For most start tags an HTML parser searches its stack of open elements (is a <p> open to
close?): a page whose elements nest N deep costs it about N² steps. lexbor builds a page of
20,000 nested <div>s in about a second and one of 200,000 in minutes, and nothing can stop it
once it has started; browsers bound the depth too (Chromium stops nesting at 512). A page whose
elements would nest deeper than ``max_depth`` is cut before the tag that would pass it: as
with ``max_html_chars``, its first part is read and its ``truncated`` says why.

The depth is followed without a parser, by HTML's own rules (:mod:`scraper.extract.elements`):
how a tag, a comment and raw text end (a '>' inside a quoted attribute value ends nothing),
which tags close which open elements, what a parser ignores (a <td> outside a table), what it
adds (a table's <tbody>, the formatting elements it reopens after a block closed them), and
SVG and MathML, whose elements are followed apart (named with a leading '^'). It looks a
bounded way down the stack; where the rules are followed only in part, the depth found is the
larger one, so a page can only be cut too early, never parsed too deep. Only a page of more
than ``SCAN_FROM`` tags is followed: a smaller one cannot nest deep enough to cost the parser
much, and the count of its '<' is all the guard costs it.
"""

from __future__ import annotations

import re
from typing import Final

from scraper.extract.elements import (
    BREAKOUT,
    BUTTON_SCOPE,
    CLOSES_P,
    DEFAULT_SCOPE,
    END_SCOPE,
    FOREIGN_ROOTS,
    FORMATTING,
    INTEGRATION,
    MARKERS,
    NOT_NESTED,
    POPS_TO,
    QUIET,
    RAW_TEXT,
    SPECIAL,
    TABLE_PARENTS,
    TOP_ONLY,
    VOID,
)

__all__ = ["SCAN_FROM", "deep_cut"]

#: Pages with at most this many '<' are not followed: at worst (every tag one more <div>
#: deep) lexbor builds them in about a tenth of a second (0.3 s on a slow machine), where
#: following them costs about 2 µs a tag: on the 15 largest shared pages (5,300-9,800 tags),
#: 60% of their extraction. Finding the '<' costs a page about 2% of its extraction.
SCAN_FROM: Final = 10_000
#: How far down the stack an element to close is looked for. Elements a tag closes lie near
#: the top; one further down is left open, which can only make the depth found larger.
_REACH: Final = 64
#: A comment's start; a tag: its '/', name, attributes (a quoted value may hold '>') and '/'
#: before its '>'; or the start of a bogus comment ('<!', '<?', '</' not before a letter).
_TAG: Final = re.compile(
    r"<(?:(!--)"
    r"|(/?)([A-Za-z][^\t\n\f\r />]*+)"
    r"((?:[\t\n\f\r ]*+(?:[^\t\n\f\r />][^\t\n\f\r />=]*+(?:[\t\n\f\r ]*+=[\t\n\f\r ]*+"
    r"(?:\"[^\"]*+\"|'[^']*+'|[^\t\n\f\r >\"'][^\t\n\f\r >]*+)?)?|/(?!>)))*+[\t\n\f\r ]*+)"
    r"(/?)>"
    r"|([!?/]))"
)
#: A comment's end, searched for from its '<!' on: '<!-->' and '<!--->' end where they start.
_COMMENT_END: Final = re.compile(r"--!?>")
#: The end tag of each raw-text element: its name, then a space, '/' or '>'.
_RAW_END: Final = {
    name: re.compile(rf"</{name}(?=[\t\n\f\r />])", re.IGNORECASE | re.ASCII) for name in RAW_TEXT
}
#: A <font> attribute that makes it end foreign content.
_FONT_BREAKOUT: Final = re.compile(r"(?i)(?:^|[\t\n\f\r /])(?:color|face|size)(?![^\t\n\f\r /=])")
_P: Final = frozenset({"p"})
#: Foreign elements, as followed: a leading '^' keeps them apart from HTML's of the same name.
_INTEGRATION: Final = frozenset("^" + name for name in INTEGRATION)
#: The integration points are in scope's and the special category's stops too.
_DEFAULT_SCOPE: Final = DEFAULT_SCOPE | _INTEGRATION
_BUTTON_SCOPE: Final = BUTTON_SCOPE | _INTEGRATION
_SPECIAL: Final = SPECIAL | _INTEGRATION
_END_SCOPE: Final = {name: scope | _INTEGRATION for name, scope in END_SCOPE.items()}
_POPS_TO: Final = {name: (names, stop | _INTEGRATION) for name, (names, stop) in POPS_TO.items()}
_TABLE_CONTEXT: Final = frozenset({"table", "template", *TABLE_PARENTS})

#: What each name asks of its tag, as bits (one lookup a tag).
_VOID: Final = 1
_RAW: Final = 2
_ONCE: Final = 4
_PART: Final = 8
_CLOSES: Final = 16
_FMT: Final = 32
_MARK: Final = 64
_CONTEXT: Final = 128
_QUIET: Final = 256
_BREAK: Final = 512
_ADOPT: Final = 1024
_PLAIN_POP: Final = _FMT | _MARK | _CONTEXT


def _rules() -> dict[str, int]:
    rules: dict[str, int] = {}
    for names, bit in (
        (VOID, _VOID),
        (RAW_TEXT, _RAW),
        (NOT_NESTED, _ONCE),
        (TABLE_PARENTS.keys(), _PART),
        (CLOSES_P.union(_POPS_TO, TOP_ONLY), _CLOSES),
        (FORMATTING, _FMT),
        (MARKERS, _MARK),
        (_TABLE_CONTEXT, _CONTEXT),
        (QUIET, _QUIET),
        (BREAKOUT, _BREAK),
        (("a", "nobr"), _ADOPT),
    ):
        for name in names:
            rules[name] = rules.get(name, 0) | bit
    return rules


_RULES: Final = _rules()


class _Tree:
    """The stack of open elements, as followed, and what goes with it: how many of each name
    are open, where the table context elements stand in the stack, the formatting elements
    closed by another tag (to reopen; None for a marker) and the attributes of those open
    (their keys, in stack order), as a parser keeps them."""

    def __init__(self) -> None:
        self.stack: list[str] = []
        self.open: dict[str, int] = {}
        self.tables: list[int] = []
        self.lost: list[tuple[str, str] | None] = []
        self.keys: list[str] = []

    def push(self, name: str, key: str) -> None:
        self.stack.append(name)
        self.open[name] = self.open.get(name, 0) + 1
        rule = _RULES.get(name, 0)
        if rule & _FMT:
            self.keys.append(key)
        elif rule & _MARK:
            self.lost.append(None)
        if rule & _CONTEXT:
            self.tables.append(len(self.stack) - 1)

    def pop(self, count: int, *, ended: bool = False) -> None:
        """Close the ``count`` elements open last; ``ended``: the lowest by its end tag."""
        stack, open_names = self.stack, self.open
        rest = len(stack) - count
        popped = stack[rest:]
        del stack[rest:]
        formatting = markers = 0
        first_marker = count
        for at, name in enumerate(popped):
            open_names[name] -= 1
            rule = _RULES.get(name, 0)
            if rule & _FMT:
                formatting += 1
            elif rule & _MARK:
                markers += 1
                first_marker = min(first_marker, at)
        tables = self.tables
        while tables and tables[-1] >= rest:
            tables.pop()
        keys: list[str] = []
        if formatting:
            keys = self.keys[-formatting:]
            del self.keys[-formatting:]
        if markers:
            # What was opened since the marker is not reopened once it is closed.
            lost = self.lost
            end = len(lost)
            while end > 0 and markers:
                end -= 1
                if lost[end] is None:
                    markers -= 1
            del lost[end:]
        if formatting:
            keys.reverse()
            for at, name in enumerate(popped[:first_marker]):
                if _RULES.get(name, 0) & _FMT:
                    key = keys.pop()
                    if at or not ended:
                        self._lose(name, key)

    def _lose(self, name: str, key: str) -> None:
        """Keep a formatting element to reopen: at most three alike (a parser's "Noah's Ark"
        clause; alike here is the same tag text, which a parser may find alike where this
        does not, reopening fewer)."""
        lost = self.lost
        start = len(lost)
        while start > 0 and lost[start - 1] is not None:
            start -= 1
        alike = [at for at in range(start, len(lost)) if lost[at] == (name, key)]
        if len(alike) >= 3:
            del lost[alike[0]]
        lost.append((name, key))

    def reopen(self) -> None:
        """Reopen the formatting elements closed since the last marker (text, or a start tag
        of most names, follows them)."""
        lost = self.lost
        start = len(lost)
        while start > 0 and lost[start - 1] is not None:
            start -= 1
        entries = lost[start:]
        del lost[start:]
        for entry in entries:
            if entry is not None:
                self.push(entry[0], entry[1])

    def forget(self, name: str) -> bool:
        """Drop a closed formatting element of ``name`` from those to reopen."""
        lost = self.lost
        for at in range(len(lost) - 1, -1, -1):
            entry = lost[at]
            if entry is None:
                return False
            if entry[0] == name:
                del lost[at]
                return True
        return False

    def remove(self, depth: int) -> None:
        """Take the element ``depth`` down the stack off it, leaving those above it open."""
        stack = self.stack
        at = len(stack) - depth
        name = stack[at]
        if _RULES.get(name, 0) & _FMT:
            above = sum(1 for node in stack[at + 1 :] if _RULES.get(node, 0) & _FMT)
            del self.keys[-(above + 1)]
        del stack[at]
        self.open[name] -= 1
        tables = self.tables
        for index in range(len(tables) - 1, -1, -1):
            if tables[index] < at:
                break
            tables[index] -= 1

    def pop_to(self, names: frozenset[str], stop: frozenset[str], *, ended: bool = False) -> bool:
        """Close the element of ``names`` open last, with those above it, when it lies within
        reach and no element of ``stop`` lies above it."""
        open_names = self.open
        if not any(open_names.get(name) for name in names):
            return False
        stack = self.stack
        for depth in range(1, min(len(stack), _REACH) + 1):
            node = stack[-depth]
            if node in names:
                self.pop(depth, ended=ended)
                return True
            if node in stop:
                return False
        return False

    def breakout(self) -> None:
        """Close the foreign elements open above the last HTML element or integration point."""
        stack = self.stack
        depth = 0
        while depth < len(stack) and stack[-depth - 1][0] == "^":
            if stack[-depth - 1] in _INTEGRATION:
                break
            depth += 1
        if depth:
            self.pop(depth)

    def start_part(self, name: str) -> bool:
        """Start a table part (a cell, row, section, caption or column group): close what is
        open inside its parent, add a missing <tbody> and <tr>. False where a parser ignores
        it: outside any table."""
        tables, stack = self.tables, self.stack
        parents = TABLE_PARENTS[name]
        while tables:
            node = stack[tables[-1]]
            if node in parents or node == "table":
                break
            if name in ("td", "th") and node in ("tbody", "thead", "tfoot"):
                break
            self.pop(len(stack) - tables[-1])
        else:
            return False
        if len(stack) - 1 > tables[-1]:
            self.pop(len(stack) - 1 - tables[-1])
        node = stack[-1]
        if node == "table" and name in ("td", "th", "tr"):
            self.push("tbody", "")
            node = "tbody"
        if node in ("tbody", "thead", "tfoot") and name in ("td", "th"):
            self.push("tr", "")
        return True

    def start_table(self) -> None:
        """A table started right in another (not in a cell or caption) ends it."""
        tables, stack = self.tables, self.stack
        for at in range(len(tables) - 1, -1, -1):
            node = stack[tables[at]]
            if node in ("td", "th", "caption", "template"):
                return
            if node == "table":
                self.pop(len(stack) - tables[at])
                return

    def end_part(self, name: str) -> None:
        """End a table, one of its parts or a template, as far as its table or template."""
        tables, stack = self.tables, self.stack
        if not self.open.get(name):
            return
        for at in range(len(tables) - 1, -1, -1):
            node = stack[tables[at]]
            if node == name:
                self.pop(len(stack) - tables[at], ended=True)
                return
            if name != "template" and node in ("table", "template"):
                return

    def start(self, name: str, rule: int) -> bool:
        """Close what the start tag ``name`` closes before it opens; True when that is all it
        does (a <select> in one ends it)."""
        open_names = self.open
        if name in CLOSES_P and open_names.get("p"):
            self.pop_to(_P, _BUTTON_SCOPE)
        closes = _POPS_TO.get(name)
        if closes is not None and self.pop_to(*closes) and name == "select":
            return True
        top_only = TOP_ONLY.get(name)
        if top_only is not None and self.stack and self.stack[-1] in top_only:
            self.pop(1)
        # A new link ends one still open (the adoption agency): the old one is taken off the
        # stack, what was opened inside it stays open.
        if rule & _ADOPT and not self.forget(name) and open_names.get(name):
            stack = self.stack
            for depth in range(1, min(len(stack), _REACH) + 1):
                node = stack[-depth]
                if node == name:
                    self.remove(depth)
                    break
                if node in MARKERS:
                    break
        return False

    def end(self, name: str, rule: int) -> None:
        """Close what the end tag ``name`` closes."""
        stack, open_names = self.stack, self.open
        if stack and stack[-1][0] == "^":
            # In foreign content an end tag closes the foreign element of its name, up to the
            # last HTML element; </p> and </br> end foreign content first.
            if name in ("p", "br"):
                self.breakout()
            else:
                foreign = "^" + name
                for depth in range(1, min(len(stack), _REACH) + 1):
                    node = stack[-depth]
                    if node == foreign:
                        self.pop(depth, ended=True)
                        return
                    if node[0] != "^":
                        break
        if rule & _CONTEXT:
            self.end_part(name)
        elif not open_names.get(name):
            if rule & _FMT:
                self.forget(name)
        elif name in ("html", "head", "body", "frameset"):
            if stack[-1] == name:
                self.pop(1)  # </body> and </html> close nothing else: the content goes on
        elif name == "form" and not open_names.get("template"):
            # A form's end takes it off the stack, leaving what was opened inside it open.
            for depth in range(1, min(len(stack), _REACH) + 1):
                if stack[-depth] == "form":
                    self.remove(depth)
                    return
        elif stack[-1] == name:
            self.pop(1, ended=True)
        else:
            stop = _END_SCOPE.get(name, _DEFAULT_SCOPE if name in SPECIAL else _SPECIAL)
            if not self.pop_to(frozenset((name,)), stop, ended=True) and rule & _FMT:
                self.forget(name)


def _more_than(text: str, char: str, limit: int) -> bool:
    """Whether ``text`` holds ``char`` more than ``limit`` times.

    Found one at a time: ``str.find`` jumps to the next with ``memchr`` (vectorised), where
    ``str.count`` compares every character in a loop (about five instructions each: 3.5% of
    extraction over the shared pages, 120k characters and 1,500 '<' a page on average,
    against 2.2% found one at a time), and the search stops at ``limit`` + 1.
    """
    at = text.find(char)
    found = 0
    while at >= 0:
        found += 1
        if found > limit:
            return True
        at = text.find(char, at + 1)
    return False


def deep_cut(text: str, max_depth: int, *, scan_from: int = SCAN_FROM) -> int | None:
    """Where to cut ``text`` so that its elements nest at most ``max_depth`` deep: the start
    of the tag that would pass it, or None when none does, or when the page has at most
    ``scan_from`` '<' and is not followed."""
    if not _more_than(text, "<", max(scan_from, max_depth)):
        return None
    tree = _Tree()
    stack, open_names, lost, keys = tree.stack, tree.open, tree.lost, tree.keys
    pos = 0
    while (match := _TAG.search(text, pos)) is not None:
        start = match.start()
        if lost and lost[-1] is not None and start > pos:
            tree.reopen()  # text reopens the formatting elements closed before it
            if len(stack) > max_depth:
                return start
        comment, slash, name, rest, closed, bogus = match.groups()
        pos = match.end()
        if comment:
            end = _COMMENT_END.search(text, start + 2)
            if end is None:
                return None  # the rest is a comment
            pos = end.end()
            continue
        if bogus:
            if bogus == "!" and text.startswith("[CDATA[", pos) and stack and stack[-1][0] == "^":
                end_at = text.find("]]>", pos)
                pos = end_at + 3
            else:
                end_at = text.find(">", pos)
                pos = end_at + 1
            if end_at < 0:
                return None  # the rest is text, or a comment
            continue
        name = name.lower() if name.isascii() else "?" + name  # no HTML name, whatever its case
        rule = _RULES.get(name, 0)
        if slash:
            if stack and stack[-1] == name and rule & _PLAIN_POP in (0, _FMT):
                stack.pop()  # most end tags end the element open last
                open_names[name] -= 1
                if rule & _FMT:
                    keys.pop()
            elif stack:
                tree.end(name, rule)
            continue
        if stack and stack[-1][0] == "^" and stack[-1] not in _INTEGRATION:
            if rule & _BREAK or (name == "font" and _FONT_BREAKOUT.search(rest)):
                tree.breakout()
            else:
                if not closed:  # self-closed, as in XML
                    tree.push("^" + name, "")
                    if len(stack) > max_depth:
                        return start
                continue
        if rule:
            if (
                rule & _ONCE
                and open_names.get(name)
                and (name != "form" or not open_names.get("template"))
            ):
                continue  # forms nest in a template only
            if rule & _PART:
                if not tree.start_part(name):
                    continue  # a table's part outside any table is ignored
            elif name == "table":
                tree.start_table()
            if (
                rule & _CLOSES or (rule & _ADOPT and (lost or open_names.get(name)))
            ) and tree.start(name, rule):
                continue  # a <select> in one ends it
            if lost and not rule & _QUIET:
                tree.reopen()
            if rule & _RAW:
                raw_end = _RAW_END[name].search(text, pos)
                if raw_end is None:
                    return None  # the rest is its text
                pos = raw_end.start()  # its end tag is read as any other
                continue
            if rule & _VOID:
                if len(stack) > max_depth:
                    return start
                continue
            if rule & _PLAIN_POP == _FMT:
                stack.append(name)
                open_names[name] = open_names.get(name, 0) + 1
                keys.append(name + rest)
            elif rule & _PLAIN_POP:
                tree.push(name, name + rest)
            else:
                stack.append(name)
                open_names[name] = open_names.get(name, 0) + 1
        else:
            if lost:
                tree.reopen()
            if name in FOREIGN_ROOTS:
                if not closed:
                    tree.push("^" + name, "")
            else:
                stack.append(name)
                open_names[name] = open_names.get(name, 0) + 1
        if len(stack) > max_depth:
            return start
    return None
