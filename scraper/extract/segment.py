"""One walk over the page: text segmented into candidate blocks, chrome subtrees skipped.

The walk visits each node it needs once, moving from node to node without recursion (deep
pages cannot overflow Python's stack) and never entering a skipped subtree. Text is gathered
into a buffer that is cut into a block whenever a block-level element opens or closes. Each
block remembers the block-level element it sits in, and through it the chain of those above,
which is what the body selection scores.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Final

from selectolax.lexbor import LexborNode

from scraper.extract import chrome
from scraper.models import BlockKind

__all__ = ["Dropped", "Element", "RawBlock", "Segmentation", "ancestor_at", "segment"]

# Module constants are final: compiled code then reads them directly, instead of looking each
# name up in the module's dictionary at every use (the walk reads them once per node).
_SKIP_TAGS: Final = chrome.SKIP_TAGS
_CAPTION_TAGS: Final = chrome.CAPTION_TAGS
_BLOCK_TAGS: Final = chrome.BLOCK_TAGS
_UNJUDGED_TAGS: Final = chrome.UNJUDGED_TAGS
_CHROME_TAGS: Final = chrome.CHROME_TAGS
_CHROME_ROLES: Final = chrome.CHROME_ROLES
#: What a class word is, in one lookup: a layout word (its token says nothing), a chrome word,
#: or a weak chrome word; the first kind a word has counts.
_LAYOUT: Final = 1
_STRONG: Final = 2
_WEAK: Final = 3
_QUALIFIER: Final = 4
_WORD_KINDS: Final = {
    **dict.fromkeys(chrome.PROSE_QUALIFIERS, _QUALIFIER),
    **dict.fromkeys(chrome.WEAK_CHROME_WORDS, _WEAK),
    **dict.fromkeys(chrome.CHROME_WORDS, _STRONG),
    **dict.fromkeys(chrome.LAYOUT_WORDS, _LAYOUT),
}
_CHROME_PREFIXES: Final = chrome.CHROME_PREFIXES
_HIDDEN_STYLE_MARKERS: Final = chrome.HIDDEN_STYLE_MARKERS
_EMBEDDED_POSTS: Final = chrome.EMBEDDED_POSTS
#: Every chrome prefix is at least this long: a shorter word cannot start with one.
_PREFIX_STEM: Final = min(len(prefix) for prefix in chrome.CHROME_PREFIXES)
#: The first ``_PREFIX_STEM`` characters of the prefixes: a cheap test before ``startswith``.
_PREFIX_STEMS: Final = frozenset(prefix[:_PREFIX_STEM] for prefix in chrome.CHROME_PREFIXES)

_PARAGRAPH: Final = BlockKind.PARAGRAPH
_HEADING: Final = BlockKind.HEADING
_PREFORMATTED: Final = BlockKind.PREFORMATTED
_TABLE: Final = BlockKind.TABLE

_WORD_SPLIT: Final = re.compile(r"[^a-z0-9]+")
#: Characters of a dropped subtree's text kept for ``--explain``.
_SHOWN_CHARS: Final = 200
_BREAK: Final = "\x00"  # marks a <br>; two in a row end a paragraph
#: A cell longer than this holds prose: its table is layout, however plain its markup.
_MAX_CELL_CHARS: Final = 300
#: Elements inside a table that make it layout: blocks of text, or a table of its own.
_LAYOUT_TAGS: Final = frozenset(
    {"table", "p", "div", "ul", "ol", "h1", "h2", "h3", "h4", "blockquote", "section", "article"}
)
_LAYOUT_MARKERS: Final = ", ".join(sorted(_LAYOUT_TAGS))
#: What a data table's text is read from: rows, cells, and foreign content (see _table_text).
_TABLE_PARTS: Final = frozenset({"tr", "td", "th", "svg", "math"})
#: Nodes of a table walked before selector searches take over. A search costs about what
#: walking some forty nodes does (lexbor parses its selector and sets up memory each time),
#: and most tables show a block within a few nodes or hold fewer than forty.
_TABLE_WALK: Final = 40
#: Compound class tokens that mark the article text itself; they outrank chrome words.
_CONTENT_TOKENS: Final = frozenset(
    {"articlebody", "articlecontent", "articletext", "entrycontent", "postcontent", "postbody",
     "storybody", "storycontent", "storytext", "maincontent", "bodytext", "richtext",
     "contentbody", "textcontent", "articlecopy", "bodycopy"}
)  # fmt: skip
#: A chrome-marked element holding at least this share of the page's paragraph text is kept:
#: class names like ``has-sidebar`` on the page wrapper must not take the article with them.
_PROTECT_SHARE: Final = 0.4
#: Hidden elements need more: a hidden second copy of the body holds half the page's prose,
#: while a page that hides its content until a script runs holds nearly all of it there.
_PROTECT_HIDDEN: Final = 0.6
_HIDDEN_GROUP: Final = "(hidden)"
#: A class string the judge has not yet looked at (None is a verdict: not chrome).
_UNSEEN: Final = "(unseen)"
#: Class words that name how a part of a page behaves (navigable, skippable, collapsible)
#: more than what it holds: only groups skipped for these may turn out to be the body.
_SPARABLE: Final = re.compile("'(" + "|".join(sorted(chrome.MISLEADING_WORDS)) + ")'")
#: Elements marked only by a weak chrome word are chrome when their text is shorter than this.
_WEAK_MAX_CHARS: Final = 300
#: Paragraph characters that make an element marked only by a prose qualifier the article's
#: (see chrome.PROSE_QUALIFIERS): more than a paywall's "Subscribe to keep reading".
_QUALIFIED_PROSE: Final = 80
_WEAK_REASON: Final = "weak: "
_QUALIFIED_REASON: Final = "qualified: "
#: Elements that are the article's own wrappers: class words never make them chrome.
_CONTENT_ELEMENTS: Final = frozenset({"article", "main", "body", "html"})
#: Chrome-marked elements kept for what they hold, nested in one another, past which the
#: marked elements inside are kept without being measured. Measuring reads a whole subtree,
#: so a chain of such elements nested a thousand deep would read the page once per level
#: (1.4 s for a 1 MB page); a real page nests a few at most.
_MAX_KEPT_MARKED: Final = 8


@dataclass(slots=True, eq=False)
class Element:
    """A block-level element the walk opened: its lexbor node id, the block-level element it
    sits in (None for the walk's root) and its depth (the root's is 0).

    One object per element, shared by every block inside it: a block reaches its ancestors
    through ``parent`` instead of holding a copy of the chain, so blocks cost the same on a
    page nested thousands of levels deep as on a flat one. Compared by identity.
    """

    node_id: int
    parent: Element | None
    depth: int

    def __init__(self, node_id: int, parent: Element | None) -> None:
        # Written out, as RawBlock's.
        self.node_id = node_id
        self.parent = parent
        self.depth = parent.depth + 1 if parent is not None else 0


def ancestor_at(element: Element, depth: int, memo: dict[Element, Element]) -> Element | None:
    """The element at ``depth`` on ``element``'s chain (``element`` itself at its own depth),
    or None when ``element`` sits higher.

    ``memo`` holds the answers for one ``depth``: each element is climbed from once, so asking
    for every block of a page costs time linear in the page, however deep it nests.
    """
    if element.depth <= depth:
        return element if element.depth == depth else None
    # The block's own element is not memoised: most hold a block or two (a paragraph each),
    # and one step up costs less than a dictionary entry. Its ancestors hold many.
    node = element.parent
    if node is None or node.depth == depth:
        return node
    trail: list[Element] = []
    while node.depth > depth:
        known = memo.get(node)
        if known is not None:
            node = known
            break
        trail.append(node)
        parent = node.parent
        if parent is None:  # cannot happen: depths count parents
            return None
        node = parent
    for passed in trail:
        memo[passed] = node
    return node


@dataclass(slots=True)
class RawBlock:
    """A candidate block: its text, what it is, and where it sits."""

    text: str
    kind: BlockKind
    level: int
    link_chars: int
    element: Element
    tag: str
    index: int = 0

    def __init__(
        self,
        text: str,
        kind: BlockKind,
        level: int,
        link_chars: int,
        element: Element,
        tag: str,
        index: int = 0,
    ) -> None:
        # Written out: under mypyc the __init__ dataclass generates stays interpreted Python,
        # several times slower than a compiled one, and every page makes a block per line.
        self.text = text
        self.kind = kind
        self.level = level
        self.link_chars = link_chars
        self.element = element
        self.tag = tag
        self.index = index

    @property
    def link_density(self) -> float:
        return self.link_chars / len(self.text) if self.text else 0.0


@dataclass(frozen=True, slots=True)
class Dropped:
    """A subtree skipped during the walk, and why (for ``--explain``).

    ``excerpt`` is the start of the subtree's text as the page spaces it; ``text`` single-spaces
    it when an explanation is read (most extractions never read one).
    """

    tag: str
    reason: str
    excerpt: str
    group: str = ""
    #: Paragraph characters inside, where a rule needed them (None: not counted).
    prose: int | None = None

    def __init__(
        self, tag: str, reason: str, excerpt: str, group: str = "", prose: int | None = None
    ) -> None:
        # As RawBlock's, in the frozen way: compiled instead of the interpreted dataclass one.
        object.__setattr__(self, "tag", tag)
        object.__setattr__(self, "reason", reason)
        object.__setattr__(self, "excerpt", excerpt)
        object.__setattr__(self, "group", group)
        object.__setattr__(self, "prose", prose)

    @property
    def text(self) -> str:
        """The start of the subtree's text, single-spaced."""
        return " ".join(self.excerpt.split())[:_SHOWN_CHARS]


