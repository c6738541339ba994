"""What the store keeps across runs: pruned fetch history and runs, current errors only."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from scraper.config import CrawlConfig, parse_config
from scraper.crawl import run_crawl
from scraper.errors import ConfigError

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
