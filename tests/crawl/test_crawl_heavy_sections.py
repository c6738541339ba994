"""A section page whose tree would take gigabytes is read in a process of its own: it fails
alone at the memory cap, and the crawl process and its other sources go on."""

from __future__ import annotations

import resource
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from article_pages import article_page
from child_processes import children

from scraper.config import CrawlConfig, Politeness, RetryPolicy, Source, SourceKind
from scraper.crawl import run_crawl
from scraper.demo.server import Resource, SiteServer

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")

NOW = datetime.now(UTC).replace(microsecond=0)
_MODULE = "scraper.discover.lenient"


def _section(links: list[str], opened: int = 0) -> Resource:
    # ``opened`` distinct <font>s left open: copied into every later paragraph (950 by 2,400
    # make lexbor build some 900 MB; past 1,000 the page nests deeper than a section page is
    # read, and is cut before it costs anything).
    fonts = "".join(f"<font class=c{i}>" for i in range(opened))
    items = "".join(f'<p><a href="{link}">{link}</a></p>' for link in links)
    page = f"<html><body><p>{fonts}Latest</p>{items}</body></html>"
    return Resource("text/html; charset=utf-8", page.encode(), NOW)


def test_a_section_page_that_reopens_formatting_at_every_block_fails_alone(
    tmp_path: Path,
) -> None:
    store = tmp_path / "c.db"
    with SiteServer() as site:
        base = site.base_url
        site.publish(
            {
                "/heavy/": _section([f"/news/h{i}" for i in range(2400)], opened=950),
                "/world/": _section(["/news/a", "/news/b"]),
                "/news/a": article_page("Library plans", NOW, 6),
                "/news/b": article_page("Harbour works", NOW, 6),
            }
        )
        config = CrawlConfig(
            sources=(
                Source(
                    name="heavy",
                    kind=SourceKind.SECTION,
                    urls=(f"{base}/heavy/",),
                    follow=("/news/",),
                ),
                Source(
                    name="world",
                    kind=SourceKind.SECTION,
                    urls=(f"{base}/world/",),
                    follow=("/news/",),
                ),
            ),
            store=store,
            politeness=Politeness(min_interval=0.0, per_host=4, concurrency=4),
            retry=RetryPolicy(max_attempts=2, backoff=0.0, per_request=1),
            workers=0,
            allow_networks=("127.0.0.0/8",),
        )
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        result = run_crawl(config)
        grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    heavy, world = result.sources
    (error,) = heavy.errors
    assert error.startswith("parse_limit: section page needed more than 512 MB"), error
    assert world.errors == () and world.listed == 2
    conn = sqlite3.connect(store)
    try:
        stored = sorted(url for (url,) in conn.execute("SELECT url FROM articles"))
    finally:
        conn.close()
    assert stored == [f"{base}/news/a", f"{base}/news/b"]
    # The tree was built (and given up) elsewhere: this process did not grow by gigabytes.
    assert grown_mb < 300
    assert [c for c in children() if _MODULE in c.command or c.state == "Z"] == []
