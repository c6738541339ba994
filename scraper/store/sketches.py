"""The persistent near-duplicate index in SQLite: documents, LSH bands, clusters, site lines.

Every lookup the index makes for new documents goes through an indexed column (band key, text
hash, key, cluster, id), so adding a document costs the same whatever the corpus size. Reads
and writes are batched: a batch of documents is looked up with a few ``IN (...)`` queries and
written with ``executemany`` in one transaction. Cluster membership is kept flat (each document
row holds its cluster number); a merge relabels the smaller cluster, so a document is
relabelled at most log2(n) times over the index's life. Each body is kept as its content-word
ids with the key and word count of each line, so candidates from earlier runs can be verified
with today's template lines removed.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from scraper.dedup.domains import Domains
from scraper.errors import DedupError, StoreError
from scraper.store.clusters_kept import SHARED_KEY
from scraper.store.sqlite import Step, has_component, migrate, open_sqlite, write_transaction

__all__ = ["Body", "DocRow", "Placed", "Related", "SketchStore", "StoredDoc"]

I64 = NDArray[np.int64]

_CACHE_KIB = 96 * 1024
_CHUNK = 900  # bound parameters per IN (...) query

#: The chrome threshold the line counts of a store migrated to registrable domains are read
#: with (``DedupOptions.template_min_docs``'s default): which lines are already chrome on a
#: domain, for the count of domains each line is chrome on.
_MIGRATED_MIN_DOCS = 3


def _count_by_domain(conn: sqlite3.Connection) -> None:
    """Regroup line counts kept per host under each host's registrable domain, count for each
    line the domains it is chrome on (under the line's key alone, site number 0), and keep a
    count of each domain's texts.

    Hosts of one domain hold different pages, so their counts add up.
    """
    conn.execute("ALTER TABLE dedup_sites ADD COLUMN texts INTEGER NOT NULL DEFAULT 0")
    sites = [(int(r[0]), str(r[1])) for r in conn.execute("SELECT id, site FROM dedup_sites")]
    domains = Domains()
    for number, site in sites:
        domain = domains.of(site)
        if domain == site:
            continue
        conn.execute("INSERT OR IGNORE INTO dedup_sites (site) VALUES (?)", (domain,))
        found = conn.execute("SELECT id FROM dedup_sites WHERE site = ?", (domain,)).fetchone()
        low, high = number << 32, (number << 32) | 0xFFFFFFFF
        conn.execute(
            "INSERT INTO dedup_lines (key, docs)"
            " SELECT (? << 32) | (key & 4294967295), docs FROM dedup_lines"
            " WHERE key BETWEEN ? AND ?"
            " ON CONFLICT (key) DO UPDATE SET docs = docs + excluded.docs",
            (int(found[0]), low, high),
        )
        conn.execute("DELETE FROM dedup_lines WHERE key BETWEEN ? AND ?", (low, high))
        conn.execute("DELETE FROM dedup_sites WHERE id = ?", (number,))
    conn.execute(
        "INSERT INTO dedup_lines (key, docs)"
        " SELECT key & 4294967295, count(*) FROM dedup_lines"
        " WHERE key >= 4294967296 AND docs >= ? GROUP BY key & 4294967295",
        (_MIGRATED_MIN_DOCS,),
    )
    # Texts were not counted: a domain has at least as many as its most frequent line's pages.
    conn.execute(
        "UPDATE dedup_sites SET texts = coalesce((SELECT max(docs) FROM dedup_lines"
        " WHERE key BETWEEN dedup_sites.id << 32 AND (dedup_sites.id << 32) | 4294967295), 0)"
    )


def _count_by_story(conn: sqlite3.Connection) -> None:
    """Recount each line of a domain once per cluster of the domain's pages holding it (not once
    per text), and each line's count of domains from those counts; index the documents by
    cluster and site.

    Versions of one story at new URLs are distinct texts in one cluster: counted per text, the
    paragraphs they keep had become the site's chrome.
    """
    conn.execute("CREATE INDEX dedup_docs_cluster_site ON dedup_docs (cluster, site)")
    conn.execute("DROP INDEX dedup_docs_cluster")
    numbers = {str(r[1]): int(r[0]) for r in conn.execute("SELECT id, site FROM dedup_sites")}
    domains = Domains()
    keys: list[I64] = []
    clusters: list[I64] = []
    for site, cluster, blob in conn.execute("SELECT site, cluster, line_keys FROM dedup_docs"):
        domain = domains.of(str(site))
        if domain not in numbers:
            conn.execute("INSERT INTO dedup_sites (site) VALUES (?)", (domain,))
            found = conn.execute("SELECT id FROM dedup_sites WHERE site = ?", (domain,))
            numbers[domain] = int(found.fetchone()[0])
        lines = np.frombuffer(blob, dtype="<u4").astype(np.int64)
        keys.append((numbers[domain] << 32) | lines)
        clusters.append(np.full(len(lines), int(cluster), dtype=np.int64))
    key = np.concatenate(keys) if keys else np.zeros(0, dtype=np.int64)
    cluster = np.concatenate(clusters) if clusters else key
    order = np.lexsort((cluster, key))
    key, cluster = key[order], cluster[order]
    first = np.ones(len(key), dtype=bool)
    first[1:] = (key[1:] != key[:-1]) | (cluster[1:] != cluster[:-1])
    counted, stories = np.unique(key[first], return_counts=True)
    # A count only goes down: a line's pages that were not counted (a known key with a new
    # text) may sit in a cluster of their own, and a count no stored page backs is kept.
    conn.execute("CREATE TEMP TABLE dedup_story_lines (key INTEGER PRIMARY KEY, docs INTEGER)")
    conn.executemany(
        "INSERT INTO dedup_story_lines (key, docs) VALUES (?, ?)",
        zip(counted.tolist(), stories.tolist(), strict=True),
    )
    conn.execute(
        "UPDATE dedup_lines SET docs = min(docs, (SELECT s.docs FROM dedup_story_lines AS s"
        " WHERE s.key = dedup_lines.key)) WHERE key IN (SELECT key FROM dedup_story_lines)"
    )
    conn.execute("DROP TABLE dedup_story_lines")
    conn.execute("DELETE FROM dedup_lines WHERE key < 4294967296")
    conn.execute(
        "INSERT INTO dedup_lines (key, docs)"
        " SELECT key & 4294967295, count(*) FROM dedup_lines"
        " WHERE key >= 4294967296 AND docs >= ? GROUP BY key & 4294967295",
        (_MIGRATED_MIN_DOCS,),
    )


STEPS: list[Step] = [
    """
    CREATE TABLE dedup_docs (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL,
        url TEXT NOT NULL,
        canonical TEXT,
        site TEXT NOT NULL,
        text_hash TEXT NOT NULL,
        published REAL,
        words INTEGER NOT NULL,
        named INTEGER NOT NULL DEFAULT 0,
        cluster INTEGER NOT NULL,
        line_keys BLOB NOT NULL,
        body BLOB NOT NULL
    );
    CREATE INDEX dedup_docs_key ON dedup_docs (key);
    CREATE INDEX dedup_docs_text ON dedup_docs (text_hash);
    CREATE INDEX dedup_docs_cluster ON dedup_docs (cluster);
    CREATE INDEX dedup_docs_canonical ON dedup_docs (canonical);
    CREATE TABLE dedup_clusters (
        id INTEGER PRIMARY KEY,
        rep INTEGER NOT NULL,
        size INTEGER NOT NULL
    );
    CREATE TABLE dedup_bands (
        band INTEGER NOT NULL,
        doc INTEGER NOT NULL,
        PRIMARY KEY (band, doc)
    ) WITHOUT ROWID;
    CREATE TABLE dedup_site_lines (
        site TEXT NOT NULL,
        line INTEGER NOT NULL,
        docs INTEGER NOT NULL,
        PRIMARY KEY (site, line)
    ) WITHOUT ROWID;
    CREATE TABLE dedup_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
    # The MinHash sketch itself, so candidates can be screened before verification.
    """
    ALTER TABLE dedup_docs ADD COLUMN sketch BLOB;
    """,
    # Bodies as content-word ids (uint32) and per-line word counts (uint16) instead of
    # compressed text; rows written before keep ``body`` and leave these NULL.
    """
    ALTER TABLE dedup_docs ADD COLUMN content BLOB;
    ALTER TABLE dedup_docs ADD COLUMN line_words BLOB;
    """,
    # Per-site line counts under one integer key (site number << 32 | line key): an integer
    # primary key makes the counting upserts and lookups about twice as fast.
    """
    CREATE TABLE dedup_sites (id INTEGER PRIMARY KEY, site TEXT NOT NULL UNIQUE);
    CREATE TABLE dedup_lines (key INTEGER PRIMARY KEY, docs INTEGER NOT NULL);
    INSERT INTO dedup_sites (site) SELECT DISTINCT site FROM dedup_site_lines ORDER BY site;
    INSERT INTO dedup_lines (key, docs)
        SELECT (s.id << 32) | l.line, l.docs
        FROM dedup_site_lines AS l JOIN dedup_sites AS s ON s.site = l.site;
    DROP TABLE dedup_site_lines;
    """,
    # Line counts per registrable domain instead of per host, and per line the number of
    # domains it is chrome on.
    _count_by_domain,
    # Documents looked up by key and address (a crawl store finds each article's own document
    # among the pages sharing its key); the index on the key alone is its prefix.
    """
    CREATE INDEX dedup_docs_key_url ON dedup_docs (key, url);
    DROP INDEX dedup_docs_key;
    """,
    # Line counts per story (cluster) instead of per text; members of a cluster looked up by
    # site, to find which lines a story already holds on a domain.
    _count_by_story,
]


