"""Times a clock that ran ahead left in the store do not hold a source or a URL back."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scraper.cli.app import app
from scraper.config import CrawlConfig, Politeness, RetryPolicy, Source, SourceKind
from scraper.crawl import run_crawl
from scraper.demo.server import SiteServer
from scraper.demo.site import article_path, load_sites, render_site

HERALD = next(site for site in load_sites() if site.slug == "herald")
DAY = 86400.0


@pytest.fixture
def herald() -> Iterator[SiteServer]:
    with SiteServer() as server:
        server.publish(render_site(HERALD, server.base_url))
        yield server


def _config(server: SiteServer, store: Path) -> CrawlConfig:
    return CrawlConfig(
        sources=(
            Source(
                name="one",
                kind=SourceKind.FEED,
                urls=(server.base_url + "/feed.xml",),
                refresh_minutes=10.0,
            ),
        ),
        store=store,
        politeness=Politeness(min_interval=0.0),
        # A retry waits 60 s, then 120 s; a server's Retry-After is heeded up to a day.
        retry=RetryPolicy(per_request=1, backoff=60.0, max_attempts=3),
        workers=0,
        allow_networks=("127.0.0.0/8",),
    )


def _shift(store: Path, sql: str, days: float = 1.0) -> None:
    conn = sqlite3.connect(store)
    conn.execute(sql, (time.time() + days * DAY,))
    conn.commit()
    conn.close()


def test_a_listing_read_at_a_time_still_to_come_is_due(herald: SiteServer, tmp_path: Path) -> None:
    store = tmp_path / "crawl.db"
    run_crawl(_config(herald, store))
    assert run_crawl(_config(herald, store)).sources[0].not_due == 1  # resting, as it should
    _shift(store, "UPDATE documents SET fetched_at = ?")  # read by a clock a day ahead
    again = run_crawl(_config(herald, store))
    assert again.sources[0].not_due == 0 and again.stats.not_modified == 1


def test_a_retry_further_ahead_than_the_policy_can_set_is_due(
    herald: SiteServer, tmp_path: Path
) -> None:
    store = tmp_path / "crawl.db"
    path = article_path(HERALD, HERALD.articles[0])
    herald.fail(path, 503)
    assert run_crawl(_config(herald, store)).stats.failed == 1
    herald.restore(path)
    assert run_crawl(_config(herald, store)).stats.fetched == 0  # waits its 60 s
    _shift(store, "UPDATE urls SET next_attempt_at = ? WHERE state = 'retry'", days=0.5)
    assert run_crawl(_config(herald, store)).stats.fetched == 0  # within a day: as it says
    _shift(store, "UPDATE urls SET next_attempt_at = ? WHERE state = 'retry'", days=2.0)
    again = run_crawl(_config(herald, store))
    assert again.stats.stored == 1
    assert [r.path for r in herald.log].count(path) == 2


def _holds(store: Path) -> dict[str, float]:
    conn = sqlite3.connect(store)
    try:
        return dict(conn.execute("SELECT host, until FROM host_holds").fetchall())
    finally:
        conn.close()


def test_a_hosts_wait_stored_by_a_clock_far_ahead_ends_within_a_day(
    herald: SiteServer, tmp_path: Path
) -> None:
    store = tmp_path / "crawl.db"
    path = article_path(HERALD, HERALD.articles[0])
    herald.fail(path, 503, {"Retry-After": "3600"})
    assert run_crawl(_config(herald, store)).stats.held > 0
    host = herald.base_url.removeprefix("http://")
    (hour,) = _holds(store).values()
    _shift(store, "UPDATE host_holds SET until = ?", days=0.5)
    half_a_day = _holds(store)[host]

    # Within the longest wait a host is given (a day): kept as it is.
    run_crawl(_config(herald, store))
    assert _holds(store)[host] == half_a_day > hour

    # A month ahead, set by a clock that ran ahead: a day from now at most, shown and kept so.
    _shift(store, "UPDATE host_holds SET until = ?", days=30.0)
    shown = CliRunner().invoke(app, ["status", str(store), "--json"])
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.output)["waiting_hosts"][host] <= time.time() + DAY
    _shift(store, "UPDATE urls SET next_attempt_at = ? WHERE state != 'done'", days=0.0)
    asked, began = len(herald.log), time.time()
    again = run_crawl(_config(herald, store))
    assert again.stats.held > 0 and len(herald.log) == asked  # still left alone...
    assert began + DAY - 5 < _holds(store)[host] <= time.time() + DAY  # ...for a day at most
