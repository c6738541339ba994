"""The extraction pipeline: decode -> parse once -> metadata (before anything is removed) ->
per-site drop rules -> one walk that segments text into blocks and skips chrome -> choose the
article's container -> drop chrome lines, title and byline repeats -> collapse repeated copies.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Final

from selectolax.lexbor import (
    LexborDocumentOptions,
    LexborHTMLParser,
    LexborNode,
    SelectolaxError,
)

from scraper.charset import decode_html, page_charset
from scraper.errors import ConfigError, DecodeError, ParseError
from scraper.extract.body import Selection, block_score, comments_start, select_body
from scraper.extract.bounds import cap_bytes, cap_text
from scraper.extract.decisions import Decision, Explanation
from scraper.extract.filters import (
    BYLINE_REASON,
    DATELINE_REASON,
    LINK_HEADING_REASON,
    NUMBERS_REASON,
    Context,
    block_line,
    count_comment_signatures,
    is_comment_signature,
    is_cutoff,
    is_label,
    is_live_blog,
    is_teaser_line,
    judge_block,
    repeats_description,
)
from scraper.extract.language import detect_language
from scraper.extract.metadata import Metadata, extract_metadata
from scraper.extract.nesting import deep_cut
from scraper.extract.options import DEFAULT_OPTIONS, ExtractOptions
from scraper.extract.repeats import RepeatMemo, find_repeats, repeat_key
from scraper.extract.segment import Element, RawBlock, ancestor_at, segment
from scraper.extract.shadow import render_templates
from scraper.extract.xhtml import as_html, is_xhtml
from scraper.models import Article, Block, BlockKind, Page
from scraper.surrogates import without_surrogates

__all__ = ["explain", "extract", "extract_page"]

#: Block kinds read once: in compiled code each ``BlockKind.X`` is a slow lookup on the class.
_HEADING: Final = BlockKind.HEADING
_PARAGRAPH: Final = BlockKind.PARAGRAPH
_TABLE: Final = BlockKind.TABLE
_PREFORMATTED: Final = BlockKind.PREFORMATTED

_NUL_SHARE: Final = 0.01
#: Characters read to tell binary data from text.
_NUL_SAMPLE: Final = 65536
#: Characters of body text enough to tell the language when the page does not declare it.
_LANGUAGE_SAMPLE: Final = 2000
_RUNAWAY_TITLE: Final = 2000
#: Kept blocks at the top where the page's summary is a legitimate standfirst.
_STANDFIRST_SLOTS: Final = 2
#: Blocks signed like comments ("Posted by ... on ...") that mark a thread, not a quote.
_MIN_SIGNED_COMMENTS: Final = 3
#: Time stamps or signatures that make a wrapper of the article's prose a live blog's stream
#: of entries (one is an article's own dateline).
_MIN_STREAM_STAMPS: Final = 2
#: A line opening with a time of day ("10:42", "9.30 GMT"): how an entry of a stream is stamped.
_TIME_OF_DAY: Final = re.compile(r"\d{1,2}[:.]\d{2}\b")
#: A block scoring this much is prose: labels above it are not the article's.
_PROSE_SCORE: Final = 40.0
#: Blocks this long take part in choosing the container (body.block_score's threshold).
_MIN_VOTING_CHARS: Final = 40
#: How a teaser's excerpt ends where the site cut it short.
_TRUNCATION_MARKS: Final = ("...", "…", "[…]", "[...]")
#: A heading this much link text is a headline pointing elsewhere.
_LINKED_HEADLINE: Final = 0.8
#: Excerpts under linked headlines that make a list of teasers (one alone may be the writer's).
_MIN_EXCERPTS: Final = 2
#: A list of other stories' linked headlines, each with its standfirst: a headline is a line,
#: a standfirst a sentence or two with few links, and the list has this many of them.
_HEADLINE_CHARS: Final = 150
_STANDFIRST_CHARS: Final = 400
_STANDFIRST_LINKS: Final = 0.2
_MIN_TEASER_PAIRS: Final = 3
_TITLE_OPEN: Final = re.compile(r"<title\b", re.IGNORECASE)
_STRIP_FIRST: Final = ("script", "style", "noscript")
#: What goes when a page is read again with its <noscript> content (see _run).
_STRIP_NOSCRIPT_READ: Final = ("script", "style")
_NOSCRIPT_OPEN: Final = re.compile(r"<noscript\b", re.IGNORECASE)
#: A JSON-LD ``articleBody`` of this many words at least is read as the article when the page's
#: markup shows under ``_DECLARED_SHARE`` of them: a page built by scripts, whose markup holds
#: a placeholder ("Loading...") or a stub while its structured data holds the story.
_DECLARED_MIN_WORDS: Final = 50
_DECLARED_SHARE: Final = 0.25
#: Markup in an ``articleBody`` (some CMSs put the body's HTML there).
_MARKUP: Final = re.compile(r"<[a-zA-Z/!]")


@dataclass(frozen=True, slots=True)
class _Source:
    """The page as text, and what the parser is fed: the served bytes themselves when they are
    exactly the text's UTF-8 (lexbor reads UTF-8, and encoding the text again cost about 5% of
    extraction), else the text."""

    text: str
    markup: str | bytes
    encoding: str | None
    #: Whether the page's end was left out before decoding (see bounds.cap_bytes).
    cut: bool = False


#: Parse options: the tree as the source has it (see _parse).
_AS_SERVED: Final = LexborDocumentOptions.WO_EVENTS


def _decode(
    html: str | bytes, declared: str | None, max_chars: int, content_type: str | None
) -> _Source:
    if isinstance(html, bytes):
        capped = cap_bytes(html, max_chars)
        body = html if capped is None else capped
        decoded = decode_html(body, declared)
        text = _as_shown(decoded.text, content_type)
        markup = body if decoded.strict_utf8 and text is decoded.text else text
        return _Source(text, markup, decoded.encoding, capped is not None)
    sample = min(len(html), _NUL_SAMPLE)
    # Counted in place: slicing the sample out would copy it first.
    if sample and html.count("\x00", 0, sample) / sample > _NUL_SHARE:
        raise DecodeError("the text holds NUL characters: binary data, not HTML")
    text = _as_shown(html, content_type)
    return _Source(text, text, None)


def _as_shown(text: str, content_type: str | None) -> str:
    """The page as the HTML parser must read it to build the tree a browser shows: an XHTML
    page's self-closed elements closed (before the size cap, which reads scripts' extent)."""
    return as_html(text) if is_xhtml(content_type, text) else text


def _parse(markup: str | bytes, text: str) -> LexborHTMLParser:
    # Without DOM mutation events the tree keeps what the source holds: the events only copy
    # content into place (an <option> into <selectedcontent>), which extraction must not read
    # twice, and skipping them saves 5-10% of lexbor's parse.
    tree = _tree(markup)
    title = tree.css_first("head > title")
    body = tree.body
    runaway = title is not None and len(title.text()) > _RUNAWAY_TITLE
    if runaway and body is not None and not body.text().strip():
        # An unclosed <title> swallows the whole document as its text; read it as markup.
        tree = _tree(_TITLE_OPEN.sub("<x-title", text, count=1))
    # As a browser shows it: declarative shadow roots in place, inert templates gone.
    render_templates(tree)
    return tree


def _tree(markup: str | bytes) -> LexborHTMLParser:
    try:
        return LexborHTMLParser(markup, options=_AS_SERVED)
    except SelectolaxError as exc:
        # lexbor gives no reason; an allocation that failed is what makes it give up (a worker
        # runs under a memory cap for pages whose tree grows without bound: scraper.memory).
        raise ParseError(f"the HTML parser could not build this page ({exc})") from exc


def _without_nested(nodes: list[LexborNode]) -> list[LexborNode]:
    """Matches minus those inside another match (removing a parent frees its children)."""
    ids = {n.mem_id for n in nodes}
    out = []
    for node in nodes:
        parent = node.parent
        while parent is not None and parent.mem_id not in ids:
            parent = parent.parent
        if parent is None:
            out.append(node)
    return out


def _matches(tree: LexborHTMLParser, selector: str, field: str) -> list[LexborNode]:
    try:
        return tree.css(selector)
    except SelectolaxError as exc:
        # The caller's rule, not the page, is at fault: say which (a crawl's site rules).
        raise ConfigError(
            f"not a CSS selector the parser reads: {selector!r} ({exc})", key=field
        ) from exc


def _roots(tree: LexborHTMLParser, options: ExtractOptions) -> list[LexborNode]:
    top = tree.root
    for selector in options.drop_selectors:
        for node in _without_nested(_matches(tree, selector, "drop_selectors")):
            if top is not None and node.mem_id == top.mem_id:
                # lexbor keeps its root element ("html", ":root", "*"): what it holds goes,
                # which is what dropping it asks for.
                for child in list(node.iter(include_text=True)):
                    child.decompose()
            else:
                node.decompose()
    if options.keep_selectors:
        kept = [n for sel in options.keep_selectors for n in _matches(tree, sel, "keep_selectors")]
        if kept:
            return _without_nested(kept)
    root = tree.body or tree.root
    return [root] if root is not None else []


def _run(
    decoded: _Source, url: str | None, options: ExtractOptions
) -> tuple[Metadata, Explanation]:
    text, markup = decoded.text, decoded.markup
    cut = decoded.cut
    if len(text) > options.max_html_chars:
        # Bounded work: past the cap only the head and the start of the body are read.
        text, cut_here = cap_text(text, options.max_html_chars)
        markup = text
        cut = cut or cut_here
    deep = deep_cut(text, options.max_depth)
    if deep is not None:
        # The parser's time grows with the square of the depth: the part before is read.
        text = markup = text[:deep]
    cuts = _Cuts(cut, deep is not None)
    tree = _parse(markup, text)
    meta = extract_metadata(tree, url)
    explanation = _body(tree, meta, options, cuts)
    if not _found(explanation) and _NOSCRIPT_OPEN.search(text) is not None:
        # A page built by scripts may serve its article only to readers without them, in
        # <noscript>: read that when the page shows nothing else. Only such pages parse twice.
        fallback = _body(_parse(markup, text), meta, options, cuts, read_noscript=True)
        if _found(fallback):
            explanation = fallback
    declared = meta.body_hint
    if declared is not None and not options.keep_selectors:
        words = len(declared.split())
        if words >= _DECLARED_MIN_WORDS and _words(explanation) < _DECLARED_SHARE * words:
            # Read as a page of its own, so that its blocks are judged as any page's are.
            page = _declared_page(declared)
            found = _body(_parse(page, page), meta, options, _Cuts(False, False))
            if _words(found) > _words(explanation):
                return meta, found
    return meta, explanation


def _words(explanation: Explanation) -> int:
    return sum(len(d.block.text.split()) for d in explanation.decisions if d.keep)


def _declared_page(body: str) -> str:
    """A page of an ``articleBody``: its markup as given, or its text a paragraph a line."""
    if _MARKUP.search(body) is None:
        # Its text: entities a CMS escaped twice read as they show, markup-like text kept text.
        lines = (html.escape(html.unescape(line.strip())) for line in body.splitlines())
        body = "".join(f"<p>{line}</p>" for line in lines if line)
    return f"<html><body><article>{body}</article></body></html>"


def _found(explanation: Explanation) -> bool:
    return any(d.keep for d in explanation.decisions)


@dataclass(frozen=True, slots=True)
class _Cuts:
    """Which bounds cut the page's markup before it was parsed."""

    #: Its end was past ``max_html_chars``.
    long: bool
    #: Its elements nested past ``max_depth``.
    deep: bool


