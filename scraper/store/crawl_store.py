"""The SQLite crawl store: sources, URLs and their state, fetch history, articles, runs.

One file in WAL mode (see :mod:`scraper.store.sqlite`). URL states: ``pending`` (discovered,
never tried), ``retry`` (failed, due again at ``next_attempt_at``), ``done`` (article stored; or,
with ``alias_of``, the URL's page is the article stored under that URL), ``gave_up`` (failed
too often, or permanently; ``last_error`` keeps the reason).
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime
from pathlib import Path

from scraper.dedup.cluster import cluster_id
from scraper.errors import RecordError, StoreError, UnreadableArticle, UnreadableListing, shorten
from scraper.models import Article
from scraper.store.clusters_kept import SHARED_KEY
from scraper.store.credentials_scrubbed import rename_credentialed_sources, scrub_credentials
from scraper.store.dedup_schema import DEDUP_SCHEMA_VERSION
from scraper.store.orphans_dropped import drop_orphans
from scraper.store.protocol import (
    ALL_SOURCES,
    STORED,
    UNCHANGED,
    UPDATED,
    ChildDoc,
    DueScope,
    FetchRecord,
    HostURLs,
    ListingRecord,
    NewAlias,
    NewArticle,
    NewURL,
    PendingExport,
    PendingFile,
    QueuedURL,
    ReadLog,
    RunRecord,
    RunStats,
    SourceError,
    SourceStats,
    StoredArticle,
    StoredPage,
    UrlFailure,
    UrlRow,
    Validators,
)
from scraper.store.sqlite import (
    Step,
    has_component,
    migrate,
    open_sqlite,
    require_version,
    sqlite_reason,
    write_transaction,
)
from scraper.store.stories import FIRST_STORED, Story, StoryCache
from scraper.surrogates import has_surrogate_escapes, without_surrogates_in

__all__ = ["SQLiteCrawlStore"]

STEPS: tuple[Step, ...] = (
    """
    CREATE TABLE sources (
        name TEXT PRIMARY KEY,
        kind TEXT NOT NULL
    );
    CREATE TABLE documents (
        url TEXT PRIMARY KEY,
        source TEXT NOT NULL REFERENCES sources(name),
        etag TEXT,
        last_modified TEXT,
        last_status INTEGER,
        last_error TEXT,
        children TEXT,
        fetched_at REAL
    );
    CREATE TABLE urls (
        id INTEGER PRIMARY KEY,
        url TEXT NOT NULL UNIQUE,
        raw TEXT NOT NULL,
        source TEXT NOT NULL REFERENCES sources(name),
        published REAL,
        discovered_at REAL NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending',
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at REAL NOT NULL DEFAULT 0,
        last_error TEXT
    );
    CREATE INDEX urls_due ON urls (state, id);
    CREATE INDEX urls_source ON urls (source, state);
    CREATE TABLE fetches (
        id INTEGER PRIMARY KEY,
        run_id INTEGER,
        url TEXT NOT NULL,
        status INTEGER,
        etag TEXT,
        last_modified TEXT,
        error_kind TEXT,
        error TEXT,
        fetched_at REAL NOT NULL
    );
    CREATE TABLE articles (
        id INTEGER PRIMARY KEY,
        url_id INTEGER NOT NULL UNIQUE REFERENCES urls(id),
        url TEXT NOT NULL,
        canonical TEXT,
        source TEXT NOT NULL,
        run_id INTEGER,
        stored_at REAL NOT NULL,
        cluster TEXT NOT NULL,
        duplicate_of TEXT,
        dedup_key TEXT,
        record TEXT NOT NULL
    );
    CREATE INDEX articles_stored ON articles (stored_at);
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        started_at REAL NOT NULL,
        finished_at REAL,
        status TEXT NOT NULL,
        stats TEXT
    );
    CREATE TABLE cursors (
        name TEXT PRIMARY KEY,
        value INTEGER NOT NULL
    );
    """,
    # History is pruned by age at the end of each run: these indexes let the DELETEs visit
    # only the rows they remove.
    """
    CREATE INDEX fetches_time ON fetches (fetched_at);
    CREATE INDEX runs_started ON runs (started_at);
    """,
    # The run that last read each discovery document, so that ``status`` reports only the
    # errors of the documents a source's latest run read.
    """
    ALTER TABLE documents ADD COLUMN run_id INTEGER;
    CREATE INDEX documents_run ON documents (source, run_id);
    """,
    # Stores written before credentials were kept out of them, and before a batch's index
    # entries and articles were one transaction, are repaired (the index's tables included,
    # when the store has them: its keys are the articles' keys).
    scrub_credentials,
    drop_orphans,
    # The listing settings (source name, type, follow patterns, age window) each discovery
    # document was last read under: the validators and read time of a read under other
    # settings are not used, so a widened pattern or window reads the document in full.
    lambda conn: _add_column(conn, "documents", "settings TEXT"),
    # Hosts that asked (Retry-After) to be left alone longer than a run waits, by pace key.
    # IF NOT EXISTS: a store whose recorded version was set back (the old-store repair tests
    # do so) keeps its table.
    """
    CREATE TABLE IF NOT EXISTS host_holds (
        host TEXT PRIMARY KEY,
        until REAL NOT NULL,
        reason TEXT
    );
    """,
    # A URL done as another URL's article (its page redirected there or named it canonical)
    # names that URL: no article is stored under it, and it is never fetched again.
    lambda conn: _add_column(conn, "urls", "alias_of TEXT"),
    # The latest date among the entries each discovery document listed when last read in
    # full: a nested sitemap that listed articles later than its index's lastmod for it is
    # current whatever that lastmod says.
    lambda conn: _add_column(conn, "documents", "newest_entry REAL"),
    # A LAST export being written (one per cursor): a run killed before it settled leaves
    # this, and the next export lands it (the cursor moves) or undoes it (the file's new part
    # cut off, the temporary file removed), so each article is handed on exactly once.
    """
    CREATE TABLE IF NOT EXISTS pending_exports (
        cursor TEXT PRIMARY KEY,
        target BLOB NOT NULL,
        temp BLOB,
        size INTEGER NOT NULL DEFAULT 0,
        created INTEGER NOT NULL DEFAULT 0,
        device INTEGER,
        inode INTEGER,
        ready INTEGER NOT NULL DEFAULT 0,
        moves_to INTEGER
    );
    """,
    # The errors a run met in a source outside its listings (a listing's own are kept with
    # its document), those of the latest run that met any; and the latest run that read
    # each source to its end, which tells whether they are still met.
    lambda conn: _keep_source_errors(conn),
    # Sources named after a URL with a password in it, as a source without a name was until
    # session 24: renamed as a config names them now, without it.
    rename_credentialed_sources,
    # Stories updated at their own address: a stored article its listing dates after it was
    # last asked for is fetched again, conditionally, and a changed text becomes its next
    # version, the earlier ones kept.
    lambda conn: _keep_versions(conn),
    # The id each earlier version had in ``articles``: a store that took the step before
    # has its table without it (0 for the versions kept then).
    lambda conn: _add_column(conn, "article_versions", "article_id INTEGER NOT NULL DEFAULT 0"),
    # A change a listing dated ahead of now when read (a CMS, or a server whose clock is
    # ahead): the story is rechecked once that time comes, even if its listing answers 304
    # from then on and is never read in full again.
    lambda conn: _keep_changes_due(conn),
    # Stored stories whose latest recheck was given up (taken down: 404, 410, a redirect
    # home) keep the reason on their done URL; partial, so that counting them per source
    # reads those few, not every URL the store has seen.
    """
    CREATE INDEX IF NOT EXISTS urls_recheck_gave_up ON urls (source, id)
    WHERE state = 'done' AND last_error IS NOT NULL;
    """,
    # Stories (``stories``): readers find a story's pages by their keys (without the index
    # each cluster read scanned every article), and a page's earlier versions count for it
    # only under the key it has now (one rewritten under a new canonical link is a new page).
    lambda conn: _keep_story_keys(conn),
)

#: How much later than the stored article's fetch (or last check) a listing must date a
#: change for it to be fetched again: a CMS touches ``lastmod`` just after publishing, and
#: servers' clocks drift. A date further ahead of now than this is not believed either.
RECHECK_MARGIN = 600.0


def _queue_rechecks(conn: sqlite3.Connection, entries: Sequence[NewURL], now: float) -> None:
    """Make due again, as rechecks, the stored articles these entries date as changed since
    they were fetched or last checked (an entry that is an alias dates its article's URL)."""
    dated = [[e.url, e.changed] for e in entries if e.changed is not None]
    if not dated:
        return
    rows = conn.execute(
        "WITH listed (url, changed) AS ("
        "  SELECT coalesce(u.alias_of, u.url), json_extract(j.value, '$[1]')"
        "  FROM json_each(?1) j JOIN urls u ON u.url = json_extract(j.value, '$[0]'))"
        " SELECT t.id, max(l.changed) > coalesce(t.checked_at, a.stored_at) + ?2"
        "  AND max(l.changed) <= ?3 + ?2, max(l.changed),"
        "  max(l.changed) > coalesce(t.checked_at, a.stored_at) + ?2 AND max(l.changed) > ?3 + ?2"
        " FROM listed l JOIN urls t ON t.url = l.url JOIN articles a ON a.url_id = t.id"
        " WHERE t.state = 'done' AND t.alias_of IS NULL GROUP BY t.id",
        (json.dumps(dated), RECHECK_MARGIN, now),
    ).fetchall()
    due = [(row[0],) for row in rows if row[1]]
    conn.executemany(
        "UPDATE urls SET state = 'pending', recheck = 1, attempts = 0, next_attempt_at = 0,"
        " change_due = NULL WHERE id = ?",
        due,
    )
    # Dated too far ahead to believe yet: kept, and believed once it has come (see
    # ``queue_changes_due``). The latest listing's date replaces it, whatever that says.
    kept = [(row[2] if row[3] else None, row[0]) for row in rows if not row[1]]
    conn.executemany("UPDATE urls SET change_due = ? WHERE id = ?", kept)


def _queue_changes_due(conn: sqlite3.Connection, now: float) -> None:
    """Make due again, as rechecks, the stored articles whose change, listed ahead of the time
    it was read, has come (and is still later than their fetch or last check)."""
    conn.execute(
        "UPDATE urls SET state = 'pending', recheck = 1, attempts = 0, next_attempt_at = 0,"
        " change_due = NULL WHERE change_due IS NOT NULL AND change_due <= ?1 + ?2"
        " AND state = 'done' AND alias_of IS NULL AND change_due > coalesce(checked_at,"
        " (SELECT a.stored_at FROM articles a WHERE a.url_id = urls.id)) + ?2",
        (now, RECHECK_MARGIN),
    )
    # The rest of those come have been asked for since, or wait for their turn already.
    conn.execute(
        "UPDATE urls SET change_due = NULL WHERE change_due IS NOT NULL AND change_due <= ? + ?",
        (now, RECHECK_MARGIN),
    )


def _checked(
    conn: sqlite3.Connection, url_id: int, fresh: Validators, error: str | None = None
) -> None:
    """Mark a recheck's URL done, checked now, its stored version standing; validators it was
    served anew replace the stored ones. ``error``: why the recheck was given up, kept until
    a later recheck reads the page (``failures`` lists it)."""
    conn.execute(
        "UPDATE urls SET state = 'done', recheck = 0, checked_at = ?, last_error = ?,"
        " next_attempt_at = 0, etag = coalesce(?, etag),"
        " last_modified = coalesce(?, last_modified) WHERE id = ?",
        (time.time(), error, fresh.etag, fresh.last_modified, url_id),
    )


def _keep_versions(conn: sqlite3.Connection) -> None:
    for column in (
        "recheck INTEGER NOT NULL DEFAULT 0",
        "checked_at REAL",
        "etag TEXT",
        "last_modified TEXT",
    ):
        _add_column(conn, "urls", column)
    _add_column(conn, "articles", "version INTEGER NOT NULL DEFAULT 1")
    # ``article_id``: the id the version had in ``articles`` (and in the exports of then).
    conn.execute(
        "CREATE TABLE IF NOT EXISTS article_versions (id INTEGER PRIMARY KEY,"
        " article_id INTEGER NOT NULL, url_id INTEGER NOT NULL, url TEXT NOT NULL,"
        " version INTEGER NOT NULL, stored_at REAL NOT NULL, replaced_at REAL NOT NULL,"
        " run_id INTEGER, cluster TEXT NOT NULL, record TEXT NOT NULL)"
    )
    conn.execute("CREATE INDEX IF NOT EXISTS article_versions_url ON article_versions (url_id)")


def _keep_changes_due(conn: sqlite3.Connection) -> None:
    _add_column(conn, "urls", "change_due REAL")
    # Partial: each run looks for the few dated ahead, not through every URL.
    conn.execute(
        "CREATE INDEX IF NOT EXISTS urls_change_due ON urls (change_due)"
        " WHERE change_due IS NOT NULL"
    )


def _keep_source_errors(conn: sqlite3.Connection) -> None:
    conn.execute(
        "CREATE TABLE IF NOT EXISTS source_errors (id INTEGER PRIMARY KEY,"
        " source TEXT NOT NULL, run_id INTEGER NOT NULL, at REAL NOT NULL, error TEXT NOT NULL)"
    )
    conn.execute("CREATE INDEX IF NOT EXISTS source_errors_source ON source_errors (source)")
    _add_column(conn, "sources", "read_run INTEGER")


def _keep_story_keys(conn: sqlite3.Connection) -> None:
    conn.execute("CREATE INDEX IF NOT EXISTS articles_key ON articles (dedup_key)")
    # NULL for the versions kept before: read as under the key their page has now.
    _add_column(conn, "article_versions", "dedup_key TEXT")


def _add_column(conn: sqlite3.Connection, table: str, column: str) -> None:
    """Add ``column`` (a name and its type) to ``table`` unless it has it already.

    SQLite has no ADD COLUMN IF NOT EXISTS; a store set back to an older version number
    (as the tests of the older steps do) keeps the columns of the later ones.
    """
    name = column.split()[0]
    if name not in {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}:
        conn.execute(f"ALTER TABLE {table} ADD COLUMN {column}")


_INSERT_FETCH = (
    "INSERT INTO fetches (run_id, url, status, etag, last_modified, error_kind, error,"
    " fetched_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
# The record as bytes: SQLite hands TEXT over decoded, and one record whose bytes are not
# UTF-8 (a damaged page of the file) failed the fetch of its whole page of 500 rows, and so
# every export, before _stored could name it and go on.
_ARTICLE_COLUMNS = (
    "a.id, a.url, a.source, a.stored_at, a.cluster, a.canonical, a.dedup_key, a.version,"
    " CAST(a.record AS BLOB) AS record"
)
# Where each article ``a`` is now: the cluster of its own document in the near-duplicate
# index and that cluster's representative ``r``. Its document is the one of its key stored
# under its URL: pages that share a key only through canonical links (a template naming one
# sibling article on every page) are kept apart, in clusters of their own. Failing that (the
# index keeps another spelling of the page as its URL) any document of its key. A batch's
# placements are stored with the articles, but a later batch can merge their cluster into
# another or give it a better-ranked representative; the index is kept current, the
# ``cluster`` and ``duplicate_of`` columns are not. Without an index entry (an article stored
# by something other than a crawl) ``r`` is NULL and the columns are all there is.
_CURRENT = (
    " LEFT JOIN dedup_clusters c ON c.id = coalesce("
    "(SELECT own.cluster FROM dedup_docs own WHERE own.key = a.dedup_key AND own.url = a.url"
    " LIMIT 1),"
    " (SELECT same.cluster FROM dedup_docs same WHERE same.key = a.dedup_key LIMIT 1))"
    " LEFT JOIN dedup_docs r ON r.id = c.rep"
)
# An article leads its cluster when it is the representative's page under the URL the index
# keeps for it (the index's own rule when it places a document); otherwise it duplicates the
# representative's URL.
_DUPLICATE_OF = (
    "CASE WHEN r.id IS NULL THEN a.duplicate_of"
    " WHEN r.key = a.dedup_key AND r.url = a.url THEN NULL ELSE r.url END"
)
#: A cursor moved forward, never back (of two exports that overlapped, the further one wins).
_MOVE_CURSOR = (
    "INSERT INTO cursors (name, value) VALUES (?, ?)"
    " ON CONFLICT (name) DO UPDATE SET value = max(value, excluded.value)"
)
_INDEX_TABLES = ("dedup_docs", "dedup_clusters")

#: The largest integer SQLite stores, and so the largest LIMIT a query is given.
_MOST_ROWS = 2**63 - 1


@dataclass(frozen=True, slots=True)
class _Placements:
    """How an article query reads placements: a join on ``articles a`` and two expressions."""

    join: str
    rep_key: str
    duplicate_of: str
    # The representative's URL, and whether documents of its key lie in other clusters too
    # (with its key, what its cluster's id is made of: ``cluster_id``).
    rep_url: str
    shared: str
    #: The index's cluster the article is in now and its size (its story is read from it:
    #: ``stories``), as ``cluster_ref`` and ``cluster_size``.
    cluster_ref: str


_THROUGH_INDEX = _Placements(
    _CURRENT,
    "r.key",
    _DUPLICATE_OF,
    "r.url",
    SHARED_KEY,
    "c.id AS cluster_ref, c.size AS cluster_size",
)
_AS_STORED = _Placements(
    "", "NULL", "a.duplicate_of", "NULL", "0", "NULL AS cluster_ref, NULL AS cluster_size"
)


class SQLiteCrawlStore:
    """The crawl store in one SQLite file; implements :class:`CrawlStore`."""

    def __init__(self, path: Path | str, *, create: bool = True) -> None:
        """Open (creating and migrating if needed) the store at ``path``.

        Without ``create`` (commands that read a store: status, export, retry) the store
        must exist and be at this scraper's schema version: nothing is created or migrated.

        Raises:
            StoreError: the file cannot be opened or migrated, is not a scraper store, or
                (without ``create``) is missing or at another schema version.
        """
        self.path = Path(path)
        self.conn = open_sqlite(path, create=create)
        try:
            if has_component(self.conn, "dedup") and not has_component(self.conn, "crawl"):
                # A crawl opens its own index after its tables: this file is a `scraper dedup
                # --db` index, whose documents would become the crawl's clusters' heads.
                raise StoreError(
                    f"{path} is a near-duplicate index made by `scraper dedup --db`, not a crawl"
                    " store; give the crawl a store of its own"
                )
            if create:
                migrate(self.conn, "crawl", STEPS)
            else:
                require_version(self.conn, "crawl", len(STEPS))
                if has_component(self.conn, "dedup"):
                    # Exports and status read the clusters through the index's tables: a store
                    # a newer scraper's index wrote, or an older one's not upgraded yet, would
                    # be misread or fail on a missing column.
                    require_version(self.conn, "dedup", DEDUP_SCHEMA_VERSION)
        except StoreError:
            self.conn.close()
            raise

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One transaction around several writes, this store's and the dedup index's on
        :attr:`conn`: all of them are kept or none (a write in it is a savepoint of it)."""
        with self._tx():
            yield

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        try:
            with write_transaction(self.conn):
                yield self.conn
        except sqlite3.Error as exc:
            raise StoreError(f"store write failed ({self.path}): {sqlite_reason(exc)}") from exc

    def _read(self, sql: str, params: Sequence[object] = ()) -> list[sqlite3.Row]:
        try:
            cur = self.conn.execute(sql, tuple(params))
            cur.row_factory = sqlite3.Row
            return list(cur.fetchall())
        except sqlite3.Error as exc:
            raise StoreError(f"store read failed ({self.path}): {sqlite_reason(exc)}") from exc

    def _log_fetch(self, conn: sqlite3.Connection, fetch: FetchRecord, run_id: int) -> None:
        conn.execute(_INSERT_FETCH, _fetch_row(fetch, run_id, time.time()))

    def begin_run(self) -> int:
        """Record the start of a run; return its id."""
        with self._tx() as conn:
            cur = conn.execute(
                "INSERT INTO runs (started_at, status) VALUES (?, 'running')", (time.time(),)
            )
            return int(cur.lastrowid or 0)

    def queue_changes_due(self, now: float) -> None:
        """Make due again, as rechecks, the stored articles a listing dated as changing at a
        time still ahead when it was read, once that time has come (within
        ``RECHECK_MARGIN``): their listing may answer 304 from then on."""
        with self._tx() as conn:
            _queue_changes_due(conn, now)

    def finish_run(self, run_id: int, stats: RunStats, status: str) -> None:
        """Record the end of a run with its counters."""
        with self._tx() as conn:
            conn.execute(
                "UPDATE runs SET finished_at = ?, status = ?, stats = ? WHERE id = ?",
                (time.time(), status, json.dumps(_stats_dict(stats)), run_id),
            )

    def prune_history(self, before: float, keep_run: int) -> None:
        """Delete the fetch history and the run records older than ``before`` (a Unix time).

        Run ``keep_run`` (the one ending) is kept whatever its age. Each URL's latest state
        stays in ``documents`` and ``urls``, which nothing here touches.
        """
        with self._tx() as conn:
            conn.execute("DELETE FROM fetches WHERE fetched_at < ?", (before,))
            conn.execute("DELETE FROM runs WHERE started_at < ? AND id <> ?", (before, keep_run))

    def ensure_source(self, name: str, kind: str) -> None:
        """Create the source if it does not exist yet."""
        with self._tx() as conn:
            conn.execute(
                "INSERT INTO sources (name, kind) VALUES (?, ?)"
                " ON CONFLICT (name) DO UPDATE SET kind = excluded.kind",
                (name, kind),
            )

    def record_source_errors(self, source: str, errors: Sequence[str], run_id: int) -> None:
        """Keep that run ``run_id`` read ``source`` to its end and met these errors outside
        its listings (replacing those an earlier run kept; none leaves them)."""
        now = time.time()
        with self._tx() as conn:
            if errors:
                conn.execute("DELETE FROM source_errors WHERE source = ?", (source,))
                conn.executemany(
                    "INSERT INTO source_errors (source, run_id, at, error) VALUES (?, ?, ?, ?)",
                    [(source, run_id, now, error) for error in errors],
                )
            # Only whether kept errors are still met needs it: a source without any is not
            # rewritten on every run (a run of 60 sources would write 60 pages for nothing).
            conn.execute(
                "UPDATE sources SET read_run = ? WHERE name = ?"
                " AND EXISTS (SELECT 1 FROM source_errors WHERE source = ?)",
                (run_id, source, source),
            )

    def validators(self, doc_url: str, *, settings: str | None = None) -> Validators:
        """The validators last seen for a discovery document (read under ``settings``, when
        given)."""
        rows = self._read(
            "SELECT etag, last_modified FROM documents"
            " WHERE url = ? AND (? IS NULL OR settings IS ?)",
            (doc_url, settings, settings),
        )
        if not rows:
            return Validators()
        return Validators(etag=rows[0]["etag"], last_modified=rows[0]["last_modified"])

    def children(self, doc_url: str) -> tuple[ChildDoc, ...]:
        """The nested documents a discovery document listed when it was last read."""
        rows = self._read("SELECT children FROM documents WHERE url = ?", (doc_url,))
        if not rows or not rows[0]["children"]:
            return ()
        kept = rows[0]["children"]
        try:
            children = tuple(ChildDoc(url, modified) for url, modified in json.loads(kept))
        # Not JSON (or nested past what json reads), or not a list of [url, modified].
        except (ValueError, RecursionError, TypeError) as exc:
            raise UnreadableListing(
                f"the stored list of what {shorten(doc_url)} names is damaged: {exc}",
                url=doc_url,
            ) from exc
        if not all(
            isinstance(c.url, str) and (c.modified is None or isinstance(c.modified, int | float))
            for c in children
        ):
            raise UnreadableListing(
                f"the stored list of what {shorten(doc_url)} names holds other values than"
                " URLs and dates",
                url=doc_url,
            )
        return children

    def last_read(self, doc_url: str, *, settings: str | None = None) -> float | None:
        """When a discovery document was last read without error (a 304 counts), or None;
        under ``settings``, when given."""
        rows = self._read(
            "SELECT fetched_at FROM documents WHERE url = ? AND last_error IS NULL"
            " AND (? IS NULL OR settings IS ?)",
            (doc_url, settings, settings),
        )
        return float(rows[0]["fetched_at"]) if rows and rows[0]["fetched_at"] else None

    def last_asked(self, doc_url: str) -> float | None:
        """When a discovery document was last asked for, whatever the answer, or None."""
        rows = self._read("SELECT fetched_at FROM documents WHERE url = ?", (doc_url,))
        return float(rows[0]["fetched_at"]) if rows and rows[0]["fetched_at"] else None

    def newest_entry(self, doc_url: str) -> float | None:
        """The latest date among the entries a discovery document listed when last read in
        full, or None."""
        rows = self._read("SELECT newest_entry FROM documents WHERE url = ?", (doc_url,))
        if not rows or rows[0]["newest_entry"] is None:
            return None
        return float(rows[0]["newest_entry"])

    def record_listing(
        self,
        source: str,
        listing: ListingRecord,
        run_id: int,
        *,
        crawled: frozenset[str] = frozenset(),
    ) -> int:
        """Store a discovery fetch, its validators and the unseen URLs; return how many new.

        A stored article whose entry says it changed (``NewURL.changed``) more than
        ``RECHECK_MARGIN`` after it was fetched, or last checked, is due again as a recheck.
        A listed URL already queued (not done) under a source not in ``crawled`` (the run's
        sources) moves to ``source``: a source removed or renamed in the config leaves URLs
        that no run would take otherwise.
        """
        now = time.time()
        fetch = listing.fetch
        children = (
            None
            if listing.children is None
            else json.dumps([[c.url, c.modified] for c in listing.children])
        )
        with self._tx() as conn:
            if fetch is not None:
                self._record_document(conn, source, listing, children, run_id)
            before = conn.total_changes
            conn.executemany(
                "INSERT OR IGNORE INTO urls (url, raw, source, published, discovered_at)"
                " VALUES (?, ?, ?, ?, ?)",
                [(e.url, e.raw, source, e.published, now) for e in listing.entries],
            )
            new = conn.total_changes - before
            _queue_rechecks(conn, listing.entries, now)
            if crawled and new < len(listing.entries):
                conn.executemany(
                    "UPDATE urls SET source = ? WHERE url = ? AND state <> 'done'"
                    " AND source NOT IN (SELECT value FROM json_each(?))",
                    [(source, e.url, json.dumps(sorted(crawled))) for e in listing.entries],
                )
            return new

    def _record_document(
        self,
        conn: sqlite3.Connection,
        source: str,
        listing: ListingRecord,
        children: str | None,
        run_id: int,
    ) -> None:
        fetch = listing.fetch
        assert fetch is not None
        self._log_fetch(conn, fetch, run_id)
        conn.execute(
            "INSERT INTO documents (url, source, etag, last_modified, last_status,"
            " last_error, children, fetched_at, run_id, settings, newest_entry)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (url) DO UPDATE SET"
            " etag = CASE WHEN excluded.last_error IS NULL"
            "   THEN COALESCE(excluded.etag, etag) ELSE etag END,"
            " last_modified = CASE WHEN excluded.last_error IS NULL"
            "   THEN COALESCE(excluded.last_modified, last_modified) ELSE last_modified END,"
            # Validators kept from an earlier read keep the settings they were served under.
            " settings = CASE WHEN excluded.last_error IS NULL"
            "   THEN excluded.settings ELSE settings END,"
            " children = COALESCE(excluded.children, children),"
            # Only a full read (one that lists children, none or some) says what it lists.
            " newest_entry = CASE WHEN excluded.children IS NOT NULL"
            "   THEN excluded.newest_entry ELSE newest_entry END,"
            " last_status = excluded.last_status, last_error = excluded.last_error,"
            " fetched_at = excluded.fetched_at, run_id = excluded.run_id,"
            " source = excluded.source",
            (
                fetch.url,
                source,
                fetch.validators.etag,
                fetch.validators.last_modified,
                fetch.status,
                fetch.error,
                children,
                time.time(),
                run_id,
                listing.settings,
                listing.newest_entry,
            ),
        )

    def due_urls(
        self, now: float, after_id: int, limit: int, scope: DueScope = ALL_SOURCES
    ) -> list[QueuedURL]:
        """Up to ``limit`` URLs of ``scope`` due for fetching, with ids above ``after_id``, in
        id order."""
        where, params = _due(now, scope)
        rows = self._read(
            "SELECT id, url, raw, source, attempts, recheck, etag, last_modified FROM urls"
            f" WHERE {where} AND id > ? ORDER BY id LIMIT ?",
            (*params, after_id, limit),
        )
        return [
            QueuedURL(
                id=r["id"],
                url=r["url"],
                raw=r["raw"],
                source=r["source"],
                attempts=r["attempts"],
                recheck=bool(r["recheck"]),
                validators=Validators(etag=r["etag"], last_modified=r["last_modified"])
                if r["recheck"]
                else None,
            )
            for r in rows
        ]

    def count_due(self, now: float, scope: DueScope = ALL_SOURCES) -> int:
        """How many URLs of ``scope`` are due for fetching at ``now``."""
        where, params = _due(now, scope)
        rows = self._read(f"SELECT count(*) AS n FROM urls WHERE {where}", params)
        return int(rows[0]["n"])

    def queued_sources(self) -> frozenset[str]:
        """The sources that have URLs waiting (pending or to retry), due or not."""
        rows = self._read(
            "SELECT DISTINCT source FROM urls WHERE state IN ('pending', 'retry')", ()
        )
        return frozenset(row["source"] for row in rows)

    def store_articles(self, items: Sequence[NewArticle], run_id: int) -> tuple[str, ...]:
        """Store articles and mark their URLs done, all in one transaction; return what became
        of each: ``STORED``, or for a URL that has an article already (a recheck, or a page
        that landed on a recheck's URL) ``UPDATED`` or ``UNCHANGED``."""
        if not items:
            return ()
        now = time.time()
        with self._tx() as conn:
            conn.executemany(_INSERT_FETCH, [_fetch_row(i.fetch, run_id, now) for i in items])
            # Asked of the store, not of the queue: a row has an article while it waits for
            # its recheck, and a page another URL led to may land on it meanwhile. A done row
            # is no recheck's: an article for it is refused whole, as ever (stored once).
            held = {
                row[0]
                for row in conn.execute(
                    "SELECT a.url_id FROM articles a JOIN urls u ON u.id = a.url_id"
                    " WHERE a.url_id IN (SELECT value FROM json_each(?)) AND u.recheck = 1",
                    (json.dumps([i.queued.id for i in items]),),
                )
            }
            placed = [
                self._replace_version(conn, i, now) if i.queued.id in held else (STORED, 1, 0)
                for i in items
            ]
            fresh = [
                (i, version)
                for i, (outcome, version, _) in zip(items, placed, strict=True)
                if outcome != UNCHANGED
            ]
            # Ids past every id handed out and every export cursor: SQLite would give a new
            # version of the newest article its freed id again, which a LAST export has passed.
            # An id freed before this batch is below its new version's, still stored.
            (highest,) = conn.execute(
                "SELECT max(coalesce((SELECT max(id) FROM articles), 0),"
                " coalesce((SELECT max(value) FROM cursors), 0))"
            ).fetchone()
            first = max(highest, *(freed for _, _, freed in placed)) + 1
            conn.executemany(
                "INSERT INTO articles (id, url_id, url, canonical, source, run_id, stored_at,"
                " cluster, duplicate_of, dedup_key, record, version)"
                # UTF-8 bytes are cast to text (no check, no copy in Python): the column holds
                # text either way.
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, CAST(? AS TEXT), ?)",
                [
                    (
                        first + number,
                        i.queued.id,
                        i.queued.url,
                        i.canonical,
                        i.queued.source,
                        run_id,
                        i.stored_at,
                        i.cluster,
                        i.duplicate_of,
                        i.key,
                        i.record,
                        version,
                    )
                    for number, (i, version) in enumerate(fresh)
                ],
            )
            conn.executemany(
                "UPDATE urls SET state = 'done', attempts = attempts + 1, last_error = NULL,"
                " recheck = 0, checked_at = ?, etag = ?, last_modified = ? WHERE id = ?",
                [
                    (
                        now,
                        i.fetch.validators.etag,
                        i.fetch.validators.last_modified,
                        i.queued.id,
                    )
                    for i in items
                ],
            )
        return tuple(outcome for outcome, _, _ in placed)

    def _replace_version(
        self, conn: sqlite3.Connection, item: NewArticle, now: float
    ) -> tuple[str, int, int]:
        """For a URL with an article: ``UNCHANGED`` when the stored one has the same text and
        title; else it is kept among the URL's versions and removed from ``articles``, where
        ``item`` takes its place (under a new id: a LAST export hands it on again). With the
        version ``item`` is stored as, and the id freed (0: none)."""
        row = conn.execute(
            # A damaged stored record (not JSON) counts as changed, not as the batch's error.
            "SELECT id, version, CASE WHEN json_valid(record) THEN"
            " json_extract(record, '$.text') IS json_extract(CAST(?1 AS TEXT), '$.text')"
            " AND json_extract(record, '$.title') IS json_extract(CAST(?1 AS TEXT), '$.title')"
            " ELSE 0 END FROM articles WHERE url_id = ?2",
            (item.record, item.queued.id),
        ).fetchone()
        if row is None:
            return STORED, 1, 0
        article_id, version, same = row
        if same:
            return UNCHANGED, version, 0
        conn.execute(
            "INSERT INTO article_versions (article_id, url_id, url, version, stored_at,"
            " replaced_at, run_id, cluster, record, dedup_key) SELECT id, url_id, url, version,"
            " stored_at, ?, run_id, cluster, record, dedup_key FROM articles WHERE id = ?",
            (now, article_id),
        )
        conn.execute("DELETE FROM articles WHERE id = ?", (article_id,))
        return UPDATED, version + 1, int(article_id)

    def claim_urls(self, entries: Sequence[tuple[NewURL, str]]) -> dict[str, UrlRow]:
        """The rows of these URLs (each with the source to queue it for, when it is new),
        by URL: those the store has as they are, the others added as pending."""
        if not entries:
            return {}
        now = time.time()
        with self._tx() as conn:
            conn.executemany(
                "INSERT OR IGNORE INTO urls (url, raw, source, published, discovered_at)"
                " VALUES (?, ?, ?, ?, ?)",
                [(e.url, e.raw, source, e.published, now) for e, source in entries],
            )
            cur = conn.execute(
                "SELECT id, url, raw, source, attempts, state, alias_of FROM urls"
                " WHERE url IN (SELECT value FROM json_each(?))",
                (json.dumps([e.url for e, _ in entries]),),
            )
            cur.row_factory = sqlite3.Row
            return {
                r["url"]: UrlRow(
                    queued=QueuedURL(
                        id=r["id"],
                        url=r["url"],
                        raw=r["raw"],
                        source=r["source"],
                        attempts=r["attempts"],
                    ),
                    state=r["state"],
                    alias_of=r["alias_of"],
                )
                for r in cur.fetchall()
            }

    def stored_pages(self, url_ids: Sequence[int]) -> dict[int, StoredPage]:
        """The article stored for each of ``url_ids`` that has one, as a new text of its page
        is compared with (a damaged record: no date, no text)."""
        if not url_ids:
            return {}
        rows = self._read(
            "SELECT url_id, dedup_key, version, CASE WHEN json_valid(record) THEN"
            " json_extract(record, '$.published') END AS published, CASE WHEN"
            " json_valid(record) THEN json_extract(record, '$.text') END AS text"
            " FROM articles WHERE url_id IN (SELECT value FROM json_each(?))",
            (json.dumps(sorted(set(url_ids))),),
        )
        return {
            int(row["url_id"]): StoredPage(
                row["dedup_key"],
                int(row["version"] or 1),
                _timestamp(row["published"]),
                row["text"] if isinstance(row["text"], str) else "",
            )
            for row in rows
        }

    def stored_as(self, url: str) -> str | None:
        """The URL the article of ``url`` is stored under when its row is done: ``url``
        itself, or the URL it is an alias of; None when it has no row or is not done."""
        rows = self._read("SELECT alias_of FROM urls WHERE url = ? AND state = 'done'", (url,))
        if not rows:
            return None
        return str(rows[0]["alias_of"] or url)

    def drop_rechecks(self, source: str) -> None:
        """Leave the stored articles of ``source`` waiting for a recheck as they are: done."""
        with self._tx() as conn:
            conn.execute(
                "UPDATE urls SET state = 'done', recheck = 0, next_attempt_at = 0,"
                " last_error = NULL"
                " WHERE source = ? AND recheck = 1 AND state IN ('pending', 'retry')",
                (source,),
            )

    def record_checked(self, queued: QueuedURL, fetch: FetchRecord, run_id: int) -> None:
        """Log a recheck's fetch that leaves its stored article as it is (a 304, or a page
        that moved to another address) and mark the URL done, checked now."""
        with self._tx() as conn:
            self._log_fetch(conn, fetch, run_id)
            # A 304 may bring validators anew (RFC 9110 lets it update the ETag); a page that
            # moved brings another address's.
            _checked(conn, queued.id, fetch.validators if fetch.status == 304 else Validators())

    def record_aliases(self, items: Sequence[NewAlias], run_id: int) -> None:
        """Log these fetches and mark their URLs done as aliases of the URLs they landed on
        (a URL that is its own ``of`` keeps its state; one with an article of its own, a
        recheck's, stays no alias: done, checked now, its stored version standing)."""
        if not items:
            return
        now = time.time()
        with self._tx() as conn:
            conn.executemany(_INSERT_FETCH, [_fetch_row(i.fetch, run_id, now) for i in items])
            conn.executemany(
                "UPDATE urls SET state = 'done', alias_of = CASE WHEN EXISTS (SELECT 1 FROM"
                " articles a WHERE a.url_id = urls.id) THEN NULL ELSE ? END,"
                " recheck = 0, checked_at = ?, attempts = attempts + 1,"
                " next_attempt_at = 0, last_error = NULL WHERE id = ? AND url <> ?",
                [(i.of, now, i.queued.id, i.of) for i in items],
            )

    def record_failure(
        self, queued: QueuedURL, fetch: FetchRecord, retry_at: float | None, run_id: int
    ) -> None:
        """Record a failed URL: retried after ``retry_at``, or given up when it is None (a
        recheck given up is done again, its stored article kept, checked now)."""
        reason = f"{fetch.error_kind}: {fetch.error}" if fetch.error_kind else fetch.error
        with self._tx() as conn:
            self._log_fetch(conn, fetch, run_id)
            if retry_at is None and queued.recheck:
                # The stored version stands (a story taken down still was the story); the
                # URL keeps why the newer one could not be had, for the operator to see.
                _checked(conn, queued.id, Validators(), reason)
                return
            conn.execute(
                "UPDATE urls SET state = ?, attempts = attempts + 1, next_attempt_at = ?,"
                " last_error = ? WHERE id = ?",
                (
                    "retry" if retry_at is not None else "gave_up",
                    retry_at if retry_at is not None else 0,
                    reason,
                    queued.id,
                ),
            )

    def defer(
        self, queued: QueuedURL, until: float, fetch: FetchRecord | None, run_id: int
    ) -> None:
        """Leave a URL due at ``until`` without counting an attempt; with ``fetch`` (the answer
        that asked to wait), log it and keep its error as the URL's latest, waiting for a
        retry. Without, the URL keeps its state and only waits (never less than it did)."""
        with self._tx() as conn:
            if fetch is None:
                conn.execute(
                    "UPDATE urls SET next_attempt_at = max(next_attempt_at, ?) WHERE id = ?",
                    (until, queued.id),
                )
                return
            self._log_fetch(conn, fetch, run_id)
            conn.execute(
                "UPDATE urls SET state = 'retry', next_attempt_at = ?, last_error = ? WHERE id = ?",
                (until, f"{fetch.error_kind}: {fetch.error}", queued.id),
            )

    def hold_host(self, host: str, until: float, reason: str) -> None:
        """Keep that ``host`` asked not to be asked before ``until`` (a later time wins)."""
        with self._tx() as conn:
            conn.execute(
                "INSERT INTO host_holds (host, until, reason) VALUES (?, ?, ?)"
                " ON CONFLICT (host) DO UPDATE SET until = excluded.until,"
                " reason = excluded.reason WHERE excluded.until > until",
                (host, until, reason),
            )

    def host_holds(self, now: float) -> dict[str, float]:
        """The hosts not to be asked before a time later than ``now``, with that time."""
        rows = self._read("SELECT host, until FROM host_holds WHERE until > ?", (now,))
        return {r["host"]: float(r["until"]) for r in rows}

    def cap_host_holds(self, latest: float) -> None:
        """Bring the hosts' times later than ``latest`` down to ``latest``."""
        with self._tx() as conn:
            conn.execute("UPDATE host_holds SET until = ? WHERE until > ?", (latest, latest))

    def _placements(self) -> _Placements:
        """Through the near-duplicate index when the store holds one (a crawl made it)."""
        rows = self._read(
            "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name IN (?, ?)",
            _INDEX_TABLES,
        )
        return _THROUGH_INDEX if rows[0]["n"] == len(_INDEX_TABLES) else _AS_STORED

    def articles_since(
        self, *, after_id: int = 0, since: float | None = None, log: ReadLog | None = None
    ) -> Iterator[StoredArticle]:
        """Stored articles with ids above ``after_id`` (and stored at or after ``since``), each
        with its current cluster and representative; with ``log``, each article once (see
        :class:`ReadLog`)."""
        last = after_id
        where = self._placements()
        shown: dict[str, str] = {}
        stories = StoryCache(self._read)
        # Each page is its own read: a snapshot held over the whole reading would keep a crawl
        # from checkpointing for as long as its consumer (a pipe to a pager) takes.
        # The ids of the earlier versions, oldest first: a story updated twice while the
        # reading goes on was shown if any of them was.
        logged = (
            ", (SELECT max(id) FROM articles) AS newest, CASE WHEN a.version > 1 THEN"
            " (SELECT json_group_array(article_id) FROM (SELECT v.article_id FROM"
            " article_versions v WHERE v.url_id = a.url_id AND v.stored_at >= ?2"
            " ORDER BY v.version)) END AS earlier"
            if log is not None
            else ""
        )
        while True:
            rows = self._read(
                f"SELECT {_ARTICLE_COLUMNS}, {where.rep_key} AS rep_key,"
                f" {where.rep_url} AS rep_url, {where.shared} AS shared,"
                f" {where.duplicate_of} AS now_duplicate_of, {where.cluster_ref},"
                f" a.url_id, {FIRST_STORED} AS first_stored{logged} FROM articles a{where.join}"
                " WHERE a.id > ?1 AND a.stored_at >= ?2 ORDER BY a.id LIMIT 500",
                (last, since if since is not None else 0.0),
            )
            if not rows:
                return
            through = last
            known = stories.stories(
                (r["cluster_ref"], r["cluster_size"]) for r in rows if r["cluster_ref"] is not None
            )
            try:
                for row in rows:
                    if log is None or not _shown_before(log, row["earlier"], row["id"]):
                        ref = row["cluster_ref"]
                        item = _stored(row, None if ref is None else known.get(ref))
                        if item.duplicate_of is not None:
                            item = replace(
                                item, duplicate_of=self._shown_url(item.duplicate_of, shown)
                            )
                        yield item
                    through = row["id"]
            finally:
                if log is not None:
                    log.read(last, through, rows[0]["newest"])
            last = rows[-1]["id"]

    def _shown_url(self, address: str, shown: dict[str, str]) -> str:
        """The URL a representative is exported under (its record's, as it was fetched: a
        WordPress ``/story/`` keeps its slash), for the normalised address the index names it
        by; the address itself when no stored article answers to it (a page the index holds
        under another address) or its record cannot be read. A consumer matches
        ``duplicate_of`` against ``url``, which the address alone did not always equal."""
        found = shown.get(address)
        if found is None:
            rows = self._read(
                "SELECT CAST(a.record AS BLOB) AS record FROM urls u"
                " JOIN articles a ON a.url_id = u.id WHERE u.url = ?",
                (address,),
            )
            found = address
            if rows:
                try:
                    url = json.loads(rows[0]["record"]).get("url")
                # Damaged (or nested past what json reads): export names it elsewhere.
                except (ValueError, RecursionError, AttributeError):
                    url = None
                if isinstance(url, str) and url:
                    found = url
            shown[address] = found
        return found

    def cursor(self, name: str) -> int:
        """A named position (such as the last exported article id); 0 when unset."""
        rows = self._read("SELECT value FROM cursors WHERE name = ?", (name,))
        return int(rows[0]["value"]) if rows else 0

    def set_cursor(self, name: str, value: int) -> None:
        """Move a named position forward (never back)."""
        with self._tx() as conn:
            conn.execute(_MOVE_CURSOR, (name, value))

    def pending_export(self, cursor: str) -> PendingExport | None:
        """The export of ``cursor`` begun and not settled (a run killed during it), if any."""
        rows = self._read("SELECT * FROM pending_exports WHERE cursor = ?", (cursor,))
        if not rows:
            return None
        row = rows[0]
        file = PendingFile(
            target=bytes(row["target"]),
            temp=None if row["temp"] is None else bytes(row["temp"]),
            size=int(row["size"]),
            created=bool(row["created"]),
            device=row["device"],
            inode=row["inode"],
        )
        return PendingExport(file=file, ready=bool(row["ready"]), moves_to=row["moves_to"])

    def begin_export(self, cursor: str, file: PendingFile) -> None:
        """Keep that an export of ``cursor`` is being written to ``file``."""
        with self._tx() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO pending_exports (cursor, target, temp, size, created,"
                " device, inode, ready, moves_to) VALUES (?, ?, ?, ?, ?, ?, ?, 0, NULL)",
                (
                    cursor,
                    file.target,
                    file.temp,
                    file.size,
                    int(file.created),
                    file.device,
                    file.inode,
                ),
            )

    def export_ready(self, cursor: str, moves_to: int | None) -> None:
        """Keep that the pending export of ``cursor`` is written in full, and its cursor."""
        with self._tx() as conn:
            conn.execute(
                "UPDATE pending_exports SET ready = 1, moves_to = ? WHERE cursor = ?",
                (moves_to, cursor),
            )

    def end_export(self, cursor: str, moves_to: int | None) -> None:
        """Move ``cursor`` to ``moves_to`` (never back) and drop its pending export, at once."""
        with self._tx() as conn:
            if moves_to is not None:
                conn.execute(_MOVE_CURSOR, (cursor, moves_to))
            conn.execute("DELETE FROM pending_exports WHERE cursor = ?", (cursor,))

    def source_stats(self, *, source: str | None = None) -> list[SourceStats]:
        """Per-source counts (of ``source`` alone when given); duplicates are counted in the
        clusters as they are now."""
        where = self._placements()
        # Articles are counted in one pass over the table, grouped by source (``articles``
        # has no index on its source: a count per source would read the table once each).
        rows = self._read(
            "WITH counted AS (SELECT a.source, COUNT(*) AS stored,"
            f" SUM({where.duplicate_of} IS NOT NULL) AS duplicates"
            f" FROM articles a{where.join} WHERE ? IS NULL OR a.source = ? GROUP BY a.source)"
            " SELECT s.name,"
            " (SELECT COUNT(*) FROM urls u WHERE u.source = s.name) AS urls,"
            " COALESCE(n.stored, 0) AS stored, COALESCE(n.duplicates, 0) AS duplicates,"
            # A stored article listed as changed waits as pending too, or for a retry of its
            # fetch: counted apart, as it is no new URL and its stored version stands.
            " (SELECT COUNT(*) FROM urls u WHERE u.source = s.name AND u.state = 'pending'"
            "   AND u.recheck = 0) AS pending,"
            " (SELECT COUNT(*) FROM urls u WHERE u.source = s.name"
            "   AND u.state IN ('pending', 'retry') AND u.recheck = 1) AS rechecks,"
            " (SELECT COUNT(*) FROM urls u WHERE u.source = s.name AND u.state = 'retry'"
            "   AND u.recheck = 0) AS failing,"
            " (SELECT COUNT(*) FROM urls u WHERE u.source = s.name AND u.state = 'gave_up')"
            "   AS gave_up,"
            " (SELECT COUNT(*) FROM urls u WHERE u.source = s.name AND u.state = 'done'"
            "   AND u.last_error IS NOT NULL) AS recheck_gave_up,"
            # A document the source's latest run did not read (one an index no longer
            # lists, say) may have failed long ago: its error is not the source's now. IS,
            # not =: in a store from before run ids were kept, every document has none.
            " (SELECT COALESCE(d.last_error, '') FROM documents d WHERE d.source = s.name"
            "   AND d.last_error IS NOT NULL AND d.run_id IS (SELECT MAX(l.run_id)"
            "   FROM documents l WHERE l.source = s.name)"
            "   ORDER BY d.fetched_at DESC LIMIT 1) AS doc_error,"
            " (SELECT u.last_error FROM urls u WHERE u.source = s.name"
            "   AND u.last_error IS NOT NULL ORDER BY u.id DESC LIMIT 1) AS url_error,"
            " s.read_run"
            " FROM sources s LEFT JOIN counted n ON n.source = s.name"
            " WHERE ? IS NULL OR s.name = ? ORDER BY s.name",
            (source, source, source, source),
        )
        kept = self._source_errors(source)
        return [
            SourceStats(
                name=r["name"],
                urls=r["urls"],
                stored=r["stored"],
                duplicates=r["duplicates"],
                pending=r["pending"],
                rechecks=r["rechecks"],
                recheck_gave_up=r["recheck_gave_up"],
                failing=r["failing"],
                gave_up=r["gave_up"],
                last_error=r["doc_error"] or r["url_error"],
                source_errors=kept.get(r["name"], ()),
                clean_run=_clean_run(kept.get(r["name"], ()), r["read_run"]),
            )
            for r in rows
        ]

    def _source_errors(self, source: str | None) -> dict[str, tuple[SourceError, ...]]:
        """The errors kept outside each source's listings (or ``source``'s), by source, in the
        order met."""
        found: dict[str, list[SourceError]] = {}
        rows = self._read(
            "SELECT source, run_id, at, error FROM source_errors"
            " WHERE ? IS NULL OR source = ? ORDER BY id",
            (source, source),
        )
        for r in rows:
            error = SourceError(run_id=r["run_id"], at=r["at"], error=r["error"])
            found.setdefault(r["source"], []).append(error)
        return {name: tuple(errors) for name, errors in found.items()}

    def knows_host(self, host: HostURLs) -> bool:
        """Whether ``host`` is waiting or any URL of the store is on it."""
        if self._read("SELECT 1 FROM host_holds WHERE host = ?", (host.key,)):
            return True
        with _on_host(self.conn, host):
            found = self._read(
                "SELECT 1 FROM urls WHERE instr(url, ?) AND on_host(url) LIMIT 1", (host.key,)
            )
        return bool(found)

    def source_names(self) -> list[str]:
        """The names of the sources the store knows, in the config or no longer."""
        return [r["name"] for r in self._read("SELECT name FROM sources ORDER BY name")]

    def failures(self, *, source: str | None, limit: int) -> list[UrlFailure]:
        """Up to ``limit`` failed URLs (of ``source``, or all): given up first, then stored
        articles whose latest recheck was given up (state ``recheck_gave_up``: a story taken
        down, say; the stored version stands), then those waiting for a retry, each the
        newest found first. A stored article whose recheck waits for a retry is none: its
        stored version stands (``SourceStats.rechecks``)."""
        rows = self._read(
            "SELECT url, source, CASE state WHEN 'done' THEN 'recheck_gave_up' ELSE state END"
            " AS shown, attempts, next_attempt_at, last_error FROM urls"
            " WHERE ((state IN ('gave_up', 'retry') AND recheck = 0)"
            "   OR (state = 'done' AND last_error IS NOT NULL)) AND (? IS NULL OR source = ?)"
            " ORDER BY CASE state WHEN 'gave_up' THEN 0 WHEN 'done' THEN 1 ELSE 2 END, id DESC"
            " LIMIT ?",
            # SQLite's integers stop at 2**63 - 1 (a larger one raised OverflowError from the
            # driver); no store holds more failed URLs than that, so such a limit lists them all.
            (source, source, min(limit, _MOST_ROWS)),
        )
        return [
            UrlFailure(
                url=r["url"],
                source=r["source"],
                state=r["shown"],
                attempts=r["attempts"],
                next_attempt_at=r["next_attempt_at"] if r["shown"] == "retry" else None,
                error=r["last_error"],
            )
            for r in rows
        ]

    def requeue(
        self,
        *,
        source: str | None,
        kind: str | None,
        waiting: bool,
        host: HostURLs | None = None,
    ) -> int:
        """Make given-up URLs (and, with ``waiting``, those waiting for a retry or for their
        host's time, whose hosts are then no longer held) due now with a fresh count of
        attempts; only those of ``source``, whose latest failure was of ``kind``, and on
        ``host`` (whose wait alone is then lifted) when given. Returns how many."""
        sql = (
            "UPDATE urls SET state = 'pending', attempts = 0, next_attempt_at = 0"
            " WHERE (state = 'gave_up' OR (? AND (state = 'retry'"
            # A pending URL due later is one whose host asked to wait (see defer).
            "   OR (state = 'pending' AND next_attempt_at > 0))))"
            " AND (? IS NULL OR source = ?)"
            # The stored reason starts with its kind: "kind: reason".
            " AND (? IS NULL OR substr(last_error, 1, length(?) + 1) = ? || ':')"
        )
        params: tuple[object, ...] = (waiting, source, source, kind, kind, kind)
        if host is not None:
            sql += " AND instr(url, ?) AND on_host(url)"  # last: for the URLs the others leave
            params += (host.key,)
        with self._tx() as conn, _on_host(conn, host):
            cur = conn.execute(sql, params)
            if waiting and host is not None:
                conn.execute("DELETE FROM host_holds WHERE host = ?", (host.key,))
            elif waiting:
                # The hosts are not known by source: all of them are asked again, each says
                # once more if it still wants to wait.
                conn.execute("DELETE FROM host_holds")
            return cur.rowcount

    def run_duplicates(self, run_id: int) -> int:
        """How many of the articles run ``run_id`` stored duplicate another now (its stories'
        first versions: an update is no article the run added)."""
        where = self._placements()
        # One run at a time holds the store, so a run's articles follow those of every earlier
        # run: they are found from the end of the table, without an index on run_id.
        rows = self._read(
            f"SELECT COUNT(*) AS n FROM articles a{where.join} WHERE a.id > COALESCE("
            "(SELECT b.id FROM articles b WHERE b.run_id < ? ORDER BY b.id DESC LIMIT 1), 0)"
            f" AND a.run_id = ? AND a.version = 1 AND {where.duplicate_of} IS NOT NULL",
            (run_id, run_id),
        )
        return int(rows[0]["n"])

    def last_run(self) -> RunRecord | None:
        """The most recent run."""
        rows = self._read(
            "SELECT id, started_at, finished_at, status, stats FROM runs ORDER BY id DESC LIMIT 1"
        )
        if not rows:
            return None
        r = rows[0]
        stats = _run_stats(r["stats"])
        if stats is None:
            # Unfinished (going on, or killed), or counters that cannot be read (a damaged
            # row): the articles the run stored are in the store all the same, each batch as it
            # committed.
            # A new version replaces its story's row: it is an update, not an article added.
            # The run's rows are the table's last (see run_duplicates).
            (counts,) = self._read(
                "SELECT COALESCE(SUM(version = 1), 0) AS stored,"
                " COALESCE(SUM(version > 1), 0) AS updated FROM articles WHERE id > COALESCE("
                "(SELECT b.id FROM articles b WHERE b.run_id < ?1 ORDER BY b.id DESC LIMIT 1), 0)"
                " AND run_id = ?1",
                (r["id"],),
            )
            stats = RunStats(stored=int(counts["stored"]), updated=int(counts["updated"]))
        return RunRecord(
            id=r["id"],
            started_at=r["started_at"],
            finished_at=r["finished_at"],
            status=r["status"],
            stats=stats,
        )

    def close(self) -> None:
        """Release the store."""
        self.conn.close()


@contextmanager
def _on_host(conn: sqlite3.Connection, host: HostURLs | None) -> Iterator[None]:
    """SQL's ``on_host(url)``, whether ``url`` is on ``host``, while inside (none for None)."""
    if host is None:
        yield
        return
    conn.create_function("on_host", 1, host.covers, deterministic=True)
    try:
        yield
    finally:
        conn.create_function("on_host", 1, None)


def _due(now: float, scope: DueScope) -> tuple[str, tuple[object, ...]]:
    """The WHERE clause (and its parameters) of the URLs of ``scope`` due at ``now``."""
    where = "state IN ('pending', 'retry') AND (next_attempt_at <= ? OR next_attempt_at > ?)"
    if scope.rechecks is not None:
        where += " AND recheck = 1" if scope.rechecks else " AND recheck = 0"
    latest = now + scope.longest_wait if scope.longest_wait is not None else float("inf")
    if scope.sources is None:
        return where, (now, latest)
    # URLs of sources the run does not crawl stay as they are: a source removed from the
    # config, or another config's on a shared store.
    return (
        where + " AND source IN (SELECT value FROM json_each(?))",
        (now, latest, json.dumps(sorted(scope.sources))),
    )


def _clean_run(errors: tuple[SourceError, ...], read_run: int | None) -> int | None:
    """The run that read a source after its kept ``errors`` were met, without meeting one."""
    if not errors or read_run is None or read_run <= errors[-1].run_id:
        return None
    return read_run


def _fetch_row(fetch: FetchRecord, run_id: int, now: float) -> tuple[object, ...]:
    return (
        run_id,
        fetch.url,
        fetch.status,
        fetch.validators.etag,
        fetch.validators.last_modified,
        fetch.error_kind,
        fetch.error,
        now,
    )


def _stats_dict(stats: RunStats) -> dict[str, int]:
    return {name: getattr(stats, name) for name in RunStats.__dataclass_fields__}


def _stored(row: sqlite3.Row, story: Story | None) -> StoredArticle:
    try:
        raw = row["record"]
        data = json.loads(raw)
        if not isinstance(data, dict):
            raise RecordError("the record is not a JSON object")
        if has_surrogate_escapes(raw):
            # An earlier writer's escape of half an emoji: decoded, a lone surrogate that no
            # output's UTF-8 takes, and every export would stop at this article.
            data = without_surrogates_in(data)
        article = Article.from_dict(data)
        _check_columns(row)
    # RecursionError: json reads nested arrays by recursion, with no limit of its own.
    except (ValueError, RecursionError, RecordError) as exc:  # not JSON, or not UTF-8
        raise UnreadableArticle(
            f"stored article {row['id']} ({shorten(row['url'])}) is unreadable: {exc}",
            article_id=row["id"],
            url=row["url"],
        ) from exc
    rep_key = row["rep_key"]
    cluster = (
        row["cluster"]
        if rep_key is None
        else cluster_id(rep_key, url=row["rep_url"], shared=bool(row["shared"]))
    )
    return StoredArticle(
        id=row["id"],
        source=row["source"],
        stored_at=row["stored_at"],
        cluster=cluster,
        story=cluster if story is None else story.id,
        first_stored=row["first_stored"],
        story_since=None if story is None else story.others_since(row["url_id"]),
        duplicate_of=row["now_duplicate_of"],
        article=article,
        canonical=row["canonical"],
        key=row["dedup_key"],
        version=row["version"],
    )


#: The instants a datetime can show: ``stored_at`` outside them is damage, not a time.
_EARLIEST_AT = datetime(1, 1, 2, tzinfo=UTC).timestamp()
_LATEST_AT = datetime(9999, 12, 30, tzinfo=UTC).timestamp()


def _check_columns(row: sqlite3.Row) -> None:
    """Refuse a row whose own columns a damaged file (or a hand edit) left unreadable: an
    export writes ``stored_at`` as a date and compares ``version`` and ``first_stored``, and
    a text or an out-of-range number there ended every export at this article.

    Raises:
        RecordError: the column that is damaged.
    """
    stored_at = row["stored_at"]
    if not isinstance(stored_at, int | float) or not _EARLIEST_AT <= stored_at <= _LATEST_AT:
        raise RecordError(f"its stored_at is damaged ({shorten(repr(stored_at))})")
    version, first = row["version"], row["first_stored"]
    if not isinstance(version, int) or version < 1:
        raise RecordError(f"its version is damaged ({shorten(repr(version))})")
    if first is not None and not isinstance(first, int):
        raise RecordError(f"its first stored id is damaged ({shorten(repr(first))})")


_RUN_COUNTERS = frozenset(f.name for f in fields(RunStats))


def _run_stats(text: str | bytes | None) -> RunStats | None:
    """A finished run's counters as stored, or None when there are none to read (the run is
    unfinished, or the row is damaged). Counters this version does not know (a newer
    scraper's, which adds them without a schema change) are left out, not a failure."""
    if not text:
        return None
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested past json's reach
        return None
    if not isinstance(data, dict):
        return None
    known = {
        k: v
        for k, v in data.items()
        if k in _RUN_COUNTERS and isinstance(v, int) and not isinstance(v, bool)
    }
    return RunStats(**known)


def _shown_before(log: ReadLog, earlier: str | None, latest: int) -> bool:
    """Whether ``log``'s reading showed one of the earlier versions ``earlier`` (their ids, a
    JSON array, oldest first) of the article whose latest version has id ``latest``."""
    if earlier is None:
        return False
    chain = [*json.loads(earlier), latest]
    return any(log.showed(chain[k], chain[k + 1]) for k in range(len(chain) - 1))


def _timestamp(value: object) -> float | None:
    """An ISO 8601 date from a stored record as seconds since the epoch (None: none, or not
    one this version reads)."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value).timestamp()
    except ValueError:
        return None