@dataclass(slots=True)
class Segmentation:
    """The blocks of a page, the subtrees skipped, and whether the node budget cut the walk."""

    blocks: list[RawBlock] = field(default_factory=list)
    dropped: list[Dropped] = field(default_factory=list)
    truncated: bool = False


@dataclass(slots=True)
class _Verdict:
    """What one class/id token says: whether it names the article's text, and its least
    chrome word, least chrome-prefixed word, least weak chrome word and least prose qualifier
    ("" for none)."""

    content: bool
    strong: str
    prefixed: str
    weak: str
    qualifier: str

    def __init__(
        self, content: bool, strong: str, prefixed: str, weak: str, qualifier: str = ""
    ) -> None:
        # Written out, as RawBlock's.
        self.content = content
        self.strong = strong
        self.prefixed = prefixed
        self.weak = weak
        self.qualifier = qualifier


#: What the judge answers for an element marked as chrome that holds too much to be.
_KEPT_MARKED: Final = Dropped("", "kept", "")

#: The verdict of most tokens: nothing to say.
_SILENT: Final = _Verdict(False, "", "", "")


def _camel_hyphenated(token: str) -> str:
    """``token`` with a hyphen before each upper-case ASCII letter that follows a lower-case
    ASCII letter or a digit: its camel-case humps ("shareBar" -> "share-Bar")."""
    # A loop over character codes: the regex for it (a lookbehind and a lookahead, tried at
    # every position) cost several times more on class tokens.
    pieces: list[str] = []
    start = 0
    after_lower = False
    for at in range(len(token)):
        code = ord(token[at])
        if 65 <= code <= 90:  # A-Z
            if after_lower:
                pieces.append(token[start:at])
                start = at
            after_lower = False
        else:
            after_lower = 97 <= code <= 122 or 48 <= code <= 57  # a-z, 0-9
    pieces.append(token[start:])
    return "-".join(pieces)