def _body(
    tree: LexborHTMLParser,
    meta: Metadata,
    options: ExtractOptions,
    cuts: _Cuts,
    *,
    read_noscript: bool = False,
) -> Explanation:
    """The walk, the container and every block's decision, on the parsed page (``cuts``: the
    bounds that cut its markup)."""
    # Script and style text would count as page text in the chrome judge's protection rule.
    if read_noscript:
        tree.strip_tags(list(_STRIP_NOSCRIPT_READ))
        # The walk skips <noscript>: its content (parsed as markup) is read as the page's.
        tree.unwrap_tags(["noscript"])
    else:
        tree.strip_tags(list(_STRIP_FIRST))
    roots = _roots(tree, options)
    blocks: list[RawBlock] = []
    dropped = []
    budget_hit = False
    for root in roots:
        seg = segment(
            root,
            include_tables=options.include_tables,
            include_captions=options.include_captions,
            max_nodes=options.max_nodes,
        )
        offset = len(blocks)
        for block in seg.blocks:
            block.index += offset
        blocks.extend(seg.blocks)
        dropped.extend(seg.dropped)
        budget_hit = budget_hit or seg.truncated
    use_all = bool(options.keep_selectors) and bool(roots)
    scores = [block_score(b) for b in blocks]
    # Each block's normalised line, lower case: the filters, the comment rules and the repeat
    # keys all read it, so it is made once here.
    lines = [block_line(b) for b in blocks]
    end = comments_start(blocks, scores, lines)
    # Repeat keys and what the searches work out about them, once per page for both searches.
    keys: dict[int, str] = {}
    memo = RepeatMemo()
    context = Context.of(meta.title, meta.authors, meta.description)
    selection = select_body(
        blocks, scores, end, _second_renderings(blocks, lines, keys, memo), context
    )
    decisions = _decide(blocks, lines, selection, end, context, use_all)
    _drop_comment_thread(decisions, lines, context)
    _drop_teaser_excerpts(decisions)
    _drop_teaser_pairs(decisions)
    _drop_leading_labels(decisions)
    _keep_linked_headings(decisions)
    kept = [d.block for d in decisions if d.keep]
    if options.collapse_repeats:
        repeats = find_repeats(_keys(kept, lines, keys), [b.kind for b in kept], memo)
        by_block = {kept[r.index].index: r for r in repeats}
        for n, decision in enumerate(decisions):
            rep = by_block.get(decision.block.index)
            if rep is not None:
                source = kept[rep.of].index
                decisions[n] = Decision(
                    decision.block, decision.score, False, f"{rep.how} repeat of block {source}"
                )
        _drop_late_summary(decisions, lines, context)
    truncated = _truncation(options, cuts, budget_hit)
    return Explanation(tuple(decisions), tuple(dropped), selection.container, truncated)


