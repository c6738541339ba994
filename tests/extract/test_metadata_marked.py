"""The page's date-ish and author-ish elements, from one cheaper query sorted out in Python."""

from __future__ import annotations

import pytest
from selectolax.lexbor import LexborHTMLParser

from scraper.extract.bylines import marked_elements
from scraper.extract.metadata_patterns import AUTHOR_SELECTOR, DATE_SELECTOR

# Elements that lexbor's superset query returns but only some of the selectors match: case
# variants, repeats, the sibling combinator across text and comments, rel's case-insensitive
# value, valueless attributes, SVG and MathML elements, and a template's (unsearched) content.
_PAGE = """<!doctype html><html><head>
<meta itemprop="datePublished" content="2024-05-02"><meta property="Article:Modified_DATE">
</head><body>
<div class="PUBLISHED Posted TimeStamp" id="Date-top"></div>
<p class="post-meta byline" id="author-box"><a href="/author/jane" rel="AUTHOR">Jane</a>
 text <!-- note --><span class="when">May 2</span><a href="/AUTHOR/x"></a><b id="b"></b></p>
<span itemprop="Author">Ann</span><span itemprop="author dateline">Bo</span>
<time datetime="2024-05-02">May 2</time><div class id="x"></div><div class="">e</div>
<svg><g class="date"></g><a href="/author/svg"></a><time></time></svg>
<math><mi class="Meta"></mi></math>
<template><div class="date"></div></template>
<div class="writer Writer" id="a-writer"><i class="published-date updated"></i></div>
<a href="https://x.test/authors/joe" class="author-link">Joe</a><em>after</em>
<div class="dÅte DATE İbyline"></div><div class="bylİne"></div>
</body></html>"""


def _ids(nodes: list) -> list[int]:  # type: ignore[type-arg]
    return [node.mem_id for node in nodes]


@pytest.mark.parametrize(("dates", "authors"), [(True, True), (True, False), (False, True)])
def test_marked_elements_are_what_the_selectors_match(dates: bool, authors: bool) -> None:
    tree = LexborHTMLParser(_PAGE)
    found = marked_elements(tree, dates=dates, authors=authors)
    assert _ids(found.dates) == (_ids(tree.css(DATE_SELECTOR)) if dates else [])
    assert _ids(found.authors) == (_ids(tree.css(AUTHOR_SELECTOR)) if authors else [])


def test_marked_elements_repeat_an_element_once_per_selector_it_matches() -> None:
    tree = LexborHTMLParser('<div class="post-meta byline-date"></div><time></time>')
    found = marked_elements(tree, dates=True, authors=True)
    # date, byline and meta for the div; then the bare <time>.
    assert [node.tag for node in found.dates] == ["div", "div", "div", "time"]
    assert [node.tag for node in found.authors] == ["div"]


def test_marked_elements_of_a_page_without_any() -> None:
    found = marked_elements(LexborHTMLParser("<p>Nothing here</p>"), dates=True, authors=True)
    assert found.dates == [] and found.authors == []
