"""Versioned migrations of the SQLite store: applied once, in order, safe across processes."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from scraper.errors import StoreError
from scraper.store.crawl_store import SQLiteCrawlStore
from scraper.store.sqlite import migrate, open_sqlite

STEPS = (
    "CREATE TABLE a (x INTEGER);",
    "ALTER TABLE a ADD COLUMN y TEXT; CREATE INDEX a_y ON a (y);",
)


def test_steps_apply_once_and_in_order(tmp_path: Path) -> None:
    conn = open_sqlite(tmp_path / "s.sqlite")
    assert migrate(conn, "t", STEPS[:1]) == 1
    assert migrate(conn, "t", STEPS) == 2
    assert migrate(conn, "t", STEPS) == 2
    conn.execute("INSERT INTO a (x, y) VALUES (1, 'z')")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_failing_step_leaves_the_last_good_version(tmp_path: Path) -> None:
    conn = open_sqlite(tmp_path / "s.sqlite")
    with pytest.raises(StoreError):
        migrate(conn, "t", (*STEPS, "CREATE TABLE a (oops INTEGER);"))
    row = conn.execute("SELECT version FROM schema_migrations WHERE component='t'").fetchone()
    assert row[0] == 2


def test_a_newer_store_is_refused(tmp_path: Path) -> None:
    conn = open_sqlite(tmp_path / "s.sqlite")
    migrate(conn, "t", STEPS)
    with pytest.raises(StoreError, match="newer"):
        migrate(conn, "t", STEPS[:1])


def test_two_connections_migrating_a_new_store_at_once(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    errors: list[BaseException] = []

    def run() -> None:
        try:
            migrate(open_sqlite(path), "t", STEPS)
        except BaseException as exc:  # collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    check = sqlite3.connect(path)
    assert check.execute("SELECT version FROM schema_migrations").fetchone()[0] == 2


def test_unopenable_path_is_a_store_error(tmp_path: Path) -> None:
    (tmp_path / "dir.sqlite").mkdir()
    with pytest.raises(StoreError):
        open_sqlite(tmp_path / "dir.sqlite")


@pytest.mark.parametrize("create", [True, False], ids=["create", "existing"])
def test_a_path_holding_a_nul_is_a_store_error(tmp_path: Path, create: bool) -> None:
    # pathlib (resolving the path) and sqlite3 refuse it with a bare ValueError.
    with pytest.raises(StoreError, match="cannot hold a NUL"):
        open_sqlite(tmp_path / "news\x00.db", create=create)
    with pytest.raises(StoreError, match="cannot hold a NUL"):
        SQLiteCrawlStore(f"{tmp_path}/a\x00b.db", create=create)
    assert list(tmp_path.iterdir()) == []  # nothing made for it


def test_opening_waits_for_a_lock_held_while_the_store_is_still_new(tmp_path: Path) -> None:
    # Turning a new file to WAL needs an exclusive lock, and SQLite refuses it at once, without
    # its busy handler, while another connection holds a lock: opening must wait instead.
    # The holder is another scraper process creating the store (a file with other tables is
    # not a scraper store, and is refused).
    path = tmp_path / "s.sqlite"
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("CREATE TABLE schema_migrations (component TEXT PRIMARY KEY, version INT)")
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO schema_migrations VALUES ('held', 1)")
    release = threading.Timer(0.3, lambda: holder.execute("COMMIT"))
    release.start()
    try:
        conn = open_sqlite(path)
    finally:
        release.join()
        holder.close()
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("SELECT version FROM schema_migrations").fetchall() == [(1,)]
    conn.close()


def _temp_files_open() -> int:
    """How many of this process's open files are SQLite temporary files (deleted on open)."""
    fds = Path("/proc/self/fd")
    names = []
    for fd in fds.iterdir():
        try:
            names.append(fd.readlink().name)
        except OSError:
            continue  # closed meanwhile (the listing's own descriptor)
    return sum(name.startswith("etilqs_") for name in names)


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs Linux's /proc")
def test_a_statement_changing_many_pages_opens_no_temporary_file(tmp_path: Path) -> None:
    conn = open_sqlite(tmp_path / "s.sqlite")
    conn.execute("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT NOT NULL)")
    conn.executemany("INSERT INTO t (k, v) VALUES (?, ?)", [(k, "x" * 500) for k in range(4000)])
    seen: list[int] = []

    def peek(value: str) -> str:
        seen.append(_temp_files_open())
        return value

    conn.create_function("peek", 1, peek)
    # In a transaction, a statement that may fail halfway (NOT NULL) keeps a journal of the
    # pages it changed: here some 500 pages, far past the point where SQLite spills it to a file.
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT INTO t (k, v) VALUES (-1, 'first')")
    conn.execute("UPDATE t SET v = peek(v || 'y') WHERE k >= 0")
    conn.execute("COMMIT")
    assert len(seen) == 4000
    assert max(seen) == 0


