"""Versioned migrations of the SQLite store: applied once, in order, safe across processes."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from scraper.errors import StoreError
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


def test_opening_waits_for_a_lock_held_while_the_store_is_still_new(tmp_path: Path) -> None:
    # Turning a new file to WAL needs an exclusive lock, and SQLite refuses it at once, without
    # its busy handler, while another connection holds a lock: opening must wait instead.
    path = tmp_path / "s.sqlite"
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("CREATE TABLE held (x INTEGER)")
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO held VALUES (1)")
    release = threading.Timer(0.3, lambda: holder.execute("COMMIT"))
    release.start()
    try:
        conn = open_sqlite(path)
    finally:
        release.join()
        holder.close()
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("SELECT x FROM held").fetchall() == [(1,)]
    conn.close()
