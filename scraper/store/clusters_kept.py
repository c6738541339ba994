"""Keeping the dedup index's clusters whole when a migration changes its documents.

The index keeps, for each cluster, its size and its representative (the best-ranked member,
:class:`~scraper.dedup.cluster.Rank`), and every document stored under one key and one address
in one cluster (documents of one key at different addresses may be kept apart). A migration
that removes documents or makes two keys one restores these with the index's own
rules: a merge keeps the larger cluster's number, and a representative changes only when a
better-ranked member than the one it has exists (or it is gone).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from scraper.dedup.cluster import Rank

__all__ = ["SHARED_KEY", "has_index", "merge_clusters", "reelect"]

_INDEX_TABLES = ("dedup_docs", "dedup_clusters", "dedup_bands")

#: SQL: whether documents of the key of representative ``r`` of cluster ``c`` lie in other
#: clusters too, which makes the cluster's id of its key and the representative's address
#: (:func:`~scraper.dedup.cluster.cluster_id`). Stops at the first it finds.
SHARED_KEY = (
    "EXISTS (SELECT 1 FROM dedup_docs AS other WHERE other.key = r.key AND other.cluster != c.id)"
)


def has_index(conn: sqlite3.Connection) -> bool:
    """Whether the store holds a dedup index (a crawl store gets one at its first run)."""
    found = conn.execute(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN (?, ?, ?)",
        _INDEX_TABLES,
    ).fetchone()
    return bool(found[0] == len(_INDEX_TABLES))


def merge_clusters(conn: sqlite3.Connection, groups: Iterable[Iterable[int]]) -> None:
    """Make each group of clusters one, as the index merges them (see ``Placer._union``)."""
    for group in groups:
        ids = tuple(group)
        rows = conn.execute(
            f"SELECT id, size FROM dedup_clusters WHERE id IN ({_marks(ids)})", ids
        ).fetchall()
        if len(rows) < 2:
            continue
        keep = max(rows, key=lambda r: (r[1], -r[0]))[0]
        dropped = [(int(r[0]),) for r in rows if r[0] != keep]
        conn.executemany(
            "UPDATE dedup_docs SET cluster = ? WHERE cluster = ?", [(keep, d) for (d,) in dropped]
        )
        conn.executemany("DELETE FROM dedup_clusters WHERE id = ?", dropped)
        conn.execute(
            "UPDATE dedup_clusters SET size = (SELECT count(*) FROM dedup_docs WHERE cluster = ?)"
            " WHERE id = ?",
            (keep, keep),
        )
        reelect(conn, [keep])


def reelect(conn: sqlite3.Connection, clusters: Iterable[int]) -> None:
    """Give each of ``clusters`` its best-ranked member as representative (the one it has,
    when no member ranks better); a cluster left without members is deleted."""
    for cluster in sorted(set(clusters)):
        members = conn.execute(
            "SELECT id, key, named, published, words, url FROM dedup_docs"
            " WHERE cluster = ? ORDER BY id",
            (cluster,),
        ).fetchall()
        if not members:
            conn.execute("DELETE FROM dedup_clusters WHERE id = ?", (cluster,))
            continue
        found = conn.execute("SELECT rep FROM dedup_clusters WHERE id = ?", (cluster,)).fetchone()
        current = None if found is None else found[0]
        # The one it has first: min keeps the first of equally ranked members.
        members.sort(key=lambda m: m[0] != current)
        best = min(members, key=_rank)
        conn.execute(
            "INSERT INTO dedup_clusters (id, rep, size) VALUES (?, ?, ?) ON CONFLICT (id)"
            " DO UPDATE SET rep = excluded.rep, size = excluded.size",
            (cluster, best[0], len(members)),
        )


def _rank(member: tuple[int, str, int, float | None, int, str]) -> Rank:
    _, key, named, published, words, url = member
    return Rank.of(named=bool(named), published=published, words=words, key=key, url=url)


def _marks(values: Iterable[object]) -> str:
    return ",".join("?" for _ in values)
