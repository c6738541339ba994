"""A page served with an empty body is asked again on a later run, not given up."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

from scraper.config import CrawlConfig, Politeness, RetryPolicy, Source, SourceKind
from scraper.crawl import run_crawl
from scraper.demo.server import SiteServer
from scraper.demo.site import load_sites, render_site

COURIER = next(site for site in load_sites() if site.slug == "courier")


def _state(store: Path, url: str) -> tuple[str, str | None]:
    conn = sqlite3.connect(store)
    try:
        state, error = conn.execute(
            "SELECT state, last_error FROM urls WHERE url = ?", (url,)
        ).fetchone()
    finally:
        conn.close()
    return state, error


def test_an_empty_body_is_retried_on_the_next_run(tmp_path: Path) -> None:
    with SiteServer() as site:
        pages = render_site(COURIER, site.base_url)
        path = f"/stories/2026/{COURIER.articles[0].slug}"
        site.publish(pages)
        site.publish({path: replace(pages[path], body=b"")})
        config = CrawlConfig(
            sources=(Source(name="c", kind=SourceKind.FEED, urls=(site.base_url + "/feed.xml",)),),
            store=tmp_path / "crawl.db",
            politeness=Politeness(min_interval=0.0, per_host=4, concurrency=4),
            retry=RetryPolicy(max_attempts=3, backoff=0.0, per_request=1),
            workers=0,
            allow_networks=("127.0.0.0/8",),
        )
        first = run_crawl(config)
        assert (first.stats.stored, first.stats.gave_up) == (len(COURIER.articles) - 1, 0)
        state, error = _state(config.store, site.base_url + path)
        assert state == "retry"
        assert error is not None and "empty body" in error
        site.publish({path: pages[path]})
        second = run_crawl(config)
        assert second.stats.stored == 1
        assert _state(config.store, site.base_url + path)[0] == "done"
