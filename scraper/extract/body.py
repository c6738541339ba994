"""Finding the article among the blocks: score blocks, then the container that holds most of
the good ones.

Each block gets a content score: positive for sentence-like prose with few links, negative for
link lists and short fragments. Each enclosing element collects the scores of the blocks inside
it, discounted by how far up it sits, so the winner is the tightest element holding the bulk
of the prose (the article body), not the page wrapper that also holds every teaser.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from scraper.extract.chrome import (
    AMBIGUOUS_COMMENT_HEADINGS,
    COMMENT_CLOSED_PREFIXES,
    COMMENT_HEADING_WORDS,
    COMMENT_HEADINGS,
    REPLY_LINKS,
)
from scraper.extract.filters import (
    Context,
    block_line,
    is_comment_signature,
    is_disclosure,
    repeats_description,
)
from scraper.extract.segment import Element, RawBlock, ancestor_at
from scraper.models import BlockKind

__all__ = ["Selection", "block_score", "comments_start", "select_body"]

#: Block kinds read once: in compiled code each ``BlockKind.X`` is a slow lookup on the class.
_HEADING: Final = BlockKind.HEADING
_TABLE: Final = BlockKind.TABLE
_LIST_ITEM: Final = BlockKind.LIST_ITEM
_PARAGRAPH: Final = BlockKind.PARAGRAPH

#: Score kept per level an element sits above a block's own element.
_DECAY: Final = 0.8
#: Levels a block's score travels up; deeper wrappers gain nothing from it.
_MAX_UP: Final = 12
_MIN_PROSE_CHARS: Final = 40
_PROSE_BEFORE_COMMENTS: Final = 400.0
_COUNTS: Final = re.compile(r"[\d()\[\]]+")
#: Blocks after an ambiguous comments heading looked at for a comment's marks.
_COMMENT_LOOK: Final = 8
_COMMENT_HEADING_CHARS: Final = 40
#: A sibling of the container joins the body when its score reaches this share of the
#: container's and one of its blocks is real prose.
_SIBLING_SHARE: Final = 0.3
_SIBLING_MIN_BEST: Final = 80.0
#: A lead paragraph before the container joins it when it scores this much (a sentence of
#: some length with few links) ...
_LEAD_MIN_SCORE: Final = 50.0
#: ... set at most this deep below the container's parent (beside the container, or in a
#: header beside it; deeper down, as in an image's embed, prose is a caption) ...
_LEAD_DEPTH: Final = 3
#: ... as do up to this many paragraphs, ...
_LEAD_PARAGRAPHS: Final = 2
#: ... past at most this many short lines (a byline, a date) this long.
_LEAD_PASSED: Final = 3
_LEAD_PASSED_CHARS: Final = 80
_SENTENCE_END: Final = (".", "!", "?", '"', "”", "’", "»", ":", ")", "…", "'")


def _least_pieces(words: set[str]) -> tuple[str, ...]:
    """The words that hold none of the others: a text holding any word holds one of these."""
    return tuple(sorted(w for w in words if not any(v != w and v in w for v in words)))


#: A comments heading cleaned of its counts ends in the last word of a heading or in
#: "comments"; a line holding none of these (or a piece of them) cannot be one.
_COMMENT_HEADING_ENDS: Final = _least_pieces(
    {h.split()[-1] for h in COMMENT_HEADINGS} | {"comments"}
)

#: The closed-thread notices by first character: every block after the first prose is tried,
#: and one lookup spares most of them the whole tuple.
_CLOSED_STARTS: Final = {
    first: tuple(p for p in COMMENT_CLOSED_PREFIXES if p[0] == first)
    for first in {p[0] for p in COMMENT_CLOSED_PREFIXES}
}


@dataclass(frozen=True, slots=True)
class Selection:
    """The chosen container (a lexbor node id) and the indexes of the blocks inside it."""

    container: int | None
    inside: frozenset[int]
    scores: dict[int, float]


def block_score(block: RawBlock) -> float:
    """How much a block looks like article prose (positive) or chrome (negative)."""
    length = len(block.text)
    density = block.link_density
    kind = block.kind
    if kind is _HEADING or kind is _TABLE:
        # Headings and tables go with the prose around them; they do not vote for a container.
        return 0.0
    if density > 0.5:
        return -min(length, 300) * density
    if length < _MIN_PROSE_CHARS:
        return -5.0 if not block.text.endswith(_SENTENCE_END) else 0.0
    score = length * (1.0 - 1.5 * density)
    if kind is _LIST_ITEM:
        score *= 0.5
    if block.text.count(" ") < 6:
        score *= 0.3
    return score


def select_body(
    blocks: Sequence[RawBlock],
    block_scores: Sequence[float],
    end: int | None = None,
    muted: frozenset[int] = frozenset(),
    context: Context | None = None,
) -> Selection:
    """Pick the container of the article and the blocks inside it.

    ``block_scores`` are the blocks' :func:`block_score`, in the same order. Blocks from
    index ``end`` on (readers' comments) and the ``muted`` ones (second renderings of text
    the page already showed) may count against a container, never for it. A lead paragraph
    just before the container joins it unless it repeats the summary ``context`` holds.
    """
    scores = {b.index: score for b, score in zip(blocks, block_scores, strict=True)}
    if end is not None:
        for index in range(end, len(blocks)):
            scores[index] = min(scores[index], 0.0)
    for index in muted:
        scores[index] = min(scores[index], 0.0)
    branching = _branching(blocks)
    slots: dict[Element, int] = {}
    # Each element's total sits in a list at its slot: one dictionary lookup a step instead
    # of a get and a set, and the same additions in the same order.
    nodes: list[Element] = []
    totals: list[float] = []
    for block in blocks:
        score = scores[block.index]
        if score == 0.0:
            continue
        node: Element | None = block.element
        # The block's own element (a <p>) is not a container; its parent is the first one.
        if block.tag == "p" and block.element.parent is not None:
            node = block.element.parent
        weight = 1.0
        for _ in range(_MAX_UP):
            if node is None:
                break
            slot = slots.get(node)
            if slot is None:
                slot = slots[node] = len(totals)
                nodes.append(node)
                totals.append(0.0)
            # Not ``+=``: compiled code adds a list's float item in place through the generic
            # number protocol, where a read, a native addition and a write box one float.
            totals[slot] = totals[slot] + score * weight
            # A wrapper around a single child adds nothing; only a real branch costs a step.
            if node in branching:
                weight *= _DECAY
            node = node.parent
    if not totals:
        return Selection(None, frozenset(b.index for b in blocks), scores)
    best = _first_highest(totals)
    container = nodes[best]
    if totals[best] <= 0:
        return Selection(None, frozenset(b.index for b in blocks), scores)
    memo: dict[Element, Element] = {}
    depth = container.depth
    inside = {b.index for b in blocks if ancestor_at(b.element, depth, memo) is container}
    # A subtree's blocks are one run in reading order.
    first = min(inside, default=0)
    last = first + len(inside) - 1
    if container.parent is not None:
        inside |= _lead_blocks(blocks, container.parent, inside, scores, context)
        grandparent = container.parent.parent
        section = _section_beside(blocks, container.parent, inside, first, last)
        if section is not None and grandparent is not None:
            # The container is one section of an article split into sections (a heading
            # and its body each): the other sections are its parent's siblings. Beside the
            # container its parent holds only headings, none of which could join.
            joined = _sibling_blocks(blocks, grandparent, inside | section, scores, True)
            if joined:
                inside |= section | joined
        else:
            inside |= _sibling_blocks(blocks, container.parent, inside, scores)
    return Selection(container.node_id, frozenset(inside), scores)


def _section_beside(
    blocks: Sequence[RawBlock],
    parent: Element,
    inside: set[int],
    first: int,
    last: int,
) -> set[int] | None:
    """The headings beside the container under ``parent`` when they are all it holds there
    (a section: its heading and its body), else None. The container's blocks run from
    ``first`` to ``last``."""
    if not inside:
        return None
    out: set[int] = set()
    depth = parent.depth
    # A memo answers for one depth only.
    memo: dict[Element, Element] = {}
    # The parent's other blocks sit right before and right after the container's run, so
    # only those are read.
    for step, start in ((-1, first - 1), (1, last + 1)):
        n = start
        while 0 <= n < len(blocks):
            block = blocks[n]
            n += step
            if block.index in inside:
                continue
            if (
                block.element is not parent
                and ancestor_at(block.element, depth, memo) is not parent
            ):
                break
            if block.kind is not _HEADING:
                return None
            out.add(block.index)
    return out if out else None


def _first_highest(values: list[float]) -> int:
    """The position of the first of the highest values, as ``max`` would pick it."""
    best = 0
    for at in range(1, len(values)):
        if values[at] > values[best]:
            best = at
    return best


def _branching(blocks: Sequence[RawBlock]) -> set[Element]:
    """Elements with more than one child that holds text.

    A block's own text counts as a child of its element. The walk emits blocks in document
    order, so each element's blocks come in one run and a child, once left, never comes back:
    an element gains a second child exactly where two neighbouring blocks part ways below it
    (or one of them ends at it). Climbing from both blocks to where they meet passes each
    element at most twice in all (at its first block and after its last).
    """
    out: set[Element] = set()
    previous: Element | None = None
    for block in blocks:
        element: Element | None = block.element
        if previous is not None and element is not None:
            joint = _meeting(previous, element)
            if joint is not None:
                out.add(joint)
        previous = element
    return out


def _meeting(one: Element, other: Element) -> Element | None:
    """The deepest element on both chains (None: they are in different walks)."""
    a: Element | None = one
    b: Element | None = other
    while a is not None and b is not None and a.depth > b.depth:
        a = a.parent
    while a is not None and b is not None and b.depth > a.depth:
        b = b.parent
    while a is not None and b is not None and a is not b:
        a = a.parent
        b = b.parent
    return a if a is b else None


def _lead_blocks(
    blocks: Sequence[RawBlock],
    parent: Element,
    inside: set[int],
    scores: dict[int, float],
    context: Context | None,
) -> set[int]:
    """The lead paragraph set just before the container, beside it under ``parent``.

    Templates often print the standfirst ("lede") between the headline and the body's
    wrapper, too short to join as a sibling that carries the body. It is the prose right
    before the container's first block, past a byline or a date line at most; a heading
    ends the search (what comes before the headline is not the story's), and so does a note
    on the site's affiliate earnings, which sits there as often. An excerpt that repeats the
    page's summary (``context``) is metadata already, as the title is: it stays out.
    """
    if not inside:
        return set()
    out: set[int] = set()
    passed = 0
    memo: dict[Element, Element] = {}
    for index in range(min(inside) - 1, -1, -1):
        block = blocks[index]
        if (
            block.kind is _HEADING
            or ancestor_at(block.element, parent.depth, memo) is not parent
            or is_disclosure(block.text.lower())
        ):
            break
        if (
            block.kind is _PARAGRAPH
            and block.element.depth <= parent.depth + _LEAD_DEPTH
            and scores[index] >= _LEAD_MIN_SCORE
            and block.text.endswith(_SENTENCE_END)
        ):
            if context is not None and repeats_description(block.text, block_line(block), context):
                break
            out.add(index)
            if len(out) >= _LEAD_PARAGRAPHS:
                break
        elif len(block.text) <= _LEAD_PASSED_CHARS and block.link_density <= 0.5:
            passed += 1
            if passed > _LEAD_PASSED:
                break
        else:
            break
    return out


def _sibling_blocks(
    blocks: Sequence[RawBlock],
    parent: Element,
    inside: set[int],
    scores: dict[int, float],
    sections: bool = False,
) -> set[int]:
    """Blocks of the container's siblings that carry prose of their own.

    Bodies are often split around an embed or an ad into sibling wrappers; a sibling joins
    when its blocks score at least a share of the container's own. ``inside`` holds the
    indexes of the blocks under the container, whose parent element is ``parent``. With
    ``sections``, a sibling joins only if it opens with a heading that is no link: another
    section of the article, not a card of other stories with a linked headline.
    """
    own = 0.0
    for block in blocks:
        if block.index in inside:
            own += scores[block.index]
    if not inside or own <= 0:
        return set()
    # Grouped by the child of ``parent`` they sit in; a block of the parent's own text is a
    # group of its own.
    groups: dict[object, list[RawBlock]] = {}
    memo: dict[Element, Element] = {}
    for block in blocks:
        if block.index in inside:
            continue
        element = block.element
        if element is parent:
            groups.setdefault(-block.index - 1, []).append(block)
            continue
        child = ancestor_at(element, parent.depth + 1, memo)
        if child is not None and child.parent is parent:
            groups.setdefault(child, []).append(block)
    out: set[int] = set()
    for members in groups.values():
        total = sum(max(scores[b.index], 0.0) for b in members)
        best = max(scores[b.index] for b in members)
        if total >= _SIBLING_SHARE * own and best >= _SIBLING_MIN_BEST:
            if sections and not (members[0].kind is _HEADING and members[0].link_density == 0.0):
                continue
            out.update(b.index for b in members)
    return out


def comments_start(
    blocks: Sequence[RawBlock], block_scores: Sequence[float], lines: Sequence[str]
) -> int:
    """Index of the heading that opens readers' comments after the article, or len(blocks).

    Comment threads without any class to tell them can hold more prose than the article;
    a "Comments" heading after real prose ends what can be the article. ``lines`` are the
    blocks' ``filters.block_line``.
    """
    prose = 0.0
    for n, (block, score) in enumerate(zip(blocks, block_scores, strict=True)):
        if prose >= _PROSE_BEFORE_COMMENTS:
            if len(block.text) <= _COMMENT_HEADING_CHARS and _may_head_comments(lines[n]):
                norm = " ".join(_COUNTS.sub(" ", lines[n]).split())
                if _heads_comments(norm, block.kind is _HEADING, lines[n + 1 : n + _COMMENT_LOOK]):
                    return n
            # The closed-thread notice can share its block with the first comment.
            closed = _CLOSED_STARTS.get(lines[n][:1])
            if closed is not None and lines[n].startswith(closed):
                return n
        prose += max(score, 0.0)
    return len(blocks)


def _heads_comments(norm: str, heading: bool, after: Sequence[str]) -> bool:
    """Whether a line (``norm``: cleaned of counts) opens readers' comments, given the lines
    of the blocks after it."""
    if norm in AMBIGUOUS_COMMENT_HEADINGS:
        return any(line in REPLY_LINKS or is_comment_signature(line) for line in after)
    if norm in COMMENT_HEADINGS:
        return True
    words = norm.split()
    return (
        heading
        and words[-1:] == ["comments"]
        and all(word in COMMENT_HEADING_WORDS for word in words[:-1])
    )


def _may_head_comments(line: str) -> bool:
    """Whether a line holds the end of some comments heading (each word of the cleaned line is
    a piece of the line itself)."""
    # The line is read once here: in a generator over the ends, indexing the caller's sequence
    # went through the generic item lookup once per end.
    return any(end in line for end in _COMMENT_HEADING_ENDS)