def _token_verdict(token: str) -> _Verdict:
    """What the class/id token ``token`` says (see ``_Verdict``)."""
    lowered = token.lower()
    if lowered != token:
        # Upper case: camel-case humps are words too ("shareBar"). The split only inserts
        # hyphens, so the token without its separators stays the same.
        lowered = _camel_hyphenated(token).lower()
    if lowered.isascii() and lowered.isalnum():
        # One ASCII word (most tokens): nothing to remove or split.
        squashed = lowered
        parts = [lowered]
    else:
        # The token without its separators is its separated parts joined.
        parts = lowered.replace("_", "-").split("-")
        squashed = "".join(parts)
        if not (squashed.isascii() and squashed.isalnum()):
            # Other characters than ASCII letters, digits and the usual separators.
            parts = _WORD_SPLIT.split(lowered)
    content = squashed in _CONTENT_TOKENS
    strong = prefixed = weak = qualifier = ""
    for part in parts:
        kind = _WORD_KINDS.get(part, 0)
        if kind == _LAYOUT:
            # The token describes the page's layout ("has-sidebar"), not the element.
            return _Verdict(True, "", "", "") if content else _SILENT
        if kind == _STRONG:
            strong = part if not strong or part < strong else strong
        elif kind == _WEAK:
            weak = part if not weak or part < weak else weak
        elif kind == _QUALIFIER:
            # Not also a chrome-prefixed word: "shareable" says what the text is, not "share".
            qualifier = part if not qualifier or part < qualifier else qualifier
            continue
        if (
            part[:_PREFIX_STEM] in _PREFIX_STEMS
            and part.startswith(_CHROME_PREFIXES)
            and (not prefixed or part < prefixed)
        ):
            prefixed = part
    if not (content or strong or prefixed or weak or qualifier):
        return _SILENT
    return _Verdict(content, strong, prefixed, weak, qualifier)