def _truncation(options: ExtractOptions, cuts: _Cuts, budget_hit: bool) -> str | None:
    """Why only the first part of the page was read, or None."""
    reasons = []
    if cuts.long:
        reasons.append(
            f"the page is longer than {options.max_html_chars:,} characters (max_html_chars)"
            " without its scripts, styles and comments"
        )
    if cuts.deep:
        reasons.append(f"its elements nest more than {options.max_depth:,} deep (max_depth)")
    if budget_hit:
        reasons.append(f"the page has more than {options.max_nodes:,} elements (max_nodes)")
    if not reasons:
        return None
    return " and ".join(reasons) + ": only its first part was read"


def _decide(
    blocks: list[RawBlock],
    lines: list[str],
    selection: Selection,
    end: int,
    context: Context,
    use_all: bool,
) -> list[Decision]:
    """Keep or drop each block: container, comments, related-stories boxes, block filters."""
    decisions: list[Decision] = []
    any_kept = False
    box: Element | None = None
    in_box: dict[Element, Element] = {}
    # A wrapper whose box is the element after its related-stories heading, and the element
    # of the last prose kept (see below).
    stream: Element | None = None
    last_prose: Element | None = None
    for block in blocks:
        score = selection.scores.get(block.index, 0.0)
        if block.index >= end:
            decisions.append(Decision(block, score, False, "after the comments heading"))
            continue
        if not use_all and block.index not in selection.inside:
            decisions.append(Decision(block, score, False, "outside the article container"))
            continue
        if stream is not None:
            box = ancestor_at(block.element, stream.depth + 1, {})
            if box is not None and box.parent is not stream:
                box = None
            in_box = {}
            stream = None
        if box is not None and ancestor_at(block.element, box.depth, in_box) is box:
            if block.kind is not _HEADING:
                decisions.append(Decision(block, score, False, "inside a related-stories box"))
                continue
            # A heading after the list opens the next section of the article.
            box = None
        line = lines[block.index]
        if is_teaser_line(block, line):
            decisions.append(Decision(block, score, False, "teaser line"))
            continue
        if any_kept and is_cutoff(block, line):
            # The heading's own wrapper is the box of other stories, unless that wrapper is
            # the article itself: then only the heading goes. A live blog's stream of dated
            # or signed entries that held the prose kept just before the heading is the
            # article's too (a promo set between its entries): the box is the one element
            # after the heading.
            parent = block.element.parent
            box = parent if parent is not None and parent.node_id != selection.container else None
            if (
                box is not None
                and last_prose is not None
                and ancestor_at(last_prose, box.depth, {}) is box
                and _stamped_entries(decisions, box) >= _MIN_STREAM_STAMPS
            ):
                stream, box = box, None
            in_box = {}
            decisions.append(Decision(block, score, False, "related-stories heading"))
            continue
        verdict = judge_block(block, line, score, context)
        decisions.append(Decision(block, score, verdict.keep, verdict.wording, verdict.figure))
        if verdict.keep:
            any_kept = True
            if score >= _PROSE_SCORE:
                last_prose = block.element
    return decisions


