"""The segmentation walk: class words judged token by token, whitespace collapsed, tables."""

from __future__ import annotations

import random
import re
import time

import pytest
from selectolax.lexbor import LexborHTMLParser, LexborNode

from scraper.extract.segment import (
    Element,
    Segmentation,
    _camel_hyphenated,
    _collapsed,
    _prose_and_quotes,
    _searched_table_parts,
    _table_parts,
    ancestor_at,
    segment,
)
from scraper.models import BlockKind

_PROSE = "This paragraph is the article text and it goes on for a while. " * 3


def _segment(body: str) -> Segmentation:
    root = LexborHTMLParser(f"<html><body>{body}</body></html>").body
    assert root is not None
    return segment(root)


def _reasons(body: str) -> list[str]:
    return [d.reason for d in _segment(body).dropped]


@pytest.mark.parametrize(
    ("names", "reason"),
    [
        ("share-bar", "class/id word 'share'"),
        ("shareBar", "class/id word 'share'"),  # camel-case humps are words
        ("post_social_links", "class/id word 'social'"),
        ("relatedposts", "class/id word 'relatedposts'"),  # a chrome prefix
        ("ad sidebar", "class/id word 'ad'"),  # the least word names the reason
        ("x SideBar-Promo", "class/id word 'promo'"),
        ("author-box", "weak: class/id word 'author' on a small element"),
        ("menü-nav", "class/id word 'nav'"),  # a non-ASCII token is split by the regex
    ],
)
def test_class_words_mark_chrome(names: str, reason: str) -> None:
    assert _reasons(f'<p>{_PROSE}</p><div class="{names}">Chrome text</div>') == [reason]


@pytest.mark.parametrize(
    "names",
    [
        "has-sidebar",  # a layout word: the token describes the page, not the element
        "article-body share",  # a content token outranks chrome words
        "download-link",  # "ad" inside a word is not the word "ad"
        "header-wrap",
        "col-md-6 container",
        # A page builder names every block a widget, the article's paragraphs too.
        "elementor-widget-container",
    ],
)
def test_class_words_that_are_not_chrome(names: str) -> None:
    seg = _segment(f'<div class="{names}"><p>{_PROSE}</p></div><div class="{names}">x</div>')
    assert seg.dropped == []
    assert [b.text for b in seg.blocks] == [_PROSE.strip(), "x"]


@pytest.mark.parametrize(
    "names",
    [
        "shareable-paragraph",  # a quotable paragraph: "shareable" is no "share" bar
        "subscriber-only",  # the body a paywalled page serves
        "paywall",
        "articleText paywall",
    ],
)
def test_prose_qualifiers_keep_the_prose_they_mark(names: str) -> None:
    # The rest of the page holds most of the prose: no share of it protects the marked text.
    rest = f"<p>{_PROSE}</p>" * 3
    seg = _segment(f'{rest}<div class="{names}"><p>{_PROSE}</p></div>')
    assert seg.dropped == []
    assert _reasons(f'{rest}<p class="{names}">{_PROSE}</p>') == []
    # Text as long as a weak word's spared size is the article's, in paragraphs or not.
    assert _reasons(f'{rest}<div class="{names}"><div>{_PROSE * 2}</div></div>') == []


@pytest.mark.parametrize(
    ("names", "reason"),
    [
        ("paywall", "qualified: class/id word 'paywall' on a small element without prose"),
        (
            "subscriber-only",
            "qualified: class/id word 'subscriber' on a small element without prose",
        ),
        ("shareable share-bar", "class/id word 'share'"),  # a chrome word still marks chrome
    ],
)
def test_prose_qualifiers_on_a_gate_are_chrome(names: str, reason: str) -> None:
    gate = "<h2>This post is for paid subscribers</h2><a href='/s'>Subscribe</a>"
    assert _reasons(f'<p>{_PROSE}</p><div class="{names}">{gate}</div>') == [reason]


def test_one_token_judged_the_same_in_every_class_string() -> None:
    body = "".join(f'<div class="share c{n}">s{n}</div>' for n in range(3))
    assert _reasons(f"<p>{_PROSE}</p>{body}") == ["class/id word 'share'"] * 3


def test_camel_humps_are_hyphenated_as_the_lookaround_regex_does() -> None:
    # A hyphen goes before each A-Z that follows a-z or 0-9 (ASCII only, as the regex's classes).
    camel = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
    rng = random.Random(7)
    alphabet = "aZ9_-bQ0\u00e9\u00c9\u0130xY "
    tokens = ["", "A", "a", "shareBar", "ABCdef", "x9Y", "iPhone12Pro", "\u00e9A", "aB-cD_eF"]
    tokens += [
        "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12))) for _ in range(3000)
    ]
    for token in tokens:
        assert _camel_hyphenated(token) == camel.sub("-", token), token
    assert _camel_hyphenated("topNavBar2Go") == "top-Nav-Bar2-Go"


