"""Authors and dates as the page shows them: bylines, ``<time>``, itemprop, date-classed elements.

The fallbacks of the metadata cascade when structured data is silent. The page-wide searches
read a bounded number of the elements one CSS query finds (lexbor walks the tree in C; one
walk serves both searches when a page needs both), the headline's surroundings a few more.
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
    AUTHOR_SELECTOR,
    HIDDEN_CLASSES,
    MARKED_AUTHOR_QUERY,
    MARKED_DATE_QUERY,
    MARKED_QUERY,
    PUBLISHED_WORDS,
    UPDATE_WORDS,
)

__all__ = [
    "Dateline",
    "HeadlineArea",
    "MarkedElements",
    "ShownDates",
    "authors_in_page",
    "authors_near_headline",
    "date_near_headline",
    "dates_from_html",
    "day_first",
    "marked_elements",
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
_SECTION_HEADINGS = "a h2, a h3, a h4, a h5, a h6, h2 a, h3 a, h4 a, h5 a, h6 a"


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


def _byline_in(candidates: list[LexborNode]) -> tuple[str, ...]:
    # Strength by strength: weaker candidates are only read when no stronger one names anybody.
    for nodes in _by_strength(islice(candidates, _MAX_NODES)):
        names = _first_byline(nodes)
        if names:
            return names
    return ()


def authors_near_headline(area: HeadlineArea) -> tuple[str, ...]:
    """Names in a byline beside the headline: a "By ..." line, else marked elements there.

    Marked bylines beside the headline come before the whole page's, the closest first: the
    page's may be a sidebar's or a comment's.
    """
    for text in area:
        names = byline_in_text(text)
        if names:
            return names
    for element in area.elements():
        names = _byline_in(element.css(AUTHOR_SELECTOR))
        if names:
            return names
    return ()


def authors_in_page(candidates: list[LexborNode]) -> tuple[str, ...]:
    """Names in the page's most trustworthy byline among its author-ish elements.

    Strongest first: itemprop=author, rel=author, a byline class, then anything classed or
    linked as author. ``candidates`` are the page's matches of AUTHOR_SELECTOR.
    """
    return _byline_in(candidates)


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


def dates_from_html(candidates: list[LexborNode], now: datetime, day_first: bool) -> ShownDates:
    """The dates shown in the page's markup, in one pass over its matches of DATE_SELECTOR."""
    loose: datetime | None = None
    updated: datetime | None = None
    for node in candidates[:_MAX_NODES]:
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


@dataclass(frozen=True, slots=True)
class MarkedElements:
    """The page's matches of DATE_SELECTOR and AUTHOR_SELECTOR, as ``tree.css`` lists them.

    In document order, an element once for each selector of the list it matches (the caps on
    how many are read count those repeats).
    """

    dates: list[LexborNode]
    authors: list[LexborNode]


def _previous_element(node: LexborNode) -> LexborNode | None:
    current = node.prev
    while current is not None and not current.is_element_node:
        current = current.prev
    return current


def _author_link(tag: str | None, href: str | None) -> bool:
    return tag == "a" and href is not None and "/author" in href


def _selector_counts(node: LexborNode) -> tuple[int, int]:
    """How many selectors of DATE_SELECTOR and of AUTHOR_SELECTOR the element matches.

    Each term is one selector, term for term in their order. Lexbor compares the ``i``
    selectors' values ignoring ASCII case and ``rel`` ignoring it too (HTML lists it among
    case-insensitive attributes); ``str.lower`` only turns two non-ASCII characters into ASCII
    letters (U+0130 into "i" + a combining dot, U+212A into "k"), which can complete none of
    the words looked for.
    """
    attrs = node.attributes
    tag = node.tag
    classes = attrs.get("class") or ""
    lowered = classes.lower()
    ident = attrs.get("id") or ""
    itemprop = attrs.get("itemprop") or ""
    shared = ("byline" in lowered) + ("author" in lowered)
    previous = _previous_element(node)
    dates = (
        (tag == "time")
        + itemprop.startswith("date")
        + ("date" in (attrs.get("property") or "").lower())
        + ("date" in lowered)
        + ("publish" in classes)
        + ("posted" in classes)
        + ("timestamp" in classes)
        + ("date" in ident)
        + ("meta" in lowered)
        + shared
        + (previous is not None and _author_link(previous.tag, previous.attributes.get("href")))
    )
    authors = (
        (itemprop == "author")
        + ((attrs.get("rel") or "").lower() == "author")
        + shared
        + ("author" in ident)
        + _author_link(tag, attrs.get("href"))
        + ("writer" in classes)
    )
    return dates, authors


def marked_elements(tree: LexborHTMLParser, *, dates: bool, authors: bool) -> MarkedElements:
    """The page's matches of DATE_SELECTOR and AUTHOR_SELECTOR (those asked for), one query.

    Lexbor is asked for a cheaper superset of the matches (MARKED_QUERY); the few elements it
    returns are counted against each selector here, which rebuilds ``tree.css``'s lists.
    """
    if dates and authors:
        query = MARKED_QUERY
    else:
        query = MARKED_DATE_QUERY if dates else MARKED_AUTHOR_QUERY
    found = MarkedElements([], [])
    last = -1
    for node in tree.css(query):
        # Lexbor reports an element once per selector it matches, one after the other.
        identity = node.mem_id
        if identity == last:
            continue
        last = identity
        in_dates, in_authors = _selector_counts(node)
        if dates and in_dates:
            found.dates.extend([node] * in_dates)
        if authors and in_authors:
            found.authors.extend([node] * in_authors)
    return found


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
        if value is None or element.css_first(_SECTION_HEADINGS) is not None:
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
