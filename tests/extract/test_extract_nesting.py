"""Pages whose elements nest too deep for the parser: cut before the depth passes ``max_depth``.

lexbor's time grows with the square of the depth (20,000 nested <div>s take it about a second,
200,000 minutes), so the depth is followed from the tags before parsing. What matters: hostile
nesting of every shape is cut, with the article before it kept and the cut said; real and big
flat pages are never cut.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from selectolax.lexbor import LexborHTMLParser

from scraper import ExtractOptions, extract
from scraper.errors import ConfigError
from scraper.extract.nesting import SCAN_FROM, deep_cut

PARAS = [
    "Councillors voted late on Tuesday to approve a budget that raises spending on schools.",
    "The mayor said the vote was a victory for families who had waited years for a library.",
    "Opposition members argued that road repairs in the north had again been postponed.",
]
HEAD = "<html><head><meta charset=utf-8><title>Council approves budget</title></head><body>"
ARTICLE = "<article><h1>Council approves budget</h1>" + "".join(f"<p>{p}</p>" for p in PARAS)
SHARED = Path(__file__).resolve().parents[3] / "shared" / "bench" / "extraction"

#: Repeated units that nest one level deeper (or more) each time in a browser's parser, each
#: defeating a simpler rule: end tags that close nothing, tags that close only some of what is
#: open, self-closing syntax that HTML ignores.
HOSTILE = {
    "divs": "<div>x",
    "spans": "<span>x",
    "paragraph then block": "<p>x<div>",
    "list item end past its list": "<li><ul></li>",
    "end tag of nothing open": "<span></div>",
    "self-closed div": "<div/>",
    "link around a block": "<a href=#>x<div>",
    "form ends inside": "<form><div></form>",
    "list item around a section": "<li><section>",
    "cell in a table in a cell": "<table><tr><td><div>",
    "heading around a block": "<h2><div>",
    "formatting end across a block": "<b><div></b>",
    "div inside svg": "<svg><div>",
    # How markup ends, read as a parser reads it.
    "comment ended at once": "<!--><div>",
    "comment ended by --!>": "<!-- x --!><div>",
    "bogus comment holding a comment's start": "<!x<!--><div>",
    "quoted '>' in an attribute": '<div title="></div>">',
    "script ended by </script/>": "<script>x</script/><div>",
    "end tag with a space HTML does not know": "<div></div\v>",
    "end tag with a Kelvin sign for its k": "<blockquote></bloc\u212aquote>",
    # What a parser ignores, adds or reopens.
    "cell outside a table": "<td><div></td>",
    "caption outside a table": "<caption><div></caption>",
    "frameset after the body's content": "<frameset><div></frameset>",
    "select in a select": "<select><select><div></select></select>",
    "formatting reopened after a block": "<div><b></div>x",
    # SVG and MathML.
    "self-closed after svg's content ended": "<svg><div></div><span/>",
    "self-closed in foreignObject": "<svg><foreignObject><section/>",
    "end tags in svg's CDATA": "<div><svg><![CDATA[</svg></div>]]></svg>",
}


def _depth(html: str) -> int:
    """How deep lexbor nests the elements of ``html``."""
    tree = LexborHTMLParser(html)
    deepest, pending = 0, [(tree.root, 1)]
    while pending:
        node, depth = pending.pop()
        deepest = max(deepest, depth)
        child = node.child if node is not None else None
        while child is not None:
            if child.tag not in ("-text", "-comment"):
                pending.append((child, depth + 1))
            child = child.next
    return deepest


@pytest.mark.parametrize("unit", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_nesting_is_cut_and_the_article_before_it_kept(unit: str) -> None:
    html = HEAD + ARTICLE + "</article>" + unit * 20_000
    cut = deep_cut(html, 1_000)
    assert cut is not None and html[cut] == "<"
    # What is parsed stays within reach of the bound. The bound is on the parser's stack of
    # open elements, which is what its time depends on; the tree may nest up to about twice
    # as deep where the parser takes an element off its stack but leaves it in the tree (a
    # form's end tag) or adds elements itself (a table's <tbody>).
    assert _depth(html[:cut]) <= 2 * 1_000
    article = extract(html)
    assert [b.text for b in article.blocks if b.text in PARAS] == PARAS
    assert article.truncated is not None and "max_depth" in article.truncated


def test_big_flat_pages_are_not_cut() -> None:
    rows = "".join(f"<tr><td>{n}<td>cell" for n in range(2_000))  # cells left open
    items = "".join(f"<li>item {n}" for n in range(2_000))  # items left open
    loose = "".join(f"<p>para {n}" for n in range(2_000))  # paragraphs left open
    closed = "<div class=row><span>x</span></div>" * 3_000
    icons = "<svg>" + "<path d='M0 0'/>" * 3_000 + "</svg>"  # self-closed in SVG
    script = "<script>var t = '" + "<div>" * 5_000 + "';</script>"  # text, not markup
    # Sloppy markup a parser nests no deeper: links left open in list items, bold left open
    # in cells, icons with titles, menus, quoted '>', comments and markup-like strings.
    links = "<ul>" + "".join(f"<li><a href='/{n}'>item {n}</li>\n" for n in range(1_000)) + "</ul>"
    cells = "<table>" + "<tr><td><b>x<td><FONT size=2>y</FONT>\n" * 1_000 + "</table>"
    svgs = "<svg><title>Close</title><path d='M0 0'/><g><style>.a{}</style></g></svg>" * 500
    menus = "<select>" + "<option value=1>a<option value='>'>b" * 500 + "</select>"
    notes = "<!-- <div> --><div title='a>b'>x</div><script>if (a<b) s='</div>'</script >" * 500
    html = (
        HEAD
        + ARTICLE
        + "</article><table>"
        + rows
        + "</table><ul>"
        + items
        + "</ul>"
        + loose
        + closed
        + icons
        + script
        + links
        + cells
        + svgs
        + menus
        + notes
        + "</body></html>"
    )
    assert html.count("<") > SCAN_FROM
    assert deep_cut(html, 100) is None
    assert extract(html).truncated is None


def test_the_cut_falls_where_the_depth_passes_the_bound() -> None:
    html = "<html><body>" + "<div>" * 12_000
    cut = deep_cut(html, 1_000)
    # <html> and <body> are two of the thousand.
    assert cut == len("<html><body>") + 998 * len("<div>")


def test_a_small_page_is_not_followed_however_deep() -> None:
    # Under SCAN_FROM tags the parser's worst case is small; the guard costs such a page one
    # search for its '<'.
    html = "<html><body>" + "<div>" * (SCAN_FROM - 10)
    assert deep_cut(html, 1_000) is None
    assert deep_cut(html, 1_000, scan_from=0) is not None


def test_a_page_is_followed_from_one_tag_past_the_bound() -> None:
    # The guard stops searching once it has found one '<' more than the bound: exactly that
    # many and the page is not followed, one more and it is (the bound is the larger of
    # scan_from and max_depth).
    assert deep_cut("<div>" * 50 + "x", 10, scan_from=50) is None
    assert deep_cut("<div>" * 51 + "x", 10, scan_from=50) == 10 * len("<div>")
    assert deep_cut("<div>" * 51 + "x", 60, scan_from=50) is None


def test_a_page_within_the_bound_is_not_cut() -> None:
    html = HEAD + ARTICLE + "</article>" + "<div>" * 900 + "x" + "</div>" * 900 + "<p>y" * 12_000
    assert deep_cut(html, 1_000) is None
    assert extract(html, options=ExtractOptions(max_depth=1_000)).truncated is None
    assert extract(html, options=ExtractOptions(max_depth=500)).truncated is not None


@pytest.mark.shared
def test_real_pages_nest_far_below_the_bound() -> None:
    if not SHARED.is_dir():
        pytest.skip("../shared/bench/extraction is absent: no real pages to follow")
    pages = sorted(SHARED.glob("*/html/*.html"))[::5]
    assert pages
    for page in pages:
        text = page.read_bytes().decode("utf-8", errors="replace")
        # A fifth of the default bound, every page followed: none comes near it.
        assert deep_cut(text, 200, scan_from=0) is None, page.name


def test_a_bound_below_one_is_a_config_error_naming_it() -> None:
    with pytest.raises(ConfigError, match=r"^max_depth: must be at least 1, not 0$"):
        ExtractOptions(max_depth=0)
    with pytest.raises(ConfigError, match=r"^max_nodes: must be at least 1, not -5$"):
        ExtractOptions(max_nodes=-5)
    with pytest.raises(ConfigError, match=r"^max_html_chars: must be at least 1, not 0$"):
        ExtractOptions(max_html_chars=0)
