"""One walk over the page: text segmented into candidate blocks, chrome subtrees skipped.

The walk visits every node once (an explicit stack, so deep pages cannot overflow Python's
recursion limit). Text is gathered into a buffer that is cut into a block whenever a
block-level element opens or closes. Each block remembers the chain of block-level elements
it sits in (as lexbor node ids), which is what the body selection scores.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from selectolax.lexbor import LexborNode

from scraper.extract.chrome import (
    BLOCK_TAGS,
    CAPTION_TAGS,
    CHROME_PREFIXES,
    CHROME_ROLES,
    CHROME_TAGS,
    CHROME_WORDS,
    HEADING_TAGS,
    HIDDEN_STYLE_MARKERS,
    LAYOUT_WORDS,
    MISLEADING_WORDS,
    SKIP_TAGS,
    UNJUDGED_TAGS,
    WEAK_CHROME_WORDS,
)
from scraper.models import BlockKind

__all__ = ["Dropped", "RawBlock", "Segmentation", "segment"]

_WORD_SPLIT = re.compile(r"[^a-z0-9]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_ANY_CHROME = re.compile(
    "|".join(
        sorted(
            (re.escape(w) for w in CHROME_WORDS | WEAK_CHROME_WORDS | set(CHROME_PREFIXES)),
            key=len,
        )
    )
)
_BREAK = "\x00"  # marks a <br>; two in a row end a paragraph
#: A cell longer than this holds prose: its table is layout, however plain its markup.
_MAX_CELL_CHARS = 300
_DATA_TABLE_BLOCKERS = "p, div, ul, ol, h1, h2, h3, h4, blockquote, section, article"
#: Compound class tokens that mark the article text itself; they outrank chrome words.
_CONTENT_TOKENS = frozenset(
    {"articlebody", "articlecontent", "articletext", "entrycontent", "postcontent", "postbody",
     "storybody", "storycontent", "storytext", "maincontent", "bodytext", "richtext",
     "contentbody", "textcontent", "articlecopy", "bodycopy"}
)  # fmt: skip
#: A chrome-marked element holding at least this share of the page's paragraph text is kept:
#: class names like ``has-sidebar`` on the page wrapper must not take the article with them.
_PROTECT_SHARE = 0.4
#: Hidden elements need more: a hidden second copy of the body holds half the page's prose,
#: while a page that hides its content until a script runs holds nearly all of it there.
_PROTECT_HIDDEN = 0.6
_HIDDEN_GROUP = "(hidden)"
#: Class words that name how a part of a page behaves (navigable, skippable, collapsible)
#: more than what it holds: only groups skipped for these may turn out to be the body.
_SPARABLE = re.compile("'(" + "|".join(sorted(MISLEADING_WORDS)) + ")'")
#: Elements marked only by a weak chrome word are chrome when their text is shorter than this.
_WEAK_MAX_CHARS = 300
#: Elements that are the article's own wrappers: class words never make them chrome.
_CONTENT_ELEMENTS = frozenset({"article", "main", "body", "html"})


@dataclass(slots=True)
class RawBlock:
    """A candidate block: its text, what it is, and where it sits."""

    text: str
    kind: BlockKind
    level: int
    link_chars: int
    path: tuple[int, ...]
    tag: str
    index: int = 0

    @property
    def link_density(self) -> float:
        return self.link_chars / len(self.text) if self.text else 0.0


@dataclass(frozen=True, slots=True)
class Dropped:
    """A subtree skipped during the walk, and why (for ``--explain``)."""

    tag: str
    reason: str
    text: str
    group: str = ""
    prose: int = 0


@dataclass(slots=True)
class Segmentation:
    """The blocks of a page, the subtrees skipped, and whether the node budget cut the walk."""

    blocks: list[RawBlock] = field(default_factory=list)
    dropped: list[Dropped] = field(default_factory=list)
    truncated: bool = False


def _class_words(value: str) -> tuple[set[str], set[str]]:
    tokens = {t.replace("-", "").replace("_", "") for t in value.lower().split()}
    words: set[str] = set()
    for raw in value.split():
        parts = {w for w in _WORD_SPLIT.split(_CAMEL.sub("-", raw).lower()) if w}
        if not parts & LAYOUT_WORDS:
            words |= parts
    return tokens, words


@dataclass(slots=True)
class _Judge:
    """Decides whether an element is chrome; memoises class strings within one page."""

    page_prose: int
    spared: frozenset[str] = frozenset()
    skip_tags: frozenset[str] = SKIP_TAGS
    memo: dict[str, str | None] = field(default_factory=dict)

    def chrome_reason(self, node: LexborNode, tag: str, in_article: bool) -> Dropped | None:
        """Why ``node`` is chrome, or None; an article's own <header> holds its headings."""
        attrs = node.attributes
        style = attrs.get("style")
        role = attrs.get("role")
        reason: str | None = None
        group = ""
        if "hidden" in attrs or attrs.get("aria-hidden") == "true":
            reason, group = "hidden element", _HIDDEN_GROUP
        elif style and any(m in style.replace(" ", "").lower() for m in HIDDEN_STYLE_MARKERS):
            reason, group = "hidden by style", _HIDDEN_GROUP
        elif tag in CHROME_TAGS and not (tag == "header" and in_article):
            reason = f"<{tag}> element"
        elif role and role.lower() in CHROME_ROLES:
            reason = f"role={role}"
        elif tag not in _CONTENT_ELEMENTS:
            group = " ".join(v for v in (attrs.get("class"), attrs.get("id")) if v)
            if group:
                reason = self._names_reason(group)
        if reason is None or group in self.spared:
            return None
        if reason.startswith("weak") and len(node.text()) >= _WEAK_MAX_CHARS:
            return None
        prose = _prose_chars(node)
        share = _PROTECT_HIDDEN if group == _HIDDEN_GROUP else _PROTECT_SHARE
        if self.page_prose and prose >= share * self.page_prose:
            return None
        return Dropped(tag, reason, " ".join(node.text().split())[:200], group, prose)

    def _names_reason(self, names: str) -> str | None:
        if names in self.memo:
            return self.memo[names]
        if not _ANY_CHROME.search(names.lower()):
            # Most class strings hold no chrome word even as a substring: skip the split.
            self.memo[names] = None
            return None
        tokens, words = _class_words(names)
        reason: str | None = None
        if not tokens & _CONTENT_TOKENS:
            hit = sorted(words & CHROME_WORDS) or sorted(
                w for w in words if w.startswith(CHROME_PREFIXES)
            )
            weak = sorted(words & WEAK_CHROME_WORDS)
            if hit:
                reason = f"class/id word '{hit[0]}'"
            elif weak:
                reason = f"weak: class/id word '{weak[0]}' on a small element"
        self.memo[names] = reason
        return reason