@dataclass(frozen=True, slots=True, kw_only=True)
class DocRow:
    """What is stored about one new document (``sketch`` is None when it carries no bands)."""

    id: int
    key: str
    url: str
    canonical: str | None
    site: str
    text_hash: str
    published: float | None
    words: int
    named: bool
    cluster: int
    line_keys: bytes
    line_words: bytes
    content: bytes
    sketch: bytes | None


@dataclass(frozen=True, slots=True)
class StoredDoc:
    """The ranking fields of a stored document."""

    id: int
    key: str
    url: str
    named: bool
    published: float | None
    words: int
    cluster: int


@dataclass(frozen=True, slots=True)
class Related:
    """A stored document sharing a key or a text hash with a new one."""

    id: int
    key: str
    url: str
    text_hash: str
    cluster: int


@dataclass(frozen=True, slots=True)
class Body:
    """A stored body: line keys (uint32) and, per line, its content-word count (uint16) and the
    word ids (uint32); rows of the first schema hold ``legacy`` compressed content lines."""

    site: str
    line_keys: bytes
    line_words: bytes | None
    content: bytes | None
    legacy: bytes | None


@dataclass(frozen=True, slots=True)
class Placed:
    """Where a stored document is: its key, and its representative's id, key and url.

    ``shared``: documents of the representative's key lie in other clusters too.
    """

    key: str
    rep: int
    rep_key: str
    rep_url: str
    shared: bool


