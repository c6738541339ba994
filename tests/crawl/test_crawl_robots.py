"""A robots.txt that answers 503 puts its host's articles off to a later run, not for good."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scraper.cli.app import app
from scraper.config import CrawlConfig, Politeness, RetryPolicy, Source, SourceKind
from scraper.crawl import run_crawl
from scraper.demo.server import SiteServer
from scraper.demo.site import load_sites, render_site
from scraper.store.crawl_store import SQLiteCrawlStore
from scraper.store.protocol import SourceStats

COURIER = next(site for site in load_sites() if site.slug == "courier")
ARTICLES = len(COURIER.articles)


@pytest.fixture
def hosts() -> Iterator[tuple[SiteServer, SiteServer]]:
    """The courier's feed served from one host, its articles (and robots.txt) from another."""
    with ExitStack() as stack:
        feeds = stack.enter_context(SiteServer())
        www = stack.enter_context(SiteServer())
        pages = render_site(COURIER, www.base_url)
        www.publish(pages)
        feeds.publish({"/feed.xml": pages["/feed.xml"]})
        yield feeds, www


def _config(feeds: SiteServer, store: Path, max_attempts: int) -> CrawlConfig:
    return CrawlConfig(
        sources=(
            Source(name="courier", kind=SourceKind.FEED, urls=(feeds.base_url + "/feed.xml",)),
        ),
        store=store,
        politeness=Politeness(min_interval=0.0, per_host=4, concurrency=4),
        retry=RetryPolicy(max_attempts=max_attempts, backoff=0.0, per_request=1),
        workers=0,
        allow_networks=("127.0.0.0/8",),
    )


def _urls(store: Path) -> dict[str, tuple[str, int, str]]:
    conn = sqlite3.connect(store)
    try:
        rows = conn.execute("SELECT url, state, attempts, last_error FROM urls").fetchall()
    finally:
        conn.close()
    return {url: (state, attempts, error) for url, state, attempts, error in rows}


def _status(store: Path) -> SourceStats:
    db = SQLiteCrawlStore(store)
    try:
        (stats,) = db.source_stats()
    finally:
        db.close()
    return stats


def _first_run_behind_a_503(
    hosts: tuple[SiteServer, SiteServer], store: Path, max_attempts: int
) -> CrawlConfig:
    """Crawl once while the article host's robots.txt answers 503: every article put off."""
    feeds, www = hosts
    config = _config(feeds, store, max_attempts)
    www.fail("/robots.txt", 503)
    first = run_crawl(config)
    assert (first.stats.stored, first.stats.failed, first.stats.gave_up) == (0, ARTICLES, 0)
    assert {f.kind for f in first.failures} == {"robots_unavailable"}
    return config


def test_articles_behind_a_failing_robots_txt_are_stored_once_it_recovers(
    hosts: tuple[SiteServer, SiteServer], tmp_path: Path
) -> None:
    store = tmp_path / "crawl.db"
    config = _first_run_behind_a_503(hosts, store, max_attempts=3)
    urls = _urls(store)
    assert len(urls) == ARTICLES
    for state, attempts, error in urls.values():
        assert (state, attempts) == ("retry", 1)
        assert error.startswith("robots_unavailable: ") and "robots.txt answered 503" in error
    status = _status(store)  # what `scraper status` prints: to retry, none given up
    assert (status.failing, status.gave_up) == (ARTICLES, 0)
    assert "robots.txt answered 503" in str(status.last_error)

    hosts[1].fail("/robots.txt", 404)  # robots.txt fixed: no file, nothing disallowed
    second = run_crawl(config)
    assert second.ok
    assert (second.stats.stored, second.stats.failed, second.stats.gave_up) == (ARTICLES, 0, 0)
    assert {state for state, _, _ in _urls(store).values()} == {"done"}


def test_a_robots_txt_failing_run_after_run_gives_up_after_max_attempts(
    hosts: tuple[SiteServer, SiteServer], tmp_path: Path
) -> None:
    store = tmp_path / "crawl.db"
    config = _first_run_behind_a_503(hosts, store, max_attempts=2)
    second = run_crawl(config)
    assert (second.stats.failed, second.stats.gave_up) == (0, ARTICLES)
    for state, attempts, error in _urls(store).values():
        assert (state, attempts) == ("gave_up", 2)
        assert "robots.txt answered 503" in error
    # Only robots.txt was asked on the article host: no article was requested.
    assert {r.path for r in hosts[1].log} == {"/robots.txt"}


def _holds(store: Path) -> dict[str, float]:
    conn = sqlite3.connect(store)
    try:
        return dict(conn.execute("SELECT host, until FROM host_holds").fetchall())
    finally:
        conn.close()


def test_a_robots_txt_asking_for_an_hour_holds_its_host_across_runs_without_attempts(
    hosts: tuple[SiteServer, SiteServer], tmp_path: Path
) -> None:
    feeds, www = hosts
    store = tmp_path / "crawl.db"
    config = _config(feeds, store, max_attempts=2)
    www.fail("/robots.txt", 503, {"Retry-After": "3600"})
    began = time.time()

    first = run_crawl(config)

    assert [r.path for r in www.log] == ["/robots.txt"]  # asked once, nothing else
    assert (first.stats.stored, first.stats.failed, first.stats.gave_up) == (0, 0, 0)
    assert first.stats.held == ARTICLES
    assert first.ok
    urls = _urls(store)
    assert {attempts for _, attempts, _ in urls.values()} == {0}  # no attempt counted
    told = [error for _, _, error in urls.values() if error is not None]
    assert told and all(
        e.startswith("robots_unavailable: ") and "asked to retry after 3600 s" in e for e in told
    )
    host = www.base_url.removeprefix("http://")
    (until,) = _holds(store).values()
    assert list(_holds(store)) == [host]
    assert began + 3600 - 5 < until < time.time() + 3600 + 5
    shown = CliRunner().invoke(app, ["status", str(store)])
    assert shown.exit_code == 0, shown.output
    assert f"host {host} asked not to be asked before " in shown.output

    # Even with its URLs due again, the next run does not ask the host, robots.txt included.
    _make_due(store)
    second = run_crawl(config)
    assert len(www.log) == 1
    assert (second.stats.held, second.stats.failed, second.stats.gave_up) == (ARTICLES, 0, 0)
    assert {attempts for _, attempts, _ in _urls(store).values()} == {0}

    # Once the time has passed, the host is asked again and its articles are stored.
    _make_due(store, holds=True)
    www.restore("/robots.txt")
    third = run_crawl(config)
    assert (third.stats.stored, third.stats.held) == (ARTICLES, 0)


def _make_due(store: Path, *, holds: bool = False) -> None:
    """Every URL (and, with ``holds``, every host's wait) due now."""
    conn = sqlite3.connect(store)
    try:
        with conn:
            conn.execute("UPDATE urls SET next_attempt_at = 0 WHERE state != 'done'")
            if holds:
                conn.execute("UPDATE host_holds SET until = 0")
    finally:
        conn.close()
