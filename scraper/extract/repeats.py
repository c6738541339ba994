"""Within-page repeat collapse: one copy of a body the page renders more than once.

Pages render their article twice (desktop and AMP/print copies, a teaser that repeats the lede,
a headline repeated as a subtitle). A block is a repeat of an earlier one when their word
sequences match closely (rapidfuzz ratio, so whitespace, markup and small edits do not hide
it), or when one contains the other (a teaser is the lede cut short).

Legitimate repetition survives: a repeated block is dropped only when it belongs to a run of
repeats (a copied passage), or when it is long enough that repeating it alone cannot be a
refrain; and alike blocks that give other numbers (a forecast day by day, a round of results)
are no copies of each other. Candidates are narrowed by hashing each block's words and its
ends first, copies are settled by their first copy, and an anchor files a bounded number of
blocks, so the work stays linear in the number of blocks even on a page of thousands of alike
paragraphs. This is a pure function of its input.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import Final

from rapidfuzz import fuzz
from rapidfuzz.distance import Indel

from scraper.models import BlockKind
from scraper.unspaced import UNSPACED_CLASS, may_hold_unspaced

__all__ = ["Repeat", "RepeatMemo", "find_repeats", "repeat_key"]

_WORDS: Final = re.compile(r"\w+")
#: The numbers of a key (digits of any script), compared between near-identical blocks.
_NUMBERS: Final = re.compile(r"\d+")
#: Byte tables mapping ASCII non-word characters (not ``\w``) to spaces, the second also upper
#: case to lower; bytes above 127 pass unchanged. Translating bytes is several times faster than
#: translating a str, and than a regex over the whole text.
_ASCII_WORDS: Final = bytes(
    c if chr(c).isalnum() or c == ord("_") else ord(" ") for c in range(128)
) + bytes(range(128, 256))
_ASCII_WORDS_LOWER: Final = _ASCII_WORDS.lower()
#: Non-word characters that are most of what keeps prose from being ASCII, in UTF-8, the most
#: frequent first: typographic quotes, dashes, the ellipsis, the non-breaking hyphen.
_PROSE_MARKS: Final = tuple(
    mark.encode() for mark in "\u2019\u201d\u201c\u2014\u2013\u2018\u2026\u2011"
)
#: A character of a script written without spaces (Chinese, Japanese, Thai): where repeats are
#: found by words (anchors, shingles, pieces), each such character counts as a word.
_UNSPACED: Final = re.compile(f"[{UNSPACED_CLASS}]")
_ANCHOR_WORDS: Final = 5
_RATIO_CUTOFF: Final = 88.0
_CONTAIN_CUTOFF: Final = 95.0
#: Characters of the shorter block times the longer's past which comparing them character by
#: character costs more than a page's whole extraction: trying every alignment
#: (``fuzz.partial_ratio``) grows with the square of the shorter block, and on repetitive text
#: (one word, or one mojibake sequence, over and over) 10,000 characters in 27,000 took 34 s.
_ALIGN_BUDGET: Final = 4_000_000
#: Past that budget, containment is told by this many pieces of the shorter block, each of
#: ``_PIECE_CHARS`` characters, of which ``_PIECES_HELD`` must be found in the longer as they are.
_PIECES: Final = 64
_PIECE_CHARS: Final = 24
_PIECES_HELD: Final = 0.8
#: A repeated block this long is a copy even on its own: refrains are short.
_LONE_COPY_CHARS: Final = 200
#: A shorter block wholly contained in a longer one counts as a teaser from this length on.
_MIN_TEASER_CHARS: Final = 50
#: Blocks of this many words or more are compared by the share of their 4-word shingles
#: already seen; shorter ones by being a word-aligned piece of an earlier block.
_COVER_MIN_WORDS: Final = 8
#: Blocks this near the top that a later block contains are teasers of it.
_TEASER_SLOTS: Final = 3
_COVER_SHARE: Final = 0.8
_MIN_FRAGMENT_CHARS: Final = 12
#: Blocks shorter than this are never repeats (bullets, "Yes", dates in a list).
_MIN_CHARS: Final = 20
_SEPARATOR: Final = "\x00"
#: Characters of earlier text searched for short pieces, past which one pass indexing the runs
#: of words is cheaper: a few milliseconds of searching.
_SEARCH_BUDGET: Final = 4_000_000
#: Blocks filed under one anchor (besides its first): a block is compared with these only, so
#: that a page of many blocks that open or end alike costs work linear in its blocks. Real
#: pages file a few dozen distinct blocks under one anchor at most.
_FILED_PER_ANCHOR: Final = 63
#: Block kinds read once: in compiled code each ``BlockKind.X`` is a slow lookup on the class.
_QUOTE: Final = BlockKind.QUOTE
_LIST_ITEM: Final = BlockKind.LIST_ITEM


class RepeatMemo:
    """What repeat searches worked out about keys, for later searches on the same page: each
    key's anchors and shingles, each comparison of two keys ("" for no match), and the keys
    that hold characters of unspaced scripts, with their words (see ``_units``).

    The pipeline searches a page twice (its prose, then the blocks it keeps), and the second
    search meets many of the first one's keys and pairs again.
    """

    __slots__ = ("anchors", "matches", "shingles", "unspaced")

    def __init__(self) -> None:
        self.anchors: dict[str, tuple[str, ...]] = {}
        self.matches: dict[tuple[str, str], str] = {}
        self.shingles: dict[str, list[str]] = {}
        self.unspaced: dict[str, str] = {}


@dataclass(frozen=True, slots=True)
class Repeat:
    """Block ``index`` repeats block ``of`` (indexes into the sequence given)."""

    index: int
    of: int
    how: str


def repeat_key(text: str, lowered: str | None = None) -> str:
    """The words of a block, lower case: what repeats are compared on.

    ``lowered`` is ``text.lower()`` when the caller has it, possibly trimmed of punctuation and
    spaces at its ends or between words: the words are the same, and lowering again is slow
    past ASCII.
    """
    if len(text) < _MIN_CHARS:
        return ""  # too short to count as a repeat, whatever its words
    source = text if lowered is None else lowered
    if source.isascii():
        return _ascii_key(source.encode("ascii"))
    if lowered is None:
        lowered = text.lower()
    encoded = lowered.encode("utf-8", "surrogatepass")
    # Most text past ASCII is ASCII prose with typographic quotes and dashes: spacing those out
    # (a space splits words as they do) lets it take the byte table.
    for mark in _PROSE_MARKS:
        encoded = encoded.replace(mark, b" ")
        if encoded.isascii():
            return _ascii_key(encoded)
    # UTF-8 keeps ASCII characters as single bytes: the table spaces out ASCII punctuation, and
    # only tokens still holding other non-word characters need the regex.
    spaced = encoded.translate(_ASCII_WORDS).decode("utf-8", "surrogatepass")
    words: list[str] = []
    for token in spaced.split():
        # str.isalnum() and the regex's \w agree character by character, but for "_".
        if token.isalnum():
            words.append(token)
        else:
            words.extend(_WORDS.findall(token))
    return " ".join(words)


def _ascii_key(encoded: bytes) -> str:
    """``repeat_key`` of ASCII text, given as bytes."""
    # The table lowers ASCII letters as it spaces out the rest, so the only whitespace left is
    # runs of spaces: squeezing them costs less than splitting into words.
    # Squeezed as str: compiled code calls str.find and str.replace directly, where each
    # bytes method is looked up and its arguments parsed at every call.
    squeezed = encoded.translate(_ASCII_WORDS_LOWER).decode("ascii")
    while squeezed.find("  ") >= 0:
        squeezed = squeezed.replace("  ", " ")
    return squeezed.strip(" ")


def _units(key: str) -> str:
    """``key`` with each character of an unspaced script (see ``_UNSPACED``) a word of its own.

    Chinese or Japanese prose has only a few "words" between punctuation marks, so one edited
    character would change a whole clause, and no anchor or shingle would survive it. Keys
    without such characters come back as they are.
    """
    # Most keys are ASCII, and most others hold no lead byte of those scripts: both are ruled
    # out in C before the regex reads the key.
    if key.isascii() or not may_hold_unspaced(key.encode("utf-8", "surrogatepass")):
        return key
    if _UNSPACED.search(key) is None:
        return key
    return " ".join(_UNSPACED.sub(r" \g<0> ", key).split())


def _anchors(key: str) -> tuple[str, ...]:
    """Keys under which a block is filed besides its words: its first and last few words.

    A copy with small edits keeps at least one end intact, and a teaser cut from a lede keeps
    its start, so these keys and the words find the candidates without comparing every pair.
    ``key`` is given as ``_units`` cuts it into words.
    """
    # The ends are cut at the fifth space from each side: splitting would copy the whole key.
    head_end = -1
    tail_start = len(key)
    for _ in range(_ANCHOR_WORDS):
        head_end = key.find(" ", head_end + 1)
        if head_end < 0:
            return ()
        tail_start = key.rfind(" ", 0, tail_start)
    return ("^" + key[:head_end], "$" + key[tail_start + 1 :])


def _match(new: str, old: str) -> str | None:
    if new == old:
        return "identical"
    short, long_ = (new, old) if len(new) <= len(old) else (old, new)
    if len(short) >= 0.8 * len(long_):
        if fuzz.ratio(new, old, score_cutoff=_RATIO_CUTOFF) and _same_numbers(new, old):
            return "near-identical"
        return None
    if len(short) >= _MIN_TEASER_CHARS and _contains(short, long_):
        return "contained"
    return None


def _same_numbers(new: str, old: str) -> bool:
    """Whether two alike blocks give the same numbers in the same order.

    A second rendering of the article copies its figures; paragraphs written to one pattern
    (a forecast day by day, a round of results, prices) differ in little else, and are
    each the story's.
    """
    return _NUMBERS.findall(new) == _NUMBERS.findall(old)


def _contains(short: str, long_: str) -> bool:
    """Whether some stretch of ``long_`` matches ``short`` (a partial ratio of 95 or more)."""
    if short in long_:
        return True
    if len(short) * len(long_) > _ALIGN_BUDGET:
        return _holds_pieces(short, long_)
    # A stretch of long_ shares no more characters (in order) with short than all of long_
    # does, and a ratio of 95 needs 95/105 of short's characters shared: below 9/10 of them no
    # stretch can match. One distance costs a fraction of trying every alignment, and most
    # candidates (blocks that only open or close alike) fail it.
    common = (len(short) + len(long_) - Indel.distance(short, long_)) // 2
    if 10 * common < 9 * len(short):
        return False
    return bool(fuzz.partial_ratio(short, long_, score_cutoff=_CONTAIN_CUTOFF))


def _holds_pieces(short: str, long_: str) -> bool:
    """Whether ``long_`` holds nearly all of evenly spaced pieces of ``short`` as they are: a
    near-verbatim copy keeps most of them whole, and each costs one substring search."""
    step = max(_PIECE_CHARS, len(short) // _PIECES)
    starts = range(0, len(short) - _PIECE_CHARS + 1, step)
    held = sum(short[at : at + _PIECE_CHARS] in long_ for at in starts)
    return held >= _PIECES_HELD * len(starts)


def find_repeats(
    keys: Sequence[str], kinds: Sequence[BlockKind], memo: RepeatMemo | None = None
) -> list[Repeat]:
    """Which blocks to drop as repeats, given their ``repeat_key``s and kinds in reading order.

    Calls on the same page may share a ``memo`` so that each key is cut up, and each pair of
    keys compared, once.
    """
    if len(keys) != len(kinds):
        raise ValueError("one kind per key")
    if memo is None:
        memo = RepeatMemo()
    anchors_of = memo.anchors
    # The first block of each key and anchor; the later blocks filed under an anchor are kept
    # apart, as most anchors belong to one block: a page of unique blocks builds no list.
    first: dict[str, int] = {}
    later: dict[str, list[int]] = {}
    # The earlier block that each block matched, for its copies.
    matched: dict[int, tuple[int, str]] = {}
    found: dict[int, Repeat] = {}
    for i, key in enumerate(keys):
        if len(key) < _MIN_CHARS:
            continue
        f = first.setdefault(key, i)
        if f != i:
            # A copy's first match is its first copy's, or else its first copy: settled without
            # a search, and not filed, as its first copy answers for it.
            j, how = matched.get(f, (f, "identical"))
            _settle(found, i, j, how, len(key) > len(keys[j]))
            continue
        anchors = anchors_of.get(key)
        if anchors is None:
            units = _units(key)
            if units is not key:
                memo.unspaced[key] = units
            anchors = anchors_of[key] = _anchors(units)
        candidates = _file(i, anchors, first, later)
        if not candidates:
            continue  # most blocks share no anchor with an earlier one: nothing to sort
        hit = _first_match(key, sorted(set(candidates)), keys, memo.matches)
        if hit is not None:
            matched[i] = hit
            _settle(found, i, hit[0], hit[1], len(key) > len(keys[hit[0]]))
    if found:
        # A page that repeats itself may have cut its second copy differently: find the
        # pieces of earlier text (line-wrapped fragments, merged paragraphs) too.
        _copied_pieces(keys, found, memo.shingles, bool(memo.unspaced))
    return _runs_only(found, keys, kinds)


def _file(
    i: int, anchors: tuple[str, ...], first: dict[str, int], later: dict[str, list[int]]
) -> list[int]:
    """File block ``i`` under its anchors; the blocks filed under them before it."""
    candidates: list[int] = []
    for anchor in anchors:
        j = first.setdefault(anchor, i)
        if j != i:
            candidates.append(j)
            others = later.get(anchor)
            if others is None:
                later[anchor] = [i]
            else:
                candidates.extend(others)
                if len(others) < _FILED_PER_ANCHOR:
                    others.append(i)
    return candidates


def _first_match(
    key: str, candidates: list[int], keys: Sequence[str], matches: dict[tuple[str, str], str]
) -> tuple[int, str] | None:
    """The first candidate ``key`` matches, and how."""
    for j in candidates:
        pair = (key, keys[j])
        how = matches.get(pair)
        if how is None:
            how = matches[pair] = _match(key, keys[j]) or ""
        if how:
            return j, how
    return None


def _settle(found: dict[int, Repeat], i: int, j: int, how: str, longer: bool) -> None:
    """Record that block ``i`` matches the earlier block ``j`` (``longer``: ``i``'s key is)."""
    if how == "contained" and longer:
        if j < _TEASER_SLOTS:
            # A teaser at the top cut from the lede: drop it, keep the full paragraph.
            found.setdefault(j, Repeat(j, i, "teaser of a later block"))
        else:
            found.setdefault(i, Repeat(i, j, "containing"))
    else:
        found.setdefault(i, Repeat(i, j, how))


def _copied_pieces(
    keys: Sequence[str], found: dict[int, Repeat], shingles: dict[str, list[str]], unspaced: bool
) -> None:
    """Find the blocks made of pieces of earlier ones (``unspaced``: the page has keys in
    unspaced scripts, whose words ``_units`` gives)."""
    first_seen: dict[str, int] = {}
    pieces: list[int] = []
    # Cutting every key again would cost pages without such keys (nearly all) for nothing.
    units = [_units(key) for key in keys] if unspaced else keys
    for i, key in enumerate(units):
        rep = found.get(i)
        if rep is not None and rep.how == "identical":
            continue  # its shingles were all filed under the block it copies
        if key.count(" ") + 1 >= _COVER_MIN_WORDS:
            # One lookup per shingle files the new ones and finds the earliest block of the
            # others (earlier blocks only ever filed indexes below i); the table growing tells
            # a new shingle from one this block already filed.
            fresh = 0
            earlier: set[str] = set()
            source = i
            for gram in _shingles_of(key, shingles):
                size = len(first_seen)
                first = first_seen.setdefault(gram, i)
                if len(first_seen) > size:
                    fresh += 1
                elif first != i:
                    earlier.add(gram)
                    source = min(source, first)
            seen = len(earlier)
            if i not in found and seen and seen >= _COVER_SHARE * (fresh + seen):
                found[i] = Repeat(i, source, "copied piece")
        elif rep is None and len(keys[i]) >= _MIN_FRAGMENT_CHARS:
            pieces.append(i)
    if pieces:
        for i, source in _piece_sources(units, pieces):
            if source < i:
                found[i] = Repeat(i, source, "copied piece")


def _piece_sources(keys: Sequence[str], pieces: list[int]) -> list[tuple[int, int]]:
    """Each of the ``pieces`` (indexes of short keys) with the first block holding its words
    as a run of whole words: an earlier block, or else the piece itself."""
    # All keys in one string, so that finding a piece in the earlier blocks is one C-level
    # search instead of a loop over them. Keys hold only word characters and spaces: the
    # separator cannot be part of a match.
    padded = [f" {key} " for key in keys]
    starts = list(accumulate((len(p) + 1 for p in padded), initial=0))
    if len(pieces) * starts[pieces[-1]] > _SEARCH_BUDGET:
        # Many pieces on a long page: searching the text before each is quadratic.
        holders = _first_holders(keys, {keys[i] for i in pieces})
        return [(i, holders[keys[i]]) for i in pieces]
    joined = _SEPARATOR.join(padded)
    sources: list[tuple[int, int]] = []
    for i in pieces:
        at = joined.find(padded[i], 0, starts[i])
        sources.append((i, i if at < 0 else bisect_right(starts, at) - 1))
    return sources


def _first_holders(keys: Sequence[str], fragments: set[str]) -> dict[str, int]:
    """The first block whose key holds each fragment as a run of whole words.

    One pass over the words of the keys, trying only runs that start with a fragment's first
    word and have a fragment's length: searching the earlier text once per fragment would be
    quadratic on a page of many short blocks. Each fragment holds itself, so all are found.
    """
    sizes_by_head: dict[str, set[int]] = {}
    for fragment in fragments:
        words = fragment.split(" ")
        sizes_by_head.setdefault(words[0], set()).add(len(words))
    holders: dict[str, int] = {}
    for b, key in enumerate(keys):
        words = key.split(" ")
        for at, word in enumerate(words):
            sizes = sizes_by_head.get(word)
            if sizes is None:
                continue
            for size in sizes:
                if at + size <= len(words):
                    run = " ".join(words[at : at + size])
                    if run in fragments:
                        holders.setdefault(run, b)
        if len(holders) == len(fragments):
            break
    return holders


def _shingles_of(key: str, shingles: dict[str, list[str]]) -> list[str]:
    """A key's 4-word shingles (stretches of the key, as ``_units`` gives it), cut once per page."""
    out = shingles.get(key)
    if out is None:
        # Keys are single-spaced: a shingle runs from one word's start to the end of the third
        # word after it. Word starts are found by searching for spaces (no word is copied).
        starts = [0]
        at = key.find(" ")
        while at >= 0:
            starts.append(at + 1)
            at = key.find(" ", at + 1)
        starts.append(len(key) + 1)
        out = shingles[key] = [key[starts[k] : starts[k + 4] - 1] for k in range(len(starts) - 4)]
    return out


def _runs_only(
    found: dict[int, Repeat], keys: Sequence[str], kinds: Sequence[BlockKind]
) -> list[Repeat]:
    """Keep repeats that are part of a copied run, long, or teasers; spare lone refrains.

    A run made of list items alone is a list the page legitimately gives again (the same
    features under each product, the same steps in each plan), not a copy of the article.
    """
    prose_runs = _runs_with_prose(found, kinds)
    kept: list[Repeat] = []
    for i in sorted(found):
        rep = found[i]
        in_run = i in prose_runs and kinds[i] is not _QUOTE
        long_enough = len(keys[i]) >= _LONE_COPY_CHARS
        if in_run or long_enough or rep.how.startswith(("teaser", "contained")):
            kept.append(rep)
    return kept


def _runs_with_prose(found: dict[int, Repeat], kinds: Sequence[BlockKind]) -> set[int]:
    """Indexes in runs of two or more repeats that hold something besides list items."""
    out: set[int] = set()
    run: list[int] = []
    for i in [*sorted(found), -2]:
        if run and i != run[-1] + 1:
            if len(run) >= 2 and any(kinds[j] is not _LIST_ITEM for j in run):
                out.update(run)
            run = []
        run.append(i)
    return out
