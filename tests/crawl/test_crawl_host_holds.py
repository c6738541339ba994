"""A host that asks (Retry-After) for longer than a run waits is left alone until then."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scraper.cli.app import app
from scraper.cli.crawl_display import summary_line
from scraper.config import CrawlConfig, Politeness, RetryPolicy, Source, SourceKind
from scraper.crawl import run_crawl
from scraper.crawl.holds import host_urls
from scraper.crawl.requeue import requeue_failed
from scraper.demo.server import SiteServer
from scraper.demo.site import article_path, load_sites, render_site

SITES = {site.slug: site for site in load_sites()}
HOUR = 3600.0


@pytest.fixture
def herald() -> Iterator[SiteServer]:
    with SiteServer() as server:
        server.publish(render_site(SITES["herald"], server.base_url))
        yield server


@pytest.fixture
def courier() -> Iterator[SiteServer]:
    with SiteServer() as server:
        server.publish(render_site(SITES["courier"], server.base_url))
        yield server


def _articles(server: SiteServer, slug: str) -> tuple[str, ...]:
    site = SITES[slug]
    return tuple(server.base_url + article_path(site, a) for a in site.articles)


def _first_answers(server: SiteServer, status: int, retry_after: str) -> str:
    """Make the herald's first article answer ``status`` with ``retry_after``; its path."""
    path = article_path(SITES["herald"], SITES["herald"].articles[0])
    server.fail(path, status, {"Retry-After": retry_after})
    return path


def _config(store: Path, *sources: Source) -> CrawlConfig:
    return CrawlConfig(
        sources=sources,
        store=store,
        # One request at a time per host: the host's first answer comes before its second URL.
        politeness=Politeness(min_interval=0.0, per_host=1, concurrency=4),
        retry=RetryPolicy(max_attempts=3, backoff=0.0, per_request=2),
        workers=0,
        allow_networks=("127.0.0.0/8",),
    )


def _urls(*urls: str) -> Source:
    return Source(name="urls", kind=SourceKind.URLS, urls=urls)


def _states(store: Path, prefix: str) -> dict[str, tuple[str, int, float, str | None]]:
    conn = sqlite3.connect(store)
    try:
        rows = conn.execute(
            "SELECT url, state, attempts, next_attempt_at, last_error FROM urls"
            " WHERE url LIKE ? || '%'",
            (prefix,),
        ).fetchall()
    finally:
        conn.close()
    return {url: (state, attempts, due, error) for url, state, attempts, due, error in rows}


def _let_time_pass(store: Path) -> None:
    """As if the host's time had come: every URL and hold due now."""
    conn = sqlite3.connect(store)
    try:
        with conn:
            conn.execute("UPDATE urls SET next_attempt_at = 0 WHERE state != 'done'")
            conn.execute("UPDATE host_holds SET until = 0")
    finally:
        conn.close()


def _asked(server: SiteServer) -> list[str]:
    return [r.path for r in server.log if r.path != "/robots.txt"]


def test_a_host_asking_for_an_hour_is_asked_once_then_left_alone_across_runs(
    herald: SiteServer, courier: SiteServer, tmp_path: Path
) -> None:
    store = tmp_path / "crawl.db"
    held, others = _articles(herald, "herald"), _articles(courier, "courier")
    first_path = _first_answers(herald, 503, "3600")
    began = time.time()

    first = run_crawl(_config(store, _urls(*held, *others)))

    assert _asked(herald) == [first_path]  # asked once, never again in the run
    assert first.stats.stored == len(others)  # the other host is not held up
    assert first.stats.held == len(held)
    assert (first.stats.failed, first.stats.gave_up) == (0, 0)
    assert first.ok
    assert f"{len(held)} URLs held until their host's Retry-After" in summary_line(first)
    states = _states(store, herald.base_url)
    state, attempts, due, error = states[held[0]]
    assert (state, attempts) == ("retry", 0)  # waiting, no attempt counted
    assert began + HOUR - 5 < due < time.time() + HOUR + 5
    assert error is not None and "asked to retry after 3600 s" in error
    for url in held[1:]:
        state, attempts, other_due, error = states[url]
        assert (state, attempts, error) == ("pending", 0, None)  # not attempted
        assert abs(other_due - due) < 5

    # The next run, right after, with a URL of the host found since: the host is not asked.
    asked_before = len(herald.log)
    later = herald.base_url + "/news/2026/found-later"
    second = run_crawl(_config(store, _urls(*held, *others, later)))
    assert len(herald.log) == asked_before  # not even robots.txt
    assert second.stats.held == 1 and second.stats.stored == 0
    assert _states(store, later)[later][:2] == ("pending", 0)

    # Once the time has passed, the host's URLs are fetched.
    _let_time_pass(store)
    herald.restore(first_path)
    third = run_crawl(_config(store, _urls(*held, *others, later)))
    assert third.stats.stored == len(held)
    assert third.stats.held == 0
    assert later in {f.source for f in third.failures}  # a 404, given up as any