def test_the_log_holds_a_few_thousand_pages_between_checkpoints(tmp_path: Path) -> None:
    conn = open_sqlite(tmp_path / "s.sqlite")
    conn.execute("CREATE TABLE t (v BLOB NOT NULL)")
    page = conn.execute("PRAGMA page_size").fetchone()[0]
    for _ in range(15):  # some 1,500 pages in transactions of 100
        with conn:
            conn.execute("BEGIN")
            conn.executemany("INSERT INTO t (v) VALUES (?)", [(bytes(page - 100),)] * 100)
    # SQLite's default checkpoints every 1,000 pages and then reuses the log from its start.
    assert (tmp_path / "s.sqlite-wal").stat().st_size > 1400 * page
    other = open_sqlite(tmp_path / "s.sqlite")
    assert other.execute("SELECT count(*) FROM t").fetchone()[0] == 1500


def test_a_step_given_as_a_function_runs_in_its_transaction(tmp_path: Path) -> None:
    conn = open_sqlite(tmp_path / "s.sqlite")
    migrate(conn, "t", STEPS)
    conn.execute("INSERT INTO a (x, y) VALUES (1, 'z')")

    def doubled(c: sqlite3.Connection) -> None:
        c.execute("UPDATE a SET x = x * 2")

    def broken(c: sqlite3.Connection) -> None:
        c.execute("UPDATE a SET x = x * 10")
        c.execute("SELECT no_such_column FROM a")

    assert migrate(conn, "t", (*STEPS, doubled)) == 3
    with pytest.raises(StoreError):
        migrate(conn, "t", (*STEPS, doubled, broken))
    assert migrate(conn, "t", (*STEPS, doubled)) == 3  # applied once
    assert conn.execute("SELECT x FROM a").fetchall() == [(2,)]  # the broken step undone


_FILE_SIZE_CAPPED = """
import resource, signal, sys
from scraper.errors import StoreError
from scraper.store.crawl_store import SQLiteCrawlStore
from scraper.store.protocol import ListingRecord, NewURL

store = SQLiteCrawlStore(sys.argv[1])
# Past this size the kernel refuses writes (EFBIG, with SIGXFSZ ignored): a full disk, as
# SQLite meets one, without filling one.
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
limit = int(sys.argv[2])
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
long = "x" * 200
urls = [NewURL(url=f"https://n.test/{long}/{i}", raw=f"https://n.test/{i}") for i in range(20000)]
try:
    store.record_listing("src", ListingRecord(fetch=None, entries=urls), 1)
except StoreError as exc:
    print(exc)
"""


def test_a_write_the_file_system_refuses_says_what_may_be_the_cause(tmp_path: Path) -> None:
    db = tmp_path / "crawl.db"
    store = SQLiteCrawlStore(db)
    try:
        store.ensure_source("src", "feed")
    finally:
        store.close()
    limit = max(p.stat().st_size for p in tmp_path.iterdir()) + 200_000

    shown = subprocess.run(
        [sys.executable, "-c", _FILE_SIZE_CAPPED, str(db), str(limit)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout

    assert shown.startswith(f"store write failed ({db}): disk I/O error"), shown
    assert "a full disk" in shown
