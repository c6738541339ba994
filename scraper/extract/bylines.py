"""Authors and dates as the page shows them: bylines, ``<time>``, itemprop, date-classed elements.

The fallbacks of the metadata cascade when structured data is silent. Each reads the answer of a
CSS query (lexbor walks the tree in C; the page-wide ones come from
:class:`~scraper.extract.marked.MarkedElements`) and then looks at a bounded number of matches.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Final
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from scraper.extract.authors import byline_in_text, clean_authors, full_names, names_beside_date
from scraper.extract.chrome import HIDDEN_STYLE_MARKERS
from scraper.extract.dates import parse_date, parse_date_text
from scraper.extract.language import declared_language
from scraper.extract.marked import MarkedElements
from scraper.extract.metadata_patterns import (
    AUTHOR_BOX_LABELS,
    AUTHOR_BOX_NOT_CLASS_WORDS,
    AUTHOR_SELECTOR,
    DATE_ATTRIBUTES,
    FORM_SELECTOR,
    HIDDEN_CLASSES,
    MENU_CLASS_WORDS,
    MODIFIED_CLASS_WORDS,
    NOT_BYLINE_CLASS_WORDS,
    NOT_DATE_CLASS_WORDS,
    PUBLISHED_WORDS,
    SECTION_CLASS_WORDS,
    SECTION_LINK_MARKS,
    SECTION_LINK_PATHS,
    UPDATE_WORDS,
)

__all__ = [
    "Dateline",
    "HeadlineArea",
    "ShownDates",
    "authors_from_html",
    "authors_in_boxes",
    "date_near_headline",
    "dates_from_html",
    "day_first",
    "label_links",
    "shown_headline",
]

_MAX_NODES = 100
_MAX_BYLINE_CHARS = 120
_MAX_DATE_CHARS = 160
_ANCESTOR_DEPTH = 6
_MONTH_DAY_LANGS = ("en", "en-us")
_SKIP_TAGS = frozenset({"-comment", "script", "style", "noscript", "template", "svg", "img"})
_AREA_LEVELS = 3
_AREA_AFTER = 4
_AREA_BEFORE = 2
# Final: compiled, a constant instead of a module lookup per text node counted.
_MAX_AREA_CHARS: Final = 200
_MAX_LINE_DATES = 5
_MAX_LINE_LINKS = 10
# Class values split into their words ("byline__category" -> "byline", "category").
_CLASS_TOKENS: Final = re.compile(r"[\s_-]+")
# Author boxes and labels: the texts read, and the longest a name or a label line may be. Labels
# are read in the panel around the page's first date element: its ancestor _PANEL_LEVELS up,
# at most _MAX_PANEL_TEXTS texts (a walk over the whole page cost 4% more instructions a page).
_HIDDEN_TEXT: Final = frozenset({"script", "style", "noscript", "template", "textarea"})
_MAX_BOX_TEXTS: Final = 3
_PANEL_LEVELS: Final = 3
_MAX_PANEL_TEXTS: Final = 30
_MAX_NAME_CHARS: Final = 60
_MAX_LINE_CHARS: Final = 80
_MAX_LABEL_CHARS: Final = max(map(len, AUTHOR_BOX_LABELS)) + 1
_MAX_LISTED: Final = 10
# Headings inside links and links inside headings (the same elements as "a h2, ..., h6 a" with
# one selector per heading level, which costs lexbor twice the work).
_SECTION_HEADINGS = "a :is(h2, h3, h4, h5, h6), :is(h2, h3, h4, h5, h6) a"


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


def _in_comments_or_menus(node: LexborNode) -> bool:
    """Whether ``node`` sits in a comment thread or a menu: one walk up for both."""
    current = node.parent
    for _ in range(_ANCESTOR_DEPTH):
        if current is None:
            return False
        marks = _marks(current)
        if "comment" in marks or current.tag == "nav" or any(w in marks for w in MENU_CLASS_WORDS):
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
    # A link in a menu names a page ("Our Authors", "Meet the team"), not the article's writer.
    if text is None or _section_marked(node) or _in_comments_or_menus(node):
        return ()
    names = clean_authors([text])
    labels: frozenset[str] = frozenset()
    if names and node.tag != "a":
        labels = _section_links_in(node)
        names = tuple(n for n in names if n.casefold() not in labels)
    if not names and any(map(str.isdigit, text)):
        # A date before the name ("May 2, 2024 · Jane Doe"): the cleaning stops at the year.
        names = names_beside_date(text, labels)
    if (
        not names
        and node.next is not None
        and not any(map(str.isdigit, text))
        and not clean_authors([text + " X"])
    ):
        # A bare label ("Written by") whose name sits in the next element; a dateline is none.
        following = node.next.next if node.next.tag == "-text" else node.next
        if following is not None:
            names = clean_authors([_byline_text(following) or ""])
    return names


def _by_strength(candidates: Iterable[LexborNode]) -> list[list[LexborNode]]:
    """Byline candidates by strength (itemprop, rel, byline class, author), each in page order."""
    ranks: list[list[LexborNode]] = [[], [], [], []]
    for node in candidates:
        marks = _marks(node)
        if not any(word in marks for word in NOT_BYLINE_CLASS_WORDS):
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


def _shown_texts(node: LexborNode) -> Iterator[tuple[LexborNode, str]]:
    """(text node, stripped text) of the non-blank texts readers see under ``node``."""
    for inner in node.traverse(include_text=True, skip_empty=True):
        if inner.is_text_node:
            text = (inner.text_content or "").strip()
            parent = inner.parent
            if text and (parent is None or parent.tag not in _HIDDEN_TEXT):
                yield inner, text


def _label(text: str) -> str | None:
    """The author label ``text`` opens with ("Written by", "Author:"), or None."""
    lowered = text[:_MAX_LABEL_CHARS].lower()
    for label in AUTHOR_BOX_LABELS:
        if lowered.startswith(label) and (
            len(lowered) == len(label) or lowered[len(label)] in " :"
        ):
            return label
    return None


def _name_in_box(box: LexborNode) -> tuple[str, ...]:
    """The name an author box opens with, after its label ("About the author" / "Jane Doe").

    The box goes on with a bio, links and a photo: only its first text may be the name, and
    only a full name counts.
    """
    for _, text in islice(_shown_texts(box), _MAX_BOX_TEXTS):
        label = _label(text)
        if label is not None and len(text.rstrip(" :")) == len(label):
            continue
        rest = text[len(label) :] if label is not None else text
        return full_names(rest) if len(rest) <= _MAX_NAME_CHARS else ()
    return ()


def _in_menus(node: LexborNode) -> bool:
    current: LexborNode | None = node
    for _ in range(_ANCESTOR_DEPTH):
        if current is None:
            return False
        if current.tag == "nav" or any(w in _marks(current) for w in MENU_CLASS_WORDS):
            return True
        current = current.parent
    return False


def _labelled_name(panel: LexborNode) -> tuple[str, ...]:
    """A full name ``panel`` labels as the author: "Written by" + "Jane Doe".

    The label stands alone, the name in the next text ("<h3>Author</h3><p>Jane Doe</p>",
    "<p><b>Author:</b> Jane Doe</p>"), or both are one element's text ("Written by Jane Doe").
    Words of a sentence ("... was written by Jane Doe for ...") are no label.
    """
    label_text = ""
    for node, text in islice(_shown_texts(panel), _MAX_PANEL_TEXTS):
        if len(text) > _MAX_LINE_CHARS:
            label_text = ""
            continue
        if label_text:
            # The name alone in its element, or after the label in the label's own element
            # ("<p><b>Author:</b> Jane Doe</p>").
            if len(text) <= _MAX_NAME_CHARS and (
                _whole_text(node, text) or _whole_text(node, f"{label_text} {text}")
            ):
                names = _vouched(node, text)
                if names:
                    return _listed_with(node, names)
            label_text = ""
        label = _label(text)
        if label is None or not _whole_text(node, text):
            continue
        rest = text[len(label) :].strip(" :")
        if not rest:
            label_text = text
        elif len(rest) <= _MAX_NAME_CHARS:
            names = _vouched(node, rest)
            if names:
                return names
    return ()


def _listed_with(node: LexborNode, names: tuple[str, ...]) -> tuple[str, ...]:
    """``names`` and the co-authors listed after them, one per list item ("Authors" + a list)."""
    item = node.parent
    if item is not None and item.tag != "li":
        item = item.parent
    if item is None or item.tag != "li":
        return names
    found = list(names)
    for sibling in _siblings(item, True, _MAX_LISTED):
        text = sibling.text(deep=True, strip=True)
        more = _vouched(sibling, text) if sibling.tag == "li" else ()
        if not more:
            break
        found.extend(more)
    return clean_authors(found)


def _whole_text(node: LexborNode, text: str) -> bool:
    """Whether ``text`` is all its element says (blanks aside): a label or a name, not words of
    a sentence."""
    parent = node.parent
    if parent is None:
        return False
    # text() joins the stripped texts of inner elements without a blank between them.
    return "".join(parent.text(deep=True, strip=True).split()) == "".join(text.split())


def _vouched(node: LexborNode, text: str) -> tuple[str, ...]:
    """The full names of ``text``, unless it has digits (a caption's year, a date) or sits in
    a comment thread or a menu."""
    if any(map(str.isdigit, text)) or _in_comments(node) or _in_menus(node):
        return ()
    return full_names(text)


def _date_panel(marked: MarkedElements) -> LexborNode | None:
    """The panel around the page's first date element (its ancestor a few levels up), when the
    date search has listed them: metadata panels put "Author(s)" or "Contributors:" beside the
    date."""
    dates = marked.dates_read
    if not dates:
        return None
    panel = dates[0]
    for _ in range(_PANEL_LEVELS):
        parent = panel.parent
        if parent is None or parent.tag in ("body", "html"):
            break
        panel = parent
    return panel


def authors_in_boxes(marked: MarkedElements) -> tuple[str, ...]:
    """The writer an author box names, at the article's foot or in a side panel.

    The last resort of the byline search: an author-classed box too long to be a byline (name,
    bio, links) gives the name it opens with; else a name labelled "Written by", "Author"... in
    the panel around the page's first date element. Only full names count. Labels elsewhere
    (an untagged box at the article's foot) are not looked for: finding them takes a walk over
    the whole page's texts, too dear for every page that names nobody.
    """
    for node in marked.authors[:_MAX_NODES]:
        marks = _marks(node)
        if any(word in marks for word in AUTHOR_BOX_NOT_CLASS_WORDS) or _in_comments(node):
            continue
        if _byline_text(node) is None:
            names = _name_in_box(node)
            if names:
                return names
    panel = _date_panel(marked)
    return _labelled_name(panel) if panel is not None else ()


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
    for attr in DATE_ATTRIBUTES:
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
    return (declared_language(tree) or "").lower() not in _MONTH_DAY_LANGS


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
        is_update = any(word in marks for word in MODIFIED_CLASS_WORDS)
        if any(word in marks for word in NOT_DATE_CLASS_WORDS) or (
            is_update and updated is not None
        ):
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


def _short_text(node: LexborNode) -> str | None:
    """The element's text when it is short (at most _MAX_AREA_CHARS), else None.

    A block beside the headline is often the article body itself, and reading all of its text
    to throw it away cost as much as the rest of the headline area: the walk stops once its
    texts pass the bound. text() keeps each text but for its surrounding blanks, so what is
    counted here never exceeds the length text() returns.
    """
    kept = 0
    for inner in node.traverse(include_text=True, skip_empty=True):
        data = inner.text_content
        if data is not None:
            kept += len(data.strip())
            if kept > _MAX_AREA_CHARS:
                return None
    # Child elements on separate lines: "Jane Doe" + "Staff Writer" must not merge.
    text = node.text(deep=True, separator="\n", strip=True)
    return text if 0 < len(text) <= _MAX_AREA_CHARS else None


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
                text = _short_text(node)
                if text is not None:
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
    line gives as the last update ("May 2, 2023 · Updated June 9, 2023"); ``text`` is the line
    itself (it may name the author: "May 2, 2023 · Jane Doe").
    """

    value: datetime
    is_update: bool
    updated: datetime | None = None
    text: str = ""
    element: LexborNode | None = None


def _front_page(href: str) -> bool:
    """True for a link to a site's front page ("https://example.com/", "/")."""
    try:
        parts = urlsplit(href)
    except ValueError:  # a malformed bracketed host: not a link to follow anywhere
        return False
    return parts.path in ("", "/") and not parts.query and (bool(parts.netloc) or href == "/")


def label_links(element: LexborNode) -> frozenset[str] | None:
    """Casefolded texts of the links in ``element`` that name no person, or None for a form.

    Links to a section, category or tag page carry its label ("Mental Health"), links to a
    front page the publication's name ("The Guardian"). A line with a form is a toolbar (a
    search box beside the date), not a dateline.
    """
    if element.css_first(FORM_SELECTOR) is not None:
        return None
    found: set[str] = set()
    for link in element.css("a")[:_MAX_LINE_LINKS]:
        href = (link.attributes.get("href") or "").strip().lower()
        if _section_link(link, href) or _front_page(href):
            found.add(link.text(deep=True, strip=True).casefold())
    return frozenset(found)


def _section_link(link: LexborNode, href: str) -> bool:
    """Whether ``link`` (its lower-cased ``href``) leads to a section, category or tag page."""
    attrs = link.attributes
    marks = f"{attrs.get('class') or ''} {attrs.get('rel') or ''}".lower()
    return any(path in href for path in SECTION_LINK_PATHS) or any(
        word in marks for word in SECTION_LINK_MARKS
    )


def _section_marked(node: LexborNode) -> bool:
    """Whether a byline candidate is itself a section, category or tag link, or is classed as
    one ("byline__category"): its text is a label, never a name."""
    if node.tag == "a":
        return _section_link(node, (node.attributes.get("href") or "").strip().lower())
    return not SECTION_CLASS_WORDS.isdisjoint(_CLASS_TOKENS.split(_marks(node)))


def _section_links_in(node: LexborNode) -> frozenset[str]:
    """Casefolded texts of the section, category and tag links inside ``node``: a byline that
    holds one beside the name ("Jane Doe in Personal finance") credits no such label."""
    found: set[str] = set()
    for link in node.css("a")[:_MAX_LINE_LINKS]:
        if _section_link(link, (link.attributes.get("href") or "").strip().lower()):
            found.add(link.text(deep=True, strip=True).casefold())
    return frozenset(found)


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
            return Dateline(value, True, text=text, element=element)
        if at >= 0:
            # "Updated May 2 · Originally published April 9": the date after "published".
            value = parse_date_text(text[at:], now, day_first=day_first) or value
        updated = _update_after(text, lowered, now, day_first)
        return Dateline(
            _with_time(element, value, now, day_first),
            False,
            updated if updated is not None and updated > value else None,
            text,
            element,
        )
    return None
