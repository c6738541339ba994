"""A line counts toward a site's chrome once per story, not once per text.

A line on pages of several stories of one site is its template; a line on several pages of one
story is that story's text: updated versions at new URLs each keep most paragraphs of the one
before, and counted once per text those paragraphs became the site's chrome after three
versions, so later versions lost them and split from their story. Which pages are one story is
known only once they are placed, while a batch's chrome must be known before (its pages are
compared without it). So a batch's lines are counted once per group of its pages first (as
distinct stories: the safe side), and once placed, each line's count is brought back to the
number of clusters its pages landed in that did not already hold it on their domain.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from scraper.dedup.tokens import I64

__all__ = ["Counted", "once_per_story"]


@dataclass(frozen=True, slots=True)
class Counted:
    """What a batch's line counting added: for each counted page, its place in the batch, its
    domain's number, its host and its group (pages joined by a key or a text count once); the
    line count keys counted (sorted) and how many groups each was counted for."""

    pages: list[int]
    owners: list[int]
    sites: list[str]
    groups: list[int]
    keys: I64
    added: I64


def once_per_story(
    counted: Counted,
    lines: Sequence[Sequence[int]],
    clusters: Sequence[int],
    earlier: set[tuple[int, int]],
) -> I64:
    """How much to take back from each of ``counted.keys``.

    ``lines`` and ``clusters`` are each counted page's line keys and the cluster it landed
    in; ``earlier`` holds the (line count key, cluster) of every line that a page of that
    domain stored before the batch holds in that cluster.
    """
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
    total = sum(sizes)
    owner = np.repeat(np.array([counted.owners[n] for n in shared], dtype=np.int64), sizes)
    line = np.fromiter((key for n in shared for key in lines[n]), np.int64, total)
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


def _distinct(key: I64, other: I64) -> tuple[I64, I64]:
    """The distinct (key, other) pairs, as two arrays."""
    order = np.lexsort((other, key))
    key, other = key[order], other[order]
    first = np.ones(len(key), dtype=bool)
    first[1:] = (key[1:] != key[:-1]) | (other[1:] != other[:-1])
    return key[first], other[first]
