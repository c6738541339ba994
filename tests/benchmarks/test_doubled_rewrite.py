"""The doubled-body benchmark's own machinery: locating the body, rewriting, judging "twice"."""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import ModuleType

import pytest

BODY = [
    "The harbour trust agreed on Monday to rebuild the old fish market as a covered hall for "
    "weekend traders and the lifeboat crew's winter training.",
    "Work on the roof is due to begin in April and should take about five months, the trust "
    "said, with the hall open to traders from the first weekend of October.",
    "Stallholders who used the market before it closed will be offered the first pitches at "
    "the old rent for two years, a promise the trust made when it bought the building.",
]
PAGE = (
    "<html><head><title>Fish market to become covered hall | Bay News</title></head><body>"
    "<nav><a href='/'>Home</a> <a href='/news'>News</a></nav>"
    "<div class='layout'><article><h1>Fish market to become covered hall</h1>"
    "<div class='body'>" + "".join(f"<p>{p}</p>" for p in BODY) + "</div></article>"
    "<aside><h3>Most read</h3><ul><li><a href='/a'>Ferry fares frozen</a></li></ul></aside>"
    "</div><footer>Bay News 2025</footer></body></html>"
)


@pytest.fixture(scope="module")
def doubled(benchmark_module: Callable[[str], ModuleType]) -> ModuleType:
    return benchmark_module("doubled")


def _page(doubled: ModuleType) -> object:
    dataset = sys.modules["bench_dataset"]
    return dataset.BenchPage(set_name="t", id="1", html=PAGE, gold="\n\n".join(BODY), url=None)


def test_the_body_is_the_smallest_element_holding_the_gold(doubled: ModuleType) -> None:
    from selectolax.lexbor import LexborHTMLParser

    node = doubled.locate_body(LexborHTMLParser(PAGE), "\n\n".join(BODY))
    assert node is not None
    assert node.attributes.get("class") == "body"


def test_every_kind_renders_the_body_a_second_time(doubled: ModuleType) -> None:
    variants = doubled.build_variants(_page(doubled))
    assert set(variants) == set(doubled.KINDS)
    marker = "a promise the trust made when it bought the building"
    assert variants["once"].count(marker) == 1
    for kind in doubled.KINDS[1:]:
        assert variants[kind].count(marker) == 2, kind
    assert "<template" in variants["template"] and "display:none" in variants["hidden"]
    assert variants["subtitle"].count("Fish market to become covered hall") == 3
    copy = variants["markup"].split("mobile-article", 1)[1]
    assert "<p>" not in copy and copy.count("m-block") == len(BODY)
    comments = variants["comments"]
    assert comments.index("comments-area") < comments.rindex(marker)


def test_pages_whose_gold_is_not_on_the_page_are_skipped(doubled: ModuleType) -> None:
    dataset = sys.modules["bench_dataset"]
    page = dataset.BenchPage(
        set_name="t", id="2", html=PAGE, gold="words that are elsewhere " * 9, url=None
    )
    assert doubled.build_variants(page) is None


def test_twice_means_most_single_shingles_occur_twice(doubled: ModuleType) -> None:
    gold = "\n\n".join(BODY)
    assert not doubled.holds_twice(gold, gold)
    assert doubled.holds_twice(gold, gold + "\n\n" + gold)
    assert not doubled.holds_twice(gold, gold + "\n\n" + BODY[0])
    assert not doubled.holds_twice(gold, "")