def test_an_http_date_retry_after_holds_the_host_until_that_date(
    herald: SiteServer, tmp_path: Path
) -> None:
    store = tmp_path / "crawl.db"
    held = _articles(herald, "herald")
    when = datetime.fromtimestamp(time.time() + 2 * HOUR, UTC)
    first_path = _first_answers(herald, 429, format_datetime(when, usegmt=True))

    result = run_crawl(_config(store, _urls(*held)))

    assert _asked(herald) == [first_path]
    assert result.stats.held == len(held)
    for _state, attempts, due, _error in _states(store, herald.base_url).values():
        assert attempts == 0
        assert abs(due - when.timestamp()) < 5


def test_a_retry_after_of_a_month_holds_the_host_for_a_day(
    herald: SiteServer, tmp_path: Path
) -> None:
    store = tmp_path / "crawl.db"
    held = _articles(herald, "herald")
    _first_answers(herald, 503, str(30 * 86400))

    run_crawl(_config(store, _urls(*held)))

    dues = [due for _s, _a, due, _e in _states(store, herald.base_url).values()]
    assert all(time.time() + 86400 - 60 < due <= time.time() + 86400 for due in dues)


def test_a_listing_answered_so_is_a_source_error_and_then_not_asked(
    herald: SiteServer, courier: SiteServer, tmp_path: Path
) -> None:
    store = tmp_path / "crawl.db"
    herald.fail("/feed.xml", 503, {"Retry-After": "3600"})
    feed = Source(name="herald-feed", kind=SourceKind.FEED, urls=(herald.base_url + "/feed.xml",))
    others = Source(name="courier", kind=SourceKind.FEED, urls=(courier.base_url + "/atom.xml",))

    first = run_crawl(_config(store, feed, others))

    by_name = {report.source: report for report in first.sources}
    (error,) = by_name["herald-feed"].errors
    assert "asked to retry after 3600 s" in error
    assert first.stats.stored == len(SITES["courier"].articles)
    asked_before = len(herald.log)

    second = run_crawl(_config(store, feed, others))

    assert len(herald.log) == asked_before
    report = {r.source: r for r in second.sources}["herald-feed"]
    assert report.errors == ()  # not asked: nothing failed this time
    (warning,) = report.warnings
    assert warning.startswith("not read: the host asked not to be asked before")
    assert second.ok

    _let_time_pass(store)
    herald.restore("/feed.xml")
    third = run_crawl(_config(store, feed, others))
    assert third.stats.stored == len(SITES["herald"].articles)


def test_retry_waiting_lifts_a_hosts_wait_and_status_shows_the_answer(
    herald: SiteServer, tmp_path: Path
) -> None:
    store = tmp_path / "crawl.db"
    held = _articles(herald, "herald")
    first_path = _first_answers(herald, 503, "3600")
    run_crawl(_config(store, _urls(*held)))
    shown = CliRunner().invoke(app, ["status", str(store), "--failed"])
    assert shown.exit_code == 0, shown.output
    (line,) = [line for line in shown.output.splitlines() if line.startswith(held[0])]
    assert "retry after" in line and "0 attempts" in line and "asked to retry after 3600 s" in line
    host = herald.base_url.removeprefix("http://")
    assert f"host {host} asked not to be asked before " in shown.output

    herald.restore(first_path)
    assert requeue_failed(store, waiting=True) == len(held)
    again = run_crawl(_config(store, _urls(*held)))
    assert (again.stats.stored, again.stats.held) == (len(held), 0)


def _holds(store: Path) -> dict[str, float]:
    conn = sqlite3.connect(store)
    try:
        return dict(conn.execute("SELECT host, until FROM host_holds").fetchall())
    finally:
        conn.close()


