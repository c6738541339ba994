"""A line counts toward a site's chrome once per story, not once per text.

A line on pages of several stories of one site is its template; a line on several pages of one
story is that story's text: updated versions at new URLs each keep most paragraphs of the one
before, and counted once per text those paragraphs became the site's chrome after three
versions, so later versions lost them and split from their story. Which pages are one story is
known only once they are placed, while a batch's chrome must be known before (its pages are
compared without it). So a batch's lines are counted once per group of its pages first (as
distinct stories: the safe side), and once placed, each line's count is brought back to the
number of clusters its pages landed in that did not already hold it on their domain.

One shape of story is known before placing: pages each holding every line of the one before
(an update that adds a paragraph and keeps the rest, at a new URL). A line new to its domain
whose groups in the batch are all such a chain counts once (``nested``): a site's template
is on pages of stories that each have lines of their own, and never forms one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from scraper.dedup.tokens import I64, Flags, Keys, flat_keys

__all__ = ["Counted", "nested", "once_per_story"]


@dataclass(frozen=True, slots=True)
class Counted:
    """What a batch's line counting added: for each counted page, its place in the batch, its
    domain's number, its host and its group (pages joined by a key or a text count once); the
    line count keys counted (sorted), how much each was counted for (groups, or one for a
    chain, see ``nested``) and how many groups of a chain were not counted."""

    pages: list[int]
    owners: list[int]
    sites: list[str]
    groups: list[int]
    keys: I64
    added: I64
    spared: I64


def once_per_story(
    counted: Counted,
    lines: Sequence[Keys],
    clusters: Sequence[int],
    earlier: set[tuple[int, int]],
) -> I64:
    """How much to take back from each of ``counted.keys`` (negative: to add).

    ``lines`` and ``clusters`` are each counted page's line keys and the cluster it landed
    in; ``earlier`` holds the (line count key, cluster) of every line that a page of that
    domain stored before the batch holds in that cluster.
    """
    # A chain counted once that landed in several clusters is counted for each of them.
    return _per_story(counted, lines, clusters, earlier) - counted.spared


def _per_story(
    counted: Counted,
    lines: Sequence[Keys],
    clusters: Sequence[int],
    earlier: set[tuple[int, int]],
) -> I64:
    """Per key, the groups counted minus the stories they make (at least 0)."""
    back = np.zeros(len(counted.keys), dtype=np.int64)
    # A page alone in its cluster among its domain's pages, of this batch and before, was
    # counted once for its story already: only the others are looked at (a big batch's
    # pages are mostly alone on their sites, and their lines are most of its lines).
    cells = Counter(zip(counted.owners, clusters, strict=True))
    cells.update({(key >> 32, cluster) for key, cluster in earlier})
    shared = [
        n for n, cell in enumerate(zip(counted.owners, clusters, strict=True)) if cells[cell] > 1
    ]
    if not shared:
        return back
    sizes = [len(lines[n]) for n in shared]
    owner = np.repeat(np.array([counted.owners[n] for n in shared], dtype=np.int64), sizes)
    line = flat_keys([lines[n] for n in shared])
    key = (owner << 32) | line
    group = np.repeat(np.array([counted.groups[n] for n in shared], dtype=np.int64), sizes)
    cluster = np.repeat(np.array([clusters[n] for n in shared], dtype=np.int64), sizes)
    key_of_group = _distinct(key, group)[0]
    key_of_story, story = _distinct(key, cluster)
    if earlier:
        pairs = zip(key_of_story.tolist(), story.tolist(), strict=True)
        new = np.fromiter((pair not in earlier for pair in pairs), bool, len(story))
        key_of_story = key_of_story[new]
    keys, groups = np.unique(key_of_group, return_counts=True)
    back[np.searchsorted(counted.keys, keys)] = groups
    keys, stories = np.unique(key_of_story, return_counts=True)
    back[np.searchsorted(counted.keys, keys)] -= stories
    kept: I64 = np.maximum(back, 0)
    return kept


def nested(keys: I64, pair_keys: I64, pair_groups: I64) -> Flags:
    """Which of ``keys`` (sorted) are held only by groups that make one chain: ordered by
    size, each holds every line of the one before.

    ``pair_keys`` and ``pair_groups`` are the distinct (line count key, group) pairs of the
    batch, sorted by group.
    """
    out = np.zeros(len(keys), dtype=bool)
    if not len(keys):
        return out
    # A batch's lines are mostly of one story each: few of its pairs hold one of ``keys``.
    at = np.minimum(np.searchsorted(keys, pair_keys), len(keys) - 1)
    held = keys[at] == pair_keys
    order = np.lexsort((pair_groups[held], pair_keys[held]))
    key, group = pair_keys[held][order], pair_groups[held][order]
    cuts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    # Lines by the groups holding them: a template's lines share one set of groups.
    holders: dict[tuple[int, ...], list[int]] = {}
    bounds = zip(cuts.tolist(), np.r_[cuts[1:], len(key)].tolist(), strict=True)
    for (first, last), line in zip(bounds, key[cuts].tolist(), strict=True):
        holders.setdefault(tuple(group[first:last].tolist()), []).append(line)
    # Each group's lines are a run of the pairs (sorted by group).
    needed = np.unique(group)
    starts = np.searchsorted(pair_groups, needed).tolist()
    ends = np.searchsorted(pair_groups, needed, side="right").tolist()
    run = dict(zip(needed.tolist(), zip(starts, ends, strict=True), strict=True))
    lines: dict[int, frozenset[int]] = {}

    def lines_of(number: int) -> frozenset[int]:
        found = lines.get(number)
        if found is None:
            first, last = run[number]
            found = lines[number] = frozenset(pair_keys[first:last].tolist())
        return found

    chained: list[int] = []
    for groups, found in holders.items():
        # Smallest first; a template's pages fail at the first pair (each has lines of its
        # own), so only two groups' lines are read for it.
        by_size = sorted(groups, key=lambda g: (run[g][1] - run[g][0], g))
        if all(lines_of(a) <= lines_of(b) for a, b in pairwise(by_size)):
            chained += found
    out[np.searchsorted(keys, np.array(chained, dtype=np.int64))] = True
    return out


def _distinct(key: I64, other: I64) -> tuple[I64, I64]:
    """The distinct (key, other) pairs, as two arrays."""
    order = np.lexsort((other, key))
    key, other = key[order], other[order]
    first = np.ones(len(key), dtype=bool)
    first[1:] = (key[1:] != key[:-1]) | (other[1:] != other[:-1])
    return key[first], other[first]
