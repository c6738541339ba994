"""Within-page repeat collapse: one copy of a body the page renders more than once.

Pages render their article twice (desktop and AMP/print copies, a teaser that repeats the lede,
a headline repeated as a subtitle). A block is a repeat of an earlier one when their word
sequences match closely (rapidfuzz ratio, so whitespace, markup and small edits do not hide
it), or when one contains the other (a teaser is the lede cut short).

Legitimate repetition survives: a repeated block is dropped only when it belongs to a run of
repeats (a copied passage), or when it is long enough that repeating it alone cannot be a
refrain. Candidates are narrowed by hashing each block's words and its ends first, so the
work stays linear in the number of blocks. This is a pure function of its input.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from scraper.models import BlockKind

__all__ = ["Repeat", "find_repeats", "repeat_key"]

_WORDS = re.compile(r"\w+")
_ANCHOR_WORDS = 5
_RATIO_CUTOFF = 88.0
_CONTAIN_CUTOFF = 95.0
#: A repeated block this long is a copy even on its own: refrains are short.
_LONE_COPY_CHARS = 200
#: A shorter block wholly contained in a longer one counts as a teaser from this length on.
_MIN_TEASER_CHARS = 50
#: Blocks of this many words or more are compared by the share of their 4-word shingles
#: already seen; shorter ones by being a word-aligned piece of an earlier block.
_COVER_MIN_WORDS = 8
#: Blocks this near the top that a later block contains are teasers of it.
_TEASER_SLOTS = 3
_COVER_SHARE = 0.8
_MIN_FRAGMENT_CHARS = 12
#: Blocks shorter than this are never repeats (bullets, "Yes", dates in a list).
_MIN_CHARS = 20


@dataclass(frozen=True, slots=True)
class Repeat:
    """Block ``index`` repeats block ``of`` (indexes into the sequence given)."""

    index: int
    of: int
    how: str


@dataclass(slots=True)
class _Entry:
    key: str
    kind: BlockKind


def repeat_key(text: str) -> str:
    """The words of a block, lower case: what repeats are compared on."""
    if len(text) < _MIN_CHARS:
        return ""  # too short to count as a repeat, whatever its words
    return " ".join(_WORDS.findall(text.lower()))


def _anchors(key: str) -> tuple[str, ...]:
    """Keys under which a block is filed: its words, and its first and last few words.

    A copy with small edits keeps at least one end intact, and a teaser cut from a lede keeps
    its start, so these three keys find the candidates without comparing every pair.
    """
    words = key.split()
    if len(words) <= _ANCHOR_WORDS:
        return (key,)
    return (key, "^" + " ".join(words[:_ANCHOR_WORDS]), "$" + " ".join(words[-_ANCHOR_WORDS:]))


def _match(new: _Entry, old: _Entry) -> str | None:
    if new.key == old.key:
        return "identical"
    short, long_ = (new, old) if len(new.key) <= len(old.key) else (old, new)
    if len(short.key) >= 0.8 * len(long_.key):
        if fuzz.ratio(new.key, old.key, score_cutoff=_RATIO_CUTOFF):
            return "near-identical"
        return None
    if len(short.key) >= _MIN_TEASER_CHARS and fuzz.partial_ratio(
        short.key, long_.key, score_cutoff=_CONTAIN_CUTOFF
    ):
        return "contained"
    return None


def find_repeats(keys: Sequence[str], kinds: Sequence[BlockKind]) -> list[Repeat]:
    """Which blocks to drop as repeats, given their ``repeat_key``s and kinds in reading order."""
    entries = [_Entry(k, kind) for k, kind in zip(keys, kinds, strict=True)]
    index: dict[str, list[int]] = {}
    found: dict[int, Repeat] = {}
    for i, entry in enumerate(entries):
        if len(entry.key) < _MIN_CHARS:
            continue
        candidates: list[int] = []
        for anchor in _anchors(entry.key):
            bucket = index.setdefault(anchor, [])
            candidates.extend(j for j in bucket if j not in candidates)
            bucket.append(i)
        for j in sorted(candidates):
            how = _match(entry, entries[j])
            if how is None:
                continue
            if how == "contained" and len(entry.key) > len(entries[j].key):
                if j < _TEASER_SLOTS:
                    # A teaser at the top cut from the lede: drop it, keep the full paragraph.
                    found.setdefault(j, Repeat(j, i, "teaser of a later block"))
                else:
                    found.setdefault(i, Repeat(i, j, "containing"))
            else:
                found.setdefault(i, Repeat(i, j, how))
            break
    if found:
        # A page that repeats itself may have cut its second copy differently: find the
        # pieces of earlier text (line-wrapped fragments, merged paragraphs) too.
        _copied_pieces(entries, found)
    return _runs_only(found, entries)


def _copied_pieces(entries: Sequence[_Entry], found: dict[int, Repeat]) -> None:
    first_seen: dict[tuple[str, ...], int] = {}
    for i, entry in enumerate(entries):
        words = entry.key.split()
        if len(words) >= _COVER_MIN_WORDS:
            grams = set(zip(words, words[1:], words[2:], words[3:], strict=False))
            sources = [first_seen[g] for g in grams if g in first_seen]
            if i not in found and len(sources) >= _COVER_SHARE * len(grams):
                found[i] = Repeat(i, min(sources), "copied piece")
            for gram in grams:
                first_seen.setdefault(gram, i)
        elif words and i not in found and len(entry.key) >= _MIN_FRAGMENT_CHARS:
            padded = f" {entry.key} "
            source = next((j for j in range(i) if padded in f" {entries[j].key} "), None)
            if source is not None:
                found[i] = Repeat(i, source, "copied piece")


def _runs_only(found: dict[int, Repeat], entries: Sequence[_Entry]) -> list[Repeat]:
    """Keep repeats that are part of a copied run, long, or teasers; spare lone refrains."""
    kept: list[Repeat] = []
    for i in sorted(found):
        rep = found[i]
        in_run = (i - 1 in found or i + 1 in found) and entries[i].kind is not BlockKind.QUOTE
        long_enough = len(entries[i].key) >= _LONE_COPY_CHARS
        if in_run or long_enough or rep.how.startswith(("teaser", "contained")):
            kept.append(rep)
    return kept