def _stamped_entries(decisions: list[Decision], wrapper: Element) -> int:
    """How many time stamps and signatures (lines gone as datelines or bylines, or a time of
    day alone) the blocks decided so far hold inside ``wrapper``, counted up to
    ``_MIN_STREAM_STAMPS``."""
    found = 0
    memo: dict[Element, Element] = {}
    for decision in reversed(decisions):
        wording = decision.wording
        stamp = wording in (DATELINE_REASON, BYLINE_REASON)
        if wording == NUMBERS_REASON:
            stamp = _TIME_OF_DAY.match(decision.block.text) is not None
        if stamp and ancestor_at(decision.block.element, wrapper.depth, memo) is wrapper:
            found += 1
            if found >= _MIN_STREAM_STAMPS:
                break
    return found


def _keys(blocks: list[RawBlock], lines: list[str], cache: dict[int, str]) -> list[str]:
    """The blocks' repeat keys, each computed once per page."""
    out = []
    for block in blocks:
        key = cache.get(block.index)
        if key is None:
            key = cache[block.index] = repeat_key(block.text, lines[block.index])
        out.append(key)
    return out


def _second_renderings(
    blocks: list[RawBlock],
    lines: list[str],
    keys: dict[int, str],
    memo: RepeatMemo,
) -> frozenset[int]:
    """Prose blocks that repeat earlier prose: a second copy must not pull the container."""
    prose = [b for b in blocks if len(b.text) >= _MIN_VOTING_CHARS]
    if len({b.text for b in prose}) == len(prose):
        # A second rendering repeats some paragraphs word for word; most pages repeat none.
        return frozenset()
    repeats = find_repeats(_keys(prose, lines, keys), [b.kind for b in prose], memo)
    copied = {r.index for r in repeats if not r.how.startswith("teaser")}
    # Only runs of repeated prose are a second rendering; one repeated sentence is not.
    return frozenset(prose[i].index for i in copied if i - 1 in copied or i + 1 in copied)