class SketchStore:
    """Typed access to the dedup tables of one SQLite connection.

    ``fingerprint`` names the sketch scheme; an index sketched another way is refused, except
    one from before schemes were recorded, which is reported by ``legacy`` for re-sketching.
    """

    def __init__(self, conn: sqlite3.Connection, *, fingerprint: str) -> None:
        self._conn = conn
        self._sites: dict[str, int] = {}  # site numbers never change once given
        # Band and line lookups touch random B-tree pages; a larger page cache than SQLite's
        # default 2 MB keeps them in memory for a 100k-document index.
        self._run(f"PRAGMA cache_size = -{_CACHE_KIB}", ())
        migrate(conn, "dedup", STEPS)
        stored = self._one("SELECT value FROM dedup_meta WHERE name = 'sketch'", ())
        self.legacy = False
        if stored is None:
            self.legacy = self._one("SELECT 1 FROM dedup_docs LIMIT 1", ()) is not None
            if not self.legacy:
                self.set_scheme(fingerprint)
        elif stored[0] != fingerprint:
            raise DedupError(
                f"the dedup index was sketched with {stored[0]}, not {fingerprint}; "
                "rebuild it from the original inputs"
            )

    @classmethod
    def open(cls, path: Path | str, *, fingerprint: str) -> SketchStore:
        """A store over the SQLite file at ``path`` (``":memory:"`` for a private one).

        Raises:
            StoreError: the file cannot be opened or migrated, or is a crawl's store, whose
                index only its crawls may place documents in (their articles' clusters).
        """
        conn = open_sqlite(path)
        try:
            if has_component(conn, "crawl"):
                raise StoreError(
                    f"{path} is a crawl store: its near-duplicate index holds the crawl's"
                    " articles, and documents placed in it from elsewhere would become their"
                    " representatives; give the index a file of its own"
                )
            return cls(conn, fingerprint=fingerprint)
        except BaseException:
            conn.close()
            raise

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()

    def set_scheme(self, fingerprint: str) -> None:
        """Record the sketch scheme the stored sketches follow."""
        self._run(
            "INSERT INTO dedup_meta (name, value) VALUES ('sketch', ?)"
            " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            (fingerprint,),
        )
        self.legacy = False

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction; rolled back if the body raises.

        Within a transaction already open on the connection (a crawl stores a batch's articles
        in the same one) it is a savepoint, and its writes last only if that one commits.
        """
        # Site numbers given in a transaction rolled back later, maybe by an enclosing one
        # after this has ended, are gone: they are read again in each transaction.
        self._sites.clear()
        try:
            with write_transaction(self._conn):
                yield
        except sqlite3.Error as exc:
            raise StoreError(f"dedup index: {exc}") from exc

    # --- documents --------------------------------------------------------------------------
    def next_id(self) -> int:
        """The id the next stored document gets."""
        found = self._one("SELECT coalesce(max(id), 0) + 1 FROM dedup_docs", ())
        return int(found[0]) if found else 1

    def insert_docs(self, rows: Sequence[DocRow], clusters: Sequence[int]) -> None:
        """Store new documents in ``clusters`` (one each; written with ``write_clusters``)."""
        self._values(
            "INSERT INTO dedup_docs (id, key, url, canonical, site, text_hash, published, words,"
            " named, cluster, line_keys, body, sketch, content, line_words) VALUES",
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, x'', ?, ?, ?)",
            [v for r, c in zip(rows, clusters, strict=True) for v in _doc_values(r, c)],
        )

    def doc(self, doc: int) -> StoredDoc:
        """The stored document ``doc``."""
        found = self.docs([doc]).get(doc)
        if found is None:
            raise DedupError(f"document {doc} is missing from the dedup index")
        return found

    def docs(self, ids: Iterable[int]) -> dict[int, StoredDoc]:
        """The stored documents among ``ids``."""
        rows = self._in(f"SELECT {_DOC_FIELDS} FROM dedup_docs WHERE id IN", ids)
        return {int(r[0]): _stored(r) for r in rows}

    def first_with_key(self, key: str, url: str | None = None) -> StoredDoc | None:
        """The first document stored under ``key`` (and at ``url``, when given)."""
        if url is None:
            found = self._one(
                f"SELECT {_DOC_FIELDS} FROM dedup_docs WHERE key = ? ORDER BY id LIMIT 1", (key,)
            )
        else:
            found = self._one(
                f"SELECT {_DOC_FIELDS} FROM dedup_docs WHERE key = ? AND url = ?"
                " ORDER BY id LIMIT 1",
                (key, url),
            )
        return None if found is None else _stored(found)

    def related(self, keys: Iterable[str], hashes: Iterable[str]) -> list[Related]:
        """Stored documents with one of these keys or one of these exact texts, in id order."""
        fields = "SELECT id, key, url, text_hash, cluster FROM dedup_docs WHERE"
        rows = {r[0]: r for r in self._in(f"{fields} key IN", keys)}
        rows.update((r[0], r) for r in self._in(f"{fields} text_hash IN", hashes))
        return [
            Related(int(r[0]), str(r[1]), str(r[2]), str(r[3]), int(r[4]))
            for _, r in sorted(rows.items())
        ]

    def refresh(self, doc: int, url: str, published: float | None) -> None:
        """Record another sighting of document ``doc``: set its url, keep the earlier date."""
        self._run(
            "UPDATE dedup_docs SET url = ?,"
            " published = coalesce(min(published, ?), published, ?) WHERE id = ?",
            (url, published, published, doc),
        )

    def stored_keys(self, keys: Iterable[str]) -> set[str]:
        """The keys among ``keys`` already stored."""
        return {
            str(r[0]) for r in self._in("SELECT DISTINCT key FROM dedup_docs WHERE key IN", keys)
        }

    def stored_pages(self, pages: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
        """The (key, url) pairs among ``pages`` stored as a document's key and url."""
        by_key: dict[str, set[str]] = {}
        for key, url in pages:
            by_key.setdefault(key, set()).add(url)
        found: set[tuple[str, str]] = set()
        for key, urls in by_key.items():  # a few keys (a template's), each its own lookups
            rows = self._in(
                "SELECT key, url FROM dedup_docs WHERE key = ? AND url IN", urls, (key,)
            )
            found.update((str(r[0]), str(r[1])) for r in rows)
        return found

    def stored_texts(self, hashes: Iterable[str]) -> set[tuple[str, str]]:
        """The site and text hash of each stored document whose text is one of ``hashes``."""
        rows = self._in(
            "SELECT DISTINCT site, text_hash FROM dedup_docs WHERE text_hash IN", hashes
        )
        return {(str(r[0]), str(r[1])) for r in rows}

    def doc_clusters(self, ids: Iterable[int]) -> dict[int, int]:
        """The cluster of each of documents ``ids``."""
        rows = self._in("SELECT id, cluster FROM dedup_docs WHERE id IN", ids)
        return {int(r[0]): int(r[1]) for r in rows}

    def earlier_lines(
        self, site: str, clusters: Iterable[int], before: int, most: int
    ) -> list[tuple[int, bytes]]:
        """The cluster and line keys of the ``most`` last documents of ``site`` in each of
        ``clusters`` with an id below ``before``."""
        # The bound is the id ``most`` places before ``before`` in the (cluster, site) index
        # (which ends in the id): one more seek a cluster, and at most ``most`` rows read.
        rows = self._each(
            "SELECT d.cluster, d.line_keys FROM {values} CROSS JOIN dedup_docs AS d"
            " ON d.cluster = v.column1 AND d.site = ? AND d.id < ?"
            " AND d.id >= coalesce((SELECT e.id FROM dedup_docs AS e WHERE e.cluster = v.column1"
            " AND e.site = ? AND e.id < ? ORDER BY e.id DESC LIMIT 1 OFFSET ?), 0)",
            list(clusters),
            (site, before, site, before, most - 1),
        )
        for r in rows:
            _check_blob(f"a document of cluster {r[0]}", r[1], 4, "line keys")
        return [(int(r[0]), bytes(r[1])) for r in rows]

    def bodies(self, ids: Iterable[int]) -> dict[int, Body]:
        """The stored bodies of documents ``ids``."""
        rows = self._in(
            "SELECT id, site, line_keys, line_words, content,"
            " CASE WHEN content IS NULL THEN body END FROM dedup_docs WHERE id IN",
            ids,
        )
        for r in rows:
            for blob, what in ((r[2], "line keys"), (r[3], "line word counts"), (r[4], "words")):
                _check_blob(f"document {r[0]}", blob, 4, what)
        return {int(r[0]): Body(str(r[1]), r[2], r[3], r[4], r[5]) for r in rows}

    def sketched(self) -> list[int]:
        """Ids of the documents that carry a sketch (and so bands)."""
        return [
            int(r[0]) for r in self._all("SELECT id FROM dedup_docs WHERE sketch IS NOT NULL", ())
        ]

    def sketches(self, ids: Iterable[int]) -> dict[int, tuple[int, bytes | None]]:
        """The cluster and stored sketch of documents ``ids``."""
        rows = self._in("SELECT id, cluster, sketch FROM dedup_docs WHERE id IN", ids)
        for r in rows:
            _check_blob(f"document {r[0]}", r[2], 8, "sketch")
        return {int(r[0]): (int(r[1]), r[2]) for r in rows}

    def named_keys(self, keys: Iterable[str]) -> set[str]:
        """Those of ``keys`` that a stored document with another key names as its canonical."""
        rows = self._in(
            "SELECT DISTINCT canonical FROM dedup_docs WHERE key != canonical AND canonical IN",
            keys,
        )
        return {str(r[0]) for r in rows}

    def unnamed(self, keys: Iterable[str]) -> list[StoredDoc]:
        """The stored documents under ``keys`` not yet flagged as named canonical."""
        rows = self._in(f"SELECT {_DOC_FIELDS} FROM dedup_docs WHERE named = 0 AND key IN", keys)
        return [_stored(r) for r in rows]

    def set_named(self, ids: Iterable[int]) -> None:
        """Flag documents ``ids`` as named canonical."""
        self._many("UPDATE dedup_docs SET named = 1 WHERE id = ?", [(i,) for i in ids])

    def has_canonicals(self) -> bool:
        """Whether any stored document names a canonical page."""
        found = self._one("SELECT 1 FROM dedup_docs WHERE canonical IS NOT NULL LIMIT 1", ())
        return found is not None

    def set_sketches(self, rows: Sequence[tuple[bytes, int]]) -> None:
        """Replace the sketches of stored documents: ``(sketch, id)`` pairs."""
        self._many("UPDATE dedup_docs SET sketch = ? WHERE id = ?", list(rows))

    # --- bands ------------------------------------------------------------------------------
    def add_bands(self, pairs: Sequence[int]) -> None:
        """Index band key, document pairs, given flat: key, doc, key, doc... (best sorted)."""
        self._values("INSERT OR IGNORE INTO dedup_bands (band, doc) VALUES", "(?, ?)", pairs)

    def clear_bands(self) -> None:
        """Drop every band (before re-sketching the whole index)."""
        self._run("DELETE FROM dedup_bands", ())

    def band_hits(self, keys: Iterable[int] | I64) -> dict[int, list[int]]:
        """The stored documents under each of band ``keys`` (distinct; keys without any are
        left out)."""
        out: dict[int, list[int]] = {}
        rows = self._each(
            "SELECT b.band, b.doc FROM {values} CROSS JOIN dedup_bands AS b ON b.band = v.column1",
            keys,
        )
        for band, doc in rows:
            found = out.get(band)  # both columns are INTEGER: sqlite3 gives ints
            if found is None:
                out[band] = [doc]
            else:
                found.append(doc)
        return out

    # --- clusters ---------------------------------------------------------------------------
    def rep(self, cluster: int) -> StoredDoc:
        """The representative of ``cluster``."""
        found = self._one("SELECT rep FROM dedup_clusters WHERE id = ?", (cluster,))
        if found is None:
            raise DedupError(f"cluster {cluster} is missing from the dedup index")
        return self.doc(int(found[0]))

    def clusters(self, ids: Iterable[int]) -> dict[int, tuple[int, int]]:
        """The ``(size, representative id)`` of each of clusters ``ids``."""
        asked = set(ids)
        rows = self._in("SELECT id, size, rep FROM dedup_clusters WHERE id IN", asked)
        found = {int(r[0]): (int(r[1]), int(r[2])) for r in rows}
        if len(found) < len(asked):
            missing = min(asked - set(found))
            raise StoreError(f"dedup index: cluster {missing} of a stored document is missing")
        return found

    def members(self, cluster: int, limit: int) -> list[int]:
        """The ids of up to ``limit`` stored documents of ``cluster``, oldest first."""
        rows = self._all(
            "SELECT id FROM dedup_docs WHERE cluster = ? ORDER BY id LIMIT ?", (cluster, limit)
        )
        return [int(r[0]) for r in rows]

    def write_clusters(
        self, rows: Sequence[tuple[int, int, int]], dropped: Sequence[tuple[int, int]]
    ) -> None:
        """Upsert ``(id, rep, size)`` clusters and fold each ``(drop, keep)`` into ``keep``."""
        self._many(
            "INSERT INTO dedup_clusters (id, rep, size) VALUES (?, ?, ?) ON CONFLICT (id)"
            " DO UPDATE SET rep = excluded.rep, size = excluded.size",
            list(rows),
        )
        self._many(
            "UPDATE dedup_docs SET cluster = ? WHERE cluster = ?", [(k, d) for d, k in dropped]
        )
        self._many("DELETE FROM dedup_clusters WHERE id = ?", [(d,) for d, _ in dropped])

    def cluster_sizes(self) -> list[int]:
        """The size of every cluster."""
        return [int(r[0]) for r in self._all("SELECT size FROM dedup_clusters", ())]

    def placed(self, ids: Iterable[int]) -> dict[int, Placed]:
        """Where each of documents ``ids`` is now: its representative's id, key and url, and
        whether that key has documents in other clusters."""
        rows = self._in(
            f"SELECT d.id, d.key, r.id, r.key, r.url, {SHARED_KEY} FROM dedup_docs AS d"
            " JOIN dedup_clusters AS c ON c.id = d.cluster JOIN dedup_docs AS r ON r.id = c.rep"
            " WHERE d.id IN",
            ids,
        )
        return {
            int(r[0]): Placed(str(r[1]), int(r[2]), str(r[3]), str(r[4]), bool(r[5])) for r in rows
        }

    # --- template lines ---------------------------------------------------------------------
    def count_lines(self, keys: I64, counts: I64) -> tuple[I64, I64]:
        """Add ``counts[i]`` more pages to line count ``keys[i]`` (see ``site_numbers``).

        ``keys`` are distinct.

        Returns the keys counted and the new count of each (in the order of ``keys``).
        """
        # Into an empty table (a new index's first batch) the counts go as they are, and are
        # the totals: a plain insert, with nothing to read back.
        empty = self._one("SELECT NOT EXISTS (SELECT 1 FROM dedup_lines)", ()) == (1,)
        pairs = np.stack([keys, counts], axis=1).astype(np.int64)
        # Otherwise the counts already stored are read first, and a key's total is its count
        # plus that. Most of a batch's lines are new (99% in the crawl benchmark's farm), and
        # an upsert RETURNING every row cost more to hand back its rows than to write them.
        stored: list[tuple[Any, ...]] = []
        for first in range(0, 0 if empty else len(pairs), _CHUNK):
            wanted = pairs[first : first + _CHUNK, 0]
            stored += self._each(
                "SELECT l.key, l.docs FROM {values} CROSS JOIN dedup_lines AS l"
                " ON l.key = v.column1",
                wanted,
            )
        tail = "" if empty else " ON CONFLICT (key) DO UPDATE SET docs = docs + excluded.docs"
        # Converted to Python ints a statement's worth at a time: a batch's half a million
        # keys as one list of ints would be the peak of its memory.
        start = 0
        for size in _sizes(len(pairs), _CHUNK // 2):
            part: list[int] = pairs[start : start + size].ravel().tolist()
            start += size
            self._run(
                f"INSERT INTO dedup_lines (key, docs) VALUES {','.join(['(?, ?)'] * size)}{tail}",
                tuple(part),
            )
        totals = pairs[:, 1].copy()
        if stored:
            # Read flat: numpy finds the shape and type of a list of tuples element by element.
            before = np.fromiter(chain.from_iterable(stored), np.int64, 2 * len(stored))
            before = before.reshape(-1, 2)
            order = np.argsort(pairs[:, 0])
            totals[order[np.searchsorted(pairs[:, 0], before[:, 0], sorter=order)]] += before[:, 1]
        return pairs[:, 0], totals

    def count_texts(self, added: dict[int, int]) -> dict[int, int]:
        """Add ``added[n]`` more texts to site number ``n``; the new count of each."""
        out = {}
        for number, more in sorted(added.items()):
            found = self._one(
                "UPDATE dedup_sites SET texts = texts + ? WHERE id = ? RETURNING texts",
                (more, number),
            )
            if found is None:
                raise DedupError(f"dedup index: site number {number} is not stored")
            out[number] = int(found[0])
        return out

    def single_lines(self, number: int) -> int:
        """How many lines of site number ``number`` are counted on one page only."""
        found = self._one(
            "SELECT count(*) FROM dedup_lines WHERE key BETWEEN ? AND ? AND docs = 1",
            (number << 32, (number << 32) | 0xFFFFFFFF),
        )
        return int(found[0]) if found else 0

    def spread_counts(self, most: int) -> tuple[I64, I64] | None:
        """Every line with a count of domains (number 0) and that count, or None if there are
        ``most`` or more of them."""
        rows = self._all(
            "SELECT key, docs FROM dedup_lines WHERE key < 4294967296 LIMIT ?", (most,)
        )
        if len(rows) >= most:
            return None
        flat = np.fromiter(chain.from_iterable(rows), np.int64, 2 * len(rows)).reshape(-1, 2)
        return flat[:, 0], flat[:, 1]

    def site_numbers(self, sites: Iterable[str], *, create: bool = False) -> dict[str, int]:
        """The number of each of ``sites`` that has line counts (given one if ``create``).

        Line counts are kept under ``number << 32 | line key``.
        """
        return self._site_ids(set(sites), create=create)

    def template_lines(self, keys: Iterable[int], min_docs: int, min_sites: int) -> set[int]:
        """The line count ``keys`` (see ``site_numbers``) with at least ``min_docs`` pages, or,
        for a line's count of domains (number 0), at least ``min_sites`` domains."""
        rows = self._each(
            "SELECT l.key FROM {values} CROSS JOIN dedup_lines AS l ON l.key = v.column1"
            " WHERE l.docs >= (CASE WHEN l.key < 4294967296 THEN ? ELSE ? END)",
            keys,
            (min_sites, min_docs),
        )
        return {int(r[0]) for r in rows}

    def _site_ids(self, sites: set[str], *, create: bool) -> dict[str, int]:
        missing = sites - self._sites.keys()
        if missing and create:
            self._many(
                "INSERT OR IGNORE INTO dedup_sites (site) VALUES (?)",
                [(s,) for s in sorted(missing)],
            )
        if missing:
            rows = self._in("SELECT site, id FROM dedup_sites WHERE site IN", missing)
            self._sites.update((str(r[0]), int(r[1])) for r in rows)
        return {s: self._sites[s] for s in sites if s in self._sites}

    # --- plumbing ---------------------------------------------------------------------------
    def _run(self, sql: str, args: tuple[object, ...]) -> sqlite3.Cursor:
        try:
            return self._conn.execute(sql, args)
        except sqlite3.Error as exc:
            raise StoreError(f"dedup index: {exc}") from exc

    def _many(self, sql: str, rows: Sequence[Sequence[object]]) -> None:
        try:
            self._conn.executemany(sql, rows)
        except sqlite3.Error as exc:
            raise StoreError(f"dedup index: {exc}") from exc

    def _values(self, head: str, row: str, flat: Sequence[object], tail: str = "") -> None:
        """``head`` + many ``row`` groups + ``tail``: an insert of many rows per statement.

        ``flat`` holds the rows' values one after another. Binding a few hundred rows per
        statement costs a third of binding them one statement each.
        """
        width = row.count("?")
        per = max(1, _CHUNK // width)
        sizes = _sizes(len(flat) // width, per)
        whole = sizes.count(per)
        step = per * width
        sql = f"{head} {','.join([row] * per)}{tail}"
        self._many(sql, [flat[i * step : (i + 1) * step] for i in range(whole)])
        start = whole * step
        for size in sizes[whole:]:
            part = tuple(flat[start : start + size * width])
            start += size * width
            self._run(f"{head} {','.join([row] * size)}{tail}", part)

    def _rows_of(self, cursor: sqlite3.Cursor) -> list[tuple[Any, ...]]:
        try:
            return list(cursor.fetchall())
        except sqlite3.Error as exc:
            raise StoreError(f"dedup index: {exc}") from exc

    def _one(self, sql: str, args: Sequence[object]) -> tuple[Any, ...] | None:
        try:
            found: tuple[Any, ...] | None = self._conn.execute(sql, args).fetchone()
        except sqlite3.Error as exc:
            raise StoreError(f"dedup index: {exc}") from exc
        return found

    def _each(
        self, sql: str, values: Iterable[int] | I64, after: tuple[object, ...] = ()
    ) -> list[tuple[Any, ...]]:
        """The rows of ``sql`` joining ``{values}`` (the distinct integers ``values`` as
        ``v.column1``, in B-tree order) to a table, queried in bounded chunks.

        For the lookups of thousands of keys a batch (line counts, bands): an ``IN (...)``
        list is first built into a temporary index (2,500 keys: 8.8M instructions against
        6.2M this way); the ``CROSS JOIN`` keeps the list outermost, looked up a value at a time.
        """
        # Sorted by numpy: sorted() over thousands of Python ints was 3% of a crawl's dedup.
        keys = values if isinstance(values, np.ndarray) else np.fromiter(values, np.int64)
        items: list[int] = np.sort(keys).tolist()
        out: list[tuple[Any, ...]] = []
        for start in range(0, len(items), _CHUNK):
            chunk: list[int | None] = [*items[start : start + _CHUNK]]
            # Padded with NULL, which equals nothing, to a power of two (see ``_in``).
            size = min(_CHUNK, 1 << (len(chunk) - 1).bit_length())
            chunk += [None] * (size - len(chunk))
            rows = ",".join(["(?)"] * size)
            out += self._all(sql.format(values=f"(VALUES {rows}) AS v"), [*chunk, *after])
        return out

    def _in(
        self, sql: str, values: Iterable[object], before: tuple[object, ...] = ()
    ) -> list[tuple[Any, ...]]:
        """The rows of ``sql`` ending in ``IN`` over ``values``, queried in bounded chunks.

        Values are deduplicated and sorted (B-tree order).
        """
        items = sorted(set(values))  # type: ignore[type-var]
        out: list[tuple[Any, ...]] = []
        for start in range(0, len(items), _CHUNK):
            chunk = items[start : start + _CHUNK]
            # Padded with its last value (which IN ignores) to a power of two: a few statement
            # texts, each parsed once and then taken from the connection's statement cache.
            size = min(_CHUNK, 1 << (len(chunk) - 1).bit_length())
            marks = ",".join("?" * size)
            out += self._all(
                f"{sql} ({marks})", [*before, *chunk, *chunk[-1:] * (size - len(chunk))]
            )
        return out

    def _all(self, sql: str, args: Sequence[object]) -> list[tuple[Any, ...]]:
        try:
            return list(self._conn.execute(sql, args).fetchall())
        except sqlite3.Error as exc:
            raise StoreError(f"dedup index: {exc}") from exc


_DOC_FIELDS = "id, key, url, named, published, words, cluster"


def _check_blob(whose: str, blob: bytes | None, size: int, what: str) -> None:
    """Refuse a stored array of ``size``-byte items whose length is no multiple of it.

    Only a damaged or hand-edited file holds one; numpy would raise a bare ValueError deep
    in placing, losing the batch with no word of which document is at fault.
    """
    if blob is not None and len(blob) % size:
        raise StoreError(
            f"dedup index: {whose} has damaged {what} ({len(blob)} bytes);"
            " rebuild the index from the original inputs"
        )


def _doc_values(r: DocRow, cluster: int) -> tuple[object, ...]:
    named, sketch = int(r.named), r.sketch
    return (
        r.id,
        r.key,
        r.url,
        r.canonical,
        r.site,
        r.text_hash,
        r.published,
        r.words,
        named,
        cluster,
        r.line_keys,
        sketch,
        r.content,
        r.line_words,
    )


def _stored(row: tuple[Any, ...]) -> StoredDoc:
    doc, key, url, named, published, words, cluster = row
    return StoredDoc(
        id=int(doc),
        key=str(key),
        url=str(url),
        named=bool(named),
        published=None if published is None else float(published),
        words=int(words),
        cluster=int(cluster),
    )


def _sizes(rows: int, most: int) -> list[int]:
    """How many rows each insert statement takes: ``most`` at a time, the rest in powers of two.

    A statement of a new length is parsed anew, and SQLite parses a statement of a few hundred
    rows for longer than it runs it; with these lengths the connection's statement cache
    keeps every one after its first use.
    """
    sizes = [most] * (rows // most)
    rest = rows % most
    while rest:
        sizes.append(1 << (rest.bit_length() - 1))
        rest -= sizes[-1]
    return sizes
