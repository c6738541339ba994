"""Authors and dates as the page shows them: bylines, ``<time>``, itemprop, date-classed elements.

The fallbacks of the metadata cascade when structured data is silent. Each runs one CSS query
(lexbor walks the tree in C) and then looks at a bounded number of matches.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import islice

from selectolax.lexbor import LexborHTMLParser, LexborNode

from scraper.extract.authors import byline_in_text, clean_authors
from scraper.extract.chrome import HIDDEN_STYLE_MARKERS
from scraper.extract.dates import parse_date, parse_date_text
from scraper.extract.metadata_patterns import (
    AUTHOR_CLASS_WORDS,
    AUTHOR_CLASS_WORDS_ANY_CASE,
    AUTHOR_LINK,
    AUTHOR_SELECTOR,
    DATE_CLASS_WORDS,
    DATE_CLASS_WORDS_ANY_CASE,
    HIDDEN_CLASSES,
    MARKED_DATE_SELECTOR,
    MARKED_SELECTOR,
    PUBLISHED_WORDS,
    UPDATE_WORDS,
)

__all__ = [
    "Dateline",
    "HeadlineArea",
    "MarkedElements",
    "ShownDates",
    "authors_from_html",
    "date_near_headline",
    "dates_from_html",
    "day_first",
    "shown_headline",
]

_MAX_NODES = 100
_MAX_BYLINE_CHARS = 120
_MAX_DATE_CHARS = 160
_ANCESTOR_DEPTH = 6
# Class words of author-ish elements that hold something else than the byline ("authority",
# "authorization" contain "author").
_NOT_BYLINE = (
    "comment",
    "avatar",
    "bio",
    "description",
    "img",
    "image",
    "photo",
    "social",
    "authorit",
    "authoriz",
    "authoris",
    "menu",
    "nav",
)
_DATE_ATTRS = ("datetime", "content", "data-datetime", "data-date", "data-published", "title")
_MODIFIED_WORDS = ("modif", "updat", "edited")
# Class words that contain "date" or "meta" without being about dates ("validate").
_NOT_DATE = ("comment", "valid", "candidate", "metabox", "form")
_MONTH_DAY_LANGS = ("en", "en-us")
_SKIP_TAGS = frozenset({"-comment", "script", "style", "noscript", "template", "svg", "img"})
_AREA_LEVELS = 3
_AREA_AFTER = 4
_AREA_BEFORE = 2
_MAX_AREA_CHARS = 200
_MAX_LINE_DATES = 5
# Headings inside links and links inside headings (the same elements as "a h2, ..., h6 a" with
# one selector per heading level, which costs lexbor twice the work).
_SECTION_HEADINGS = "a :is(h2, h3, h4, h5, h6), :is(h2, h3, h4, h5, h6) a"


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
    one selector that elements without a class skip, and reads the bylines along (their class
    words shared). Python makes up the count of each element's copies, for the few selected.
    """

    __slots__ = ("_authors", "_dates", "_tree")

    def __init__(self, tree: LexborHTMLParser) -> None:
        self._tree = tree
        self._dates: list[LexborNode] | None = None
        self._authors: list[LexborNode] | None = None

    @property
    def dates(self) -> list[LexborNode]:
        """The elements of DATE_SELECTOR."""
        if self._dates is None:
            with_authors = self._authors is None
            found = self._tree.css(MARKED_SELECTOR if with_authors else MARKED_DATE_SELECTOR)
            self._dates, authors = _split_marked(found, with_authors)
            if with_authors:
                self._authors = authors
        return self._dates

    @property
    def authors(self) -> list[LexborNode]:
        """The elements of AUTHOR_SELECTOR."""
        if self._authors is None:
            self._authors = self._tree.css(AUTHOR_SELECTOR)
        return self._authors


def _marks(node: LexborNode) -> str:
    attrs = node.attributes
    return f"{attrs.get('class') or ''} {attrs.get('id') or ''}".lower()


def _in_comments(node: LexborNode) -> bool:
    current = node.parent
    for _ in range(_ANCESTOR_DEPTH):
        if current is None:
            return False
        if "comment" in _marks(current):
            return True
        current = current.parent
    return False


def _byline_rank(node: LexborNode, marks: str) -> int:
    attrs = node.attributes
    if attrs.get("itemprop") == "author":
        return 0
    if attrs.get("rel") == "author":
        return 1
    return 2 if "byline" in marks else 3


def _byline_text(node: LexborNode) -> str | None:
    if node.attributes.get("itemprop") == "author":
        inner = node.css_first("[itemprop='name']")
        if inner is not None:
            node = inner
        content = node.attributes.get("content")
        if content:
            return content
    # Child elements become separate fragments: "Jane Doe" + "Staff Writer" must not merge.
    text = node.text(deep=True, separator="\n", strip=True)
    return text if 0 < len(text) <= _MAX_BYLINE_CHARS else None