def _drop_teaser_excerpts(decisions: list[Decision]) -> None:
    """Cut-short excerpts under linked headlines: a list of other stories, not the article."""
    excerpts = [
        n
        for n in range(1, len(decisions))
        if decisions[n].keep
        and decisions[n].block.text.endswith(_TRUNCATION_MARKS)
        and decisions[n - 1].block.kind is _HEADING
        and decisions[n - 1].block.link_density > _LINKED_HEADLINE
    ]
    if len(excerpts) < _MIN_EXCERPTS:
        return
    for n in excerpts:
        decision = decisions[n]
        decisions[n] = Decision(decision.block, decision.score, False, "teaser excerpt")


def _drop_teaser_pairs(decisions: list[Decision]) -> None:
    """Other stories listed after the article, each a linked headline and its standfirst
    ("<dt><a>Mill to reopen</a></dt><dd>The owners said on Tuesday...</dd>"): the headlines
    go as links, and the standfirsts, prose each, went with the article."""
    run: list[int] = []
    # The wrapper of the last paragraph of the article's prose kept so far.
    home: Element | None = None
    n = 0
    last = len(decisions) - 1
    while n < last:
        decision = decisions[n]
        # A pair opens with a block that went: most blocks are kept prose, tried no further.
        if (
            not decision.keep
            and home is not None
            and _is_teaser_pair(decision, decisions[n + 1], home)
        ):
            run.append(n + 1)
            n += 2
            continue
        if run:
            _drop_teaser_run(decisions, run)
        if decision.keep and decision.score >= _PROSE_SCORE:
            home = decision.block.element.parent
        n += 1
    _drop_teaser_run(decisions, run)