def test_id_and_class_are_judged_together() -> None:
    assert _reasons(f'<p>{_PROSE}</p><div class="box" id="comments">c</div>') == [
        "class/id word 'comments'"
    ]


@pytest.mark.parametrize(
    "text",
    [
        "plain words",
        " leading",
        "trailing ",
        "two  spaces",
        "a\nline\tbreak\r",
        "form\x0cfeed\x0bvertical\x1cfile\x1fseparators",
        "no\xa0break\u2003em space",
        "café au lait",
        " café  au\u2028lait ",
        "zero\u200bwidth space",
        "",
        "x",
    ],
)
def test_collapsed_is_split_and_join(text: str) -> None:
    assert _collapsed(text) == " ".join(text.split())


def test_blocks_keep_text_kinds_and_link_share() -> None:
    seg = _segment(
        "<h2>Head\nline</h2><p>Some <a href='/x'>linked</a> text</p>"
        "<ul><li>one</li><li>two<br><br>three</li></ul>"
        "<table><tr><td>a</td><td>b</td></tr><tr><th>c</th></tr></table>"
    )
    assert [(b.text, b.kind, b.level, b.link_chars) for b in seg.blocks] == [
        ("Head line", BlockKind.HEADING, 2, 0),
        ("Some linked text", BlockKind.PARAGRAPH, 0, 6),
        ("one", BlockKind.LIST_ITEM, 0, 0),
        ("two", BlockKind.LIST_ITEM, 0, 0),
        ("three", BlockKind.LIST_ITEM, 0, 0),
        ("a | b\nc", BlockKind.TABLE, 0, 0),
    ]
    # Each block sits in its innermost block element, under the walk's root (depth 0).
    assert [b.element.depth for b in seg.blocks] == [1, 1, 2, 2, 2, 1]


def test_climbing_out_of_deep_nesting_closes_every_element() -> None:
    deep = "<div>" * 50 + "<span>inner</span>" + "</div>" * 50
    seg = _segment(f"{deep}<p>after</p>")
    assert [(b.text, b.element.depth) for b in seg.blocks] == [("inner", 50), ("after", 1)]


def test_table_with_a_long_cell_is_layout_and_walked() -> None:
    long_cell = "word " * 70
    seg = _segment(f"<table><tr><td>{long_cell}</td><td>b</td></tr></table>")
    assert [(b.text, b.kind) for b in seg.blocks] == [
        (long_cell.strip(), BlockKind.PARAGRAPH),
        ("b", BlockKind.PARAGRAPH),
    ]


def test_table_holding_blocks_is_layout() -> None:
    seg = _segment("<table><tr><td><p>one</p></td><td>two</td></tr></table>")
    assert [b.kind for b in seg.blocks] == [BlockKind.PARAGRAPH, BlockKind.PARAGRAPH]


def test_cells_inside_foreign_content_go_with_their_row() -> None:
    # An svg may hold elements named like cells: each row lists every cell inside it.
    seg = _segment(
        "<table><tr><td>a</td><td><svg><td>inner</td></svg>b</td><td>c</td></tr>"
        "<tr><td>d</td></tr></table>"
    )
    assert [(b.text, b.kind) for b in seg.blocks] == [
        ("a | innerb | inner | c\nd", BlockKind.TABLE)
    ]


def _parts(found: list[LexborNode] | None) -> list[int] | None:
    return None if found is None else [node.mem_id for node in found]


@pytest.mark.parametrize(
    "rows",
    [
        # Small and large data tables, blocks early and late (past the walk's budget), a
        # nested table, a block inside foreign content, comments, a caption and head rows.
        "<tr><td>a</td><td>b</td></tr>",
        "<caption>c</caption><thead><tr><th>h</th></tr></thead><tr><td>a<!-- x --></td></tr>",
        "<tr><td><p>one</p></td></tr>",
        "<tr><td>a</td></tr>" * 5 + "<tr><td><div>later</div></td></tr>",
        "<tr><td>a</td></tr>" * 30 + "<tr><td><div>late</div></td></tr>",
        "<tr><td>a</td></tr>" * 30,
        "<tr><td><table><tr><td>inner</td></tr></table></td></tr>",
        "<tr><td><svg><section>s</section><td>x</td></svg></td></tr>",
        "<tr><td><math><mi>x</mi></math> <b>bold</b> <i>it</i></td></tr>",
    ],
)
def test_walked_table_parts_are_what_the_searches_find(rows: str) -> None:
    # Small tables are walked instead of searched: the walk must find the same rows, cells
    # and foreign content in the same order, or the same block that makes the table layout.
    table = LexborHTMLParser(f"<table>{rows}</table>").css_first("table")
    assert table is not None
    assert _parts(_table_parts(table)) == _parts(_searched_table_parts(table))