@dataclass(slots=True)
class _Judge:
    """Decides whether an element is chrome; memoises class strings within one page."""

    page_prose: int
    spared: frozenset[str] = frozenset()
    skip_tags: frozenset[str] = _SKIP_TAGS
    #: Whether the page embeds social posts at all (most pages do not: no need to look).
    embeds: bool = False
    memo: dict[str, str | None] = field(default_factory=dict)
    #: Class/id tokens already judged, with their verdicts.
    tokens: dict[str, _Verdict] = field(default_factory=dict)
    #: Open elements that were marked as chrome and kept for what they hold.
    kept_marked: int = 0

    def chrome_reason(self, node: LexborNode, tag: str, in_article: bool) -> Dropped | None:
        """Why ``node`` is chrome, or None; an article's own <header> holds its headings.

        ``_KEPT_MARKED`` when it is marked as chrome but holds too much to be (see
        ``_MAX_KEPT_MARKED``).
        """
        attrs = node.attributes
        reason: str | None = None
        group = ""
        if not attrs:
            # No attributes (a third of the judged elements): only the tag can tell.
            if tag in _CHROME_TAGS and not (tag == "header" and in_article):
                reason = f"<{tag}> element"
            else:
                return None
        elif "hidden" in attrs or attrs.get("aria-hidden") == "true":
            reason, group = "hidden element", _HIDDEN_GROUP
        elif (style := attrs.get("style")) and any(
            m in style.replace(" ", "").lower() for m in _HIDDEN_STYLE_MARKERS
        ):
            reason, group = "hidden by style", _HIDDEN_GROUP
        elif tag in _CHROME_TAGS and not (tag == "header" and in_article):
            reason = f"<{tag}> element"
        elif (role := attrs.get("role")) and role.lower() in _CHROME_ROLES:
            reason = f"role={role}"
        elif tag not in _CONTENT_ELEMENTS:
            names, ident = attrs.get("class"), attrs.get("id")
            group = f"{names} {ident}" if names and ident else names or ident or ""
            if group:
                reason = self._names_reason(group)
                if (
                    self.embeds
                    and reason
                    and self.kept_marked < _MAX_KEPT_MARKED
                    and node.css_first(_EMBEDDED_POSTS) is not None
                ):
                    # A post the writer embedded is quoted, however its wrapper is named.
                    return None
        if reason is None or group in self.spared or reason in self.spared:
            return None
        if self.kept_marked >= _MAX_KEPT_MARKED:
            return None
        text = node.text_lexbor()
        if reason.startswith(_WEAK_REASON) and len(text) >= _WEAK_MAX_CHARS:
            return _KEPT_MARKED
        if reason.startswith(_QUALIFIED_REASON) and (
            # As large as a weak word spares, or holding a paragraph of prose however short.
            len(text) >= _WEAK_MAX_CHARS or _held_prose(node, tag, text) >= _QUALIFIED_PROSE
        ):
            return _KEPT_MARKED
        hidden = group == _HIDDEN_GROUP
        least = (_PROTECT_HIDDEN if hidden else _PROTECT_SHARE) * self.page_prose
        prose: int | None = None
        # Paragraph text is at most all the text: count it only where a rule can read it.
        if least and (len(text) >= least or hidden or _SPARABLE.search(reason)):
            prose = _prose_chars(node)
            if prose >= least:
                return _KEPT_MARKED
        # Enough text for the shown characters, however the page spaces them.
        return Dropped(tag, reason, text[: _SHOWN_CHARS * 4], group, prose)

    def _names_reason(self, names: str) -> str | None:
        known = self.memo.get(names, _UNSEEN)
        if known is not _UNSEEN:
            return known
        # Judged token by token: a page repeats its class words in many class strings.
        strong = prefixed = weak = qualifier = ""
        reason: str | None = None
        for token in names.split():
            verdict = self.tokens.get(token)
            if verdict is None:
                verdict = self.tokens[token] = _token_verdict(token)
            if verdict is _SILENT:
                continue
            if verdict.content:
                # A token naming the article's text outranks every chrome word.
                strong = prefixed = weak = qualifier = ""
                break
            word = verdict.strong
            if word and (not strong or word < strong):
                strong = word
            word = verdict.prefixed
            if word and (not prefixed or word < prefixed):
                prefixed = word
            word = verdict.weak
            if word and (not weak or word < weak):
                weak = word
            word = verdict.qualifier
            if word and (not qualifier or word < qualifier):
                qualifier = word
        if strong or prefixed:
            reason = f"class/id word '{strong or prefixed}'"
        elif weak:
            reason = f"{_WEAK_REASON}class/id word '{weak}' on a small element"
        elif qualifier:
            reason = (
                f"{_QUALIFIED_REASON}class/id word '{qualifier}' on a small element without prose"
            )
        self.memo[names] = reason
        return reason