def _prose_chars(node: LexborNode) -> int:
    """Characters in the paragraphs under ``node``: what an article is made of."""
    return sum(len(p.text()) for p in node.css("p"))


def _is_data_table(node: LexborNode) -> bool:
    """A table of cells, not a layout table wrapping the page (old sites nest whole pages)."""
    # css() on a node matches the node itself too, hence "more than one table".
    if len(node.css("table")) > 1 or node.css_first(_DATA_TABLE_BLOCKERS) is not None:
        return False
    return all(len(cell.text()) <= _MAX_CELL_CHARS for cell in node.css("td, th"))


def _data_table(node: LexborNode) -> str:
    rows = []
    for row in node.css("tr"):
        cells = [" ".join(c.text().split()) for c in row.css("td, th")]
        line = " | ".join(c for c in cells if c)
        if line:
            rows.append(line)
    return "\n".join(rows)


@dataclass(slots=True)
class _Walker:
    judge: _Judge
    out: Segmentation
    buf: list[str] = field(default_factory=list)
    link_chars: int = 0
    path: list[int] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    link_depth: int = 0
    pre_depth: int = 0
    quote_depth: int = 0
    list_depth: int = 0

    def flush(self) -> None:
        if not self.buf:
            return
        raw = "".join(self.buf)
        if raw.isspace():
            self.buf.clear()
            self.link_chars = 0
            return
        links = self.link_chars
        self.buf.clear()
        self.link_chars = 0
        if self.pre_depth:
            text = raw.replace(_BREAK, "\n").strip("\n")
            if text.strip():
                self._emit(text, BlockKind.PREFORMATTED, 0, links)
            return
        parts = (
            [" ".join(p.split()) for p in raw.split(_BREAK + _BREAK)]
            if _BREAK in raw
            else [" ".join(raw.split())]
        )
        parts = [" ".join(p.replace(_BREAK, " ").split()) for p in parts]
        parts = [p for p in parts if p]
        total = sum(len(p) for p in parts) or 1
        kind, level = self._kind()
        for part in parts:
            self._emit(part, kind, level, round(links * len(part) / total))

    def _kind(self) -> tuple[BlockKind, int]:
        for tag in reversed(self.tags):
            if tag in HEADING_TAGS:
                return BlockKind.HEADING, int(tag[1])
            if tag == "li":
                return BlockKind.LIST_ITEM, 0
            if tag == "blockquote":
                return BlockKind.QUOTE, 0
        if self.quote_depth:
            return BlockKind.QUOTE, 0
        return BlockKind.PARAGRAPH, 0

    def _emit(self, text: str, kind: BlockKind, level: int, links: int) -> None:
        blocks = self.out.blocks
        tag = self.tags[-1] if self.tags else "body"
        blocks.append(
            RawBlock(text, kind, level, min(links, len(text)), tuple(self.path), tag, len(blocks))
        )

    def open(self, node: LexborNode, tag: str) -> None:
        self.path.append(node.mem_id)
        self.tags.append(tag)
        if tag == "pre":
            self.pre_depth += 1
        elif tag == "blockquote":
            self.quote_depth += 1

    def close(self, tag: str) -> None:
        self.path.pop()
        self.tags.pop()
        if tag == "pre":
            self.pre_depth -= 1
        elif tag == "blockquote":
            self.quote_depth -= 1