def _by_selector(root: LexborNode) -> tuple[int, bool]:
    found = root.css("p, blockquote")
    return sum(len(n.text_lexbor()) for n in found if n.tag == "p"), any(
        n.tag == "blockquote" for n in found
    )


@pytest.mark.parametrize(
    "html",
    [
        # Paragraphs the parser moves into <body> (from <head>, after </body>), in SVG's
        # foreignObject, in a template, in tables and nested in quotes.
        "<html><head><title>T</title><p>In the head</p></head><body><p>One</p>"
        "<svg><foreignObject><p>Drawn</p></foreignObject></svg><template><p>Later</p></template>"
        "<table><tr><td><p>Cell</p></td></tr></table><blockquote><p>Quoted</p></blockquote>"
        "</body></html><p>After the end</p>",
        "<html><body><div><p>No quote here, just prose.</p><p></p></div></body></html>",
        "<html><body></body></html>",
    ],
)
def test_prose_and_quotes_of_the_body_are_those_the_selector_finds(html: str) -> None:
    tree = LexborHTMLParser(html)
    assert tree.body is not None
    assert _prose_and_quotes(tree.body) == _by_selector(tree.body)


def test_prose_and_quotes_of_another_root_count_what_it_holds_only() -> None:
    tree = LexborHTMLParser(
        "<body><p>Outside the root</p><blockquote>Out</blockquote>"
        "<div id='root'><p>Inside</p><p>Also inside</p></div></body>"
    )
    root = tree.css_first("#root")
    assert root is not None
    assert _prose_and_quotes(root) == (len("Inside") + len("Also inside"), False)


def _tree(rng: random.Random) -> list[Element]:
    """The elements of a random tree, parents first."""
    elements = [Element(0, None)]
    for node_id in range(1, 300):
        # Mostly deep chains, with branches off earlier elements.
        parent = elements[-1] if rng.random() < 0.7 else rng.choice(elements)
        elements.append(Element(node_id, parent))
    return elements


def _chain(element: Element) -> list[Element]:
    chain = []
    node: Element | None = element
    while node is not None:
        chain.append(node)
        node = node.parent
    return chain[::-1]


def test_ancestor_at_is_the_element_at_that_depth_of_the_chain() -> None:
    rng = random.Random(3)
    for _ in range(20):
        elements = _tree(rng)
        for depth in (0, 1, 5, 20, 60):
            memo: dict[Element, Element] = {}
            # In a random order, so that memoised answers are met at every level.
            for element in rng.sample(elements, len(elements)):
                chain = _chain(element)
                expected = chain[depth] if depth < len(chain) else None
                assert ancestor_at(element, depth, memo) is expected


def _kept_chain(levels: int, inner: str) -> str:
    # Hidden wrappers that hold most of the page's prose are kept, one inside the next.
    prose = "".join(f"<p>{n} {_PROSE}</p>" for n in range(5))
    return '<div hidden="">' * levels + prose + inner + "</div>" * levels + f"<p>{_PROSE}</p>"


def test_small_hidden_element_inside_kept_hidden_wrappers_is_dropped() -> None:
    out = _segment(_kept_chain(3, '<div hidden="">Subscribe to read on</div>'))
    assert [d.reason for d in out.dropped] == ["hidden element"]
    assert not any("Subscribe" in b.text for b in out.blocks)
    assert sum(_PROSE.strip() in b.text for b in out.blocks) == 6


def test_marked_elements_deep_inside_kept_ones_are_kept_unmeasured() -> None:
    # Past eight kept marked ancestors, nothing inside is measured (or dropped) again.
    out = _segment(_kept_chain(9, '<div hidden="">Subscribe to read on</div>'))
    assert out.dropped == []
    assert any("Subscribe" in b.text for b in out.blocks)


def test_a_chain_of_kept_marked_elements_is_not_measured_once_per_level() -> None:
    # Each level used to read its whole subtree: 2,000 levels over 400 KB of prose took
    # seconds, growing with the square of the depth.
    prose = "".join(f"<p>{n} {_PROSE}</p>" for n in range(2000))
    for marker in ('hidden=""', 'style="display:none"', 'class="sidebar"'):
        body = f"<div {marker}>" * 2000 + prose + "</div>" * 2000
        started = time.process_time()
        out = _segment(body)
        assert time.process_time() - started < 1.0, marker  # about 20 ms
        assert len(out.blocks) == 2000
