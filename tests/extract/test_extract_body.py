"""Choosing the article's container: which elements branch, where comments start."""

from __future__ import annotations

import itertools
import random

import pytest

from scraper import extract
from scraper.extract.body import _branching, block_score, comments_start, select_body
from scraper.extract.chrome import AMBIGUOUS_COMMENT_HEADINGS, COMMENT_HEADINGS
from scraper.extract.filters import block_line
from scraper.extract.segment import Element, RawBlock
from scraper.models import BlockKind


def _walk(rng: random.Random) -> list[RawBlock]:
    """Blocks of a random element tree in document order, as the walk emits them."""
    blocks: list[RawBlock] = []
    ids = iter(range(1000, 10**6))

    def visit(element: Element, depth: int) -> None:
        for _ in range(rng.choice((0, 1, 1, 2, 3))):
            if depth < 6 and rng.random() < 0.6:
                visit(Element(next(ids), element), depth + 1)
            else:
                text = f"text {len(blocks)}"
                blocks.append(RawBlock(text, BlockKind.PARAGRAPH, 0, 0, element, "p", len(blocks)))

    visit(Element(next(ids), None), 0)
    return blocks


def _path(element: Element) -> tuple[Element, ...]:
    """The chain of elements down to ``element``, outermost first."""
    chain: list[Element] = []
    node: Element | None = element
    while node is not None:
        chain.append(node)
        node = node.parent
    return tuple(reversed(chain))


def _branching_by_definition(blocks: list[RawBlock]) -> set[object]:
    """Elements with two or more distinct children, a block's own text being one child."""
    children: dict[Element, set[object]] = {}
    for block in blocks:
        path = _path(block.element)
        for parent, child in itertools.pairwise(path):
            children.setdefault(parent, set()).add(child)
        children.setdefault(path[-1], set()).add(("text", block.index))
    return {node for node, kids in children.items() if len(kids) > 1}


def test_branching_elements_are_those_with_two_children_holding_text() -> None:
    # Neighbouring blocks parting ways must find every branching element, and only those,
    # whatever mix of nested wrappers, sibling subtrees and text at each level.
    rng = random.Random(11)
    seen = 0
    for _ in range(300):
        blocks = _walk(rng)
        expected = _branching_by_definition(blocks)
        assert _branching(blocks) == expected
        seen += len(expected)
    assert seen > 300  # the trees did branch


def _container_by_dict(blocks: list[RawBlock], scores: list[float]) -> int | None:
    """The container as a dict of running totals and ``max`` pick it (ties: the first)."""
    branching = _branching(blocks)
    totals: dict[Element, float] = {}
    for block, score in zip(blocks, scores, strict=True):
        if score == 0.0:
            continue
        path = _path(block.element)
        start = len(path) - 2 if len(path) >= 2 and block.tag == "p" else len(path) - 1
        weight = 1.0
        for depth in range(start, max(start - 12, -1), -1):
            totals[path[depth]] = totals.get(path[depth], 0.0) + score * weight
            if path[depth] in branching:
                weight *= 0.8
    if not totals:
        return None
    container = max(totals, key=totals.__getitem__)
    return None if totals[container] <= 0 else container.node_id


def test_the_container_is_the_element_with_the_first_highest_total() -> None:
    # Scores drawn from a few values make equal totals (ties) common.
    rng = random.Random(5)
    chosen = 0
    for _ in range(300):
        blocks = _walk(rng)
        scores = [rng.choice((-5.0, 0.0, 30.5, 61.0, 120.25)) for _ in blocks]
        selection = select_body(blocks, scores)
        assert selection.container == _container_by_dict(blocks, scores)
        chosen += selection.container is not None
    assert chosen > 100


def test_comments_heading_is_found_after_prose_with_its_counts_and_not_before() -> None:
    # Lines are screened for a heading's last word before they are cleaned of counts: every
    # heading, with or without its count, must still end the article.
    prose = "The pier closed on Tuesday after inspectors found cracks in its supports. " * 8
    for heading in sorted(COMMENT_HEADINGS):
        for text in (heading, f"{heading} (12)", f"[3] {heading}"):
            blocks = [
                RawBlock(prose, BlockKind.PARAGRAPH, 0, 0, Element(2, None), "p", 0),
                RawBlock(text, BlockKind.HEADING, 2, 0, Element(3, None), "h2", 1),
                RawBlock("Nice article!", BlockKind.PARAGRAPH, 0, 0, Element(4, None), "p", 2),
                RawBlock("Reply", BlockKind.PARAGRAPH, 0, 0, Element(5, None), "p", 3),
            ]
            lines = [block_line(b) for b in blocks]
            scores = [block_score(b) for b in blocks]
            assert comments_start(blocks, scores, lines) == 1, text
            if heading in AMBIGUOUS_COMMENT_HEADINGS:
                # No reply link nor signature after it: a section of the article.
                assert comments_start(blocks[:3], scores[:3], lines[:3]) == 3, text
    blocks = [RawBlock("Comments", BlockKind.HEADING, 2, 0, Element(3, None), "h2", 0)]
    assert comments_start(blocks, [0.0], ["comments"]) == len(blocks)  # no prose above it
    assert comments_start(blocks[:0], [], []) == 0


