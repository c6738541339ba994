"""What the store keeps across runs: pruned fetch history and runs, current errors only."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from scraper.config import CrawlConfig, parse_config
from scraper.crawl import run_crawl
from scraper.demo.listings import sitemap_index
from scraper.demo.server import Resource, SiteServer
from scraper.errors import ConfigError
from scraper.store.crawl_store import SQLiteCrawlStore

DAY = 86400.0


def _age(db: Path, table: str, column: str, days: float) -> None:
    conn = sqlite3.connect(db)
    with conn:
        conn.execute(f"UPDATE {table} SET {column} = {column} - ?", (days * DAY,))
    conn.close()


def _count(db: Path, sql: str) -> int:
    conn = sqlite3.connect(db)
    try:
        return int(conn.execute(sql).fetchone()[0])
    finally:
        conn.close()


def test_fetches_and_runs_older_than_the_history_are_pruned_after_a_run(
    config: CrawlConfig,
) -> None:
    config = replace(config, history_days=30.0)
    db = config.store
    first = run_crawl(config)
    fetched = _count(db, "SELECT COUNT(*) FROM fetches")
    assert fetched > first.stats.stored > 0  # listings and articles
    _age(db, "fetches", "fetched_at", 40)
    _age(db, "runs", "started_at", 40)
    second = run_crawl(config)
    # The 40-day-old history is gone; this run's listing fetches (304s) are all that is left.
    assert _count(db, "SELECT COUNT(*) FROM fetches") == second.stats.not_modified > 0
    assert _count(db, f"SELECT COUNT(*) FROM fetches WHERE run_id = {first.run_id}") == 0
    assert _count(db, "SELECT COUNT(*) FROM runs") == 1
    # History younger than the limit stays.
    _age(db, "fetches", "fetched_at", 20)
    _age(db, "runs", "started_at", 20)
    third = run_crawl(config)
    assert _count(db, "SELECT COUNT(*) FROM fetches") == 2 * third.stats.not_modified
    assert _count(db, "SELECT COUNT(*) FROM runs") == 2
    # URL states and articles are not history: nothing of them is pruned.
    assert _count(db, "SELECT COUNT(*) FROM articles") == first.stats.stored
    assert _count(db, "SELECT COUNT(*) FROM urls WHERE state = 'done'") == first.stats.stored


def test_the_history_limit_is_checked_in_the_config(tmp_path: Path) -> None:
    data = {"store": "c.db", "source": [{"urls": ["https://n.test/a"]}]}
    assert parse_config(data).history_days == 30.0
    assert parse_config({**data, "history_days": 7}).history_days == 7.0
    with pytest.raises(ConfigError) as bad:
        parse_config({**data, "history_days": 0})
    assert bad.value.key == "history_days"


def _xml(body: bytes) -> Resource:
    return Resource("application/xml", body, datetime.now(UTC))


def _last_error(db: Path) -> str | None:
    store = SQLiteCrawlStore(db)
    try:
        (stats,) = store.source_stats()
        return stats.last_error
    finally:
        store.close()


def test_status_forgets_the_error_of_a_document_no_longer_listed(tmp_path: Path) -> None:
    paragraph = "<p>The council met on Tuesday to debate the new budget for schools and roads.</p>"
    page = f"<html><body><article><h1>A</h1>{paragraph * 8}</article></body></html>"
    with SiteServer() as server:
        base = server.base_url
        urlset = (
            '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<url><loc>{base}/a</loc></url></urlset>"
        ).encode()
        server.publish(
            {
                "/index.xml": _xml(sitemap_index([f"{base}/day-1.xml", f"{base}/day-2.xml"])),
                "/day-2.xml": _xml(urlset),
                "/a": Resource("text/html; charset=utf-8", page.encode(), datetime.now(UTC)),
            }
        )
        config = parse_config(
            {
                "store": str(tmp_path / "c.db"),
                "workers": 0,
                "allow_networks": ["127.0.0.0/8"],
                "politeness": {"min_interval": 0.0},
                "retry": {"backoff": 0.0, "per_request": 1},
                "source": [{"name": "sm", "sitemap": f"{base}/index.xml"}],
            }
        )
        assert run_crawl(config).stats.stored == 1
        assert "404" in (_last_error(config.store) or "")  # day-1.xml is missing
        server.publish({"/index.xml": _xml(sitemap_index([f"{base}/day-2.xml"]))})
        assert run_crawl(config).ok
        assert _last_error(config.store) is None
        # A listed document that fails again is the source's error once more.
        server.fail("/day-2.xml", 500)
        run_crawl(config)
        assert "500" in (_last_error(config.store) or "")
