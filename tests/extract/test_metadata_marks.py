"""MarkedElements lists exactly what lexbor's date and byline queries list, copies included."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from selectolax.lexbor import LexborHTMLParser, LexborNode

from scraper.extract.marked import MarkedElements
from scraper.extract.metadata_patterns import (
    AUTHOR_CLASS_WORDS,
    AUTHOR_CLASS_WORDS_ANY_CASE,
    AUTHOR_SELECTOR,
    DATE_CLASS_WORDS,
    DATE_CLASS_WORDS_ANY_CASE,
    DATE_SELECTOR,
)

SETS = Path(__file__).resolve().parents[2].parent / "shared" / "bench" / "extraction"

# The two queries as first written, one plain selector per word: the cheaper forms in
# metadata_patterns must select the same elements the same number of times.
PLAIN_DATES = (
    "time, [itemprop^='date'], [property*='date' i], [class*='date' i], [class*='publish'],"
    " [class*='posted'], [class*='timestamp'], [class*='byline' i], [id*='date'],"
    " [class*='meta' i], [class*='author' i], a[href*='/author'] + *"
)
PLAIN_AUTHORS = (
    "[itemprop='author'], [rel='author'], [class*='byline' i], [class*='author' i],"
    " [id*='author'], a[href*='/author'], [class*='writer']"
)

TRICKY = """<html><head>
<meta property="og:updated_time" content="2024-01-02">
<meta property="ARTICLE:PUBLISHED_DATE" content="2024-01-01">
<link rel="Author" href="/about">
</head><body>
<div class="post-meta byline author-box" id="dateline-author">
  <span class="Date Published">May 2</span><time datetime="2024-05-02" class="timestamp">x</time>
  <a href="/author/jane" rel="author" class="AUTHOR">Jane</a> <!-- gap --> <span>May 3</span>
  <a href="/authors/joe" class="writer">Joe</a><b class="date">May 4</b>
</div>
<p class="PUBLISHED POSTED TIMESTAMP WRITER">caps: not the exact-case words</p>
<p class="BYLİNE Kmeta">dotted capital I, Kelvin sign</p>
<p itemprop="datePublished author" id="updated-date">x</p><p itemprop="author">A</p>
<p class="" id="">empty</p><p class id>valueless</p><p REL="AUTHOR" class="meta">upper rel</p>
<svg><a xlink:href="/author/x" class="meta">1</a><a href="/q" xlink:href="/author/y">2</a>
<g rel="Author" class="x-date"><time>svg time</time></g></svg><i>after svg</i>
<math><mi rel="author" class="date">m</mi></math>
</body></html>"""


def _ids(nodes: list[LexborNode]) -> list[int]:
    return [node.mem_id for node in nodes]


def _check(tree: LexborHTMLParser) -> None:
    dates = _ids(tree.css(PLAIN_DATES))
    authors = _ids(tree.css(PLAIN_AUTHORS))
    assert _ids(tree.css(DATE_SELECTOR)) == dates
    assert _ids(tree.css(AUTHOR_SELECTOR)) == authors
    # The dates first reads the bylines along; the bylines first, each list alone.
    marked = MarkedElements(tree)
    assert _ids(marked.dates) == dates
    assert _ids(marked.authors) == authors
    marked = MarkedElements(tree)
    assert _ids(marked.authors) == authors
    assert _ids(marked.dates) == dates
    # Bylines not wanted: the dates alone, and the bylines still right if asked for after all.
    marked = MarkedElements(tree, bylines=False)
    assert _ids(marked.dates) == dates
    assert _ids(marked.authors) == authors


def test_marked_elements_match_the_plain_queries_on_tricky_markup() -> None:
    tree = LexborHTMLParser(TRICKY)
    _check(tree)
    # The markup above exercises copies: an element several selectors select comes back as
    # many times, and the element after an author link (past a comment) once more.
    assert len(tree.css(PLAIN_DATES)) > len({n.mem_id for n in tree.css(PLAIN_DATES)})


@pytest.mark.parametrize(
    "markup",
    [
        "<p>nothing marked</p>",
        "<a href='/author/x'>A</a><a href='/author/y'>B</a><span class='meta'>C</span>",
        "<time class='date'><time class='date updated'>x</time></time>",
        "<svg><a href='/author/z'></a><title class='byline'>t</title></svg>",
    ],
)
def test_marked_elements_match_the_plain_queries(markup: str) -> None:
    _check(LexborHTMLParser(markup))


def test_any_case_words_lower_case_alike_in_python_and_lexbor() -> None:
    # Only U+0130 and U+212A lower-case to ASCII in Python (and not in lexbor): a word that
    # holds no "k" and does not end in "i" is found in str.lower() exactly where lexbor finds it.
    to_ascii = [
        c for c in map(chr, range(128, sys.maxunicode + 1)) if any(o < "\x80" for o in c.lower())
    ]
    assert to_ascii == ["\u0130", "\u212a"]
    for word in (*DATE_CLASS_WORDS_ANY_CASE, *AUTHOR_CLASS_WORDS_ANY_CASE):
        assert "k" not in word and not word.endswith("i")
    for word in (*DATE_CLASS_WORDS, *AUTHOR_CLASS_WORDS):
        assert word == word.lower()


@pytest.mark.shared
def test_marked_elements_match_the_plain_queries_on_shared_pages() -> None:
    if not SETS.is_dir():
        pytest.skip(f"{SETS} is absent (the shared benchmark pages are not on this machine)")
    # Every tenth page keeps the test to a few seconds.
    for path in sorted(SETS.glob("*/html/*.html"))[::10]:
        _check(LexborHTMLParser(path.read_text("utf-8", errors="replace")))