def _prose_chars(node: LexborNode) -> int:
    """Characters in the paragraphs under ``node``: what an article is made of."""
    return sum(len(p.text_lexbor()) for p in node.css("p"))


def _held_prose(node: LexborNode, tag: str, text: str) -> int:
    """Characters of paragraph text ``node`` holds, itself included when it is a paragraph
    (``text`` is its text)."""
    return len(text) if tag == "p" else _prose_chars(node)


def _table_text(node: LexborNode) -> str | None:
    """A data table's rows, a line of cells each; None for a layout table (old sites nest
    whole pages in one)."""
    parts = _table_parts(node)
    if parts is None:
        return None
    # In HTML every cell sits in the row before it. Foreign content (svg, math) can hold
    # elements named like rows and cells anywhere, so there each row's cells are searched for
    # on their own.
    rows: list[list[str]] = []
    for found in parts:
        tag = found.tag
        if tag == "tr":
            rows.append([])
        elif tag == "td" or tag == "th":
            text = found.text_lexbor()
            if len(text) > _MAX_CELL_CHARS:
                return None
            if rows:
                rows[-1].append(" ".join(text.split()))
        else:
            return _searched_table_text(node)
    return _lines(rows)


def _table_parts(node: LexborNode) -> list[LexborNode] | None:
    """The rows, cells, svg and math elements under a table, in document order; None when a
    block of text or a table of its own sits under it (a layout table)."""
    parts: list[LexborNode] = []
    # A small table is walked: the walk meets what the searches below would find, in the
    # same order, and stops at the first block (a layout table has one early on).
    budget = _TABLE_WALK
    above: list[LexborNode] = []
    child = node.first_child
    while child is not None:
        budget -= 1
        if budget < 0:
            return _searched_table_parts(node)
        tag = child.tag or "-"
        if tag in _LAYOUT_TAGS:
            return None
        if tag in _TABLE_PARTS:
            parts.append(child)
        if tag[0] != "-":  # text and comments have no children
            inner = child.first_child
            if inner is not None:
                above.append(child)
                child = inner
                continue
        following = child.next
        while following is None and above:
            following = above.pop().next
        child = following
    return parts


def _searched_table_parts(node: LexborNode) -> list[LexborNode] | None:
    # One search per child (a table has few: its bodies) for a nested table or a block,
    # which a layout table has early on; searching from the table would match itself. Then
    # one search for rows and cells in document order.
    child = node.first_child
    while child is not None:
        if child.tag != "-text" and child.css_first(_LAYOUT_MARKERS) is not None:
            return None
        child = child.next
    return node.css("tr, td, th, svg, math")


