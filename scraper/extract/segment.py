"""One walk over the page: text segmented into candidate blocks, chrome subtrees skipped.

The walk visits each node it needs once, moving from node to node without recursion (deep
pages cannot overflow Python's stack) and never entering a skipped subtree. Text is gathered
into a buffer that is cut into a block whenever a block-level element opens or closes. Each
block remembers the chain of block-level elements it sits in (as lexbor node ids), which is
what the body selection scores.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from selectolax.lexbor import LexborNode

from scraper.extract.chrome import (
    BLOCK_TAGS,
    CAPTION_TAGS,
    CHROME_PREFIXES,
    CHROME_ROLES,
    CHROME_TAGS,
    CHROME_WORDS,
    EMBEDDED_POSTS,
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


def _prefix_tree_pattern(words: Iterable[str]) -> str:
    """An alternation matching any of ``words`` as a substring, grouped by shared prefixes.

    Python's re tries the alternatives of a flat list one by one at every position; grouped,
    it follows one branch per character. A word that another word starts with is enough on
    its own, so the longer one is left out.
    """
    tree: dict[str, Any] = {}
    for word in sorted(words, key=len):
        node = tree
        for char in word:
            if "" in node:
                break
            node = node.setdefault(char, {})
        else:
            node.clear()
            node[""] = {}

    def build(node: dict[str, Any]) -> str:
        if "" in node:
            return ""
        alternatives = [re.escape(char) + build(child) for char, child in sorted(node.items())]
        return alternatives[0] if len(alternatives) == 1 else f"(?:{'|'.join(alternatives)})"

    return build(tree)


_ANY_CHROME = re.compile(
    _prefix_tree_pattern(CHROME_WORDS | WEAK_CHROME_WORDS | set(CHROME_PREFIXES))
)
#: Characters of a dropped subtree's text kept for ``--explain``.
_SHOWN_CHARS = 200
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
#: A class string the judge has not yet looked at (None is a verdict: not chrome).
_UNSEEN = "(unseen)"
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

    def __init__(
        self,
        text: str,
        kind: BlockKind,
        level: int,
        link_chars: int,
        path: tuple[int, ...],
        tag: str,
        index: int = 0,
    ) -> None:
        # Written out: under mypyc the __init__ dataclass generates stays interpreted Python,
        # several times slower than a compiled one, and every page makes a block per line.
        self.text = text
        self.kind = kind
        self.level = level
        self.link_chars = link_chars
        self.path = path
        self.tag = tag
        self.index = index

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
    #: Paragraph characters inside, where a rule needed them (None: not counted).
    prose: int | None = None

    def __init__(
        self, tag: str, reason: str, text: str, group: str = "", prose: int | None = None
    ) -> None:
        # As RawBlock's, in the frozen way: compiled instead of the interpreted dataclass one.
        object.__setattr__(self, "tag", tag)
        object.__setattr__(self, "reason", reason)
        object.__setattr__(self, "text", text)
        object.__setattr__(self, "group", group)
        object.__setattr__(self, "prose", prose)


@dataclass(slots=True)
class Segmentation:
    """The blocks of a page, the subtrees skipped, and whether the node budget cut the walk."""

    blocks: list[RawBlock] = field(default_factory=list)
    dropped: list[Dropped] = field(default_factory=list)
    truncated: bool = False


def _class_words(value: str) -> tuple[set[str], set[str]]:
    lowered = value.lower()
    tokens = {t.replace("-", "").replace("_", "") for t in lowered.split()}
    words: set[str] = set()
    # A camel-case split never crosses a space, so the whole string is split at once; a string
    # without capitals has nothing to split (islower: no upper-case letter, and some letter).
    if not value.islower():
        lowered = _CAMEL.sub("-", value).lower()
    for raw in lowered.split():
        if raw.isascii() and raw.isalnum():
            parts = {raw}  # one word: nothing for the separator regex to split
        else:
            parts = set(_WORD_SPLIT.split(raw))
            parts.discard("")
        if not parts & LAYOUT_WORDS:
            words |= parts
    return tokens, words


@dataclass(slots=True)
class _Judge:
    """Decides whether an element is chrome; memoises class strings within one page."""

    page_prose: int
    spared: frozenset[str] = frozenset()
    skip_tags: frozenset[str] = SKIP_TAGS
    #: Whether the page embeds social posts at all (most pages do not: no need to look).
    embeds: bool = False
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
            names, ident = attrs.get("class"), attrs.get("id")
            group = f"{names} {ident}" if names and ident else names or ident or ""
            if group:
                reason = self._names_reason(group)
                if self.embeds and reason and node.css_first(EMBEDDED_POSTS) is not None:
                    # A post the writer embedded is quoted, however its wrapper is named.
                    return None
        if reason is None or group in self.spared or reason in self.spared:
            return None
        text = node.text()
        if reason.startswith("weak") and len(text) >= _WEAK_MAX_CHARS:
            return None
        hidden = group == _HIDDEN_GROUP
        least = (_PROTECT_HIDDEN if hidden else _PROTECT_SHARE) * self.page_prose
        prose: int | None = None
        # Paragraph text is at most all the text: count it only where a rule can read it.
        if least and (len(text) >= least or hidden or _SPARABLE.search(reason)):
            prose = _prose_chars(node)
            if prose >= least:
                return None
        return Dropped(
            tag, reason, " ".join(text[: _SHOWN_CHARS * 4].split())[:_SHOWN_CHARS], group, prose
        )

    def _names_reason(self, names: str) -> str | None:
        known = self.memo.get(names, _UNSEEN)
        if known is not _UNSEEN:
            return known
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


_PLAIN = (BlockKind.PARAGRAPH, 0)
_LIST_ITEM = (BlockKind.LIST_ITEM, 0)
_QUOTE = (BlockKind.QUOTE, 0)
#: Elements whose text has a kind of its own; inside any other, text keeps its parent's kind.
_OWN_KINDS = {
    **{tag: (BlockKind.HEADING, int(tag[1])) for tag in HEADING_TAGS},
    "li": _LIST_ITEM,
    "blockquote": _QUOTE,
}


@dataclass(slots=True)
class _Walker:
    judge: _Judge
    out: Segmentation
    buf: list[str] = field(default_factory=list)
    link_chars: int = 0
    path: list[int] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    #: Per open element, the kind its text has: the innermost heading, list item or quote.
    kinds: list[tuple[BlockKind, int]] = field(default_factory=list)
    link_depth: int = 0
    pre_depth: int = 0
    #: Open <article> elements: counted, so that asking whether one is open costs no search.
    article_depth: int = 0

    def flush(self) -> None:
        if not self.buf:
            return
        raw = "".join(self.buf)
        links = self.link_chars
        self.buf.clear()
        self.link_chars = 0
        if raw.isspace():
            return
        if self.pre_depth:
            text = raw.replace(_BREAK, "\n").strip("\n")
            if text.strip():
                self._emit(text, BlockKind.PREFORMATTED, 0, links)
            return
        kind, level = self.kinds[-1]
        if _BREAK not in raw:
            self._emit(" ".join(raw.split()), kind, level, links)
            return
        parts = [" ".join(p.replace(_BREAK, " ").split()) for p in raw.split(_BREAK + _BREAK)]
        parts = [p for p in parts if p]
        total = sum(len(p) for p in parts) or 1
        for part in parts:
            self._emit(part, kind, level, round(links * len(part) / total))

    def _emit(self, text: str, kind: BlockKind, level: int, links: int) -> None:
        if not text:
            return
        blocks = self.out.blocks
        blocks.append(
            RawBlock(
                text, kind, level, min(links, len(text)), tuple(self.path), self.tags[-1],
                len(blocks),
            )
        )  # fmt: skip

    def open(self, node: LexborNode, tag: str) -> None:
        self.path.append(node.mem_id)
        self.tags.append(tag)
        kind = _OWN_KINDS.get(tag)
        if kind is None:
            kind = self.kinds[-1] if self.kinds else _PLAIN
        self.kinds.append(kind)
        if tag == "pre":
            self.pre_depth += 1
        elif tag == "article":
            self.article_depth += 1

    def close(self, tag: str) -> None:
        self.path.pop()
        self.tags.pop()
        self.kinds.pop()
        if tag == "pre":
            self.pre_depth -= 1
        elif tag == "article":
            self.article_depth -= 1


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
    embeds = root.css_first(EMBEDDED_POSTS) is not None
    out = _walk(root, include_tables, max_nodes, _Judge(page_prose, skip_tags=skip, embeds=embeds))
    spared = _groups_to_spare(out.dropped, page_prose)
    if spared:
        out = _walk(root, include_tables, max_nodes, _Judge(page_prose, spared, skip, embeds))
    return out


def _groups_to_spare(dropped: list[Dropped], page_prose: int) -> frozenset[str]:
    totals: dict[str, list[int]] = {}
    for item in dropped:
        # Parts of one body share their marker word, not always their whole class string.
        if item.group == _HIDDEN_GROUP:
            totals.setdefault(item.group, []).append(item.prose or 0)
        elif _SPARABLE.search(item.reason):
            totals.setdefault(item.reason, []).append(item.prose or 0)
    spared = set()
    for group, sizes in totals.items():
        share = _PROTECT_HIDDEN if group == _HIDDEN_GROUP else _PROTECT_SHARE
        if len(sizes) >= 2 and sum(sizes) >= share * page_prose > 0:
            spared.add(group)
    return frozenset(spared)


def _walk(root: LexborNode, include_tables: bool, max_nodes: int, judge: _Judge) -> Segmentation:
    # Moving by first_child / next / parent costs about what lexbor's own traversal does, and
    # unlike it lets a skipped subtree go unvisited: chrome often holds most of a page's nodes.
    out = Segmentation()
    budget = max_nodes
    walker = _Walker(judge, out)
    walker.open(root, root.tag or "body")
    # One frame per element being walked: what closing it means, and its tag.
    frames: list[tuple[int, str]] = []
    node = root.first_child
    while node is not None:
        tag = node.tag or ""
        frame = -1
        if tag == "-text":
            value = node.text_content
            if value and not value.isspace():
                walker.buf.append(value)
                if walker.link_depth:
                    walker.link_chars += len(value.strip())
            elif value and walker.buf:
                walker.buf.append(" ")
        elif tag and tag[0] != "-" and tag not in judge.skip_tags:
            budget -= 1
            if budget < 0:
                out.truncated = True
                break
            frame = _enter(walker, node, tag, include_tables)
        if frame >= 0:
            child = node.first_child
            if child is not None:
                frames.append((frame, tag))
                node = child
                continue
            _leave(walker, frame, tag)
        following = node.next
        # Most nodes have a next sibling: only the end of a parent needs the climb.
        node = following if following is not None else _following(node, walker, frames)
    while frames:
        frame, tag = frames.pop()
        _leave(walker, frame, tag)
    walker.flush()
    return out


def _following(
    node: LexborNode, walker: _Walker, frames: list[tuple[int, str]]
) -> LexborNode | None:
    """The next node in reading order after ``node``'s subtree, leaving the elements it ends."""
    current: LexborNode | None = node
    while current is not None:
        following = current.next
        if following is not None:
            return following
        if not frames:
            return None
        # Unpacked by hand: a starred call goes through the generic (slow) calling path.
        frame, tag = frames.pop()
        _leave(walker, frame, tag)
        current = current.parent
    return None


_INLINE, _BLOCK, _LINK = 0, 1, 2


def _enter(walker: _Walker, node: LexborNode, tag: str, include_tables: bool) -> int:
    """Open an element; the frame kind to walk its children in, or -1 to pass over them."""
    if tag == "br":
        walker.buf.append(_BREAK)
        return -1
    judge = walker.judge
    reason = (
        None if tag in UNJUDGED_TAGS else judge.chrome_reason(node, tag, walker.article_depth > 0)
    )
    if reason is not None:
        walker.out.dropped.append(reason)
        return -1
    if tag in BLOCK_TAGS:
        if walker.buf:
            walker.flush()
        if tag == "table" and _is_data_table(node):
            if include_tables:
                walker.open(node, tag)
                text = _data_table(node)
                if text:
                    walker._emit(text, BlockKind.TABLE, 0, 0)
                walker.close(tag)
            return -1
        walker.open(node, tag)
        return _BLOCK
    if tag == "a":
        walker.link_depth += 1
        return _LINK
    return _INLINE


def _leave(walker: _Walker, frame: int, tag: str) -> None:
    if frame == _BLOCK:
        if walker.buf:
            walker.flush()
        walker.close(tag)
    elif frame == _LINK:
        walker.link_depth -= 1
