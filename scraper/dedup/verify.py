"""Verification of a candidate pair: word-level containment with rapidfuzz, with a cutoff.

MinHash only proposes candidates; every pair is confirmed on the normalised content words
themselves (function words would let any two English texts align for a third of their length).
The longest common subsequence of the two word sequences (``rapidfuzz.distance.LCSseq``, given
``score_cutoff`` so hopeless pairs stop early) must cover ``containment`` of the shorter text,
and the shorter must hold at least ``min_length_ratio`` of the longer's words. Containment
rather than plain similarity is what lets a trimmed copy, or an update with added paragraphs,
join its original, while two different stories on one topic share only scattered words.

Numbers (ids in the ``NUMBER_IDS`` range) are checked on their own as well: a wire copy keeps
the numbers of its original, while two days' market reports or two matches written from one
template share every word but their figures. A pair fails when more than half the numbers of
the side with fewer, and at least two of them, are not found in order among the other's: one
differing number (a corrected figure, another dateline's date) is not enough. A side without
numbers (or with ids stored before numbers were content words) leaves only the word check.

Short texts are held to a stricter bar: 30% of a dozen words is three or four, exactly what
separates two obituaries or two police briefs written from one template (name, age, town,
day). Below ``short_words`` the words the shorter may miss shrink with its length, down to
``short_misses``; below ``min_words`` nothing is a near-duplicate (see ``DedupOptions``).
"""

from __future__ import annotations

from collections.abc import Sequence
from math import ceil, floor, sqrt

from rapidfuzz.distance import LCSseq

from scraper.dedup.options import DedupOptions
from scraper.dedup.tokens import NUMBER_IDS

__all__ = [
    "allowed_misses",
    "contained",
    "containment",
    "foreign_bound",
    "linked_by_foreign_text",
    "near_duplicate",
    "numbers_agree",
]


def near_duplicate(a: Sequence[int], b: Sequence[int], options: DedupOptions) -> bool:
    """Whether content-word id sequences ``a`` and ``b`` are near-duplicates under ``options``."""
    short, long = sorted((len(a), len(b)))
    if short < options.min_length_ratio * long:
        return False
    return contained(a, b, options)


def contained(a: Sequence[int], b: Sequence[int], options: DedupOptions) -> bool:
    """Whether the shorter of ``a`` and ``b`` is in the longer, whatever their lengths."""
    short = min(len(a), len(b))
    if short < options.min_words:
        return False
    cutoff = short - allowed_misses(short, options)
    return bool(LCSseq.similarity(a, b, score_cutoff=cutoff) >= cutoff) and numbers_agree(a, b)


def numbers_agree(a: Sequence[int], b: Sequence[int]) -> bool:
    """Whether the numbers of ``a`` and ``b`` agree: at most half of the side with fewer, or
    just one, missing from the other's in order (true when either side has none)."""
    first = [i for i in a if i >= NUMBER_IDS]
    second = [i for i in b if i >= NUMBER_IDS]
    fewer = min(len(first), len(second))
    cutoff = min(ceil(fewer / 2), fewer - 1)
    return cutoff <= 0 or bool(LCSseq.similarity(first, second, score_cutoff=cutoff) >= cutoff)


def allowed_misses(short: int, options: DedupOptions) -> int:
    """How many of the shorter text's ``short`` content words may be missing from the longer."""
    misses = floor((1.0 - options.containment) * short + 1e-9)
    if short >= options.short_words:
        return misses
    scaled = floor((1.0 - options.containment) * short * short / options.short_words + 1e-9)
    return min(misses, max(options.short_misses, scaled))


def containment(a: Sequence[int], b: Sequence[int]) -> float:
    """The share of the shorter sequence found in order in the longer (0 for empty input)."""
    short = min(len(a), len(b))
    return LCSseq.similarity(a, b) / short if short else 0.0


def linked_by_foreign_text(a: Sequence[int], b: Sequence[int], options: DedupOptions) -> bool:
    """Whether ``a`` and ``b`` share only text that neither one's own words are about.

    Two pages of one site can match through a block of the site's template that is new and
    so not yet known as chrome (a podcast, a newsletter and a membership appeal) when it is
    most of each, as on short briefs. Versions of one story look the same at placement (kept
    paragraphs, new lines of two pages), but what each version has of its own (a new lede, a
    corrected paragraph) is about the story it shares: its names, places and figures recur
    there. So a pair is linked by foreign text when each side has some words of its own, as a
    real part of its text, and few of them occur in what the two share: at most
    ``foreign_overlap`` of each side's, or, of both sides' together, no more than a text about
    something else finds in a shared part of that size by chance (``foreign_bound``).
    """
    shared: set[int] = set()
    own_a: set[int] = set()
    own_b: set[int] = set()
    # Words of each side outside what they share, counted where they stand (not distinct).
    apart_a = apart_b = 0
    for op in LCSseq.opcodes(a, b):
        if op.tag == "equal":
            shared.update(a[op.src_start : op.src_end])
        elif op.tag == "delete":
            own_a.update(a[op.src_start : op.src_end])
            apart_a += op.src_end - op.src_start
        else:
            own_b.update(b[op.dest_start : op.dest_end])
            apart_b += op.dest_end - op.dest_start
    least = options.foreign_own_words
    if len(own_a) < least or len(own_b) < least:
        return False
    # A story's text with a line or two of each copy's own (a related-stories box, a print
    # view's header, another photo caption) shares nearly all of each: held apart only when
    # the words they share leave each side a real part of its own, as a brief's is beside a
    # template block.
    share = options.foreign_own_share
    if apart_a < share * len(a) or apart_b < share * len(b):
        return False
    most = options.foreign_overlap
    found_a = len(own_a & shared)
    found_b = len(own_b & shared)
    if found_a <= most * len(own_a) and found_b <= most * len(own_b):
        return True
    # A large block shares two or three common words ("before", "since", "municipal") with
    # some briefs by chance, which is over the share on one side of twenty words. Pooled,
    # the two sides' words are a larger sample than either (one unlucky brief no longer
    # decides for both), held to a bound that allows for the block's size.
    pooled = len(own_a) + len(own_b)
    return found_a + found_b <= foreign_bound(len(shared), options) * pooled


def foreign_bound(shared: int, options: DedupOptions) -> float:
    """The share of two pages' own distinct words that may occur in a shared part of
    ``shared`` distinct words while that part is still foreign to them.

    A text about something else shares common words with any block by chance, and more the
    larger the block's vocabulary (a brief's first 50 words against an unrelated article's
    text, on the benchmark's gold texts: 1 in 10 share at least 6% of their words with 45
    distinct words of it, 10% with 85, 14% with 170). So the bound is ``foreign_overlap`` at
    ``foreign_shared_words`` distinct shared words and follows the square root of their
    number: a large template block does not make different briefs one story, while a short
    story's kept paragraphs, a smaller shared part, still hold its versions together.
    """
    return options.foreign_overlap * sqrt(shared / options.foreign_shared_words)