@pytest.mark.parametrize("heading", ["Public comments", "Discussion", "Responses", "Réactions"])
def test_a_section_headed_like_comments_is_the_articles_when_no_comment_follows(
    heading: str,
) -> None:
    # "Public comments" on a planning case, a study's "Discussion", "Réactions" to a bill: the
    # rest of the article was cut off as readers' comments.
    paras = [
        "The council received 1,140 public comments on the application, of which 812 were "
        "objections, mostly about the height of the tower and the shadow it would cast.",
        "Transport Scotland asked for a travel plan limiting parking on the site to residents, "
        "and the developer agreed to fund two new bus stops on the main road.",
    ]
    lede = (
        "Glasgow's tallest tower was approved on Wednesday after a hearing that lasted most of "
        "the day, with councillors voting nine to four in favour of the 40-storey building. "
    ) * 3
    page = (
        f"<html><body><article><p>{lede}</p><h2>{heading}</h2>"
        + "".join(f"<p>{p}</p>" for p in paras)
        + "</article></body></html>"
    )
    text = extract(page).text
    assert heading in text
    assert all(p in text for p in paras)


_BODY = [
    "The council voted on Tuesday to pay for repairs to the Mill Street bridge, which has been "
    "closed to lorries since a survey found cracks in two of its three arches last spring.",
    "Work will start in March and take about a year, during which a temporary footbridge will "
    "carry pedestrians across the river while the arches are rebuilt in the original stone.",
    "Traders on the high street said the closure had cost them customers for two years and "
    "welcomed the vote, though several asked why it had taken the council so long to decide.",
]
_LEDE = "Councillors end a decade of delay over the crumbling Mill Street bridge."


@pytest.mark.parametrize(
    "lede",
    [
        f"<p class='lede'>{_LEDE}</p>",  # beside the body's wrapper
        f"<div class='article-header'><h1>Bridge</h1><p>{_LEDE}</p><p>By Jane Roe</p></div>",
    ],
)
def test_a_lead_paragraph_just_outside_the_body_wrapper_is_the_articles(lede: str) -> None:
    body = "".join(f"<p>{text}</p>" for text in _BODY)
    page = (
        f"<html><body><main><h1>Bridge</h1>{lede}<div class='article-body'>{body}</div>"
        "</main></body></html>"
    )
    assert [block.text for block in extract(page).blocks][:2] == [_LEDE, _BODY[0]]


def test_a_lead_repeating_the_pages_summary_stays_metadata() -> None:
    body = "".join(f"<p>{text}</p>" for text in _BODY)
    page = (
        f"<html><head><meta name='description' content='{_LEDE}'></head><body><main>"
        f"<h1>Bridge</h1><p class='lede'>{_LEDE}</p><div class='article-body'>{body}</div>"
        "</main></body></html>"
    )
    article = extract(page)
    assert article.description == _LEDE
    assert [block.text for block in article.blocks] == _BODY


def test_prose_before_the_headline_or_a_disclosure_is_no_lead() -> None:
    body = "".join(f"<p>{text}</p>" for text in _BODY)
    for before in (
        f"<p>{_LEDE}</p><h1>Bridge</h1>",
        "<p>We may earn a commission when you buy through links on this page.</p>",
    ):
        page = (
            f"<html><body><main>{before}<div class='article-body'>{body}</div></main></body></html>"
        )
        assert [block.text for block in extract(page).blocks] == _BODY


def test_a_closed_threads_notice_run_into_its_first_comment_ends_the_article() -> None:
    # Old templates set "Comments are now closed" in bold with the first reader's name and
    # comment after it, only <br> between them: one block, too long for a heading.
    comments = "".join(
        f"<br><b>{name}</b><br>{text}<br><br><hr>"
        for name, text in (
            ("Stephen B", "The council has had years to fix that bridge and did nothing at all."),
            ("Lina", "Good news for the traders, though it comes far too late for some."),
        )
    )
    page = (
        "<html><body><div class='main'>"
        + "".join(f"<p>{p}</p>" for p in _BODY)
        + f"<hr><b>Comments are now closed for this story</b><br><br>{comments}"
        + "</div></body></html>"
    )
    text = extract(page).text
    assert all(p in text for p in _BODY)
    assert "Comments are now closed" not in text
    assert "did nothing at all" not in text
    assert "far too late" not in text


def test_an_article_split_into_sections_keeps_every_sections_prose() -> None:
    # Documentation-style generators (AsciiDoc, Sphinx) wrap each section, heading and body,
    # in its own element; lists of linked changes in some sections pulled the common wrapper
    # below the longest section, which was kept alone.
    def section(heading: str, paras: list[str], links: int) -> str:
        items = "".join(
            f"<li><a href='/pr/{n}'>Fix the build of module {n} on the older toolchain</a></li>"
            for n in range(links)
        )
        body = "".join(f"<div class='paragraph'><p>{p}</p></div>" for p in paras)
        return (
            f"<div class='sect1'><h2>{heading}</h2><div class='sectionbody'>{body}"
            f"<div class='ulist'><ul>{items}</ul></div></div></div>"
        )

    first = [
        "The compiler now builds itself on three more architectures, which took most of the "
        "autumn and a good deal of help from the people who maintain the older back ends."
    ]
    changes = [
        "Most of the work this month went into the test suite, which now runs in half the "
        "time it took in the spring and fails far less often on the slower machines.",
    ]
    howto = [
        "Run the tests locally and choose one that fails on your machine today.",
        "Investigate why it fails, and write down what you find in the issue tracker.",
        "Fix the problem if you can, and open a pull request that links the issue.",
        "Even if you cannot fix it, your notes will help whoever picks it up next.",
    ]
    page = (
        "<html><body><div class='content'>"
        + section("What is this project?", first, 0)
        + section("Changes this month", changes, 12)
        + section("How to contribute", howto, 0)
        + "</div></body></html>"
    )
    text = extract(page).text
    assert all(p in text for p in first + changes + howto)
