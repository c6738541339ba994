"""What ``scraper status`` says of the last run."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scraper.cli.app import app
from scraper.crawl.lock import RunLock, holder_alive, lock_holder
from scraper.demo.server import SiteServer
from scraper.store.crawl_store import SQLiteCrawlStore

runner = CliRunner()


def _ended_pid() -> str:
    """The pid of a process that has ended (a killed run's, as its lock file keeps it)."""
    return subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def test_status_counts_the_source_errors_of_the_last_run(
    sites: dict[str, SiteServer], news_toml: Path
) -> None:
    sites["courier"].fail("/feed.json", 404)
    assert runner.invoke(app, ["crawl", str(news_toml)]).exit_code == 1
    shown = runner.invoke(app, ["status", str(news_toml)]).stdout.splitlines()
    (last,) = [line for line in shown if line.startswith("last run:")]
    assert last.startswith("last run: #1 ok") and last.endswith(", 1 source error")
    data = json.loads(runner.invoke(app, ["status", str(news_toml), "--json"]).stdout)
    assert data["last_run"]["stats"]["source_errors"] == 1
    sites["courier"].restore("/feed.json")
    assert runner.invoke(app, ["crawl", str(news_toml)]).exit_code == 0
    again = runner.invoke(app, ["status", str(news_toml)]).stdout
    assert "last run: #2 ok" in again and "source errors" not in again


def test_status_refuses_an_unknown_source_as_retry_does(news_toml: Path) -> None:
    assert runner.invoke(app, ["crawl", str(news_toml)]).exit_code == 0
    store = news_toml.parent / "news.db"
    for target in (news_toml, store):
        shown = runner.invoke(app, ["status", str(target), "--failed", "--source", "nosuch"])
        assert shown.exit_code == 2, shown.output
        assert "no source 'nosuch'" in shown.stderr
        assert "(sources: courier, herald)" in shown.stderr
        assert shown.stdout == ""
        retried = runner.invoke(app, ["retry", str(target), "--source", "nosuch"])
        assert retried.exit_code == shown.exit_code
        known = runner.invoke(app, ["status", str(target), "--failed", "--source", "herald"])
        assert known.exit_code == 0 and "no failed URLs" in known.stdout
        for without in ([], ["--json"]):  # refused without --failed too: it filters the table
            plain = runner.invoke(app, ["status", str(target), *without, "--source", "nosuch"])
            assert (plain.exit_code, plain.stdout) == (2, "")
            assert "(sources: courier, herald)" in plain.stderr


def test_status_source_shows_that_source_alone(
    sites: dict[str, SiteServer], news_toml: Path
) -> None:
    # --source used to pick the failed URLs only: the table and the errors showed every source.
    sites["courier"].fail("/feed.json", 404)
    assert runner.invoke(app, ["crawl", str(news_toml)]).exit_code == 1
    for target in (news_toml, news_toml.parent / "news.db"):
        everything = runner.invoke(app, ["status", str(target)]).stdout
        assert "latest error in courier: " in everything  # what --source herald leaves out
        shown = runner.invoke(app, ["status", str(target), "--source", "herald"])
        assert shown.exit_code == 0, shown.output
        header, row, last = shown.stdout.splitlines()
        assert header.startswith("source ") and row.split()[0] == "herald"
        assert last.startswith("last run: #1 ok")  # the store's last run, whichever source
        theirs = runner.invoke(app, ["status", str(target), "--source", "courier"]).stdout
        assert "latest error in courier: " in theirs and "herald" not in theirs
        data = json.loads(
            runner.invoke(app, ["status", str(target), "--json", "--source", "herald"]).stdout
        )
        assert [s["name"] for s in data["sources"]] == ["herald"]
        assert data["last_run"]["id"] == 1


def _unfinished_run(news_toml: Path) -> tuple[Path, int]:
    """A crawled store (run 1) in which run 2 began and never ended; its path and run 2's id."""
    assert runner.invoke(app, ["crawl", str(news_toml)]).exit_code == 0
    db = news_toml.parent / "news.db"
    store = SQLiteCrawlStore(db)
    try:
        return db, store.begin_run()
    finally:
        store.close()


def test_status_tells_a_killed_run_from_a_running_one(news_toml: Path) -> None:
    # A run killed with SIGKILL never records its end: the store still says "running". Its
    # articles are in the store, batch by batch; its other counters were never written.
    db, run_id = _unfinished_run(news_toml)
    conn = sqlite3.connect(db)
    try:  # run 1's last two articles, as if run 2 had stored them
        with conn:
            conn.execute(
                "UPDATE articles SET run_id = ?"
                " WHERE id IN (SELECT id FROM articles ORDER BY id DESC LIMIT 2)",
                (run_id,),
            )
    finally:
        conn.close()
    lock = db.with_name(db.name + ".lock")
    gone = _ended_pid()
    lock.write_text(gone)  # the pid of a process that has ended: the run was killed
    shown = runner.invoke(app, ["status", str(news_toml)]).stdout
    (last,) = [line for line in shown.splitlines() if line.startswith("last run:")]
    assert last.startswith(f"last run: #{run_id} interrupted (its process is gone")
    assert last.endswith(": 2 stored so far (its other counters are written when it ends)")
    data = json.loads(runner.invoke(app, ["status", str(news_toml), "--json"]).stdout)
    assert data["last_run"]["status"] == "interrupted"
    assert data["last_run"]["stats"]["stored"] == 2
    conn = sqlite3.connect(db)
    try:  # one of them a story's second version: an update, not an article the run added
        with conn:
            conn.execute(
                "UPDATE articles SET version = 2 WHERE id = (SELECT max(id) FROM articles)"
            )
    finally:
        conn.close()
    shown = runner.invoke(app, ["status", str(news_toml)]).stdout
    (last,) = [line for line in shown.splitlines() if line.startswith("last run:")]
    assert last.endswith(
        ": 1 stored so far, 1 stored article updated (its other counters are written when it ends)"
    )
    data = json.loads(runner.invoke(app, ["status", str(news_toml), "--json"]).stdout)
    assert (data["last_run"]["stats"]["stored"], data["last_run"]["stats"]["updated"]) == (1, 1)
    with RunLock(db):  # a live process holds the store's lock: the run goes on
        shown = runner.invoke(app, ["status", str(news_toml)]).stdout
        data = json.loads(runner.invoke(app, ["status", str(news_toml), "--json"]).stdout)
    assert f"last run: #{run_id} running (pid {os.getpid()}), started " in shown
    assert (data["last_run"]["status"], data["last_run"]["holder_pid"]) == ("running", os.getpid())


def test_status_shows_a_running_run_whose_holder_cannot_be_known(
    news_toml: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A holder in another pid namespace (a crawl in a container) shows in the kernel's table
    # as pid 0: the run goes on all the same, by a process status cannot name.
    _, run_id = _unfinished_run(news_toml)
    monkeypatch.setattr("scraper.crawl.lock._kernel_holders", lambda found: ["0"])
    shown = runner.invoke(app, ["status", str(news_toml)])
    assert shown.exit_code == 0, shown.output
    assert f"last run: #{run_id} running, started " in shown.stdout
    data = json.loads(runner.invoke(app, ["status", str(news_toml), "--json"]).stdout)
    assert (data["last_run"]["status"], data["last_run"]["holder_pid"]) == ("running", None)
    assert data["last_run"]["id"] == run_id


@pytest.mark.skipif(not Path("/proc/locks").exists(), reason="reads Linux's table of file locks")
def test_status_is_not_fooled_by_a_pid_reused_after_a_killed_run(news_toml: Path) -> None:
    # After a restart (a container's, say) another process may have the pid the killed run
    # had: the lock table, not the pid, tells whether a run holds the store.
    db, run_id = _unfinished_run(news_toml)
    db.with_name(db.name + ".lock").write_text(str(os.getpid()))  # alive, but holds no lock
    shown = runner.invoke(app, ["status", str(news_toml)]).stdout
    assert f"last run: #{run_id} interrupted (its process is gone" in shown


def test_without_a_lock_table_the_holder_is_the_live_pid_the_lock_file_keeps(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As on macOS, which has no /proc/locks.
    monkeypatch.setattr("scraper.crawl.lock._kernel_holders", lambda found: None)
    db = tmp_path / "news.db"
    assert lock_holder(db) == (False, None)  # no lock file yet
    assert not holder_alive(db)
    with RunLock(db):
        assert lock_holder(db) == (True, os.getpid())
        assert holder_alive(db)
    gone = _ended_pid()
    db.with_name(db.name + ".lock").write_text(gone)
    assert lock_holder(db) == (False, None)
