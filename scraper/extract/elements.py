"""What HTML's parsing rules (WHATWG, "tree construction") say of element names, as data for
the code that reads markup without a parser (:mod:`scraper.extract.xhtml`,
:mod:`scraper.extract.nesting`)."""

from __future__ import annotations

from typing import Final

__all__ = [
    "BUTTON_SCOPE",
    "CLOSES_P",
    "DEFAULT_SCOPE",
    "END_SCOPE",
    "FOREIGN_ROOTS",
    "NOT_NESTED",
    "POPS_TO",
    "RAW_TEXT",
    "SPECIAL",
    "TABLE_SCOPE",
    "TOP_ONLY",
    "VOID",
]

#: Elements that never have content: a start tag is the whole element, self-closed or not.
VOID: Final = frozenset(
    {
        "area",
        "base",
        "basefont",
        "bgsound",
        "br",
        "col",
        "embed",
        "frame",
        "hr",
        "img",
        "input",
        "keygen",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
    }
)

#: Elements whose content is text, not markup, up to their own end tag: a '<' inside them
#: starts no element.
RAW_TEXT: Final = frozenset(
    {"script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes"}
)

#: Elements inside which a self-closed tag (``<path/>``) is a whole element, as in XML.
FOREIGN_ROOTS: Final = frozenset({"svg", "math"})

#: Start tags a parser ignores when one is open already.
NOT_NESTED: Final = frozenset({"html", "head", "body", "form"})

_HEADINGS: Final = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})

#: Start tags that first close an open <p> in button scope, with whatever is open above it.
CLOSES_P: Final = _HEADINGS | {
    "address",
    "article",
    "aside",
    "blockquote",
    "center",
    "details",
    "dialog",
    "dir",
    "div",
    "dl",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "header",
    "hgroup",
    "listing",
    "main",
    "menu",
    "nav",
    "ol",
    "p",
    "plaintext",
    "pre",
    "search",
    "section",
    "summary",
    "table",
    "ul",
    "xmp",
}

#: The "special" category: an end tag of another name looks no further down than one of them.
SPECIAL: Final = (
    (CLOSES_P - {"dialog"})
    | VOID
    | RAW_TEXT
    | {
        "applet",
        "body",
        "button",
        "caption",
        "colgroup",
        "dd",
        "dt",
        "frameset",
        "head",
        "html",
        "li",
        "marquee",
        "noscript",
        "object",
        "select",
        "tbody",
        "td",
        "template",
        "tfoot",
        "th",
        "thead",
        "tr",
    }
)

#: Where a search for an open element "in scope" stops.
DEFAULT_SCOPE: Final = frozenset(
    {"applet", "caption", "html", "table", "td", "th", "marquee", "object", "template"}
)
BUTTON_SCOPE: Final = DEFAULT_SCOPE | {"button"}
TABLE_SCOPE: Final = frozenset({"html", "table", "template"})
_LIST_ITEM_STOP: Final = SPECIAL - {"address", "div", "p"}

_CELLS: Final = frozenset({"td", "th"})
_SECTIONS: Final = frozenset({"thead", "tbody", "tfoot"})

#: Start tags that close an open element of one of these names, with whatever is open above
#: it (a new ``<li>`` ends the list item before it, a new ``<td>`` the cell), and the elements
#: at which the search for it stops (a ``<td>`` does not close the cell of an outer table).
POPS_TO: Final[dict[str, tuple[frozenset[str], frozenset[str]]]] = {
    "li": (frozenset({"li"}), _LIST_ITEM_STOP),
    "dt": (frozenset({"dt", "dd"}), _LIST_ITEM_STOP),
    "dd": (frozenset({"dt", "dd"}), _LIST_ITEM_STOP),
    "td": (_CELLS, TABLE_SCOPE),
    "th": (_CELLS, TABLE_SCOPE),
    "tr": (frozenset({"tr"}), TABLE_SCOPE),
    **dict.fromkeys(("thead", "tbody", "tfoot"), (_SECTIONS, TABLE_SCOPE)),
    "button": (frozenset({"button"}), DEFAULT_SCOPE),
    # A table started right inside another (not in a cell) ends it.
    "table": (frozenset({"table"}), frozenset({"td", "th", "caption", "html", "template"})),
}

#: Where the search for the element an end tag closes stops, for the end tags whose scope is
#: not the default one (an end tag of a name outside SPECIAL stops at any SPECIAL element).
END_SCOPE: Final[dict[str, frozenset[str]]] = {
    "p": BUTTON_SCOPE,
    "li": DEFAULT_SCOPE | {"ol", "ul"},
    **dict.fromkeys(("table", "tr", *_CELLS, *_SECTIONS), TABLE_SCOPE),
}

#: Start tags that close the element open last only, when it is one of these names.
TOP_ONLY: Final[dict[str, frozenset[str]]] = {
    "option": frozenset({"option"}),
    "optgroup": frozenset({"option", "optgroup"}),
    **dict.fromkeys(_HEADINGS, _HEADINGS),
}
