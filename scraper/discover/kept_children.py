"""Which nested sitemaps of an index to keep when it lists more than a crawler can hold.

Each one kept is held in memory until read, and in the store with its index between runs: a
hostile or runaway index (a million ``<sitemap>`` entries, indexes nesting indexes) must not
make either grow without bound. News sitemaps rotate, so the newest are what a news crawler
wants: the newest ``lastmod`` go first, and undated ones, which nothing else ranks, after them
in the order listed.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

__all__ = ["MAX_INDEX_CHILDREN", "NewestKept", "keep_newest"]

#: sitemaps.org's limit for one sitemap index: an index keeping to it is never cut by default.
MAX_INDEX_CHILDREN = 50_000

T = TypeVar("T")


class NewestKept(Generic[T]):
    """The ``keep`` best of the items offered one at a time, in memory for ``keep`` only.

    Best is the newest date first (on a tie, the first offered), then undated items in the
    order offered. ``date`` gives an item's date as a timestamp, or None.
    """

    def __init__(self, keep: int, date: Callable[[T], float | None]) -> None:
        self._keep = max(keep, 0)
        self._date = date
        # Items as offered until there are more than ``keep``: most indexes never get there,
        # and ranking costs a tuple and a date an item.
        self._items: list[T] = []
        # Then each kept item behind its rank, larger being better: (-1 undated / 0 dated,
        # the date, minus the position). heapq's top is the smallest, so the worst kept, the
        # one an item must beat. Positions are unique: a comparison never reaches the item.
        self._heap: list[tuple[int, float, int, T]] | None = None
        self._offered = 0

    def offer(self, item: T) -> None:
        position = self._offered
        self._offered += 1
        if self._heap is None:
            if len(self._items) < self._keep:
                self._items.append(item)
                return
            self._heap = [self._ranked(p, kept) for p, kept in enumerate(self._items)]
            heapq.heapify(self._heap)
            self._items = []
        ranked = self._ranked(position, item)
        if self._heap and ranked > self._heap[0]:
            heapq.heapreplace(self._heap, ranked)

    def _ranked(self, position: int, item: T) -> tuple[int, float, int, T]:
        when = self._date(item)
        return (-1, 0.0, -position, item) if when is None else (0, when, -position, item)

    @property
    def dropped(self) -> int:
        """How many of the items offered are not kept."""
        return self._offered - len(self._items if self._heap is None else self._heap)

    def kept(self) -> tuple[T, ...]:
        """The items kept, in the order they were offered (an index's order ranks ties)."""
        if self._heap is None:
            return tuple(self._items)
        return tuple(item for *_, item in sorted(self._heap, key=lambda r: -r[2]))


def keep_newest(
    items: Iterable[T], keep: int, date: Callable[[T], float | None]
) -> tuple[tuple[T, ...], int]:
    """The ``keep`` best of ``items`` by :class:`NewestKept`'s order, in their own order, and
    how many were dropped."""
    kept = NewestKept(keep, date)
    for item in items:
        kept.offer(item)
    return kept.kept(), kept.dropped