def segment(
    root: LexborNode,
    *,
    include_tables: bool = True,
    include_captions: bool = False,
    max_nodes: int = 60_000,
) -> Segmentation:
    """Cut the text under ``root`` into candidate blocks in reading order.

    Past ``max_nodes`` elements the walk stops and keeps what it has: huge pages degrade to
    their first part instead of hanging. When the skipped subtrees of one kind (one class
    string, or hidden elements) together hold most of the page's prose, they are the body
    split into parts (sections that share a class, collapsed panels) and the walk is redone
    sparing them.
    """
    page_prose = _prose_chars(root)
    skip = SKIP_TAGS if include_captions else SKIP_TAGS | CAPTION_TAGS
    out = _walk(root, include_tables, max_nodes, _Judge(page_prose, skip_tags=skip))
    spared = _groups_to_spare(out.dropped, page_prose)
    if spared:
        out = _walk(root, include_tables, max_nodes, _Judge(page_prose, spared, skip))
    return out


def _groups_to_spare(dropped: list[Dropped], page_prose: int) -> frozenset[str]:
    totals: dict[str, list[int]] = {}
    for item in dropped:
        if item.group == _HIDDEN_GROUP or _SPARABLE.search(item.reason):
            totals.setdefault(item.group, []).append(item.prose)
    spared = set()
    for group, sizes in totals.items():
        share = _PROTECT_HIDDEN if group == _HIDDEN_GROUP else _PROTECT_SHARE
        if len(sizes) >= 2 and sum(sizes) >= share * page_prose > 0:
            spared.add(group)
    return frozenset(spared)


def _walk(root: LexborNode, include_tables: bool, max_nodes: int, judge: _Judge) -> Segmentation:
    out = Segmentation()
    budget = max_nodes
    walker = _Walker(judge, out)
    # Each frame: the children iterator, the element's tag, and what closing it means.
    stack: list[tuple[Iterator[LexborNode], str, int]] = [
        (root.iter(include_text=True), root.tag or "body", 0)
    ]
    walker.open(root, root.tag or "body")
    while stack:
        children, parent_tag, frame_kind = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            if frame_kind == 1:
                walker.flush()
                walker.close(parent_tag)
            elif frame_kind == 2:
                walker.link_depth -= 1
            elif frame_kind == 0:
                walker.flush()
            continue
        if child.is_text_node:
            value = child.text_content
            if value and not value.isspace():
                walker.buf.append(value)
                if walker.link_depth:
                    walker.link_chars += len(value.strip())
            elif value and walker.buf:
                walker.buf.append(" ")
            continue
        tag = child.tag
        if not tag or tag.startswith("-") or tag in judge.skip_tags:
            continue
        budget -= 1
        if budget < 0:
            out.truncated = True
            break
        if tag == "br":
            walker.buf.append(_BREAK)
            continue
        reason = (
            None
            if tag in UNJUDGED_TAGS
            else judge.chrome_reason(child, tag, "article" in walker.tags)
        )
        if reason is not None:
            out.dropped.append(reason)
            continue
        if tag in BLOCK_TAGS:
            walker.flush()
            if tag == "table" and _is_data_table(child):
                if include_tables:
                    walker.open(child, tag)
                    text = _data_table(child)
                    if text:
                        walker._emit(text, BlockKind.TABLE, 0, 0)
                    walker.close(tag)
                continue
            walker.open(child, tag)
            stack.append((child.iter(include_text=True), tag, 1))
        elif tag == "a":
            walker.link_depth += 1
            stack.append((child.iter(include_text=True), tag, 2))
        else:
            stack.append((child.iter(include_text=True), tag, 3))
    return out
