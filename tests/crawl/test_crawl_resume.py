"""``kill -9`` at any moment, then a rerun: every discovered article stored exactly once."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path

import pytest

from scraper.config import load_config
from scraper.crawl import commit, run_crawl
from scraper.demo.runner import demo_config, demo_sites
from scraper.demo.server import SiteServer
from scraper.demo.site import article_path, load_sites, render_site
from scraper.errors import CrawlStopped

CONFIG = """
store = "crawl.db"
workers = {workers}
allow_networks = ["127.0.0.0/8"]

[politeness]
min_interval = 0
per_host = 1
concurrency = 2

[[source]]
name = "herald"
sitemap = "{herald}/robots.txt"

[[source]]
name = "herald-feed"
feed = "{herald}/feed.xml"

[[source]]
name = "courier"
feed = ["{courier}/feed.json", "{courier}/atom.xml"]
"""


@pytest.fixture
def slow_sites() -> Iterator[dict[str, SiteServer]]:
    # Slow answers give the kill a window in the middle of the run.
    with demo_sites(delay=0.08) as servers:
        yield servers


@pytest.fixture
def uneven_sites() -> Iterator[dict[str, SiteServer]]:
    # A SIGINT must land after the first batch's commit (a second after the first article) and
    # before the run's end. With every site equally slow the two came 0.2-0.9 s apart and a
    # loaded machine could miss the window (the run ended first and exited 0). Here herald's
    # five articles come at once and are committed while courier, answering in 0.8 s, still
    # has seconds of requests to go: its robots.txt, two feeds and three articles, one at a time.
    delays = {"herald": 0.0, "courier": 0.8}
    with ExitStack() as stack:
        servers: dict[str, SiteServer] = {}
        for site in load_sites():
            server = stack.enter_context(SiteServer(delay=delays[site.slug]))
            server.publish(render_site(site, server.base_url))
            servers[site.slug] = server
        yield servers


def _count(db: Path, sql: str) -> int:
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
        try:
            return int(conn.execute(sql).fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error:
        return -1  # not created or not migrated yet


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if entry.name.isdigit() and int(stat[stat.rfind(")") + 2 :].split()[1]) == pid:
            out.append(int(entry.name))
    return out


def _kill_when(proc: subprocess.Popen[bytes], db: Path, sql: str, threshold: int) -> list[int]:
    """SIGKILL the crawl once ``sql`` counts ``threshold``; return the children it had."""
    deadline = time.monotonic() + 20
    while _count(db, sql) < threshold:
        assert proc.poll() is None, "the crawl ended before it could be killed"
        assert time.monotonic() < deadline, "the crawl made no progress"
        time.sleep(0.01)
    children = _children(proc.pid)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    return children


def _gone(pids: list[int], within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not any(Path(f"/proc/{pid}").exists() for pid in pids):
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize(
    ("sql", "threshold", "workers"),
    [
        ("SELECT COUNT(*) FROM urls", 1, 0),  # during discovery
        ("SELECT COUNT(*) FROM articles", 3, 1),  # mid-fetch, with a process pool
    ],
)
def test_killed_run_resumes_and_stores_each_article_once(
    slow_sites: dict[str, SiteServer], tmp_path: Path, sql: str, threshold: int, workers: int
) -> None:
    herald, courier = slow_sites["herald"].base_url, slow_sites["courier"].base_url
    path = tmp_path / "crawl.toml"
    path.write_text(CONFIG.format(herald=herald, courier=courier, workers=workers), "utf-8")
    db = tmp_path / "crawl.db"
    proc = subprocess.Popen(
        [sys.executable, "-m", "scraper", "crawl", str(path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    children = _kill_when(proc, db, sql, threshold)
    assert proc.returncode == -signal.SIGKILL
    # Extraction workers notice and exit: a killed crawl leaves no process behind.
    assert _gone(children, within=5), f"left behind: {children}"
    assert bool(children) == (workers > 0)
    before = max(0, _count(db, "SELECT COUNT(*) FROM articles"))
    marks = {slug: len(server.log) for slug, server in slow_sites.items()}

    result = run_crawl(replace(load_config(path), workers=0))  # the lock was released by the kernel

    expected = {
        slow_sites[site.slug].base_url + article_path(site, a)
        for site in load_sites()
        for a in site.articles
    }
    conn = sqlite3.connect(db)
    try:
        urls = [row[0] for row in conn.execute("SELECT url FROM articles")]
    finally:
        conn.close()
    assert Counter(urls) == Counter(expected)  # every article, each exactly once
    assert result.stats.stored == len(expected) - before
    # The rerun fetched only what had not been stored, each page once.
    refetched: Counter[str] = Counter()
    for slug, server in slow_sites.items():
        refetched.update(
            server.base_url + r.path
            for r in server.log[marks[slug] :]
            if r.path.count("/") >= 3 and r.status == 200
        )
    assert set(refetched.values()) <= {1}
    assert sum(refetched.values()) == len(expected) - before


@pytest.mark.parametrize(
    ("signum", "code", "message", "whole_group", "times"),
    [
        # Ctrl-C, sent to the crawl process.
        (signal.SIGINT, 130, b"interrupted", False, 1),
        # Pressed again while the run stops: it goes on stopping as the first asked (a second
        # KeyboardInterrupt raised wherever the run was recorded it failed, or left a worker
        # not waited for, or exited -2 with nothing said).
        (signal.SIGINT, 130, b"interrupted", False, 2),
        # A service manager's stop (systemd signals every process of the unit, workers too)
        # or `timeout`: the run stops as cleanly, with its own exit code.
        (signal.SIGTERM, 143, b"stopped by SIGTERM", True, 1),
    ],
    ids=["ctrl-c", "ctrl-c-twice", "sigterm-group"],
)
def test_a_stopped_run_exits_with_its_code_and_the_next_run_finishes(
    uneven_sites: dict[str, SiteServer],
    tmp_path: Path,
    signum: int,
    code: int,
    message: bytes,
    whole_group: bool,
    times: int,
) -> None:
    herald, courier = uneven_sites["herald"].base_url, uneven_sites["courier"].base_url
    path = tmp_path / "crawl.toml"
    path.write_text(CONFIG.format(herald=herald, courier=courier, workers=1), "utf-8")
    db = tmp_path / "crawl.db"
    # A job started in the background by a non-interactive shell (a CI runner's, say) has
    # SIGINT ignored, and a child inherits "ignored" but not a handler: with a handler here
    # for the moment of the start, the crawl gets SIGINT's default and Python's own handler.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "scraper", "crawl", str(path)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=whole_group,
        )
    finally:
        signal.signal(signal.SIGINT, previous)
    deadline = time.monotonic() + 20
    while _count(db, "SELECT COUNT(*) FROM articles") < 2:
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.01)
    assert _children(proc.pid), "the crawl should have its extraction worker by now"
    for _ in range(times):
        if whole_group:
            os.killpg(proc.pid, signum)
        else:
            proc.send_signal(signum)
        time.sleep(0.05)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == code, err
    assert message in err
    assert b"the next run resumes" in err
    assert b"Traceback" not in err
    assert _count(db, "SELECT COUNT(*) FROM runs WHERE status = 'stopped'") == 1
    before = _count(db, "SELECT COUNT(*) FROM articles")
    # Nothing was recorded as failed: a worker that died of the signal would have failed the
    # pages in hand, and the rerun would leave them to a later retry.
    assert _count(db, "SELECT COUNT(*) FROM fetches WHERE error_kind IS NOT NULL") == 0
    result = run_crawl(replace(load_config(path), workers=0))
    assert before + result.stats.stored == 8
    assert _count(db, "SELECT COUNT(DISTINCT url) FROM articles") == 8


def test_a_stop_signal_stores_the_articles_in_hand_and_the_next_run_fetches_the_rest(
    uneven_sites: dict[str, SiteServer], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No batch falls due before the stop (one of a thousand, or after a minute), so any article
    # stored by the stopped run was stored by the stop itself.
    monkeypatch.setattr(commit, "BATCH", 1000)
    monkeypatch.setattr(commit, "MAX_DELAY", 60.0)
    config = demo_config(uneven_sites, tmp_path / "crawl.db", workers=0)
    articles = sum(len(site.articles) for site in load_sites())

    # The stop must find an article in hand. A fixed wait (0.3 s) after the server had
    # answered two raced the run on a loaded machine: the answers could still be on their
    # way, and the stop then cancelled their fetches with nothing extracted. The run's own
    # hand-over of an extracted article to its batch is the moment to wait for.
    in_hand = threading.Event()
    add = commit.Committer.add

    def add_and_tell(self: commit.Committer, item: commit.Ready) -> None:
        add(self, item)
        in_hand.set()

    monkeypatch.setattr(commit.Committer, "add", add_and_tell)

    def stop_once_an_article_is_in_hand() -> None:
        in_hand.wait(timeout=20)  # a safety net: a run that never gets there fails below
        # SIGWINCH's default action is to do nothing, so a signal landing after the run
        # cannot harm the test process.
        os.kill(os.getpid(), signal.SIGWINCH)

    stopper = threading.Thread(target=stop_once_an_article_is_in_hand)
    stopper.start()
    try:
        with pytest.raises(CrawlStopped, match="SIGWINCH") as stopped:
            run_crawl(config, stop_on=(signal.SIGWINCH,))
    finally:
        stopper.join()
    assert stopped.value.signal == signal.SIGWINCH
    assert signal.getsignal(signal.SIGWINCH) == signal.SIG_DFL  # as before the run
    db = tmp_path / "crawl.db"
    kept = _count(db, "SELECT COUNT(*) FROM articles")
    assert 1 <= kept < articles
    assert _count(db, "SELECT COUNT(*) FROM runs WHERE status = 'stopped'") == 1
    marks = {slug: len(server.log) for slug, server in uneven_sites.items()}

    result = run_crawl(config)
    assert result.stats.stored == articles - kept
    assert _count(db, "SELECT COUNT(DISTINCT url) FROM articles") == articles
    refetched = sum(
        r.path.count("/") >= 3 and r.status == 200
        for slug, server in uneven_sites.items()
        for r in server.log[marks[slug] :]
    )
    assert refetched == articles - kept
