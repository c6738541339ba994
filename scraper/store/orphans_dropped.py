"""A migration step: dedup index documents whose article was never stored, dropped.

Until session 10 a crawl committed a batch's placements in the dedup index, then its articles,
in two transactions: a crash in between (kill -9, the out-of-memory killer, a full disk) left
index documents without an article, their URLs not done. A later run that stored the page
found its document again; one whose URL failed for good (an original taken down) kept it for
ever, and could lead its cluster: the stored copies were duplicates of a URL never stored,
``export --unique`` left them out and ``status`` counted them as duplicates.

An orphan here is a document whose URL is in ``urls`` and not done, and under whose key no
article is stored: exactly what that crash leaves (a URL the crawl queued, placed and never
stored; a stored version of its page would have an article under the key). It is dropped with
its LSH bands; a document it alone named as canonical is no longer flagged so; each cluster it
was in keeps its other members, counted again, with its best-ranked member as representative
(:mod:`scraper.store.clusters_kept`), so its copies lead again. What cannot be undone: a cluster
that the orphan joined to another stays one (the index keeps no edges to tell them apart), and
its lines stay counted in its site's template lines (its page was seen on that site).
"""

from __future__ import annotations

import sqlite3

from scraper.store.clusters_kept import has_index, reelect

__all__ = ["drop_orphans"]

_FIND = (
    "CREATE TEMP TABLE orphans AS SELECT d.id, d.key, d.canonical, d.cluster"
    " FROM dedup_docs d JOIN urls u ON u.url = d.url WHERE u.state <> 'done'"
    " AND d.key NOT IN (SELECT dedup_key FROM articles WHERE dedup_key IS NOT NULL)"
)
_DROP = (
    "DELETE FROM dedup_bands WHERE doc IN (SELECT id FROM temp.orphans)",
    "DELETE FROM dedup_docs WHERE id IN (SELECT id FROM temp.orphans)",
)
# Named canonical: another key's document names this key as its canonical.
_UNNAME = (
    "UPDATE dedup_docs SET named = 0 WHERE named"
    " AND key IN (SELECT canonical FROM temp.orphans WHERE canonical <> key)"
    " AND NOT EXISTS (SELECT 1 FROM dedup_docs o"
    " WHERE o.canonical = dedup_docs.key AND o.key <> o.canonical) RETURNING cluster"
)


def drop_orphans(conn: sqlite3.Connection) -> None:
    """Drop the index documents a crash left without their article; mend their clusters."""
    if not has_index(conn):
        return
    conn.execute(_FIND)
    clusters = {int(r[0]) for r in conn.execute("SELECT cluster FROM temp.orphans")}
    if clusters:
        for sql in _DROP:
            conn.execute(sql)
        clusters.update(int(r[0]) for r in conn.execute(_UNNAME).fetchall())
        reelect(conn, clusters)
    conn.execute("DROP TABLE temp.orphans")