def _searched_table_text(node: LexborNode) -> str | None:
    if any(len(cell.text_lexbor()) > _MAX_CELL_CHARS for cell in node.css("td, th")):
        return None
    return _lines(
        [[" ".join(c.text_lexbor().split()) for c in row.css("td, th")] for row in node.css("tr")]
    )


def _lines(rows: list[list[str]]) -> str:
    lines = (" | ".join(cell for cell in cells if cell) for cells in rows)
    return "\n".join(line for line in lines if line)


def _collapsed(text: str) -> str:
    """``text`` with each whitespace run made one space and the ends trimmed."""
    # Most blocks are like that already, but for their ends: telling so costs a scan or two,
    # where the split makes a string object per word.
    trimmed = text.strip()
    if "  " in trimmed:
        return " ".join(text.split())
    if trimmed.isascii():
        # Single-character scans for the ASCII characters split() takes for whitespace.
        if not (
            "\n" in trimmed
            or "\t" in trimmed
            or "\r" in trimmed
            or "\x0b" in trimmed
            or "\x0c" in trimmed
            or "\x1c" in trimmed
            or "\x1d" in trimmed
            or "\x1e" in trimmed
            or "\x1f" in trimmed
        ):
            return trimmed
    elif trimmed.isprintable():
        # Every whitespace character but the space is unprintable (a separator or control).
        return trimmed
    return " ".join(text.split())


@dataclass(frozen=True, slots=True)
class _TextKind:
    """The kind (and heading level) text has inside an element.

    An object, not a tuple: compiled code unpacks a typed tuple read from a list and packs a
    new one to store it again, once per element opened.
    """

    kind: BlockKind
    level: int


_PLAIN: Final = _TextKind(_PARAGRAPH, 0)
#: Elements whose text has a kind of its own; inside any other, text keeps its parent's kind.
_OWN_KINDS: Final = {
    **{tag: _TextKind(_HEADING, int(tag[1])) for tag in chrome.HEADING_TAGS},
    "li": _TextKind(BlockKind.LIST_ITEM, 0),
    "blockquote": _TextKind(BlockKind.QUOTE, 0),
}


@dataclass(slots=True)
class _Walker:
    judge: _Judge
    out: Segmentation
    buf: list[str] = field(default_factory=list)
    link_chars: int = 0
    #: The innermost open block-level element (None before the root opens).
    element: Element | None = None
    tags: list[str] = field(default_factory=list)
    #: Per open element, the kind its text has: the innermost heading, list item or quote.
    kinds: list[_TextKind] = field(default_factory=list)
    link_depth: int = 0
    pre_depth: int = 0
    #: Open <article> elements: counted, so that asking whether one is open costs no search.
    article_depth: int = 0

    def text(self, value: str) -> None:
        """Take in the text of one text node."""
        if not value.isspace():
            self.buf.append(value)
            if self.link_depth:
                self.link_chars += len(value.strip())
        elif self.buf:
            self.buf.append(" ")

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
                self._emit(text, _PREFORMATTED, 0, links)
            return
        own = self.kinds[-1]
        kind, level = own.kind, own.level
        if _BREAK not in raw:
            self._emit(_collapsed(raw), kind, level, links)
            return
        parts = [" ".join(p.replace(_BREAK, " ").split()) for p in raw.split(_BREAK + _BREAK)]
        parts = [p for p in parts if p]
        total = sum(len(p) for p in parts) or 1
        for part in parts:
            self._emit(part, kind, level, round(links * len(part) / total))

    def _emit(self, text: str, kind: BlockKind, level: int, links: int) -> None:
        element = self.element
        if not text or element is None:
            return
        blocks = self.out.blocks
        blocks.append(
            RawBlock(
                text, kind, level, min(links, len(text)), element, self.tags[-1],
                len(blocks),
            )
        )  # fmt: skip

    def open(self, node: LexborNode, tag: str) -> None:
        self.element = Element(node.mem_id, self.element)
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
        element = self.element
        if element is not None:
            self.element = element.parent
        self.tags.pop()
        self.kinds.pop()
        if tag == "pre":
            self.pre_depth -= 1
        elif tag == "article":
            self.article_depth -= 1


