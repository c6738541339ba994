"""The export hand-off of ``scraper crawl --export`` and ``scraper export``: where the file goes,
what a failure leaves, and who moves the ``LAST`` cursor."""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from scraper import export as export_module
from scraper.cli.app import app
from scraper.crawl.lock import RunLock
from scraper.errors import StoreError
from scraper.export import (
    CSV_COLUMNS_BEFORE_METADATA,
    CSV_COLUMNS_BEFORE_STORY,
    CSV_COLUMNS_BEFORE_VERSIONS,
)
from scraper.store.crawl_store import SQLiteCrawlStore
from scraper.store.protocol import StoredArticle

runner = CliRunner()


def _with(config: Path, table: str) -> Path:
    """``config`` with a TOML table added at its end."""
    with config.open("a", encoding="utf-8") as toml:
        toml.write("\n" + table)
    return config


def _lines(result_stdout: str) -> int:
    return len(result_stdout.splitlines())


def test_an_output_that_is_the_store_or_one_of_its_files_is_refused(
    news_toml: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = news_toml
    monkeypatch.chdir(tmp_path)
    assert runner.invoke(app, ["crawl", str(config)]).exit_code == 0
    store = tmp_path / "news.db"
    before = store.read_bytes()
    Path("link.db").symlink_to("news.db")
    Path("hard.db").hardlink_to("news.db")
    for spelling in ("news.db", "./news.db", "link.db", "hard.db", "news.db-wal", "news.db.lock"):
        exported = runner.invoke(app, ["export", str(config), "--since", "ALL", "-o", spelling])
        assert exported.exit_code == 2, spelling
        assert "is the crawl store" in exported.stderr
        crawled = runner.invoke(app, ["crawl", str(config), "--export", "jsonl", "-o", spelling])
        assert crawled.exit_code == 2, spelling
        # One refusal, worded alike by both commands.
        assert crawled.stderr == exported.stderr, spelling
    assert store.read_bytes() == before
    everything = runner.invoke(app, ["export", str(config)])  # the cursor did not move
    assert (everything.exit_code, _lines(everything.stdout)) == (0, 8)


def test_an_export_table_path_that_is_the_store_is_a_config_error(
    news_toml: Path, tmp_path: Path
) -> None:
    config = _with(news_toml, '[export]\nformat = "jsonl"\npath = "news.db"\n')
    crawled = runner.invoke(app, ["crawl", str(config)])
    assert crawled.exit_code == 2
    assert "export.path" in crawled.stderr
    assert not (tmp_path / "news.db").exists()  # refused before the run opened anything


def test_an_unreadable_stored_article_is_skipped_and_later_exports_go_on(
    news_toml: Path, tmp_path: Path
) -> None:
    assert runner.invoke(app, ["crawl", str(news_toml)]).exit_code == 0
    store = SQLiteCrawlStore(tmp_path / "news.db")
    url = store.conn.execute("SELECT url FROM articles WHERE id = 3").fetchone()[0]
    with store.conn:
        store.conn.execute("UPDATE articles SET record = '{\"text\": 1}' WHERE id = 3")
    store.close()
    out = tmp_path / "new.jsonl"
    crawled = runner.invoke(app, ["crawl", str(news_toml), "--export", "jsonl", "-o", str(out)])
    assert crawled.exit_code == 1  # some items failed; the rest is handed on
    assert f"stored article 3 ({url}) is unreadable" in crawled.stderr
    assert "exported 7 articles, skipped 1 unreadable" in crawled.stderr
    assert len(out.read_text("utf-8").splitlines()) == 7
    again = runner.invoke(app, ["crawl", str(news_toml), "--export", "jsonl", "-o", str(out)])
    assert again.exit_code == 0, again.stderr  # the cursor moved past it: not stuck
    assert out.read_text("utf-8") == ""
    dump = runner.invoke(app, ["export", str(news_toml), "--since", "ALL"])
    assert (dump.exit_code, _lines(dump.stdout)) == (1, 7)
    assert "is unreadable" in dump.stderr


def test_a_last_export_takes_the_crawl_lock_and_the_cursor_never_moves_back(
    news_toml: Path, tmp_path: Path
) -> None:
    assert runner.invoke(app, ["crawl", str(news_toml)]).exit_code == 0
    out = tmp_path / "manual.jsonl"
    out.write_text("not read yet\n", encoding="utf-8")
    with RunLock(tmp_path / "news.db"):
        locked = runner.invoke(app, ["export", str(news_toml), "--since", "LAST", "-o", str(out)])
        # A dump moves no cursor: it needs no lock.
        dump = runner.invoke(app, ["export", str(news_toml), "--since", "ALL"])
    assert locked.exit_code == 3
    assert "another crawl" in locked.stderr
    assert out.read_text("utf-8") == "not read yet\n"  # left as it was
    assert (dump.exit_code, _lines(dump.stdout)) == (0, 8)
    lock = RunLock(tmp_path / "news.db").__enter__()
    threading.Timer(0.3, lock.__exit__, (None, None, None)).start()
    waited = runner.invoke(app, ["export", str(news_toml), "--wait", "-o", str(out)])
    assert waited.exit_code == 0, waited.stderr
    assert _lines(out.read_text("utf-8")) == 8
    store = SQLiteCrawlStore(tmp_path / "news.db")
    store.set_cursor("export", 3)  # an export that began earlier and ends later
    assert store.cursor("export") == 8
    store.close()


def _failing_after(monkeypatch: pytest.MonkeyPatch, good: int) -> None:
    """Make the export's writes fail, as on a full disk, after ``good`` records."""
    record = export_module._record
    calls = 0

    def failing(item: StoredArticle) -> dict[str, Any]:
        nonlocal calls
        calls += 1
        if calls > good:
            raise OSError(errno.ENOSPC, "No space left on device")
        return record(item)

    monkeypatch.setattr(export_module, "_record", failing)


def test_a_failed_export_leaves_the_previous_file_whole(
    news_toml: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "new.jsonl"
    out.write_text('{"url": "the previous export, not read yet"}\n', encoding="utf-8")
    with monkeypatch.context() as patched:
        _failing_after(patched, 3)
        crawled = runner.invoke(app, ["crawl", str(news_toml), "--export", "jsonl", "-o", str(out)])
        exported = runner.invoke(app, ["export", str(news_toml), "-o", str(out)])
    assert crawled.exit_code == exported.exit_code == 1
    assert "No space left on device" in crawled.stderr
    assert "No space left on device" in exported.stderr
    assert out.read_text("utf-8") == '{"url": "the previous export, not read yet"}\n'
    assert sorted(p.name for p in tmp_path.iterdir() if "jsonl" in p.name) == ["new.jsonl"]
    again = runner.invoke(app, ["export", str(news_toml), "-o", str(out)])
    assert again.exit_code == 0
    assert _lines(out.read_text("utf-8")) == 8  # the cursor had not moved


def test_an_export_whose_store_cannot_be_opened_leaves_the_output_alone(
    news_toml: Path, tmp_path: Path
) -> None:
    assert runner.invoke(app, ["crawl", str(news_toml)]).exit_code == 0
    store = SQLiteCrawlStore(tmp_path / "news.db")
    with store.conn:
        store.conn.execute("UPDATE schema_migrations SET version = version + 1")
    store.close()
    keep = tmp_path / "keep.jsonl"
    keep.write_text("x\n", encoding="utf-8")
    exported = runner.invoke(app, ["export", str(news_toml), "--since", "ALL", "-o", str(keep)])
    assert exported.exit_code == 4
    assert "newer than this scraper" in exported.stderr
    assert keep.read_text("utf-8") == "x\n"


def test_an_export_path_with_placeholders_makes_a_file_per_run(
    news_toml: Path, tmp_path: Path
) -> None:
    (tmp_path / "out").mkdir()
    config = _with(news_toml, '[export]\nformat = "jsonl"\npath = "out/new-{time}-{run}.jsonl"\n')
    for _ in range(2):
        assert runner.invoke(app, ["crawl", str(config)]).exit_code == 0
    first, second = sorted((tmp_path / "out").iterdir(), key=lambda p: p.name[-8:])
    assert re.fullmatch(r"new-\d{8}T\d{6}Z-1\.jsonl", first.name)
    assert re.fullmatch(r"new-\d{8}T\d{6}Z-2\.jsonl", second.name)
    # Run 2 found nothing new: run 1's file, which nobody has read yet, is still whole.
    assert (_lines(first.read_text("utf-8")), second.read_text("utf-8")) == (8, "")
    bad = runner.invoke(app, ["crawl", str(config), "--export", "csv", "-o", "x-{when}.csv"])
    assert bad.exit_code == 2
    assert "--output: unknown placeholder {when}" in bad.stderr


def test_an_appended_export_keeps_what_earlier_runs_wrote(
    news_toml: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "all.csv"
    crawl = ["crawl", str(news_toml), "--export", "csv", "-o", str(out), "--append"]
    assert runner.invoke(app, crawl).exit_code == 0
    assert runner.invoke(app, crawl).exit_code == 0  # nothing new: the file stays as it was
    first = out.read_text("utf-8")
    assert len(list(csv.DictReader(io.StringIO(first)))) == 8
    dump = ["export", str(news_toml), "--since", "ALL", "-f", "csv", "-o", str(out), "--append"]
    with monkeypatch.context() as patched:
        _failing_after(patched, 3)
        failed = runner.invoke(app, dump)
    assert failed.exit_code == 1
    assert out.read_text("utf-8") == first  # the three rows it did write are cut off again
    assert runner.invoke(app, dump).exit_code == 0
    text = out.read_text("utf-8")
    assert text.startswith(first)
    assert text.count("id,url,title") == 1  # the header only at the top of the new file
    assert len(list(csv.DictReader(io.StringIO(text)))) == 16
    stdout = runner.invoke(app, ["crawl", str(news_toml), "--export", "jsonl", "--append"])
    assert stdout.exit_code == 2
    assert "give -o FILE" in stdout.stderr


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('path = "new-{day}.jsonl"\n', "export.path: unknown placeholder {day}"),
        ("append = true\n", "export.append: appending needs a path"),
    ],
)
def test_a_bad_export_table_is_a_config_error(news_toml: Path, table: str, message: str) -> None:
    crawled = runner.invoke(app, ["crawl", str(_with(news_toml, "[export]\n" + table))])
    assert crawled.exit_code == 2
    assert message in crawled.stderr


def test_export_output_takes_the_placeholders_of_crawl_output(
    news_toml: Path, tmp_path: Path
) -> None:
    assert runner.invoke(app, ["crawl", str(news_toml)]).exit_code == 0
    (tmp_path / "out").mkdir()
    before = datetime.now(UTC).replace(microsecond=0)
    template = str(tmp_path / "out" / "dump-{date}-{time}-{run}.{{x}}.jsonl")
    exported = runner.invoke(app, ["export", str(news_toml), "--since", "ALL", "-o", template])
    after = datetime.now(UTC)
    assert exported.exit_code == 0, exported.stderr
    [written] = (tmp_path / "out").iterdir()
    named = re.fullmatch(r"dump-(\d{4}-\d{2}-\d{2})-(\d{8}T\d{6}Z)-1\.\{x\}\.jsonl", written.name)
    assert named is not None, written.name
    when = datetime.strptime(named[2], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    assert before <= when <= after
    assert named[1] == when.strftime("%Y-%m-%d")
    assert _lines(written.read_text("utf-8")) == 8
    bad = runner.invoke(app, ["export", str(news_toml), "-o", str(tmp_path / "x-{when}.jsonl")])
    assert bad.exit_code == 2
    assert "--output: unknown placeholder {when}" in bad.stderr
    folder = runner.invoke(app, ["export", str(news_toml), "-o", str(tmp_path / "{date}/x")])
    assert folder.exit_code == 2
    assert "placeholders are allowed in the file name only" in folder.stderr
    assert not list(tmp_path.glob("x-*")) and len(list((tmp_path / "out").iterdir())) == 1


def test_an_export_output_whose_placeholders_name_the_store_is_refused(
    news_toml: Path, tmp_path: Path
) -> None:
    # A store named as run 1's {run} expands: the refusal comes only once the name is known.
    config = tmp_path / "one.toml"
    config.write_text(news_toml.read_text("utf-8").replace("news.db", "1.db"), encoding="utf-8")
    assert runner.invoke(app, ["crawl", str(config)]).exit_code == 0
    store = tmp_path / "1.db"
    before = store.read_bytes()
    exported = runner.invoke(app, ["export", str(config), "-o", str(tmp_path / "{run}.db")])
    assert exported.exit_code == 2
    assert "is the crawl store" in exported.stderr
    assert store.read_bytes() == before
    everything = runner.invoke(app, ["export", str(config)])  # the cursor did not move
    assert (everything.exit_code, _lines(everything.stdout)) == (0, 8)


def test_crawl_refuses_an_export_name_that_turns_out_to_be_the_store_as_export_does(
    news_toml: Path, tmp_path: Path
) -> None:
    # Run 1 expands {run}.db to the store 1.db: known only once the run has begun.
    config = tmp_path / "one.toml"
    config.write_text(news_toml.read_text("utf-8").replace("news.db", "1.db"), encoding="utf-8")
    template = str(tmp_path / "{run}.db")
    crawled = runner.invoke(app, ["crawl", str(config), "--export", "jsonl", "-o", template])
    assert crawled.exit_code == 2
    exported = runner.invoke(app, ["export", str(config), "-o", template])
    assert exported.exit_code == 2
    [refusal] = exported.stderr.splitlines()
    assert refusal.endswith(
        "is the crawl store " + str(tmp_path / "1.db") + " (or one of its"
        " files); refusing to write an export over it"
    )
    assert refusal in crawled.stderr.splitlines()
    everything = runner.invoke(app, ["export", str(config)])  # stored, and not handed on yet
    assert (everything.exit_code, _lines(everything.stdout)) == (0, 8)


def test_an_export_name_with_placeholders_never_replaces_a_file_there(
    news_toml: Path, tmp_path: Path
) -> None:
    # Run 1's file as two exports within one second would both name it: the first one's is
    # not read yet when the second comes.
    (tmp_path / "out").mkdir()
    taken = tmp_path / "out" / "new-1.jsonl"
    taken.write_text('{"url": "not read yet"}\n', encoding="utf-8")
    template = str(tmp_path / "out" / "new-{run}.jsonl")
    crawled = runner.invoke(app, ["crawl", str(news_toml), "--export", "jsonl", "-o", template])
    assert crawled.exit_code == 1
    assert f"the export to {taken} failed: it exists already" in crawled.stderr
    exported = runner.invoke(app, ["export", str(news_toml), "-o", template])
    assert exported.exit_code == 1
    assert f"cannot write {taken}: it exists already" in exported.stderr
    assert taken.read_text("utf-8") == '{"url": "not read yet"}\n'
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["new-1.jsonl"]  # no temp file
    # Neither moved the cursor: the next export hands the run's articles on.
    again = runner.invoke(app, ["export", str(news_toml), "-o", str(tmp_path / "out" / "b.jsonl")])
    assert again.exit_code == 0
    assert _lines((tmp_path / "out" / "b.jsonl").read_text("utf-8")) == 8


def test_a_taken_name_made_by_run_alone_is_not_met_with_advice_to_add_run(
    news_toml: Path, tmp_path: Path
) -> None:
    # Two `scraper export`s after one crawl both expand {run} to that crawl's id.
    assert runner.invoke(app, ["crawl", str(news_toml)]).exit_code == 0
    template = str(tmp_path / "new-{run}.jsonl")
    assert (
        runner.invoke(app, ["export", str(news_toml), "--since", "ALL", "-o", template]).exit_code
        == 0
    )
    refused = runner.invoke(app, ["export", str(news_toml), "--since", "ALL", "-o", template])
    assert refused.exit_code == 1
    assert "exists already" in refused.stderr
    # The name holds {run} already: the advice must say why that repeated and what helps.
    assert "add {run} to the name" not in refused.stderr
    assert "{run} in every scraper export until the next crawl" in refused.stderr
    assert "{time} and {run} together" in refused.stderr


def test_a_failed_append_to_a_new_file_leaves_no_file(
    news_toml: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "all.jsonl"
    with monkeypatch.context() as patched:
        _failing_after(patched, 3)
        crawled = runner.invoke(
            app, ["crawl", str(news_toml), "--export", "jsonl", "-o", str(out), "--append"]
        )
        exported = runner.invoke(app, ["export", str(news_toml), "-o", str(out), "--append"])
    assert crawled.exit_code == exported.exit_code == 1
    assert "No space left on device" in exported.stderr
    # No file, rather than an empty one a consumer would take for an export of nothing.
    assert not out.exists()
    again = runner.invoke(app, ["export", str(news_toml), "-o", str(out), "--append"])
    assert again.exit_code == 0
    assert _lines(out.read_text("utf-8")) == 8


def test_an_export_whose_record_cannot_be_dropped_after_a_failed_landing_is_undone_later(
    news_toml: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert runner.invoke(app, ["crawl", str(news_toml)]).exit_code == 0
    (tmp_path / "out").mkdir()
    taken = tmp_path / "out" / "new-1.jsonl"
    taken.write_text('{"url": "the export of another process, same name"}\n', encoding="utf-8")
    settle = SQLiteCrawlStore.end_export

    def store_full_when_undoing(store: SQLiteCrawlStore, cursor: str, moves_to: int | None) -> None:
        if moves_to is None:
            raise StoreError("store write failed: database or disk is full")
        settle(store, cursor, moves_to)

    with monkeypatch.context() as patched:
        # Written in full and recorded so; then the name is taken, and the store cannot be
        # written to drop the record.
        patched.setattr(SQLiteCrawlStore, "end_export", store_full_when_undoing)
        refused = runner.invoke(
            app, ["export", str(news_toml), "-o", str(tmp_path / "out/new-{run}.jsonl")]
        )
    assert refused.exit_code == 1
    assert "exists already" in refused.stderr
    # The record left behind says "written in full": it must not read as landed.
    again = runner.invoke(app, ["export", str(news_toml), "-o", str(tmp_path / "again.jsonl")])
    assert again.exit_code == 0, again.stderr
    assert _lines((tmp_path / "again.jsonl").read_text("utf-8")) == 8
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["new-1.jsonl"]


def test_an_export_to_dev_stdout_sent_to_a_cron_log_adds_to_it_in_place(
    news_toml: Path, tmp_path: Path
) -> None:
    log = tmp_path / "cron.log"
    log.write_text("an earlier run's line\n", encoding="utf-8")
    commands = [
        ["crawl", str(news_toml), "--export", "jsonl", "-o", "/dev/stdout"],
        ["export", str(news_toml), "--since", "ALL", "-o", "/dev/stdout"],
    ]
    for command in commands:
        # As cron's `>> cron.log 2>&1`: stdout and stderr both append to the log.
        with log.open("a", encoding="utf-8") as appended:
            done = subprocess.run(
                [sys.executable, "-m", "scraper", *command],
                stdout=appended,
                stderr=subprocess.STDOUT,
                check=False,
                timeout=120,
            )
        assert done.returncode == 0, log.read_text("utf-8")
    lines = log.read_text("utf-8").splitlines()
    # The log kept what it held, each export after it, and the summary lines stderr wrote.
    assert lines[0] == "an earlier run's line"
    records = [json.loads(line) for line in lines if line.startswith("{")]
    assert len(records) == 16
    assert len({r["id"] for r in records}) == 8
    assert [line for line in lines if line.startswith("exported")] == ["exported 8 articles"] * 2
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def _waits_for(proc: subprocess.Popen[bytes], lock: Path) -> bool:
    """Whether ``proc`` has the lock file open (waiting for it: the test holds it)."""
    fds = Path(f"/proc/{proc.pid}/fd")
    try:
        return any(os.path.realpath(fd) == str(lock) for fd in fds.iterdir())
    except OSError:  # a descriptor closed while read
        return False


#: A stop signal, and the exit it makes: SIGTERM's default action, Ctrl-C's own code.
_WAIT_STOPS = [(signal.SIGTERM, -signal.SIGTERM), (signal.SIGINT, 130)]


@pytest.mark.parametrize(("signum", "code"), _WAIT_STOPS)
def test_a_stop_signal_while_a_last_export_waits_for_the_lock_ends_it_with_nothing_exported(
    news_toml: Path, tmp_path: Path, signum: int, code: int
) -> None:
    assert runner.invoke(app, ["crawl", str(news_toml)]).exit_code == 0
    out = tmp_path / "new.jsonl"
    db = tmp_path / "news.db"
    with RunLock(db) as lock:  # a crawl that runs long
        # Python's SIGINT handler for the child, as a terminal's Ctrl-C finds it (a background
        # job of a non-interactive shell, as pytest may be run, has SIGINT ignored).
        previous = signal.signal(signal.SIGINT, signal.default_int_handler)
        try:
            proc = subprocess.Popen(
                [sys.executable, "-m", "scraper", "export", str(news_toml), "--wait", "-o", out],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
        finally:
            signal.signal(signal.SIGINT, previous)
        deadline = time.monotonic() + 30
        while not _waits_for(proc, lock.path.resolve()):
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.01)
        proc.send_signal(signum)
        # It stops now, with the lock still held: it was asked to, and nothing had begun.
        _, err = proc.communicate(timeout=10)
    assert proc.returncode == code, err
    assert not out.exists()
    again = runner.invoke(app, ["export", str(news_toml), "-o", str(out)])
    assert again.exit_code == 0, again.stderr
    assert _lines(out.read_text("utf-8")) == 8  # the cursor had not moved


def _scraper(*args: str) -> subprocess.CompletedProcess[bytes]:
    """``scraper ARGS`` in a process of its own (one that hangs fails the test, not pytest)."""
    # Wide enough for click's error box to keep a message on one line.
    env = {**os.environ, "COLUMNS": "500"}
    return subprocess.run(
        [sys.executable, "-m", "scraper", *args],
        capture_output=True,
        check=False,
        timeout=60,
        env=env,
    )


def test_a_named_pipe_is_exported_to_the_reader_the_check_before_the_crawl_left_it(
    news_toml: Path, tmp_path: Path
) -> None:
    fifo = tmp_path / "to-loader"
    os.mkfifo(fifo)
    read: list[str] = []
    # A consumer reading the pipe once to its end, as `loader < to-loader` does.
    reader = threading.Thread(target=lambda: read.append(fifo.read_text("utf-8")), daemon=True)
    reader.start()
    crawled = _scraper("crawl", str(news_toml), "--export", "jsonl", "-o", str(fifo))
    reader.join(timeout=10)
    assert crawled.returncode == 0, crawled.stderr
    # The check of the path before the run did not open it (its close is the reader's end).
    assert _lines(read[0]) == 8


def test_an_export_to_a_named_pipe_no_process_reads_fails_at_once_and_hands_nothing_on(
    news_toml: Path, tmp_path: Path
) -> None:
    assert runner.invoke(app, ["crawl", str(news_toml)]).exit_code == 0
    fifo = tmp_path / "to-loader"
    os.mkfifo(fifo)
    # Not waiting for a reader for ever, with the run lock held and SIGTERM held back.
    exported = _scraper("export", str(news_toml), "-o", str(fifo))
    assert exported.returncode == 2
    assert b"a named pipe that no process reads" in exported.stderr
    crawled = _scraper("crawl", str(news_toml), "--export", "jsonl", "-o", str(fifo))
    assert crawled.returncode == 1
    assert b"a named pipe that no process reads" in crawled.stderr
    again = runner.invoke(app, ["export", str(news_toml)])
    assert (again.exit_code, _lines(again.stdout)) == (0, 8)  # the cursor had not moved


def test_stdout_over_an_appending_export_table_blames_the_output_option(
    news_toml: Path,
) -> None:
    # The table's append with its path replaced by "-o -": "--append", which nobody gave,
    # was named.
    config = _with(news_toml, '[export]\npath = "all.jsonl"\nappend = true\n')
    crawled = runner.invoke(app, ["crawl", str(config), "-o", "-"])
    assert crawled.exit_code == 2
    assert "-o/--output" in crawled.stderr and "append = true" in crawled.stderr
    assert "'--append'" not in crawled.stderr


def test_a_csv_export_carries_versions_and_an_older_file_appended_to_keeps_its_columns(
    news_toml: Path, tmp_path: Path
) -> None:
    assert runner.invoke(app, ["crawl", str(news_toml)]).exit_code == 0
    fresh = tmp_path / "new.csv"
    dump = ["export", str(news_toml), "--since", "ALL", "-f", "csv", "-o"]
    assert runner.invoke(app, [*dump, str(fresh)]).exit_code == 0
    rows = list(csv.DictReader(io.StringIO(fresh.read_text("utf-8"))))
    assert len(rows) == 8 and {row["version"] for row in rows} == {"1"}
    # Files earlier scrapers wrote: before versions (session 26), before the rest of the
    # metadata (session 29), before the story's id (session 34). Their rows stay whole.
    earlier = (CSV_COLUMNS_BEFORE_VERSIONS, CSV_COLUMNS_BEFORE_METADATA, CSV_COLUMNS_BEFORE_STORY)
    for n, columns in enumerate(earlier):
        older = tmp_path / f"old{n}.csv"
        older.write_text(",".join(columns) + "\r\n", encoding="utf-8")
        assert runner.invoke(app, [*dump, str(older), "--append"]).exit_code == 0
        lines = list(csv.reader(io.StringIO(older.read_text("utf-8"))))
        assert lines[0] == list(columns) and len(lines) == 9
        assert all(len(line) == len(columns) for line in lines)
    # A new file gets the story's id: one for each cluster.
    stories = {row["cluster"]: row["story"] for row in rows}
    assert all(row["story"] == stories[row["cluster"]] for row in rows)
    assert all(story.startswith("c") for story in stories.values())


def test_a_csv_export_carries_every_field_the_json_lines_give(
    news_toml: Path, tmp_path: Path
) -> None:
    # It left out the canonical URL, the update date, language, site, description, image and
    # tags: a spreadsheet user had to export JSON Lines to see them.
    assert runner.invoke(app, ["crawl", str(news_toml)]).exit_code == 0
    as_csv, as_jsonl = tmp_path / "a.csv", tmp_path / "a.jsonl"
    dump = ["export", str(news_toml), "--since", "ALL", "-o"]
    assert runner.invoke(app, [*dump, str(as_csv), "-f", "csv"]).exit_code == 0
    assert runner.invoke(app, [*dump, str(as_jsonl), "-f", "jsonl"]).exit_code == 0
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(as_csv.read_text("utf-8")))}
    records = [json.loads(line) for line in as_jsonl.read_text("utf-8").splitlines()]
    assert len(rows) == len(records) == 8
    for record in records:
        row = rows[str(record["id"])]
        for field in ("canonical_url", "modified", "language", "site_name", "description"):
            assert row[field] == (record[field] or ""), field
        assert row["tags"] == "; ".join(record["tags"])
    assert any(row["language"] for row in rows.values())
    assert any(row["canonical_url"] for row in rows.values())