def _is_teaser_pair(headline: Decision, standfirst: Decision, home: Element) -> bool:
    """Whether two blocks in a row are a linked headline that went and a short paragraph of
    prose kept after it, outside the wrapper of the article's prose (``home``)."""
    line, text = headline.block, standfirst.block
    if headline.keep or not standfirst.keep or line.kind is _HEADING or text.kind is _HEADING:
        # A list article's items are headed by linked headings (products, places, courses):
        # their descriptions are its text.
        return False
    if line.link_density <= _LINKED_HEADLINE or len(line.text) > _HEADLINE_CHARS:
        return False
    # A headline has words: a linked number is a footnote's, and its note is the article's.
    if " " not in line.text:
        return False
    if text.link_density >= _STANDFIRST_LINKS or len(text.text) > _STANDFIRST_CHARS:
        return False
    # Scored anew: a decision's score is the container vote, none for text repeated on the
    # page (a story's standfirst listed in two sections).
    if block_score(text) < _PROSE_SCORE:
        return False
    # An answer inside its linked question (an FAQ's toggle) is the article's; so is a list
    # set in the wrapper of the article's own paragraphs.
    if ancestor_at(text.element, line.element.depth, {}) is line.element:
        return False
    return ancestor_at(text.element, home.depth, {}) is not home


def _drop_teaser_run(decisions: list[Decision], run: list[int]) -> None:
    """Drop the standfirsts of a run of teaser pairs long enough to be a list of stories."""
    if len(run) >= _MIN_TEASER_PAIRS:
        for n in run:
            decision = decisions[n]
            decisions[n] = Decision(decision.block, decision.score, False, "teaser standfirst")
    run.clear()


