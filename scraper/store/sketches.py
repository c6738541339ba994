"""The persistent near-duplicate index in SQLite: documents, LSH bands, clusters, site lines.

Every lookup the index makes per new document goes through an indexed column (band key, text
hash, key, cluster), so adding a document costs the same whatever the corpus size. Cluster
membership is kept flat (each document row holds its cluster number); a merge relabels the
smaller cluster, so a document is relabelled at most log2(n) times over the index's life.
Bodies are kept as their content words, line by line (zlib-compressed), with each full line's
key, so candidates from earlier runs can be verified with today's template lines removed.
"""

from __future__ import annotations

import sqlite3
import zlib
from array import array
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scraper.errors import DedupError, StoreError
from scraper.store.sqlite import migrate, open_sqlite

__all__ = ["Candidate", "DocRow", "Related", "SketchStore", "StoredDoc"]

_CACHE_KIB = 96 * 1024

STEPS = [
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
]


@dataclass(frozen=True, slots=True, kw_only=True)
class DocRow:
    """What is stored about one document."""

    key: str
    url: str
    canonical: str | None
    site: str
    text_hash: str
    published: float | None
    words: int
    line_keys: tuple[int, ...]
    content: tuple[bytes, ...]


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
class Candidate:
    """A document sharing a band with a new one; ``sketch`` is None if stored without one."""

    id: int
    cluster: int
    sketch: tuple[int, ...] | None


@dataclass(frozen=True, slots=True)
class Related:
    """A stored document sharing a key or a text hash with a new one."""

    id: int
    key: str
    text_hash: str


