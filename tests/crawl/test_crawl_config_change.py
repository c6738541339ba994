"""Config changes between runs: a run takes only the URLs of its own sources."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scraper.cli.app import app
from scraper.config import CrawlConfig, Politeness, RetryPolicy, Source, SourceKind
from scraper.crawl import run_crawl
from scraper.demo.server import SiteServer
from scraper.demo.site import article_path, load_sites, render_site
from scraper.store.crawl_store import SQLiteCrawlStore

SITES = {site.slug: site for site in load_sites()}
runner = CliRunner()


@pytest.fixture
def servers() -> Iterator[tuple[SiteServer, SiteServer]]:
    with ExitStack() as stack:
        herald = stack.enter_context(SiteServer())
        courier = stack.enter_context(SiteServer())
        herald.publish(render_site(SITES["herald"], herald.base_url))
        courier.publish(render_site(SITES["courier"], courier.base_url))
        yield herald, courier


def _config(store: Path, *sources: tuple[str, SiteServer]) -> CrawlConfig:
    return CrawlConfig(
        sources=tuple(
            Source(name=name, kind=SourceKind.FEED, urls=(server.base_url + "/feed.xml",))
            for name, server in sources
        ),
        store=store,
        politeness=Politeness(min_interval=0.0),
        retry=RetryPolicy(per_request=1, backoff=0.0),
        workers=0,
        allow_networks=("127.0.0.0/8",),
    )


def _paths(slug: str) -> list[str]:
    return [article_path(SITES[slug], a) for a in SITES[slug].articles]


def _leave_herald_queued(herald: SiteServer, store: Path, name: str) -> None:
    """A run of source ``name`` whose article pages all fail (503: retried later)."""
    paths = _paths("herald")
    for path in paths:
        herald.fail(path, 503)
    first = run_crawl(_config(store, (name, herald)))
    assert first.stats.failed == len(paths)
    for path in paths:
        herald.restore(path)


def _states(store: Path) -> dict[str, tuple[str, str]]:
    """Each URL's (source, state)."""
    db = SQLiteCrawlStore(store)
    try:
        rows = db.conn.execute("SELECT url, source, state FROM urls").fetchall()
    finally:
        db.close()
    return {url: (source, state) for url, source, state in rows}


def test_a_run_leaves_the_queued_urls_of_a_source_not_in_its_config_alone(
    servers: tuple[SiteServer, SiteServer], tmp_path: Path
) -> None:
    herald, courier = servers
    store = tmp_path / "crawl.db"
    _leave_herald_queued(herald, store, "old")
    asked = len(herald.log)
    second = run_crawl(_config(store, ("other", courier)))
    assert herald.log[asked:] == []  # not one request for the removed source's URLs
    assert second.ok and second.stats.stored == second.stats.fetched == len(_paths("courier"))
    states = _states(store)
    assert {v for v in states.values() if v[0] == "old"} == {("old", "retry")}
    assert len([v for v in states.values() if v[0] == "old"]) == len(_paths("herald"))


def test_urls_queued_under_a_renamed_source_move_to_the_source_listing_them(
    servers: tuple[SiteServer, SiteServer], tmp_path: Path
) -> None:
    herald, _ = servers
    store = tmp_path / "crawl.db"
    _leave_herald_queued(herald, store, "local")
    # Same feed, new name: the feed (which would answer 304 to the old validators) is read
    # in full for "city", whose run takes the URLs it lists, still queued under "local".
    renamed = run_crawl(_config(store, ("city", herald)))
    assert renamed.ok and renamed.stats.stored == len(_paths("herald"))
    assert set(_states(store).values()) == {("city", "done")}
    db = SQLiteCrawlStore(store)
    try:
        assert {a.source for a in db.articles_since()} == {"city"}
        stats = {s.name: s for s in db.source_stats()}
    finally:
        db.close()
    assert stats["city"].stored == len(_paths("herald")) and stats["local"].urls == 0


def _toml(path: Path, name: str, server: SiteServer, paths: list[str]) -> Path:
    urls = ", ".join(f'"{server.base_url}{p}"' for p in paths)
    path.write_text(
        'store = "crawl.db"\nworkers = 0\nallow_networks = ["127.0.0.0/8"]\n'
        "[politeness]\nmin_interval = 0.0\n[retry]\nper_request = 1\n"
        f'[[source]]\nname = "{name}"\nurls = [{urls}]\n',
        encoding="utf-8",
    )
    return path


def test_status_marks_store_only_sources_and_retry_takes_their_names(
    servers: tuple[SiteServer, SiteServer], tmp_path: Path
) -> None:
    herald, _ = servers
    gone, kept = _paths("herald")[:2]
    herald.fail(gone, 404)
    old = _toml(tmp_path / "old.toml", "old", herald, [gone])
    assert runner.invoke(app, ["crawl", str(old)]).exit_code == 1  # given up
    new = _toml(tmp_path / "new.toml", "new", herald, [kept])
    assert runner.invoke(app, ["crawl", str(new)]).exit_code == 0
    shown = runner.invoke(app, ["status", str(new)]).stdout.splitlines()
    assert [line.endswith("(not in config)") for line in shown[1:3]] == [False, True]
    assert shown[2].startswith("old")
    data = json.loads(runner.invoke(app, ["status", str(new), "--json"]).stdout)
    assert {s["name"]: s["in_config"] for s in data["sources"]} == {"new": True, "old": False}
    raw = json.loads(runner.invoke(app, ["status", str(tmp_path / "crawl.db"), "--json"]).stdout)
    assert {s["in_config"] for s in raw["sources"]} == {None}  # no config to compare with
    retried = runner.invoke(app, ["retry", str(new), "--source", "old"])
    assert retried.exit_code == 0 and "1 URL due again" in retried.stderr
    unknown = runner.invoke(app, ["retry", str(new), "--source", "nosuch"])
    assert unknown.exit_code == 2 and "new, old" in unknown.output