def _keep_linked_headings(decisions: list[Decision]) -> None:
    """Linked headings that head the article's own prose come back: a list article links each
    item's heading (a product, a course, a place), and the item's text follows it. The heading
    must sit in the wrapper that holds the article's prose kept before it, and prose kept must
    follow it; a list of other stories after the article sits in a wrapper of its own."""
    last: Element | None = None
    for n in range(len(decisions) - 1):
        decision = decisions[n]
        if decision.keep:
            if decision.score >= _PROSE_SCORE and decision.block.kind is not _HEADING:
                last = decision.block.element
            continue
        if last is None or decision.wording != LINK_HEADING_REASON:
            continue
        after = decisions[n + 1]
        if (
            not after.keep
            or after.block.kind is _HEADING
            or block_score(after.block) < _PROSE_SCORE
        ):
            continue
        wrapper = decision.block.element.parent
        if wrapper is not None and ancestor_at(last, wrapper.depth, {}) is wrapper:
            decisions[n] = Decision(
                decision.block, decision.score, True, "linked heading over prose"
            )


def _drop_leading_labels(decisions: list[Decision]) -> None:
    """One- or two-word lines above the first paragraph are kickers and section labels."""
    if not any(d.keep and d.score >= _PROSE_SCORE for d in decisions):
        return
    for n, decision in enumerate(decisions):
        if not decision.keep:
            continue
        if decision.score >= _PROSE_SCORE or decision.block.kind is _HEADING:
            return
        if decision.block.kind is _PARAGRAPH and is_label(decision.block.text):
            decisions[n] = Decision(decision.block, decision.score, False, "label above the body")


def _drop_comment_thread(decisions: list[Decision], lines: list[str], context: Context) -> None:
    """Readers' comments laid out like paragraphs: from the first signed one to the end (a
    live blog's entries, signed by its writers, stay)."""
    kept = [n for n, d in enumerate(decisions) if d.keep]
    if not kept:
        return
    # A signature line short enough went as a byline or a dateline ("Posted by jd_88 on 3 May
    # 2026"): it still marks its comment, once the article has begun (the article's own
    # byline comes before its first kept block).
    read = [
        n
        for n, d in enumerate(decisions)
        if d.keep or (n > kept[0] and d.wording in (BYLINE_REASON, DATELINE_REASON))
    ]
    # One scan over all that text first: most pages have no signed comment at all.
    signatures = count_comment_signatures([lines[decisions[n].block.index] for n in read])
    if signatures < _MIN_SIGNED_COMMENTS:
        return
    signed = [n for n in read if is_comment_signature(decisions[n].block.text)]
    if len(signed) < _MIN_SIGNED_COMMENTS:
        return
    if is_live_blog([decisions[n].block.text for n in signed], context.authors):
        return
    for n in range(signed[0], len(decisions)):
        decision = decisions[n]
        if decision.keep:
            decisions[n] = Decision(decision.block, decision.score, False, "reader comment")


def _drop_late_summary(decisions: list[Decision], lines: list[str], context: Context) -> None:
    """A summary is a standfirst at the top; further down it is a teaser of a second copy."""
    position = 0
    for n, decision in enumerate(decisions):
        if not decision.keep:
            continue
        block = decision.block
        if position >= _STANDFIRST_SLOTS and repeats_description(
            block.text, lines[block.index], context
        ):
            decisions[n] = Decision(
                decision.block, decision.score, False, "repeats the summary below the body"
            )
        position += 1


def _article(meta: Metadata, explanation: Explanation, url: str | None, enc: str | None) -> Article:
    kept = [d.block for d in explanation.decisions if d.keep]
    blocks = tuple(_block(b) for b in kept)
    language = meta.language or detect_language(" ".join(b.text for b in blocks)[:_LANGUAGE_SAMPLE])
    return Article.build(
        blocks=blocks,
        word_count=sum(_word_count(b) for b in kept),
        url=url,
        canonical_url=meta.canonical_url,
        title=meta.title,
        authors=meta.authors,
        published=meta.published,
        modified=meta.modified,
        language=language,
        site_name=meta.site_name,
        description=meta.description,
        image=meta.image,
        tags=meta.tags,
        encoding=enc,
        truncated=explanation.truncated,
    )