class SketchStore:
    """Typed access to the dedup tables of one SQLite connection."""

    def __init__(self, conn: sqlite3.Connection, *, fingerprint: str) -> None:
        self._conn = conn
        # Band and line lookups touch random B-tree pages; a larger page cache than SQLite's
        # default 2 MB keeps them in memory for a 100k-document index.
        self._run(f"PRAGMA cache_size = -{_CACHE_KIB}", ())
        migrate(conn, "dedup", STEPS)
        stored = self._one("SELECT value FROM dedup_meta WHERE name = 'hash'", ())
        if stored is None:
            self._run("INSERT INTO dedup_meta (name, value) VALUES ('hash', ?)", (fingerprint,))
        elif stored[0] != fingerprint:
            raise DedupError(
                "the dedup index was built by an interpreter that hashes differently; "
                "rebuild it from the original inputs"
            )

    @classmethod
    def open(cls, path: Path | str, *, fingerprint: str) -> SketchStore:
        """A store over the SQLite file at ``path`` (``":memory:"`` for a private one)."""
        return cls(open_sqlite(path), fingerprint=fingerprint)

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction; rolled back if the body raises."""
        self._run("BEGIN IMMEDIATE", ())
        try:
            yield
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._run("COMMIT", ())

    # --- documents --------------------------------------------------------------------------
    def insert_doc(self, row: DocRow) -> StoredDoc:
        """Store a document in a new singleton cluster."""
        keys = array("I", row.line_keys).tobytes()
        body = zlib.compress(b"\n".join(row.content), 1)
        # A new document's cluster is numbered by the document's own id: SQLite gives a new row
        # max(rowid) + 1, which is what the subquery computes in the same statement.
        cur = self._run(
            "INSERT INTO dedup_docs (key, url, canonical, site, text_hash, published, words,"
            " cluster, line_keys, body) VALUES (?, ?, ?, ?, ?, ?, ?,"
            " (SELECT coalesce(max(id), 0) + 1 FROM dedup_docs), ?, ?)",
            (
                row.key,
                row.url,
                row.canonical,
                row.site,
                row.text_hash,
                row.published,
                row.words,
                keys,
                body,
            ),
        )
        doc = int(cur.lastrowid or 0)
        self._run("INSERT INTO dedup_clusters (id, rep, size) VALUES (?, ?, 1)", (doc, doc))
        return StoredDoc(doc, row.key, row.url, False, row.published, row.words, doc)

    def doc(self, doc: int) -> StoredDoc:
        """The stored document ``doc``."""
        found = self._one(f"SELECT {_DOC_FIELDS} FROM dedup_docs WHERE id = ?", (doc,))
        if found is None:
            raise DedupError(f"document {doc} is missing from the dedup index")
        return _stored(found)

    def first_with_key(self, key: str) -> StoredDoc | None:
        """The first document stored under ``key``."""
        found = self._one(
            f"SELECT {_DOC_FIELDS} FROM dedup_docs WHERE key = ? ORDER BY id LIMIT 1", (key,)
        )
        return None if found is None else _stored(found)

    def related(self, key: str, text_hash: str | None) -> list[Related]:
        """Stored documents with this key or this exact text, in id order."""
        rows = self._all(
            "SELECT id, key, text_hash FROM dedup_docs WHERE key = ? OR text_hash = ? ORDER BY id",
            (key, text_hash),
        )
        return [Related(int(r[0]), str(r[1]), str(r[2])) for r in rows]

    def refresh(self, doc: int, url: str, published: float | None) -> None:
        """Record another sighting of document ``doc``: set its url, keep the earlier date."""
        self._run(
            "UPDATE dedup_docs SET url = ?,"
            " published = coalesce(min(published, ?), published, ?) WHERE id = ?",
            (url, published, published, doc),
        )

    def stored_keys(self, keys: Iterable[str]) -> set[str]:
        """The keys among ``keys`` already stored."""
        out: set[str] = set()
        for chunk in _chunks(sorted(set(keys)), 500):
            marks = ",".join("?" * len(chunk))
            rows = self._all(f"SELECT DISTINCT key FROM dedup_docs WHERE key IN ({marks})", chunk)
            out.update(str(r[0]) for r in rows)
        return out

    def body(self, doc: int) -> tuple[str, list[int], list[bytes]]:
        """The site, line keys and content lines of document ``doc``."""
        found = self._one("SELECT site, line_keys, body FROM dedup_docs WHERE id = ?", (doc,))
        if found is None:
            raise DedupError(f"document {doc} is missing from the dedup index")
        keys = array("I")
        keys.frombytes(found[1])
        return str(found[0]), keys.tolist(), zlib.decompress(found[2]).split(b"\n")

    def mark_named(self, key: str) -> list[int]:
        """Flag the documents stored under ``key`` as named canonical; return their ids."""
        rows = self._all("SELECT id FROM dedup_docs WHERE key = ? AND named = 0", (key,))
        self._run("UPDATE dedup_docs SET named = 1 WHERE key = ?", (key,))
        return [int(r[0]) for r in rows]

    def is_named(self, key: str) -> bool:
        """Whether another document names ``key`` as its canonical."""
        found = self._one(
            "SELECT 1 FROM dedup_docs WHERE canonical = ? AND key != ? LIMIT 1", (key, key)
        )
        return found is not None

    def has_canonicals(self) -> bool:
        """Whether any stored document names a canonical page."""
        return (
            self._one("SELECT 1 FROM dedup_docs WHERE canonical IS NOT NULL LIMIT 1", ())
            is not None
        )

    def set_named(self, doc: int) -> None:
        """Flag document ``doc`` as named canonical."""
        self._run("UPDATE dedup_docs SET named = 1 WHERE id = ?", (doc,))

    # --- bands ------------------------------------------------------------------------------
    def add_bands(self, doc: int, keys: list[int], sketch: tuple[int, ...]) -> None:
        """Index document ``doc`` under its band keys and keep its sketch."""
        self._many(
            "INSERT OR IGNORE INTO dedup_bands (band, doc) VALUES (?, ?)", [(k, doc) for k in keys]
        )
        blob = array("q", sketch).tobytes()
        self._run("UPDATE dedup_docs SET sketch = ? WHERE id = ?", (blob, doc))

    def candidates(self, keys: list[int]) -> list[Candidate]:
        """Documents sharing at least one band key, in id order."""
        if not keys:
            return []
        marks = ",".join("?" * len(keys))
        rows = self._all(
            "SELECT d.id, d.cluster, d.sketch FROM dedup_docs AS d WHERE d.id IN"
            f" (SELECT doc FROM dedup_bands WHERE band IN ({marks})) ORDER BY d.id",
            list(keys),
        )
        return [Candidate(int(r[0]), int(r[1]), _sketch(r[2])) for r in rows]

    # --- clusters ---------------------------------------------------------------------------
    def rep(self, cluster: int) -> StoredDoc:
        """The representative of ``cluster``."""
        found = self._one("SELECT rep FROM dedup_clusters WHERE id = ?", (cluster,))
        if found is None:
            raise DedupError(f"cluster {cluster} is missing from the dedup index")
        return self.doc(int(found[0]))

    def set_rep(self, cluster: int, doc: int) -> None:
        """Make ``doc`` the representative of ``cluster``."""
        self._run("UPDATE dedup_clusters SET rep = ? WHERE id = ?", (doc, cluster))

    def merge(self, a: int, b: int) -> int:
        """Merge clusters ``a`` and ``b`` (relabelling the smaller); return the survivor."""
        if a == b:
            return a
        sizes = dict(self._all("SELECT id, size FROM dedup_clusters WHERE id IN (?, ?)", (a, b)))
        if len(sizes) != 2:
            raise DedupError(f"cluster {a} or {b} is missing from the dedup index")
        keep, drop = (a, b) if (sizes[a], -a) >= (sizes[b], -b) else (b, a)
        self._run("UPDATE dedup_docs SET cluster = ? WHERE cluster = ?", (keep, drop))
        self._run("UPDATE dedup_clusters SET size = ? WHERE id = ?", (sizes[a] + sizes[b], keep))
        self._run("DELETE FROM dedup_clusters WHERE id = ?", (drop,))
        return keep

    def cluster_sizes(self) -> list[int]:
        """The size of every cluster."""
        return [int(r[0]) for r in self._all("SELECT size FROM dedup_clusters", ())]

    # --- template lines ---------------------------------------------------------------------
    def count_lines(self, rows: list[tuple[str, int, int]]) -> None:
        """Add ``(site, line key, docs)`` counts to the per-site line counts."""
        self._many(
            "INSERT INTO dedup_site_lines (site, line, docs) VALUES (?, ?, ?)"
            " ON CONFLICT (site, line) DO UPDATE SET docs = docs + excluded.docs",
            sorted(rows),
        )

    def template_lines(self, site: str, keys: Sequence[int], min_docs: int) -> frozenset[int]:
        """Those of line ``keys`` that ``site`` shows on at least ``min_docs`` distinct pages."""
        out: set[int] = set()
        for start in range(0, len(keys), 500):
            chunk = list(keys[start : start + 500])
            marks = ",".join("?" * len(chunk))
            rows = self._all(
                "SELECT line FROM dedup_site_lines WHERE site = ? AND docs >= ?"
                f" AND line IN ({marks})",
                [site, min_docs, *chunk],
            )
            out.update(int(r[0]) for r in rows)
        return frozenset(out)

    # --- plumbing ---------------------------------------------------------------------------
    def _run(self, sql: str, args: tuple[object, ...]) -> sqlite3.Cursor:
        try:
            return self._conn.execute(sql, args)
        except sqlite3.Error as exc:
            raise StoreError(f"dedup index: {exc}") from exc

    def _many(self, sql: str, rows: list[tuple[object, ...]]) -> None:
        try:
            self._conn.executemany(sql, rows)
        except sqlite3.Error as exc:
            raise StoreError(f"dedup index: {exc}") from exc

    def _one(self, sql: str, args: Sequence[object]) -> tuple[Any, ...] | None:
        try:
            found: tuple[Any, ...] | None = self._conn.execute(sql, args).fetchone()
        except sqlite3.Error as exc:
            raise StoreError(f"dedup index: {exc}") from exc
        return found

    def _all(self, sql: str, args: Sequence[object]) -> list[tuple[Any, ...]]:
        try:
            return list(self._conn.execute(sql, args).fetchall())
        except sqlite3.Error as exc:
            raise StoreError(f"dedup index: {exc}") from exc


_DOC_FIELDS = "id, key, url, named, published, words, cluster"


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


def _sketch(blob: bytes | None) -> tuple[int, ...] | None:
    if blob is None:
        return None
    values = array("q")
    values.frombytes(blob)
    return tuple(values)


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
