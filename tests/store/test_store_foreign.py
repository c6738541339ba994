"""Only a crawl creates a store; no command changes a SQLite file that is not a scraper store."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scraper.cli.app import app
from scraper.errors import StoreError
from scraper.store.crawl_store import STEPS, SQLiteCrawlStore
from scraper.store.sqlite import open_sqlite, refuse_foreign_file

runner = CliRunner()


def _other_tools_database(path: Path) -> bytes:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    conn.execute("INSERT INTO notes (body) VALUES ('precious')")
    conn.commit()
    conn.close()
    return path.read_bytes()


def test_a_missing_store_is_an_error_and_nothing_is_created(tmp_path: Path) -> None:
    store = tmp_path / "data" / "typo" / "nwes.db"
    with pytest.raises(StoreError, match="no store at"):
        SQLiteCrawlStore(store, create=False)
    assert list(tmp_path.iterdir()) == []


def test_read_commands_on_a_folder_say_it_is_one(tmp_path: Path) -> None:
    # SQLite's own words were "unable to open database file".
    for command in ("status", "export", "retry"):
        result = runner.invoke(app, [command, str(tmp_path)])
        assert result.exit_code == 4, (command, result.output)
        assert "is a folder, not a file" in result.stderr, (command, result.stderr)
    assert list(tmp_path.iterdir()) == []


def test_read_commands_on_an_empty_file_say_no_crawl_made_it_a_store(tmp_path: Path) -> None:
    empty = tmp_path / "news.db"
    empty.touch()  # a crawl would make it a store
    for command in ("status", "export", "retry"):
        result = runner.invoke(app, [command, str(empty)])
        assert result.exit_code == 4, (command, result.output)
        assert "holds no crawl data (has a crawl used it?)" in result.stderr, command
    assert empty.read_bytes() == b""


def test_another_tools_database_is_refused_unchanged(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    before = _other_tools_database(other)
    for create in (True, False):
        with pytest.raises(StoreError, match="not a scraper store"):
            SQLiteCrawlStore(other, create=create)
    assert other.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.db"]


def test_a_new_or_empty_file_becomes_a_store(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    empty.touch()
    SQLiteCrawlStore(empty).close()
    SQLiteCrawlStore(tmp_path / "new" / "crawl.db").close()
    SQLiteCrawlStore(empty, create=False).close()  # now it is one


def test_reading_never_migrates_an_older_store(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = open_sqlite(path)
    conn.execute("INSERT INTO schema_migrations VALUES ('crawl', ?)", (len(STEPS) - 1,))
    conn.close()
    with pytest.raises(StoreError, match="the next `scraper crawl` upgrades it"):
        SQLiteCrawlStore(path, create=False)
    check = sqlite3.connect(path)
    assert check.execute("SELECT version FROM schema_migrations").fetchone()[0] == len(STEPS) - 1


def test_read_commands_on_a_missing_store_or_a_foreign_file_exit_4(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text(
        'store = "data/typo/nwes.db"\n[[source]]\nname = "x"\nfeed = "https://n.test/rss"\n',
        encoding="utf-8",
    )
    other = tmp_path / "other.db"
    before = _other_tools_database(other)
    for command in ("status", "export", "retry"):
        # The same missing store, named by its config or directly: one exit code for cron.
        for named in (config, tmp_path / "data" / "typo" / "nwes.db"):
            missing = runner.invoke(app, [command, str(named)])
            assert missing.exit_code == 4, (command, named, missing.output)
            assert "no store at" in missing.stderr
        foreign = runner.invoke(app, [command, str(other)])
        assert foreign.exit_code == 4 and "not a scraper store" in foreign.stderr
    assert not (tmp_path / "data").exists()
    assert other.read_bytes() == before


@pytest.mark.parametrize("kind", ["sqlite", "text", "folder"])
def test_crawl_on_a_file_not_a_store_leaves_nothing_beside_it(tmp_path: Path, kind: str) -> None:
    other = tmp_path / "other.db"
    if kind == "sqlite":
        before = _other_tools_database(other)
        message = "not a scraper store"
    elif kind == "text":
        other.write_text("id,body\n1,precious\n", encoding="utf-8")
        before = other.read_bytes()
        message = "file is not a database"
    else:  # store = "data" where data/ is the folder meant to hold the store
        other.mkdir()
        before = b""
        message = "is a folder, not a file"
    config = tmp_path / "c.toml"
    config.write_text(
        'store = "other.db"\n[[source]]\nname = "x"\nfeed = "https://n.test/rss"\n',
        encoding="utf-8",
    )
    crawled = runner.invoke(app, ["crawl", str(config)])
    assert crawled.exit_code == 4, crawled.output
    assert message in crawled.stderr
    assert (b"" if other.is_dir() else other.read_bytes()) == before
    # No run lock (nor -wal, -shm or -journal) left beside the other tool's file.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.toml", "other.db"]


def test_the_check_before_the_lock_passes_a_store_in_use_and_creates_nothing(
    tmp_path: Path,
) -> None:
    refuse_foreign_file(tmp_path / "new.db")  # missing: a crawl makes it
    (tmp_path / "empty.db").touch()
    refuse_foreign_file(tmp_path / "empty.db")
    store = SQLiteCrawlStore(tmp_path / "busy.db")
    try:
        with store.transaction():
            store.conn.execute("INSERT INTO schema_migrations VALUES ('probe', 1)")
            listed = sorted(p.name for p in tmp_path.iterdir())
            refuse_foreign_file(tmp_path / "busy.db")  # open, mid-write, in WAL mode
            assert sorted(p.name for p in tmp_path.iterdir()) == listed
    finally:
        store.close()
    refuse_foreign_file(tmp_path / "busy.db")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["busy.db", "empty.db"]