def _names_in(node: LexborNode) -> tuple[str, ...]:
    text = _byline_text(node)
    if text is None or _in_comments(node):
        return ()
    names = clean_authors([text])
    if not names and node.next is not None and not clean_authors([text + " X"]):
        # A bare label ("Written by") whose name sits in the next element.
        following = node.next.next if node.next.tag == "-text" else node.next
        if following is not None:
            names = clean_authors([_byline_text(following) or ""])
    return names


def _by_strength(candidates: Iterable[LexborNode]) -> list[list[LexborNode]]:
    """Byline candidates by strength (itemprop, rel, byline class, author), each in page order."""
    ranks: list[list[LexborNode]] = [[], [], [], []]
    for node in candidates:
        marks = _marks(node)
        if not any(word in marks for word in _NOT_BYLINE):
            ranks[_byline_rank(node, marks)].append(node)
    return ranks


def _first_byline(nodes: Iterable[LexborNode]) -> tuple[str, ...]:
    """The names of the first byline among candidates of one strength."""
    found: tuple[str, ...] = ()
    parent: LexborNode | None = None
    named = False
    for node in nodes:
        if named and node.parent != parent:
            continue
        names = _names_in(node)
        if names:
            # Several authors linked side by side in one byline share a parent.
            found = clean_authors([*found, *names])
            parent = node.parent
            named = True
    return found


def _byline_candidates(marked: MarkedElements, area: HeadlineArea) -> Iterator[list[LexborNode]]:
    for element in area.elements():
        yield element.css(AUTHOR_SELECTOR)
    yield marked.authors


def authors_from_html(marked: MarkedElements, area: HeadlineArea) -> tuple[str, ...]:
    """Names in the page's most trustworthy byline.

    Strongest first: a "By ..." line beside the headline (``area``), then
    itemprop=author, rel=author, a byline class, then anything classed or linked as author.
    """
    for text in area:
        names = byline_in_text(text)
        if names:
            return names
    # Marked bylines beside the headline first, the closest first: the whole page's may be a
    # sidebar's or a comment's, and reading the few elements there is cheaper than a query
    # over the page.
    for candidates in _byline_candidates(marked, area):
        # Strength by strength: weaker candidates are only read when no stronger one names
        # anybody.
        for nodes in _by_strength(islice(candidates, _MAX_NODES)):
            names = _first_byline(nodes)
            if names:
                return names
    return ()


def _date_rank(node: LexborNode) -> int:
    attrs = node.attributes
    # Microdata names the property bare, RDFa with a vocabulary prefix ("schema:dateCreated").
    prop = (attrs.get("itemprop") or attrs.get("property") or "").rsplit(":", 1)[-1]
    if prop in ("datePublished", "dateCreated") or "pubdate" in attrs:
        return 0
    return 1 if "publish" in _marks(node) else 2


def _node_date(node: LexborNode, now: datetime, day_first: bool) -> tuple[datetime | None, bool]:
    """The element's date, and whether its own words call it an update ("Updated May 6")."""
    attrs = node.attributes
    for attr in _DATE_ATTRS:
        value = parse_date(attrs.get(attr), now, day_first=day_first)
        if value is not None:
            return value, False
    text = node.text(deep=True, separator=" ", strip=True)
    if len(text) < 6:
        return None, False
    # A date-classed element opens with its date ("Posted on May 2, 2023 · Tags: ...").
    text = text[:_MAX_DATE_CHARS]
    return parse_date_text(text, now, day_first=day_first), _says_update(text)


def _says_update(text: str) -> bool:
    lowered = text.lower()
    return any(w in lowered for w in UPDATE_WORDS) and not any(
        w in lowered for w in PUBLISHED_WORDS
    )


def day_first(tree: LexborHTMLParser) -> bool:
    """Whether the page writes 03/04/2019 as 3 April (everywhere but US English)."""
    html = tree.root
    lang = ((html.attributes.get("lang") if html is not None else None) or "").lower()
    return lang not in _MONTH_DAY_LANGS


@dataclass(frozen=True, slots=True)
class ShownDates:
    """Dates the markup shows: marked as publication, loosely date-classed, and last updates.

    Marked dates carry itemprop, ``pubdate`` or a "publish" class; loose ones only a date-ish
    class or a bare ``<time>``, and may belong to a sidebar.
    """

    marked: datetime | None = None
    loose: datetime | None = None
    updated: datetime | None = None


def dates_from_html(marked: MarkedElements, now: datetime, day_first: bool) -> ShownDates:
    """The dates shown in the page's markup, in one pass over date-ish elements."""
    loose: datetime | None = None
    updated: datetime | None = None
    for node in marked.dates[:_MAX_NODES]:
        attrs = node.attributes
        marks = (
            f"{_marks(node)} {attrs.get('itemprop') or ''} {attrs.get('property') or ''}".lower()
        )
        is_update = any(word in marks for word in _MODIFIED_WORDS)
        if any(word in marks for word in _NOT_DATE) or (is_update and updated is not None):
            continue
        value, says_update = _node_date(node, now, day_first)
        if value is None or _in_comments(node):
            continue
        if is_update or says_update:
            updated = updated or value
        elif _date_rank(node) < 2:
            return ShownDates(marked=value, loose=loose, updated=updated)
        elif loose is None:
            loose = value
    return ShownDates(loose=loose, updated=updated)