def _prose_and_quotes(root: LexborNode) -> tuple[int, bool]:
    """The characters of the paragraphs under ``root``, and whether it holds a blockquote.

    Embedded social posts are blockquotes, and most pages have none, so the full selector for
    them rarely needs to run.
    """
    parser = root.parser
    body = parser.body
    if body is not None and body.mem_id == root.mem_id:
        # The HTML parser puts every <p> and <blockquote> in <body>: found by tag name, lexbor
        # walks the tree without matching a selector at each element.
        paragraphs = parser.tags("p")
        quotes = bool(parser.tags("blockquote"))
    else:
        paragraphs = []
        quotes = False
        for found in root.css("p, blockquote"):
            if found.tag == "p":
                paragraphs.append(found)
            else:
                quotes = True
    return sum(len(p.text_lexbor()) for p in paragraphs), quotes


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
    page_prose, quotes = _prose_and_quotes(root)
    skip = _SKIP_TAGS if include_captions else _SKIP_TAGS | _CAPTION_TAGS
    embeds = quotes and root.css_first(_EMBEDDED_POSTS) is not None
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
    # Moving by first_child / next costs about what lexbor's own traversal does, and unlike
    # it lets a skipped subtree go unvisited: chrome often holds most of a page's nodes.
    out = Segmentation()
    budget = max_nodes
    skip = judge.skip_tags
    walker = _Walker(judge, out)
    walker.open(root, root.tag or "body")
    # One frame per element being walked: what closing it means, its tag, and the element,
    # kept so that climbing back up needs no parent lookup.
    frames: list[tuple[int, str, LexborNode]] = []
    node = root.first_child
    while node is not None:
        # Text nodes first, without asking for their tag: they are the commonest nodes.
        value = node.text_content
        if value is not None:
            if value:
                walker.text(value)
        elif (tag := node.tag or "") and tag[0] != "-" and tag not in skip:
            budget -= 1
            if budget < 0:
                out.truncated = True
                break
            frame = _enter(walker, node, tag, include_tables)
            if frame >= 0:
                child = node.first_child
                if child is not None:
                    frames.append((frame, tag, node))
                    node = child
                    continue
                _leave(walker, frame, tag)
        following = node.next
        # Most nodes have a next sibling: only the end of a parent needs the climb.
        while following is None and frames:
            # Unpacked by hand: a starred call goes through the generic (slow) calling path.
            frame, tag, node = frames.pop()
            _leave(walker, frame, tag)
            following = node.next
        node = following
    while frames:
        frame, tag, node = frames.pop()
        _leave(walker, frame, tag)
    walker.flush()
    return out


_INLINE: Final = 0
_BLOCK: Final = 1
_LINK: Final = 2
#: Added to a frame's kind when its element was marked as chrome and kept.
_MARKED: Final = 4


def _enter(walker: _Walker, node: LexborNode, tag: str, include_tables: bool) -> int:
    """Open an element; the frame kind to walk its children in, or -1 to pass over them."""
    marked = 0
    if tag in _UNJUDGED_TAGS:
        if tag == "br":
            walker.buf.append(_BREAK)
            return -1
    else:
        reason = walker.judge.chrome_reason(node, tag, walker.article_depth > 0)
        if reason is not None:
            if reason is not _KEPT_MARKED:
                walker.out.dropped.append(reason)
                return -1
            marked = _MARKED
    if tag in _BLOCK_TAGS:
        if walker.buf:
            walker.flush()
        if tag == "table":
            text = _table_text(node)
            if text is not None:
                if include_tables:
                    walker.open(node, tag)
                    walker._emit(text, _TABLE, 0, 0)
                    walker.close(tag)
                return -1
        walker.open(node, tag)
        frame = _BLOCK
    elif tag == "a":
        walker.link_depth += 1
        frame = _LINK
    else:
        frame = _INLINE
    if marked:
        walker.judge.kept_marked += 1
    return frame + marked


def _leave(walker: _Walker, frame: int, tag: str) -> None:
    if frame >= _MARKED:
        walker.judge.kept_marked -= 1
        frame -= _MARKED
    if frame == _BLOCK:
        if walker.buf:
            walker.flush()
        walker.close(tag)
    elif frame == _LINK:
        walker.link_depth -= 1
