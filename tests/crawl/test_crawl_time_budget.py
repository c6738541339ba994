"""A run's time budget: no new URL after it, the rest left due for the next run."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scraper.cli.app import app
from scraper.config import (
    CrawlConfig,
    HostLimit,
    Politeness,
    RetryPolicy,
    Source,
    SourceKind,
    parse_config,
)
from scraper.crawl import run_crawl
from scraper.demo.server import SiteServer
from scraper.demo.site import load_sites, render_site
from scraper.errors import ConfigError
from scraper.store.crawl_store import SQLiteCrawlStore

SITE = next(site for site in load_sites() if site.slug == "herald")
# The host's own pace: one article each 0.3 s, so a 0.5 s budget takes two or three of them.
INTERVAL = 0.3
BUDGET = 0.5


@pytest.fixture
def site() -> Iterator[SiteServer]:
    with SiteServer() as server:
        server.publish(render_site(SITE, server.base_url))
        yield server


def _config(site: SiteServer, store: Path, budget: float | None) -> CrawlConfig:
    articles = tuple(f"{site.base_url}/news/2026/{a.slug}" for a in SITE.articles)
    return CrawlConfig(
        sources=(Source(name="herald", kind=SourceKind.URLS, urls=articles),),
        store=store,
        politeness=Politeness(min_interval=0.0, per_host=1, concurrency=2),
        hosts={site.base_url.removeprefix("http://"): HostLimit(min_interval=INTERVAL, per_host=1)},
        retry=RetryPolicy(per_request=1),
        max_run_seconds=budget,
        workers=0,
        allow_networks=("127.0.0.0/8",),
    )


def _stored_urls(path: Path) -> list[str | None]:
    store = SQLiteCrawlStore(path)
    try:
        return [a.article.url for a in store.articles_since()]
    finally:
        store.close()


def test_a_run_stops_taking_urls_at_its_budget_and_the_next_run_takes_the_rest(
    site: SiteServer, tmp_path: Path
) -> None:
    store = tmp_path / "crawl.db"
    total = len(SITE.articles)
    began = time.monotonic()
    first = run_crawl(_config(site, store, BUDGET))
    took = time.monotonic() - began
    # Without the budget the paced host alone takes (total - 1) * 0.3 s.
    assert took < (total - 1) * INTERVAL
    assert 0 < first.stats.stored < total
    assert first.stats.left == total - first.stats.stored
    assert first.ok  # a budget reached is not a failure
    second = run_crawl(_config(site, store, None))
    assert second.stats.left == 0
    assert first.stats.stored + second.stats.stored == total
    urls = _stored_urls(store)
    assert len(urls) == len(set(urls)) == total
    fetched = [r.path for r in site.log if r.path.startswith("/news/2026/")]
    assert len(fetched) == total  # no article asked twice


def test_a_listing_slower_than_the_budget_is_cut_with_a_warning(tmp_path: Path) -> None:
    with SiteServer(delay=2.0) as slow:
        slow.publish(render_site(SITE, slow.base_url))
        config = CrawlConfig(
            sources=(
                Source(name="slow", kind=SourceKind.FEED, urls=(slow.base_url + "/feed.xml",)),
            ),
            store=tmp_path / "crawl.db",
            politeness=Politeness(min_interval=0.0),
            retry=RetryPolicy(per_request=1),
            max_run_seconds=BUDGET,
            workers=0,
            allow_networks=("127.0.0.0/8",),
        )
        began = time.monotonic()
        result = run_crawl(config)
        assert time.monotonic() - began < 1.5  # the server answers after 2 s
    (report,) = result.sources
    assert report.warnings and "time budget" in report.warnings[0]
    assert not report.errors and result.ok


def test_the_cli_reports_what_the_budget_left(site: SiteServer, tmp_path: Path) -> None:
    articles = ", ".join(f'"{site.base_url}/news/2026/{a.slug}"' for a in SITE.articles)
    toml = tmp_path / "crawl.toml"
    toml.write_text(
        f'store = "crawl.db"\nworkers = 0\nallow_networks = ["127.0.0.0/8"]\n'
        f'[hosts."{site.base_url.removeprefix("http://")}"]\nmin_interval = {INTERVAL}\n'
        f'per_host = 1\n[[source]]\nname = "herald"\nurls = [{articles}]\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["crawl", str(toml), "--max-run-seconds", str(BUDGET)])
    assert result.exit_code == 0, result.output
    assert "URLs left for the next run (time budget)" in result.stderr


def test_max_run_seconds_is_read_and_checked() -> None:
    base = {"store": "c.db", "source": [{"urls": ["https://example.com/a"]}]}
    assert parse_config(base).max_run_seconds is None
    assert parse_config({**base, "max_run_seconds": 240}).max_run_seconds == 240.0
    with pytest.raises(ConfigError) as raised:
        parse_config({**base, "max_run_seconds": 0})
    assert raised.value.key == "max_run_seconds"


def test_a_fetch_waiting_for_its_hosts_turn_is_cut_at_the_budget(
    site: SiteServer, tmp_path: Path
) -> None:
    config = _config(site, tmp_path / "crawl.db", BUDGET)
    slow = {key: HostLimit(min_interval=2.0, per_host=1) for key in config.hosts}
    began = time.monotonic()
    result = run_crawl(replace(config, hosts=slow))
    # An article taken at once waited for the host's next turn (robots.txt took the first),
    # and the run ended at 2 s or more, four times over its budget. Its wait is cut now,
    # with nothing recorded against it.
    assert time.monotonic() - began < 1.5
    assert result.stats.failed == 0 and result.ok
    assert result.stats.left == len(SITE.articles) - result.stats.stored > 0
