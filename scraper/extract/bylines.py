"""Authors and dates as the page shows them: bylines, ``<time>``, itemprop, date-classed elements.

The fallbacks of the metadata cascade when structured data is silent. Each runs one CSS query
(lexbor walks the tree in C) and then looks at a bounded number of matches.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from selectolax.lexbor import LexborHTMLParser, LexborNode

from scraper.extract.authors import byline_in_text, clean_authors
from scraper.extract.dates import parse_date, parse_date_text
from scraper.extract.metadata_patterns import (
    AUTHOR_SELECTOR,
    DATE_SELECTOR,
    HIDDEN_CLASSES,
    PUBLISHED_WORDS,
    UPDATE_WORDS,
)

__all__ = [
    "Dateline",
    "ShownDates",
    "authors_from_html",
    "date_near_headline",
    "dates_from_html",
    "day_first",
    "headline_area",
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


def _byline_rank(node: LexborNode) -> int:
    attrs = node.attributes
    if attrs.get("itemprop") == "author":
        return 0
    if attrs.get("rel") == "author":
        return 1
    return 2 if "byline" in _marks(node) else 3


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


def _marked_bylines(tree: LexborHTMLParser) -> dict[int, tuple[str, ...]]:
    """The names of the first byline of each strength (itemprop, rel, byline class, author)."""
    best: dict[int, tuple[str, ...]] = {}
    parents: dict[int, LexborNode | None] = {}
    for node in tree.css(AUTHOR_SELECTOR)[:_MAX_NODES]:
        rank = _byline_rank(node)
        if any(word in _marks(node) for word in _NOT_BYLINE):
            continue
        if rank in best and node.parent != parents[rank]:
            continue
        names = _names_in(node)
        if names:
            # Several authors linked side by side in one byline share a parent.
            best[rank] = clean_authors([*best.get(rank, ()), *names])
            parents[rank] = node.parent
    return best


def authors_from_html(tree: LexborHTMLParser, area: list[LexborNode]) -> tuple[str, ...]:
    """Names in the page's most trustworthy byline.

    Strongest first: itemprop=author, rel=author, a byline class, a "By ..." line beside the
    headline, then anything classed or linked as author.
    """
    for node in area:
        text = _area_text(node)
        names = byline_in_text(text) if text else ()
        if names:
            return names
    marked = _marked_bylines(tree)
    for rank in (0, 1, 2):
        if marked.get(rank):
            return marked[rank]
    return marked.get(3, ())


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


def dates_from_html(tree: LexborHTMLParser, now: datetime, day_first: bool) -> ShownDates:
    """The dates shown in the page's markup, in one pass over date-ish elements."""
    loose: datetime | None = None
    updated: datetime | None = None
    for node in tree.css(DATE_SELECTOR)[:_MAX_NODES]:
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
    return "display:none" in style or any(c in HIDDEN_CLASSES for c in classes)


def shown_headline(headings: list[LexborNode]) -> LexborNode | None:
    """The first headline readers see: a hidden copy for screen readers or SEO is passed over."""
    return next((h for h in headings if not _hidden(h)), headings[0] if headings else None)


def headline_area(heading: LexborNode) -> list[LexborNode]:
    """Elements right after and before the headline, then around its parents.

    Datelines and bylines sit beside the headline on most templates, marked up or not.
    """
    area: list[LexborNode] = []
    current: LexborNode | None = heading
    for _ in range(_AREA_LEVELS):
        if current is None or current.tag in ("body", "html"):
            break
        area.extend(_siblings(current, True, _AREA_AFTER))
        area.extend(_siblings(current, False, _AREA_BEFORE))
        current = current.parent
    return area


def _area_text(node: LexborNode) -> str | None:
    text = node.text(deep=True, separator="\n", strip=True)
    return text if 0 < len(text) <= _MAX_AREA_CHARS else None


@dataclass(frozen=True, slots=True)
class Dateline:
    """The first date written beside the headline, and whether its line calls it an update."""

    value: datetime
    is_update: bool


def date_near_headline(area: list[LexborNode], now: datetime, day_first: bool) -> Dateline | None:
    """The first date written beside the headline.

    A line that says "Updated" (in any listed language) and never "Published" is an update.
    """
    for node in area:
        text = _area_text(node)
        value = parse_date_text(text, now, day_first=day_first) if text else None
        if value is not None and text is not None:
            lowered = text.lower()
            updated = any(word in lowered for word in UPDATE_WORDS)
            at = min((lowered.find(w) for w in PUBLISHED_WORDS if w in lowered), default=-1)
            if at < 0:
                return Dateline(value, updated)
            # "Updated May 2 · Originally published April 9": the date after "published".
            original = parse_date_text(text[at:], now, day_first=day_first)
            return Dateline(original or value, False)
    return None
