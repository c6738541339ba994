"""What HTML's parsing rules (WHATWG, "tree construction") say of element names, as data for
the code that reads markup without a parser (:mod:`scraper.extract.xhtml`,
:mod:`scraper.extract.nesting`)."""

from __future__ import annotations

from typing import Final

__all__ = [
    "BREAKOUT",
    "BUTTON_SCOPE",
    "CLOSES_P",
    "DEFAULT_SCOPE",
    "END_SCOPE",
    "FOREIGN_ROOTS",
    "FORMATTING",
    "INTEGRATION",
    "MARKERS",
    "NOT_NESTED",
    "POPS_TO",
    "QUIET",
    "RAW_TEXT",
    "SPECIAL",
    "TABLE_PARENTS",
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

#: Elements whose content is SVG or MathML ("foreign content"): inside them a self-closed tag
#: (``<path/>``) is a whole element, as in XML, and <style> or <title> holds markup.
FOREIGN_ROOTS: Final = frozenset({"svg", "math"})

#: Foreign elements whose content is HTML again (HTML and MathML text integration points).
INTEGRATION: Final = frozenset(
    {"foreignobject", "desc", "title", "mi", "mo", "mn", "ms", "mtext", "annotation-xml"}
)

#: HTML start tags that end foreign content: the SVG or MathML elements open are closed first
#: (<font> only with a color, face or size).
BREAKOUT: Final = frozenset(
    {
        *("b", "big", "blockquote", "body", "br", "center", "code", "dd", "div", "dl", "dt"),
        *("em", "embed", "h1", "h2", "h3", "h4", "h5", "h6", "head", "hr", "i", "img", "li"),
        *("listing", "menu", "meta", "nobr", "ol", "p", "pre", "ruby", "s", "small", "span"),
        *("strong", "strike", "sub", "sup", "table", "tt", "u", "ul", "var"),
    }
)

#: Elements a parser reopens ("reconstructs") where text or an inline tag follows, when
#: something other than their own end tag closed them: ``<p><b>x</p> <p>`` puts the second
#: paragraph inside a new <b>.
FORMATTING: Final = frozenset(
    {"a", "b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong"}
    | {"tt", "u"}
)
#: Elements that bound that reopening: what was opened inside one is not reopened outside it.
MARKERS: Final = frozenset({"applet", "marquee", "object", "td", "th", "caption", "template"})

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
    {"applet", "caption", "html", "table", "td", "th", "marquee", "object", "template", "select"}
)
BUTTON_SCOPE: Final = DEFAULT_SCOPE | {"button"}
TABLE_SCOPE: Final = frozenset({"html", "table", "template"})
_LIST_ITEM_STOP: Final = SPECIAL - {"address", "div", "p"}

_CELLS: Final = frozenset({"td", "th"})

#: Start tags that close an open element of one of these names, with whatever is open above
#: it (a new ``<li>`` ends the list item before it), and the elements at which the search for
#: it stops (an ``<li>`` does not close the list item of an outer list).
POPS_TO: Final[dict[str, tuple[frozenset[str], frozenset[str]]]] = {
    "li": (frozenset({"li"}), _LIST_ITEM_STOP),
    "dt": (frozenset({"dt", "dd"}), _LIST_ITEM_STOP),
    "dd": (frozenset({"dt", "dd"}), _LIST_ITEM_STOP),
    "button": (frozenset({"button"}), DEFAULT_SCOPE),
    # lexbor parses a <select>'s content as the body's: a second one ends the first, as an
    # <input> does.
    "select": (frozenset({"select"}), DEFAULT_SCOPE),
    "input": (frozenset({"select"}), DEFAULT_SCOPE),
    "keygen": (frozenset({"select"}), DEFAULT_SCOPE),
}

#: The parts of a table, each with the elements it may be opened in: a part started
#: elsewhere in a table closes what is open inside its parent (or adds the parent, <tbody>
#: and <tr>, as a parser does); outside any table a parser ignores it.
TABLE_PARENTS: Final[dict[str, frozenset[str]]] = {
    **dict.fromkeys(_CELLS, frozenset({"tr", "template"})),
    "tr": frozenset({"tbody", "thead", "tfoot", "template"}),
    **dict.fromkeys(
        ("tbody", "thead", "tfoot", "caption", "colgroup"), frozenset({"table", "template"})
    ),
}

#: Where the search for the element an end tag closes stops, for the end tags whose scope is
#: not the default one (an end tag of a name outside SPECIAL stops at any SPECIAL element).
END_SCOPE: Final[dict[str, frozenset[str]]] = {
    "p": BUTTON_SCOPE,
    "li": DEFAULT_SCOPE | {"ol", "ul"},
}

#: Start tags that close the element open last only, when it is one of these names.
TOP_ONLY: Final[dict[str, frozenset[str]]] = {
    "option": frozenset({"option"}),
    "optgroup": frozenset({"option", "optgroup"}),
    **dict.fromkeys(_HEADINGS, _HEADINGS),
}

#: Start tags before which a parser does not reopen the formatting elements closed by another
#: tag (:data:`FORMATTING`); text and other start tags reopen them.
QUIET: Final = (
    (CLOSES_P - {"xmp"})
    | RAW_TEXT - {"xmp"}
    | {
        *("base", "basefont", "bgsound", "body", "caption", "col", "colgroup", "dd", "dt"),
        *("frameset", "head", "hr", "html", "li", "link", "meta", "param", "rb", "rp", "rt"),
        *("rtc", "source", "tbody", "td", "template", "tfoot", "th", "thead", "tr", "track"),
    }
)
