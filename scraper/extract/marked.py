"""The page's date-ish and byline-ish elements, listed as two CSS queries would list them.

The dates' and the bylines' page-wide queries (DATE_SELECTOR, AUTHOR_SELECTOR) cost mostly
lexbor scanning class values once per word. One combined query (MARKED_SELECTOR) does both scans
at once, and Python makes up what it cannot tell: how often each query lists an element, one
copy per selector that selects it, which the fallbacks' node limits count.
"""

from __future__ import annotations

from dataclasses import dataclass

from selectolax.lexbor import LexborHTMLParser, LexborNode

from scraper.extract.metadata_patterns import (
    AUTHOR_CLASS_WORDS,
    AUTHOR_CLASS_WORDS_ANY_CASE,
    AUTHOR_LINK,
    AUTHOR_SELECTOR,
    DATE_CLASS_WORDS,
    DATE_CLASS_WORDS_ANY_CASE,
    MARKED_DATE_SELECTOR,
    MARKED_SELECTOR,
)

__all__ = ["MarkedElements"]


def _selects(node: LexborNode, selector: str) -> bool:
    """Whether ``selector`` selects ``node`` itself (lexbor lists a node before its descendants)."""
    first = node.css_first(selector)
    return first is not None and first.mem_id == node.mem_id


def _words_in(value: str, words: tuple[str, ...]) -> int:
    count = 0
    for word in words:
        if word in value:
            count += 1
    return count


@dataclass(frozen=True, slots=True)
class _Marks:
    """Which selectors of DATE_SELECTOR and AUTHOR_SELECTOR select one element.

    All but the author-link sibling's, which no attribute of the element tells.
    """

    date_words: int
    author_words: int
    time: bool
    date_property: bool
    date_itemprop: bool
    author_itemprop: bool
    date_id: bool
    author_id: bool
    author_rel: bool
    author_link: bool

    def dates(self) -> int:
        return self.date_words + self.time + self.date_property + self.date_itemprop + self.date_id

    def authors(self) -> int:
        return (
            self.author_words
            + self.author_itemprop
            + self.author_id
            + self.author_rel
            + self.author_link
        )

    def listed(self, with_authors: bool) -> int:
        """How often MARKED_SELECTOR (MARKED_DATE_SELECTOR without the bylines) lists it."""
        if not with_authors:
            return self.dates() - self.date_words + (self.date_words > 0)
        return (
            self.time
            + self.date_property
            + self.author_rel
            + self.author_link
            + (self.date_itemprop or self.author_itemprop)
            + (self.date_id or self.author_id)
            + (self.date_words > 0 or self.author_words > 0)
        )


def _rel_author(node: LexborNode, rel: str | None) -> bool:
    if rel is None or rel.lower() != "author":
        return False
    # Case-insensitive on HTML elements only, which Python cannot tell apart.
    return rel == "author" or _selects(node, "[rel='author']")


def _author_link(node: LexborNode, attrs: dict[str, str | None]) -> bool:
    if node.tag != "a":
        return False
    # An SVG link's xlink:href is an href to lexbor.
    if "xlink:href" in attrs:
        return _selects(node, AUTHOR_LINK)
    return "/author" in (attrs.get("href") or "")


def _marks_of(node: LexborNode) -> _Marks:
    attrs = node.attributes
    classes = attrs.get("class") or ""
    lowered = classes.lower()
    itemprop = attrs.get("itemprop") or ""
    ident = attrs.get("id") or ""
    return _Marks(
        date_words=_words_in(lowered, DATE_CLASS_WORDS_ANY_CASE)
        + _words_in(classes, DATE_CLASS_WORDS),
        author_words=_words_in(lowered, AUTHOR_CLASS_WORDS_ANY_CASE)
        + _words_in(classes, AUTHOR_CLASS_WORDS),
        time=node.tag == "time",
        date_property="date" in (attrs.get("property") or "").lower(),
        date_itemprop=itemprop.startswith("date"),
        author_itemprop=itemprop == "author",
        date_id="date" in ident,
        author_id="author" in ident,
        author_rel=_rel_author(node, attrs.get("rel")),
        author_link=_author_link(node, attrs),
    )


def _split_marked(
    found: list[LexborNode], with_authors: bool
) -> tuple[list[LexborNode], list[LexborNode]]:
    """The date and byline lists of a MARKED_SELECTOR (or MARKED_DATE_SELECTOR) answer."""
    dates: list[LexborNode] = []
    authors: list[LexborNode] = []
    index = 0
    while index < len(found):
        node = found[index]
        # The copies of one element come one after the other.
        copies = 1
        while index + copies < len(found) and found[index + copies].mem_id == node.mem_id:
            copies += 1
        index += copies
        marks = _marks_of(node)
        # What the tested selectors leave of the copies is the author-link sibling's.
        after_link = copies - marks.listed(with_authors)
        dates.extend([node] * (marks.dates() + after_link))
        if with_authors:
            authors.extend([node] * marks.authors())
    return dates, authors


class MarkedElements:
    """What ``tree.css(DATE_SELECTOR)`` and ``tree.css(AUTHOR_SELECTOR)`` return, on first use.

    Page order, and an element once per selector that selects it. Most of both queries' cost
    is lexbor scanning a class value once per word: the dates' query tests all class words in
    one selector that elements without a class skip, and reads the bylines along when they may
    be wanted (their class words shared). Python makes up the count of each element's copies,
    for the few selected.
    """

    __slots__ = ("_authors", "_bylines", "_dates", "_tree")

    def __init__(self, tree: LexborHTMLParser, *, bylines: bool = True) -> None:
        """``bylines``: whether the byline list may be asked for. Only then does the dates'
        query read the bylines along: alone it costs about a fifth less.
        """
        self._tree = tree
        self._bylines = bylines
        self._dates: list[LexborNode] | None = None
        self._authors: list[LexborNode] | None = None

    @property
    def dates(self) -> list[LexborNode]:
        """The elements of DATE_SELECTOR."""
        if self._dates is None:
            with_authors = self._bylines and self._authors is None
            found = self._tree.css(MARKED_SELECTOR if with_authors else MARKED_DATE_SELECTOR)
            self._dates, authors = _split_marked(found, with_authors)
            if with_authors:
                self._authors = authors
        return self._dates

    @property
    def dates_read(self) -> list[LexborNode] | None:
        """The elements of DATE_SELECTOR if a search has listed them already, else None (no
        query made for it)."""
        return self._dates

    @property
    def authors(self) -> list[LexborNode]:
        """The elements of AUTHOR_SELECTOR."""
        if self._authors is None:
            self._authors = self._tree.css(AUTHOR_SELECTOR)
        return self._authors
