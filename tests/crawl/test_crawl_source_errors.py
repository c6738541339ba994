"""Errors a run meets in a source outside its listings, kept for ``scraper status``.

A listing's own failure is kept with its document; these (a config entry that is no URL, a bug
on odd input) were only counted in the run's summary line and exit code, so a cron operator
could not tell afterwards which source failed, and why.
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from scraper.cli.app import app
from scraper.config import CrawlConfig, Politeness, RetryPolicy, Source, SourceKind
from scraper.crawl import run_crawl
from scraper.credentials import without_userinfo
from scraper.demo.server import SiteServer
from scraper.demo.site import load_sites, render_site
from scraper.store.crawl_store import STEPS, SQLiteCrawlStore
from scraper.store.protocol import SourceStats

runner = CliRunner()
#: A URL no run can crawl: its host has no IDNA form.
UNCRAWLABLE = "http://\u2603.example/story"


@pytest.fixture(autouse=True)
def _config_takes_any_url(monkeypatch: pytest.MonkeyPatch) -> None:
    """The config refuses such URLs now (exit 2 naming the key), but a run still meets entries
    it cannot crawl (a bug on odd input; a store keeps what older configs' runs met): these
    tests put them in the config to have the run meet one, through the commands."""
    monkeypatch.setattr("scraper.config._check_url", lambda url, key: url)


WHEN = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC"


def _with_picked(news_toml: Path, sites: dict[str, SiteServer], *urls: str) -> None:
    """Add to the CLI tests' config a ``urls`` source, "picked": a courier article and ``urls``."""
    article = f'"{sites["courier"].base_url}/stories/2026/record-apple-harvest"'
    listed = ", ".join([article, *(f'"{url}"' for url in urls)])
    base = news_toml.read_text(encoding="utf-8").split('\n[[source]]\nname = "picked"')[0]
    news_toml.write_text(f'{base}\n[[source]]\nname = "picked"\nurls = [{listed}]\n', "utf-8")


def _status(news_toml: Path) -> tuple[list[str], dict[str, dict[str, Any]]]:
    shown = runner.invoke(app, ["status", str(news_toml)])
    assert shown.exit_code == 0, shown.output
    data = json.loads(runner.invoke(app, ["status", str(news_toml), "--json"]).stdout)
    return shown.stdout.splitlines(), {s["name"]: s for s in data["sources"]}


def _failing_source(name: str, store: Path) -> CrawlConfig:
    """A config whose one source, ``name``, lists a URL no run can crawl: a source error."""
    return CrawlConfig(
        sources=(Source(name=name, kind=SourceKind.URLS, urls=(UNCRAWLABLE,)),),
        store=store,
        politeness=Politeness(min_interval=0.0),
        retry=RetryPolicy(per_request=1),
        workers=0,
        allow_networks=("127.0.0.0/8",),
    )


def _only_source_stats(store: Path) -> SourceStats:
    opened = SQLiteCrawlStore(store, create=False)
    try:
        (stats,) = opened.source_stats()
    finally:
        opened.close()
    return stats


def test_status_names_the_source_and_its_error_after_the_run(
    sites: dict[str, SiteServer], news_toml: Path
) -> None:
    _with_picked(news_toml, sites, UNCRAWLABLE)
    crawled = runner.invoke(app, ["crawl", str(news_toml)])
    assert crawled.exit_code == 1, crawled.output
    assert "1 source error" in crawled.stderr  # all the run itself says of it
    lines, sources = _status(news_toml)
    (line,) = [line for line in lines if line.startswith("source error in ")]
    assert re.fullmatch(
        rf"source error in picked, run #1 at {WHEN}: input: skipped entry: host has no IDNA"
        rf" \(punycode\) form in '{re.escape(UNCRAWLABLE)}': .+",
        line,
    ), line
    (kept,) = sources["picked"]["source_errors"]
    assert kept["run_id"] == 1 and kept["error"] == line.split(": ", 1)[1]
    assert isinstance(kept["at"], float) and sources["picked"]["clean_run"] is None
    assert sources["picked"]["stored"] == 1  # the source's other URL is crawled all the same
    assert (sources["herald"]["source_errors"], sources["herald"]["clean_run"]) == ([], None)
    # After the lines status showed before, which stay as they were.
    assert lines[-2].startswith("last run: #1 ok, ") and lines[-1] == line
    assert not any(line.startswith("latest error in") for line in lines)

    # Fixed in the config: the next run meets it no more, and status says so.
    _with_picked(news_toml, sites)
    assert runner.invoke(app, ["crawl", str(news_toml)]).exit_code == 0
    lines, sources = _status(news_toml)
    (line,) = [line for line in lines if line.startswith("source error in ")]
    assert line.startswith("source error in picked, run #1 at ")
    assert " (not met again by run #2): input: skipped entry: " in line
    assert sources["picked"]["clean_run"] == 2
    assert [e["run_id"] for e in sources["picked"]["source_errors"]] == [1]

    # Met again: the latest run that met it replaces what an earlier one kept.
    _with_picked(news_toml, sites, UNCRAWLABLE, "http://user:s3cret@a.example:99999/x")
    assert runner.invoke(app, ["crawl", str(news_toml)]).exit_code == 1
    lines, sources = _status(news_toml)
    shown = [line for line in lines if line.startswith("source error in ")]
    assert len(shown) == 2 and "'http://user:***@a.example:99999/x'" in shown[1]
    for kept in news_toml.parent.glob("news.db*"):  # the write-ahead log too
        assert b"s3cret" not in kept.read_bytes()  # credentials are never stored
    assert all(line.startswith("source error in picked, run #3 at ") for line in shown)
    assert not any("not met again" in line for line in shown)
    assert sources["picked"]["clean_run"] is None


def test_status_source_shows_the_source_errors_of_that_source_alone(
    sites: dict[str, SiteServer], news_toml: Path
) -> None:
    _with_picked(news_toml, sites, UNCRAWLABLE)
    assert runner.invoke(app, ["crawl", str(news_toml)]).exit_code == 1
    other = runner.invoke(app, ["status", str(news_toml), "--source", "herald"])
    assert other.exit_code == 0, other.output
    assert "picked" not in other.stdout
    own = runner.invoke(app, ["status", str(news_toml), "--source", "picked"]).stdout.splitlines()
    assert own[-1].startswith("source error in picked, run #1 at ")
    store = SQLiteCrawlStore(news_toml.parent / "news.db", create=False)
    try:
        (herald,) = store.source_stats(source="herald")
        (picked,) = store.source_stats(source="picked")
    finally:
        store.close()
    assert (herald.name, herald.source_errors) == ("herald", ())
    assert picked.name == "picked" and len(picked.source_errors) == 1


def test_an_unexpected_error_of_a_source_is_kept_with_its_source(
    sites: dict[str, SiteServer], news_toml: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A bug on odd input while a source's listings are being chosen (before any one is
    # read) ends that source's discovery outside any listing's read.
    herald = sites["herald"].base_url

    def odd(url: str) -> str:
        if url.startswith(herald):
            raise KeyError(url)
        return without_userinfo(url)

    assert runner.invoke(app, ["crawl", str(news_toml)]).exit_code == 0
    monkeypatch.setattr("scraper.crawl.discovery.without_userinfo", odd)
    assert runner.invoke(app, ["crawl", str(news_toml)]).exit_code == 1
    lines, sources = _status(news_toml)
    (line,) = [line for line in lines if line.startswith("source error in ")]
    assert re.fullmatch(rf"source error in herald, run #2 at {WHEN}: KeyError: .+", line)
    assert [e["run_id"] for e in sources["herald"]["source_errors"]] == [2]
    assert sources["courier"]["source_errors"] == []


def test_a_source_the_time_budget_cut_keeps_its_errors_as_they_were(tmp_path: Path) -> None:
    site = next(s for s in load_sites() if s.slug == "herald")
    store = tmp_path / "crawl.db"
    with SiteServer(delay=2.0) as slow:
        slow.publish(render_site(site, slow.base_url))
        base = _failing_source("slow", store)
        assert not run_crawl(base).ok
        feed = Source(name="slow", kind=SourceKind.FEED, urls=(slow.base_url + "/feed.xml",))
        cut = run_crawl(replace(base, sources=(feed,), max_run_seconds=0.5))
    (report,) = cut.sources
    assert report.warnings and not report.errors  # the listing was never read
    stats = _only_source_stats(store)
    # Whether the source still meets its error is not known: what run 1 kept stays current.
    assert [(e.run_id, e.error[:6]) for e in stats.source_errors] == [(1, "input:")]
    assert stats.clean_run is None


def test_a_store_of_the_previous_version_is_upgraded_by_a_crawl(
    sites: dict[str, SiteServer], news_toml: Path
) -> None:
    _with_picked(news_toml, sites, UNCRAWLABLE)
    assert runner.invoke(app, ["crawl", str(news_toml)]).exit_code == 1
    db = news_toml.parent / "news.db"
    conn = sqlite3.connect(db)
    try:  # the store as the scraper before this version left it
        with conn:
            conn.execute("DROP TABLE source_errors")
            conn.execute("ALTER TABLE sources DROP COLUMN read_run")
            conn.execute(
                "UPDATE schema_migrations SET version = ? WHERE component = 'crawl'",
                # Before the step that keeps source errors (session 24's renaming, session
                # 26's versions, session 28's change_due, 29's and 34's indexes came after).
                (len(STEPS) - 7,),
            )
    finally:
        conn.close()
    refused = runner.invoke(app, ["status", str(news_toml)])
    assert refused.exit_code == 4 and "the next `scraper crawl` upgrades it" in refused.stderr
    assert runner.invoke(app, ["crawl", str(news_toml)]).exit_code == 1
    lines, sources = _status(news_toml)
    assert any(line.startswith("source error in picked, run #2 at ") for line in lines)
    assert sources["herald"]["source_errors"] == []


def test_a_source_whose_listings_its_host_kept_unread_keeps_its_errors_as_they_were(
    tmp_path: Path,
) -> None:
    site = next(s for s in load_sites() if s.slug == "herald")
    store = tmp_path / "crawl.db"
    with SiteServer() as server:
        server.publish(render_site(site, server.base_url))
        base = _failing_source("held", store)
        assert not run_crawl(base).ok
        # The feed's host asked to be left alone for an hour: no listing of the source is read.
        opened = SQLiteCrawlStore(store, create=False)
        try:
            host = server.base_url.split("://", 1)[1]
            opened.hold_host(host, time.time() + 3600.0, "429 Too Many Requests")
        finally:
            opened.close()
        feed = Source(name="held", kind=SourceKind.FEED, urls=(server.base_url + "/feed.xml",))
        waited = run_crawl(replace(base, sources=(feed,)))
        asked = [r.path for r in server.log if r.path != "/robots.txt"]
    (report,) = waited.sources
    assert report.warnings and not report.errors and not asked  # the listing was never read
    stats = _only_source_stats(store)
    # Run 2 read none of the source: whether it still meets its error is not known.
    assert [(e.run_id, e.error[:6]) for e in stats.source_errors] == [(1, "input:")]
    assert stats.clean_run is None


def test_status_marks_the_kept_errors_of_a_source_no_longer_in_the_config(
    sites: dict[str, SiteServer], news_toml: Path
) -> None:
    # No run of this config reads the source again, so its errors would stand unexplained.
    base = news_toml.read_text(encoding="utf-8")
    _with_picked(news_toml, sites, UNCRAWLABLE)
    assert runner.invoke(app, ["crawl", str(news_toml)]).exit_code == 1
    news_toml.write_text(base, encoding="utf-8")
    assert runner.invoke(app, ["crawl", str(news_toml)]).exit_code == 0
    lines, sources = _status(news_toml)
    (row,) = [line for line in lines if line.startswith("picked ")]
    assert row.endswith("  (not in config)")
    (line,) = [line for line in lines if line.startswith("source error in ")]
    assert line.startswith("source error in picked (not in config), run #1 at ")
    assert sources["picked"]["in_config"] is False
    assert [e["run_id"] for e in sources["picked"]["source_errors"]] == [1]