@pytest.mark.parametrize("answering", ["article", "robots.txt"])
def test_a_redirect_targets_wait_holds_the_host_that_answered(
    herald: SiteServer, courier: SiteServer, tmp_path: Path, answering: str
) -> None:
    store = tmp_path / "crawl.db"
    moved, *rest = _articles(herald, "herald")
    target, *others = _articles(courier, "courier")
    # The herald's first article moved to the courier, which asks for an hour (its answer to
    # the article, or its robots.txt's).
    herald.fail(moved.removeprefix(herald.base_url), 301, {"Location": target})
    path = target.removeprefix(courier.base_url) if answering == "article" else "/robots.txt"
    courier.fail(path, 503, {"Retry-After": "3600"})

    first = run_crawl(_config(store, _urls(moved, *rest)))

    courier_host = courier.base_url.removeprefix("http://")
    assert list(_holds(store)) == [courier_host]  # not the herald, which only redirected
    assert (first.stats.stored, first.stats.held) == (len(rest), 1)  # the herald goes on
    state, attempts, _due, error = _states(store, moved)[moved]
    assert (state, attempts) == ("retry", 0)
    assert error is not None and "asked to retry after 3600 s" in error

    # The courier's own URLs are left alone at the next run, and so is the courier when the
    # moved URL, due again, is redirected there: only the herald is asked.
    _due_now(store, moved)
    courier_asked, herald_asked = len(courier.log), len(_asked(herald))
    second = run_crawl(_config(store, _urls(moved, *rest, target, *others)))
    assert len(courier.log) == courier_asked  # not even robots.txt
    assert _asked(herald)[herald_asked:] == [moved.removeprefix(herald.base_url)]
    assert (second.stats.held, second.stats.stored) == (1 + 1 + len(others), 0)
    assert (second.stats.failed, second.stats.gave_up) == (0, 0)


def _due_now(store: Path, url: str) -> None:
    conn = sqlite3.connect(store)
    try:
        with conn:
            conn.execute("UPDATE urls SET next_attempt_at = 0 WHERE url = ?", (url,))
    finally:
        conn.close()


def test_retry_waiting_with_a_host_lifts_that_hosts_wait_only(
    herald: SiteServer, courier: SiteServer, tmp_path: Path
) -> None:
    store = tmp_path / "crawl.db"
    herald_urls, courier_urls = _articles(herald, "herald"), _articles(courier, "courier")
    first_path = _first_answers(herald, 503, "3600")
    courier.fail(courier_urls[0].removeprefix(courier.base_url), 429, {"Retry-After": "3600"})
    config = _config(store, _urls(*herald_urls, *courier_urls))
    assert run_crawl(config).stats.held == len(herald_urls) + len(courier_urls)
    herald_host = herald.base_url.removeprefix("http://")
    courier_host = courier.base_url.removeprefix("http://")
    assert set(_holds(store)) == {herald_host, courier_host}

    lifted = CliRunner().invoke(app, ["retry", str(store), "--waiting", "--host", herald_host])

    assert lifted.exit_code == 0, lifted.output
    assert f"{len(herald_urls)} URLs due again at the next run" in lifted.output
    assert set(_holds(store)) == {courier_host}  # the courier still waits
    assert {s[:2] for s in _states(store, herald.base_url).values()} == {("pending", 0)}
    assert all(
        due > time.time() + HOUR - 60
        for _s, _a, due, _e in _states(store, courier.base_url).values()
    )

    herald.restore(first_path)
    courier_asked = len(courier.log)
    again = run_crawl(config)
    assert (again.stats.stored, again.stats.held) == (len(herald_urls), 0)
    assert len(courier.log) == courier_asked


def test_retry_refuses_a_host_the_store_does_not_know_and_keeps_every_wait(
    herald: SiteServer, tmp_path: Path
) -> None:
    store = tmp_path / "crawl.db"
    held = _articles(herald, "herald")
    _first_answers(herald, 503, "3600")
    run_crawl(_config(store, _urls(*held)))
    herald_host = herald.base_url.removeprefix("http://")

    refused = CliRunner().invoke(
        app, ["retry", str(store), "--waiting", "--host", "elsewhere.example"]
    )

    assert refused.exit_code == 2
    assert "no host 'elsewhere.example'" in refused.output
    assert f"hosts waiting: {herald_host}" in refused.output
    assert list(_holds(store)) == [herald_host]
    assert all(
        due > time.time() + HOUR - 60
        for _s, _a, due, _e in _states(store, herald.base_url).values()
    )

    # Without --host, every host's wait is lifted, as before.
    every = CliRunner().invoke(app, ["retry", str(store), "--waiting"])
    assert every.exit_code == 0, every.output
    assert _holds(store) == {}
    assert {s[:2] for s in _states(store, herald.base_url).values()} == {("pending", 0)}


def test_a_hosts_urls_are_those_its_key_would_pace() -> None:
    named = host_urls("Example.com")
    assert named.key == "example.com"
    on = ["https://example.com/a", "http://www.example.com/b", "http://example.com:8080/c"]
    assert all(named.covers(url) for url in on)
    assert not named.covers("https://news.example.com/a")
    assert not named.covers("https://example.com.evil.test/a")
    ported = host_urls("example.com:8080")
    assert ported.covers("http://example.com:8080/c")
    assert not ported.covers("http://example.com/c")
    # Spelled as a user may: an IDN as such, the default port written out.
    assert host_urls("Bücher.example").key == "xn--bcher-kva.example"
    assert host_urls("bücher.example").covers("https://xn--bcher-kva.example/a")
    assert host_urls("example.com:80").key == "example.com"