def _block(raw: RawBlock) -> Block:
    """``Block(raw.kind, raw.text, raw.level)``, its fields set from compiled code.

    models.py is not compiled: the dataclass's generated ``__init__`` runs as interpreted
    Python, a frame and three ``object.__setattr__`` calls (its way past ``frozen``), some 5k
    instructions a block. Making the same calls here costs a fraction of that.
    """
    block = object.__new__(Block)
    object.__setattr__(block, "kind", raw.kind)
    object.__setattr__(block, "text", raw.text)
    object.__setattr__(block, "level", raw.level)
    return block


def _word_count(block: RawBlock) -> int:
    """``len(block.text.split())``, counted without splitting where the walk single-spaced it."""
    if block.kind is _TABLE or block.kind is _PREFORMATTED:
        return len(block.text.split())
    # Everything else is the walk's " ".join(raw.split()), and never empty.
    return block.text.count(" ") + 1


def extract(
    html: str | bytes,
    url: str | None = None,
    *,
    options: ExtractOptions | None = None,
    encoding: str | None = None,
    content_type: str | None = None,
) -> Article:
    """Extract the article of one page.

    Args:
        html: the page; bytes are decoded by scraper (BOM, ``encoding``, ``<meta charset>``,
            detection, then UTF-8 with replacement) and the encoding used is recorded.
        url: where the page came from, for metadata and relative links.
        options: extractor options; None (the default) is ``ExtractOptions()``.
        encoding: the charset the transport declared for bytes (for example from
            Content-Type), if any.
        content_type: the Content-Type the transport declared, if any: a page served as
            XHTML (``application/xhtml+xml``) is read as a browser shows it, self-closed
            elements and all. Without it a page that starts with an XML declaration is
            read so.

    Returns:
        The article: body blocks and text, and metadata; an empty body when none is found.

    Raises:
        DecodeError: the input is binary data, not an HTML document.
        ParseError: the HTML parser could not build a tree of the page (out of memory).
        ConfigError: a selector of ``options`` is not CSS the parser reads; ``key`` names
            the option.
    """
    options = _options(options)
    url = _as_text(url)
    decoded = _decode(html, encoding, options.max_html_chars, content_type)
    meta, explanation = _run(decoded, url, options)
    return _article(meta, explanation, url, decoded.encoding)


def extract_page(page: Page, options: ExtractOptions | None = None) -> Article:
    """Extract the article of a fetched :class:`~scraper.models.Page`."""
    return extract(
        page.body,
        url=page.effective_url,
        options=options,
        encoding=page_charset(page),
        content_type=page.header("content-type"),
    )


def explain(
    html: str | bytes,
    url: str | None = None,
    *,
    options: ExtractOptions | None = None,
    encoding: str | None = None,
    content_type: str | None = None,
) -> Explanation:
    """Every candidate block with its score, kept or dropped, and the rule that decided
    (``encoding`` and ``content_type`` as for :func:`extract`: the page read as it reads it)."""
    options = _options(options)
    decoded = _decode(html, encoding, options.max_html_chars, content_type)
    return _run(decoded, _as_text(url), options)[1]


def _as_text(url: str | None) -> str | None:
    # A lone surrogate in the caller's URL would reach the article's url (and the image and
    # canonical links resolved against it), which no UTF-8 writer, JSON or SQLite, takes.
    return None if url is None else without_surrogates(url)


def _options(options: ExtractOptions | None) -> ExtractOptions:
    # None is the defaults, as for extract_page and dedup (a caller's optional setting). Any
    # other value is checked, not taken for the defaults because it is falsy ({}): the
    # compiled build refuses it with the same TypeError.
    if options is None:
        return DEFAULT_OPTIONS
    if not isinstance(options, ExtractOptions):
        raise TypeError(f"options must be an ExtractOptions, not {type(options).__name__}")
    return options
