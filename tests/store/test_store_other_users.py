"""A store read by a user who may not write it (a monitoring account in a shared folder)
leaves nothing beside it that would lock its owner's crawls out, and damaged rows in a store
cost the row, not the command."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from small_stores import store_with_a_url
from write_access import deny_writes

from scraper.crawl.lock import RunLock
from scraper.errors import StoreError, StoreLocked
from scraper.store.crawl_store import SQLiteCrawlStore
from scraper.store.protocol import ListingRecord, NewURL

_OWNER, _READER = 1000, 65534
_CAN_SWITCH = sys.platform == "linux" and os.geteuid() == 0 and shutil.which("setpriv")


def _as(uid: int, code: str, folder: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    return subprocess.run(
        [
            "setpriv",
            f"--reuid={uid}",
            f"--regid={uid}",
            "--clear-groups",
            sys.executable,
            "-c",
            code,
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=folder,
        timeout=60,
    )


def _require_other_users(folder: Path) -> None:
    for uid in (_OWNER, _READER):
        tried = _as(uid, "import scraper.store.crawl_store", folder)
        if tried.returncode:
            # The interpreter or the checkout in a folder private to root (/root/...).
            pytest.skip(f"uid {uid} cannot run scraper here: {tried.stderr.strip()[-200:]}")


def _owners_store(folder: Path) -> None:
    """``news.db`` in ``folder``, holding a URL, owned by the owner (after checking that both
    users can run scraper at all)."""
    _require_other_users(folder)
    store = folder / "news.db"
    store_with_a_url(store)
    os.chown(store, _OWNER, _OWNER)


@pytest.fixture
def shared() -> Iterator[Path]:
    # Not under pytest's tmp_path: its folders are private to root, and the other users must
    # reach this one (a shared, sticky folder such as /tmp).
    folder = Path(tempfile.mkdtemp(prefix="scraper-shared-"))
    folder.chmod(0o1777)
    try:
        yield folder
    finally:
        shutil.rmtree(folder)


_READ = """
from scraper.store.crawl_store import SQLiteCrawlStore
store = SQLiteCrawlStore("news.db", create=False)
print([s.urls for s in store.source_stats()])
store.close()
"""

_TAKE_LOCK = """
from pathlib import Path
from scraper.crawl.lock import RunLock
from scraper.errors import StoreError, StoreLocked
with RunLock(Path("news.db")):
    print("locked")
"""

_WRITE = """
from scraper.store.crawl_store import SQLiteCrawlStore
store = SQLiteCrawlStore("news.db")
store.ensure_source("t", "feed")
print("written")
store.close()
"""


@pytest.mark.skipif(not _CAN_SWITCH, reason="acting as two other users needs root and setpriv")
def test_a_read_by_another_user_leaves_the_owner_able_to_crawl(shared: Path) -> None:
    _owners_store(shared)
    read = _as(_READER, _READ, shared)
    assert read.returncode == 0, read.stderr
    assert read.stdout.strip() == "[1]"
    # Read as immutable: no -wal or -shm of the reader's beside it.
    assert sorted(p.name for p in shared.iterdir()) == ["news.db"]
    # The reader's run lock (an export that would have moved its cursor) stays behind.
    locked = _as(_READER, _TAKE_LOCK, shared)
    assert locked.returncode == 0, locked.stderr
    assert (shared / "news.db.lock").stat().st_uid == _READER
    for code, said in ((_TAKE_LOCK, "locked"), (_WRITE, "written")):
        done = _as(_OWNER, code, shared)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == said


@pytest.mark.skipif(not _CAN_SWITCH, reason="acting as another user needs root and setpriv")
def test_a_store_this_user_cannot_write_is_refused_for_a_crawl_and_says_why(shared: Path) -> None:
    _owners_store(shared)
    done = _as(_READER, _WRITE, shared)
    assert done.returncode != 0
    assert f"cannot write store news.db: this user (uid {_READER}) may read it but not" in (
        done.stderr
    )
    assert sorted(p.name for p in shared.iterdir()) == ["news.db"]


def test_side_files_another_user_left_are_named_not_taken_for_a_failed_migration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "news.db"
    store_with_a_url(store)
    shm = tmp_path / "news.db-shm"
    shm.write_bytes(b"")
    deny_writes(monkeypatch, shm)  # as it answers its owner's crawl
    with pytest.raises(StoreError, match=r"its side file news\.db-shm is not writable by this"):
        SQLiteCrawlStore(store)


def test_a_lock_file_made_by_another_user_still_locks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "news.db"
    (tmp_path / "news.db.lock").write_text("1")
    real_open = os.open

    def open_(path: object, flags: int, mode: int = 0o777) -> int:
        # Root may open any file for writing: this one answers as another user's does.
        if str(path).endswith(".lock") and flags & os.O_RDWR:
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, mode)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", open_)
    with RunLock(store), pytest.raises(StoreLocked, match="another crawl"), RunLock(store):
        pass


def test_a_damaged_run_row_shows_the_run_not_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "news.db"
    store_with_a_url(path)
    store = SQLiteCrawlStore(path)
    try:
        run = store.begin_run()
        nested = "[" * 100_000 + "]" * 100_000  # past what json reads (RecursionError)
        for stats in ("{broken", '{"stored": 3, "newcounter": 1}', "[1, 2]", nested):
            store.conn.execute(
                "UPDATE runs SET stats = ?, status = 'ok' WHERE id = ?", (stats, run)
            )
            last = store.last_run()
            assert last is not None and last.id == run
            assert last.stats.stored == (3 if "stored" in stats else 0)
    finally:
        store.close()


def test_a_store_held_by_another_program_says_so_not_a_failed_migration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "news.db"
    store_with_a_url(path)
    monkeypatch.setattr("scraper.store.sqlite._BUSY_TIMEOUT_MS", 200)
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        with pytest.raises(StoreError) as raised:
            SQLiteCrawlStore(path)
    finally:
        holder.close()
    message = str(raised.value)
    assert "migrating" not in message
    assert "database is locked: another process kept the store in a transaction for more" in (
        message
    )
    assert "than 0.2 s" in message


def test_another_users_store_read_through_a_link_reads_its_write_ahead_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # SQLite keeps the log beside the file a link names: looked for beside the link, it was
    # missed, and the store read as immutable without the articles still in its log.
    (tmp_path / "real").mkdir()
    store = tmp_path / "real" / "news.db"
    store_with_a_url(store)
    writer = SQLiteCrawlStore(store)  # a crawl going on: its latest commit is in the log
    try:
        writer.record_listing(
            "s",
            ListingRecord(
                fetch=None, entries=[NewURL(url="https://n.test/b", raw="https://n.test/b")]
            ),
            1,
        )
        assert (tmp_path / "real" / "news.db-wal").stat().st_size > 0
        link = tmp_path / "link.db"
        link.symlink_to(store)
        deny_writes(monkeypatch, store)  # another user's
        reader = SQLiteCrawlStore(link, create=False)
        try:
            assert [s.urls for s in reader.source_stats()] == [2]
        finally:
            reader.close()
    finally:
        writer.close()
