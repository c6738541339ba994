"""A ``crawl --export`` stopped or killed while it exports: each article handed on exactly once
across the export files, no torn line, no hidden temporary file left, whatever the moment."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scraper.cli.app import app

runner = CliRunner()

#: A template named with placeholders (a file per run), or one growing file.
PER_RUN = "out/new-{run}.jsonl"
APPEND = "out/all.jsonl"


def _crawl(news_toml: Path, output: str) -> list[str]:
    path = news_toml.parent / output
    command = ["crawl", str(news_toml), "--export", "jsonl", "-o", str(path)]
    return [*command, "--append"] if output == APPEND else command


def _handed_on(folder: Path) -> Counter[int]:
    """How many times each stored article is in the export files; a torn line fails."""
    ids: Counter[int] = Counter()
    for path in sorted(folder.iterdir()):
        assert not path.name.startswith("."), f"a hidden temporary file is left: {path.name}"
        for line in path.read_text("utf-8").splitlines():
            ids[json.loads(line)["id"]] += 1  # a torn line is no JSON
    return ids


def _export(news_toml: Path, output: str) -> list[str]:
    """``scraper export --since LAST`` to the file(s) ``crawl`` would export to."""
    command = ["export", *_crawl(news_toml, output)[1:]]
    return [word for word in command if word not in {"--export", "jsonl"}]


def _stored(db: Path) -> list[int]:
    conn = sqlite3.connect(db)
    try:
        return [row[0] for row in conn.execute("SELECT id FROM articles")]
    finally:
        conn.close()


def _more_articles(db: Path, copies: int) -> None:
    """The store's articles copied under new URLs, ``copies`` times: an export long enough to
    be caught while it writes."""
    conn = sqlite3.connect(db)
    try:
        with conn:
            rows = conn.execute(
                "SELECT u.source, a.canonical, a.stored_at, a.cluster, a.dedup_key, a.record"
                " FROM articles a JOIN urls u ON u.id = a.url_id"
            ).fetchall()
            for n in range(copies):
                for i, (source, canonical, stored_at, cluster, key, record) in enumerate(rows):
                    url = f"https://copies.test/{n}/{i}"
                    url_id = conn.execute(
                        "INSERT INTO urls (url, raw, source, discovered_at, state)"
                        " VALUES (?, ?, ?, ?, 'done')",
                        (url, url, source, stored_at),
                    ).lastrowid
                    conn.execute(
                        "INSERT INTO articles (url_id, url, canonical, source, stored_at,"
                        " cluster, dedup_key, record) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        (url_id, url, canonical, source, stored_at, cluster, key, record),
                    )
    finally:
        conn.close()


def _writing(out: Path, output: str) -> bool:
    """Whether the export has begun writing its file (appended to, or its hidden temporary)."""
    if output == APPEND:
        return out.joinpath("all.jsonl").exists() and out.joinpath("all.jsonl").stat().st_size > 0
    return any(p.stat().st_size > 0 for p in out.glob(".new-*.tmp"))


@pytest.mark.parametrize("output", [APPEND, PER_RUN])
@pytest.mark.parametrize(
    ("command", "signum", "code"),
    [
        ("crawl", signal.SIGTERM, 143),
        ("crawl", signal.SIGINT, 130),
        ("export", signal.SIGTERM, 143),
    ],
    ids=["crawl-term", "crawl-int", "export-term"],
)
def test_a_stop_signal_during_the_export_ends_the_command_cleanly_and_hands_each_article_on_once(
    news_toml: Path, tmp_path: Path, output: str, command: str, signum: int, code: int
) -> None:
    assert runner.invoke(app, ["crawl", str(news_toml)]).exit_code == 0
    _more_articles(tmp_path / "news.db", 2500)  # 20,008 articles: the export takes a while
    out = tmp_path / "out"
    out.mkdir()
    args = _crawl(news_toml, output) if command == "crawl" else _export(news_toml, output)
    # A background job of a non-interactive shell has SIGINT ignored, which a child inherits;
    # with Python's handler here for the moment of the start, the crawl gets Python's too.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "scraper", *args],
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
    finally:
        signal.signal(signal.SIGINT, previous)
    deadline = time.monotonic() + 60
    while not _writing(out, output):
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        assert time.monotonic() < deadline
        time.sleep(0.001)
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == code, err
    assert b"stopped by" in err or b"interrupted" in err
    again = runner.invoke(app, _crawl(news_toml, output))  # a new run: a new {run} name
    assert again.exit_code == 0, again.stderr
    assert _handed_on(out) == Counter(_stored(tmp_path / "news.db"))


# Run in a process of its own, killed (SIGKILL) by itself at one moment of its export:
# ``write``, once the export has written some records (part of the file is there); ``cursor``,
# as the store goes to move the LAST cursor (the file has landed whole).
_KILLED = """
import os, signal, sys
import scraper.export
import scraper.store.crawl_store as crawl_store
from scraper.cli.app import app

moment, args = sys.argv[1], sys.argv[2:]

def kill():
    os.kill(os.getpid(), signal.SIGKILL)

if moment == "write":
    record, written = scraper.export._record, []

    def killing_record(item):
        written.append(item)
        if len(written) > 4:
            kill()
        return record(item)

    scraper.export._record = killing_record
else:
    opened = crawl_store.SQLiteCrawlStore.__init__

    def tracing_init(self, *a, **k):
        opened(self, *a, **k)
        self.conn.set_trace_callback(lambda sql: "INSERT INTO cursors" in sql and kill())

    crawl_store.SQLiteCrawlStore.__init__ = tracing_init
app(args)
"""


@pytest.mark.parametrize("output", [APPEND, PER_RUN])
@pytest.mark.parametrize("moment", ["write", "cursor"])
@pytest.mark.parametrize("command", ["crawl", "export"])
def test_an_export_killed_at_any_moment_hands_each_article_on_once_with_the_next_one(
    news_toml: Path, tmp_path: Path, output: str, moment: str, command: str
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    args = _crawl(news_toml, output)
    if command == "export":  # the standalone export, of what a crawl stored before
        assert runner.invoke(app, ["crawl", str(news_toml)]).exit_code == 0
        args = _export(news_toml, output)
    killed = subprocess.run(
        [sys.executable, "-c", _KILLED, moment, *args],
        cwd=tmp_path,
        capture_output=True,
        timeout=120,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    stored = _stored(tmp_path / "news.db")
    assert len(stored) == 8  # the crawl itself was done
    # The next export, of either kind, settles what the killed one left.
    again = runner.invoke(app, _crawl(news_toml, output))
    assert again.exit_code == 0, again.stderr
    assert _handed_on(out) == Counter(stored)
    # And a standalone LAST export has nothing left to hand on.
    left = runner.invoke(app, ["export", str(news_toml), "--since", "LAST"])
    assert (left.exit_code, left.stdout) == (0, "")
