"""Opening the embedded SQLite store and applying versioned migrations.

One SQLite file holds everything a crawl keeps. Each component of scraper (crawl state, the
dedup index, ...) owns a numbered list of migrations; ``migrate`` records, per component, the
highest version applied in ``schema_migrations`` and runs only the newer steps, each in its own
transaction, so an old store is brought forward and a new one built from scratch the same way.
A step is a SQL script, or a function of the connection for a change that needs Python (a
rewrite of stored values by the rules the code applies today).
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from scraper.errors import StoreError

__all__ = [
    "Step",
    "has_component",
    "migrate",
    "open_sqlite",
    "refuse_foreign_file",
    "refuse_unwritable",
    "require_version",
    "sqlite_reason",
    "write_transaction",
]

#: One migration step: a SQL script, or a function that runs its statements on the connection
#: (inside the step's transaction; it must not commit).
Step = str | Callable[[sqlite3.Connection], None]

_BUSY_TIMEOUT_MS = 30_000
#: Pages of write-ahead log after which a commit copies the log into the database (SQLite's
#: default is 1,000). Each checkpoint writes every page changed since the last one and syncs
#: both files; a page changed by several batches in between (the dedup index's band and line
#: pages, the tables' last pages, index pages) is copied once. A crawl's checkpoints wrote a
#: third fewer pages and synced a quarter as often with this, for a 16 MB log file.
_CHECKPOINT_PAGES = 4000
_WAL_RETRY_PAUSE_S = 0.005


def open_sqlite(path: Path | str, *, create: bool = True) -> sqlite3.Connection:
    """Open a scraper store in WAL mode with foreign keys on; ``create``: make it if needed.

    A scraper store is a file that is new or empty, or a SQLite database with no tables or
    with our ``schema_migrations``: any other (another tool's database) is refused before
    anything in it changes. Without ``create`` nothing is created or switched to WAL (the
    read-type commands), and a missing file is an error. ``":memory:"`` gives a private
    in-memory store, for tests.

    Raises:
        StoreError: the file cannot be opened, does not exist (without ``create``), is not a
            SQLite database, or is not a scraper store.
    """
    target = str(path)
    if "\x00" in target:
        # No file has such a name; pathlib and sqlite3 refuse it with a bare ValueError.
        raise StoreError(f"cannot open store {target!r}: a path cannot hold a NUL character")
    memory = target == ":memory:"
    if not memory:
        refuse_unwritable(target, create=create)
    try:
        if create and not memory:
            Path(target).parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(
            target if create or memory else _existing_uri(target),
            isolation_level=None,
            check_same_thread=False,
            uri=not (create or memory),
        )
        conn.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
        _refuse_foreign(conn, target)
        if create and not memory:
            _enter_wal(conn)
        conn.execute("PRAGMA synchronous = NORMAL")
        # A statement changing many rows in a transaction (the dedup index's multi-row
        # upserts) keeps a journal of the pages it changes, and SQLite spills it to a new
        # temporary file past 64 KiB: a file created, written page by page and deleted, a few
        # times a batch. Kept in memory it costs no system call. Nothing here builds temporary
        # tables or sorts larger than a batch, which this also keeps in memory.
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute(f"PRAGMA wal_autocheckpoint = {_CHECKPOINT_PAGES}")
        conn.execute("PRAGMA foreign_keys = ON")
        if create:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " component TEXT PRIMARY KEY, version INTEGER NOT NULL)"
            )
    except (sqlite3.Error, OSError) as exc:
        if not memory and Path(target).is_dir():
            raise StoreError(f"cannot open store {target}: it is a folder, not a file") from exc
        if not create and not memory and not Path(target).exists():
            raise StoreError(
                f"no store at {target} (a crawl creates it; is the path right?)"
            ) from exc
        if not create and not memory and not _writable_folder(target):
            raise StoreError(
                f"cannot open store {target}: its folder is read-only, and SQLite reads a store"
                f" with a write-ahead log ({Path(target).name}-wal) only by writing beside it;"
                f" copy the store and its -wal file to a writable folder ({exc})"
            ) from exc
        raise StoreError(f"cannot open store {target}: {exc}") from exc
    return conn


#: The first bytes of every SQLite database file.
_MAGIC = b"SQLite format 3\x00"


def refuse_foreign_file(path: Path | str) -> None:
    """Refuse a file that is plainly not a scraper store, by reading it only: nothing in it
    changes and nothing is created beside it (no ``-shm``, no lock).

    For a command that makes files of its own for a store before opening it (a crawl's run
    lock), so that it leaves nothing beside another tool's file. Only a plain answer counts:
    a file that cannot be read here (missing, being written) is left to :func:`open_sqlite`,
    which refuses a foreign one all the same.

    Raises:
        StoreError: the file is a folder, is not a SQLite database, or is one with tables and
            none of ours.
    """
    target = Path(path)
    # Else SQLite's own refusal ("unable to open database file") came only after the lock
    # file was made beside the folder.
    if target.is_dir():
        raise StoreError(f"cannot open store {target}: it is a folder, not a file")
    try:
        with target.open("rb") as file:
            head = file.read(len(_MAGIC))
    except OSError:
        return
    if not head:
        return  # new or empty: a store to be
    if head != _MAGIC:
        raise StoreError(f"cannot open store {target}: file is not a database")
    # Immutable: SQLite takes no lock and makes no side file. A page read while a crawl
    # writes the file may be torn; that is an error here, and opening the store decides.
    uri = f"file:{quote(str(target.absolute()))}?mode=ro&immutable=1"
    try:
        conn = sqlite3.connect(uri, uri=True)
        try:
            _refuse_foreign(conn, str(target))
        finally:
            conn.close()
    except sqlite3.Error:
        return


def _existing_uri(given: str) -> str:
    # mode=rw: SQLite opens the file for reading and writing but never creates it, so a
    # mistyped path is an error rather than a new empty store.
    # The file itself: SQLite keeps a symbolic link's -wal and -shm beside the file it names.
    target = str(Path(given).resolve())
    uri = f"file:{quote(target)}?mode=rw"
    if _writable_folder(target) and os.access(target, os.W_OK):
        return uri
    # A read-only folder (a backup, a monitoring host's read-only mount), or a store another
    # user owns: a WAL store is opened by creating its -shm (and -wal) file beside it, which
    # cannot be done in the folder, and in a shared one leaves files the owner cannot write
    # (copies of the store's mode, ours), so that every later crawl of theirs failed. Without
    # a write-ahead log the file alone is the whole store, and SQLite reads it as immutable
    # (no locks, no side files); with one, SQLite reads it only if both side files already
    # exist (it creates none then), and read as immutable the log's articles would be missed.
    wal = Path(target + "-wal")
    if not (wal.exists() and wal.stat().st_size > 0):
        return uri.replace("mode=rw", "mode=ro&immutable=1")
    if _writable_folder(target) and not Path(target + "-shm").exists():
        raise StoreError(
            f"cannot read store {target} as this user (uid {os.getuid()}): it has a"
            f" write-ahead log ({wal.name}) without its index file, which reading would create"
            " beside it, owned by this user, where the store's owner could not write it; read"
            " it as its owner, or after its next crawl"
        )
    return uri.replace("mode=rw", "mode=ro")


def refuse_unwritable(target: str, *, create: bool) -> None:
    """Refuse, before SQLite opens it, a store this user may read but not write: SQLite opens
    it read-only without a word and fails at the first write ("attempt to write a readonly
    database", reported as a failed migration), and side files a user without write access
    made beside it (left by earlier versions' reads) fail every writer the same way.

    Raises:
        StoreError: the store (with ``create``: the writing commands) or one of its side
            files cannot be written by this user.
    """
    path = Path(target).resolve()  # its side files are beside the file a link names
    if create and path.is_file() and not os.access(path, os.W_OK):
        raise StoreError(
            f"cannot write store {target}: this user (uid {os.getuid()}) may read it but not"
            " write it; run the crawl as the store's owner"
        )
    if not os.access(path, os.W_OK):
        return  # a reader of another's store: opened without side files (_existing_uri)
    for side in (Path(f"{path}-wal"), Path(f"{path}-shm")):
        if side.exists() and not os.access(side, os.W_OK):
            raise StoreError(
                f"cannot open store {target}: its side file {side.name} is not writable by"
                f" this user (uid {os.getuid()}); another user's read of the store left it"
                " (earlier scraper versions did): delete it while no crawl runs"
            )


def _writable_folder(target: str) -> bool:
    return os.access(Path(target).absolute().parent, os.W_OK)


def _refuse_foreign(conn: sqlite3.Connection, target: str) -> None:
    """Refuse a SQLite database with tables but none of ours, before anything changes it."""
    tables = [
        str(row[0])
        for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' LIMIT 50")
    ]
    if tables and "schema_migrations" not in tables:
        conn.close()
        raise StoreError(
            f"{target} is not a scraper store (a SQLite database with other tables:"
            f" {', '.join(tables[:5])}); it was left as it is"
        )


def require_version(conn: sqlite3.Connection, component: str, version: int) -> None:
    """Check, without migrating, that ``component`` is at ``version`` (its number of steps).

    For the commands that only read a store (or change a little of it): upgrading a store
    is a crawl's job, and one that an older scraper still crawls must stay readable to it.

    Raises:
        StoreError: the component is older, newer, or absent.
    """
    try:
        # An empty file (a store to be: no crawl has run on it) has no table at all; without
        # this its message was SQLite's "no such table: schema_migrations".
        fresh = not conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
        ).fetchone()
        current = 0 if fresh else _version(conn, component)
    except sqlite3.Error as exc:
        raise StoreError(f"cannot read the store's schema version: {exc}") from exc
    if current == version:
        return
    if current == 0:
        raise StoreError(f"the store holds no {component} data (has a crawl used it?)")
    if current > version:
        raise StoreError(
            f"store schema for {component} is version {current}, newer than this scraper"
            f" knows ({version}): upgrade scraper"
        )
    raise StoreError(
        f"store schema for {component} is version {current}, older than this scraper's"
        f" ({version}): the next `scraper crawl` upgrades it (this command changes no schema)"
    )


def _enter_wal(conn: sqlite3.Connection) -> None:
    # Switching a new file to WAL takes an exclusive lock, and SQLite answers SQLITE_BUSY at
    # once, without calling the busy handler, when another connection holds any lock on it
    # (as when several processes open a new store together). So wait here, within the same
    # limit the busy timeout gives every other statement.
    deadline = time.monotonic() + _BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode != sqlite3.SQLITE_BUSY or time.monotonic() >= deadline:
                raise
        time.sleep(_WAL_RETRY_PAUSE_S)


@contextmanager
def write_transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """A write transaction on ``conn``, or a savepoint in the one already open there.

    Nested, the writes become part of the enclosing transaction: they are undone if the body
    raises, and otherwise kept or lost with everything else it holds. So a caller can make
    several components' writes one atomic unit (the crawl's index writes and articles) while
    each component still opens its own transaction when used alone.

    Raises:
        sqlite3.Error: the transaction could not be opened or committed (callers translate).
    """
    nested = conn.in_transaction
    conn.execute("SAVEPOINT nested" if nested else "BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        # SQLite may have rolled back the whole transaction itself already (a full disk, an
        # I/O error): there is nothing left to undo, and trying would hide the cause.
        if conn.in_transaction:
            conn.execute("ROLLBACK TO nested" if nested else "ROLLBACK")
            if nested:
                conn.execute("RELEASE nested")
        raise
    conn.execute("RELEASE nested" if nested else "COMMIT")


def sqlite_reason(exc: sqlite3.Error) -> str:
    """SQLite's message, with what it means for a store when SQLite's own words leave that out:
    "database is locked" after the busy timeout says nothing of who holds it."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) or "database is locked" in str(exc):
        return (
            f"{exc}: another process kept the store in a transaction for more than"
            f" {_BUSY_TIMEOUT_MS / 1000:g} s (a crawl holds the run lock instead: a program"
            " reading or copying the file?)"
        )
    if code is not None and code & 0xFF == sqlite3.SQLITE_IOERR:
        # SQLite names no cause; these are the ones a store meets.
        return (
            f"{exc}: the file system refused a read or write of the store or its -wal/-shm"
            " files (a full disk, a file system remounted read-only, a network file system)"
        )
    return str(exc)


def migrate(conn: sqlite3.Connection, component: str, steps: Sequence[Step]) -> int:
    """Apply the steps of ``component`` newer than the recorded version; return the version.

    ``steps[i]`` takes the component from version ``i`` to ``i + 1``: a SQL script, or a
    function run on ``conn`` in the step's transaction.
    Steps are append-only: never edit one that has shipped, add a new one.

    Raises:
        StoreError: a step failed (the store is left at the last good version), or the store
            was written by a newer scraper than this one.
    """
    try:
        while True:
            # The version is read inside the write transaction, so two processes opening a
            # new store at once cannot both run the same step.
            conn.execute("BEGIN IMMEDIATE")
            try:
                current = _version(conn, component)
                if current > len(steps):
                    raise StoreError(
                        f"store schema for {component} is version {current}, newer than this "
                        f"scraper knows ({len(steps)}): upgrade scraper"
                    )
                if current == len(steps):
                    conn.execute("COMMIT")
                    break
                _apply(conn, steps[current])
                conn.execute(
                    "INSERT INTO schema_migrations (component, version) VALUES (?, ?)"
                    " ON CONFLICT (component) DO UPDATE SET version = excluded.version",
                    (component, current + 1),
                )
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
    except sqlite3.Error as exc:
        raise StoreError(
            f"preparing the store's {component} tables failed: {sqlite_reason(exc)}"
        ) from exc
    return len(steps)


def _apply(conn: sqlite3.Connection, step: Step) -> None:
    if callable(step):
        step(conn)
        return
    for statement in _statements(step):
        conn.execute(statement)


def has_component(conn: sqlite3.Connection, component: str) -> bool:
    """Whether the store holds ``component``'s tables (its schema was ever migrated here)."""
    try:
        return _version(conn, component) > 0
    except sqlite3.Error as exc:  # no schema_migrations at all: a new or empty file
        if "no such table" in str(exc):
            return False
        raise StoreError(f"cannot read the store's schema versions: {exc}") from exc


def _version(conn: sqlite3.Connection, component: str) -> int:
    row = conn.execute(
        "SELECT version FROM schema_migrations WHERE component = ?", (component,)
    ).fetchone()
    return int(row[0]) if row else 0


def _statements(script: str) -> list[str]:
    # executescript() would commit our transaction, so split on statement boundaries instead:
    # at each ";" that ends a complete statement (not one inside a string or a trigger body).
    out: list[str] = []
    buffer = ""
    for piece in script.split(";"):
        buffer += piece + ";"
        if sqlite3.complete_statement(buffer):
            if buffer.strip(" \t\n;"):
                out.append(buffer.strip())
            buffer = ""
    if buffer.strip(" \t\n;"):
        out.append(buffer.strip().rstrip(";"))
    return out
