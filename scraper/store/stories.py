"""The story each stored article belongs to, as readers that hand articles on need it.

A cluster's public id follows its representative, so it changes when a better-ranked page
(an original dated before its wire copy) joins later. A consumer handed the articles run by
run needs an id that stays: the story's, which is the cluster id its earliest stored page was
placed with (the ``cluster`` column as stored, never rewritten; a replaced version's row in
``article_versions`` keeps its own). Only a merge of two stories changes it: the younger one
takes the older one's from then on.

The pages of a cluster are read once per cluster and remembered for the rest of one reading,
so an export costs time linear in what it reads, however large a wire story's cluster grows.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final

__all__ = ["FIRST_STORED", "Story", "StoryCache"]

#: The earlier versions of the page of ``articles {0}`` that count for it: those under the key
#: it has now (a page rewritten under a new canonical link is another page from then on; a
#: version kept before versions had keys counts).
_SAME_PAGE: Final = (
    "v.url_id = {0}.url_id AND (v.dedup_key IS NULL OR v.dedup_key IS {0}.dedup_key)"
)
#: The id the article's page was first stored under (its first version's; a version kept
#: before ``article_versions`` had ids reads 0 there and is passed over), for ``articles a``.
FIRST_STORED: Final = (
    "coalesce((SELECT min(v.article_id) FROM article_versions v"
    f" WHERE {_SAME_PAGE.format('a')} AND v.article_id > 0), a.id)"
)

# Every stored page now in one of the wanted clusters (ids in ?1, JSON): an article belongs to
# the cluster of its own index document (its key's at its URL), failing that to the cluster
# of any document of its key (the index keeps a URL variant's page under another spelling),
# as ``crawl_store._CURRENT`` reads it. With each, when its page was first stored and the
# cluster it was placed in then.
_PAGES: Final = (
    "WITH wanted (cid) AS (SELECT value FROM json_each(?1)),"
    " members AS (SELECT b.id, b.url_id, b.cluster, b.dedup_key, coalesce("
    "(SELECT own.cluster FROM dedup_docs own WHERE own.key = b.dedup_key AND own.url = b.url"
    " LIMIT 1),"
    " (SELECT same.cluster FROM dedup_docs same WHERE same.key = b.dedup_key LIMIT 1)) AS cid"
    " FROM articles b WHERE b.dedup_key IN (SELECT m.key FROM dedup_docs m"
    " WHERE m.cluster IN (SELECT cid FROM wanted)))"
    " SELECT p.cid, p.url_id,"
    " coalesce((SELECT min(v.article_id) FROM article_versions v"
    f" WHERE {_SAME_PAGE.format('p')} AND v.article_id > 0), p.id) AS first_id,"
    " coalesce((SELECT v.cluster FROM article_versions v"
    f" WHERE {_SAME_PAGE.format('p')} ORDER BY v.version LIMIT 1), p.cluster) AS first_cluster"
    " FROM members p WHERE p.cid IN (SELECT cid FROM wanted)"
)
#: Clusters remembered while one reading goes on: a hot story's reappears page after page.
_REMEMBERED: Final = 4096
#: Clusters asked for in one query.
_BATCH: Final = 500


@dataclass(frozen=True, slots=True)
class Story:
    """A cluster's story id and its two earliest stored pages, as ``(first id, url id)``:
    enough to tell, for any page of it, when another page of the story was first stored."""

    id: str
    earliest: tuple[tuple[int, int], ...]

    def others_since(self, url_id: int) -> int | None:
        """When a page of the story other than the one at ``url_id`` was first stored."""
        for first, page in self.earliest:
            if page != url_id:
                return first
        return None


def _story(pages: Sequence[tuple[int, int, str]]) -> Story:
    """The story of a cluster whose pages are ``(first id, url id, cluster placed in)``."""
    ordered = sorted(pages)
    return Story(ordered[0][2], tuple((first, url) for first, url, _ in ordered[:2]))


class StoryCache:
    """The stories of the clusters one reading meets, read a batch of clusters at a time.

    Each page of a reading is a read of its own, and a crawl may commit between two: a
    cluster's story is read again when the cluster's size has changed since (a page joined,
    or another cluster merged into it).
    """

    __slots__ = ("_known", "_read")

    def __init__(self, read: Callable[[str, Sequence[object]], list[Any]]) -> None:
        """``read``: runs a query and returns its rows (the store's read, errors translated)."""
        self._read = read
        self._known: OrderedDict[int, tuple[int, Story | None]] = OrderedDict()

    def stories(self, clusters: Iterable[tuple[int, int]]) -> dict[int, Story | None]:
        """The story of each ``(cluster, size)`` (None: no stored page is in it, which a
        cluster read from one of its articles always has; only a damaged index lacks it)."""
        wanted = dict(clusters)
        missing = [c for c, size in wanted.items() if self._known.get(c, (-1, None))[0] != size]
        for start in range(0, len(missing), _BATCH):
            batch = missing[start : start + _BATCH]
            pages: dict[int, list[tuple[int, int, str]]] = {c: [] for c in batch}
            for row in self._read(_PAGES, (json.dumps(batch),)):
                pages[int(row[0])].append((int(row[2]), int(row[1]), str(row[3])))
            for cluster in batch:
                found = pages[cluster]
                self._known[cluster] = (wanted[cluster], _story(found) if found else None)
        for cluster in wanted:
            self._known.move_to_end(cluster)
        found_now = {c: self._known[c][1] for c in wanted}
        while len(self._known) > max(_REMEMBERED, len(wanted)):
            self._known.popitem(last=False)
        return found_now