def _siblings(node: LexborNode, forward: bool, limit: int) -> list[LexborNode]:
    found: list[LexborNode] = []
    current = node.next if forward else node.prev
    while current is not None and len(found) < limit:
        if current.tag not in _SKIP_TAGS and (
            current.tag != "-text" or current.text(deep=False).strip()
        ):
            found.append(current)
        current = current.next if forward else current.prev
    return found


def _hidden(node: LexborNode) -> bool:
    attrs = node.attributes
    if "hidden" in attrs or attrs.get("aria-hidden") == "true":
        return True
    style = (attrs.get("style") or "").replace(" ", "").lower()
    classes = (attrs.get("class") or "").lower().split()
    return any(m in style for m in HIDDEN_STYLE_MARKERS) or any(
        c in HIDDEN_CLASSES for c in classes
    )


def shown_headline(headings: list[LexborNode]) -> LexborNode | None:
    """The first headline readers see: a hidden copy for screen readers or SEO is passed over."""
    return next((h for h in headings if not _hidden(h)), headings[0] if headings else None)


class HeadlineArea:
    """The short texts right after and before the headline, then around its parents.

    Datelines and bylines sit beside the headline on most templates, marked up or not. Texts
    are read in that order on first use and kept, so the byline and the dateline searches
    share them and stop reading where they find their answer. Longer texts are article text.
    """

    __slots__ = ("_elements", "_nodes", "_read", "_texts")

    def __init__(self, heading: LexborNode | None) -> None:
        self._nodes: list[LexborNode] = []
        current = heading
        for _ in range(_AREA_LEVELS):
            if current is None or current.tag in ("body", "html"):
                break
            self._nodes.extend(_siblings(current, True, _AREA_AFTER))
            self._nodes.extend(_siblings(current, False, _AREA_BEFORE))
            current = current.parent
        self._texts: list[str] = []
        self._elements: list[LexborNode] = []
        self._read = 0

    def __iter__(self) -> Iterator[str]:
        return (text for _, text in self.lines())

    def lines(self) -> Iterator[tuple[LexborNode, str]]:
        """(element, text) of each short text, read on first use."""
        index = 0
        while True:
            if index < len(self._texts):
                yield self._elements[index], self._texts[index]
                index += 1
            elif self._read < len(self._nodes):
                node = self._nodes[self._read]
                self._read += 1
                # Child elements on separate lines: "Jane Doe" + "Staff Writer" must not merge.
                text = node.text(deep=True, separator="\n", strip=True)
                if 0 < len(text) <= _MAX_AREA_CHARS:
                    self._texts.append(text)
                    self._elements.append(node)
            else:
                return

    def elements(self) -> list[LexborNode]:
        """The elements of all the short texts, in the order they were read."""
        for _ in self:
            pass
        return self._elements


@dataclass(frozen=True, slots=True)
class Dateline:
    """The first date written beside the headline, and what its line says about updates.

    ``is_update`` when the line calls that date an update; ``updated`` is a later date the same
    line gives as the last update ("May 2, 2023 · Updated June 9, 2023").
    """

    value: datetime
    is_update: bool
    updated: datetime | None = None


def _with_time(element: LexborNode, value: datetime, now: datetime, day_first: bool) -> datetime:
    """``value``, or the same day as a machine-readable attribute inside the line gives it.

    A ``<time datetime>`` or ``content`` attribute carries the time of day the text leaves out.
    """
    for node in element.css("[datetime], [content]")[:_MAX_LINE_DATES]:
        found, _ = _node_date(node, now, day_first)
        if found is not None and found.date() == value.date():
            return found
    return value


def _update_after(text: str, lowered: str, now: datetime, day_first: bool) -> datetime | None:
    at = min((lowered.find(w) for w in UPDATE_WORDS if w in lowered), default=-1)
    return parse_date_text(text[at:], now, day_first=day_first) if at > 0 else None


def date_near_headline(area: HeadlineArea, now: datetime, day_first: bool) -> Dateline | None:
    """The first date written beside the headline.

    A line that says "Updated" (in any listed language) and never "Published" is an update.
    """
    for element, text in area.lines():
        value = parse_date_text(text, now, day_first=day_first)
        if value is None or element.css_matches(_SECTION_HEADINGS):
            # A block with linked headings holds teasers of other pages (related posts).
            continue
        lowered = text.lower()
        at = min((lowered.find(w) for w in PUBLISHED_WORDS if w in lowered), default=-1)
        if at < 0 and any(word in lowered for word in UPDATE_WORDS):
            return Dateline(value, True)
        if at >= 0:
            # "Updated May 2 · Originally published April 9": the date after "published".
            value = parse_date_text(text[at:], now, day_first=day_first) or value
        updated = _update_after(text, lowered, now, day_first)
        return Dateline(
            _with_time(element, value, now, day_first),
            False,
            updated if updated is not None and updated > value else None,
        )
    return None
