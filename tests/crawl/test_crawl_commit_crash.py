"""A crash while a batch is committed: its index entries and its articles go together."""

from __future__ import annotations

import io
import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from scraper.config import parse_config
from scraper.crawl import run_crawl
from scraper.demo.server import Resource, SiteServer
from scraper.export import ExportFormat, Since, export_articles
from scraper.store.crawl_store import SQLiteCrawlStore

NOW = datetime.now(UTC).replace(microsecond=0)

# Run in a process of its own: it dies, as under kill -9 or the OOM killer, once the batch has
# been placed in the index and before its articles are written.
CRASHING_RUN = """
import json, os, sys
from scraper.config import parse_config
from scraper.crawl import run_crawl
from scraper.store.crawl_store import SQLiteCrawlStore

def die(self, items, run_id):
    os._exit(9)

SQLiteCrawlStore.store_articles = die
run_crawl(parse_config(json.loads(sys.argv[1])))
"""


def _story(published: str) -> Resource:
    paragraphs = "".join(
        f"<p>Paragraph {i}: the city council met on Tuesday to debate the new budget, which"
        " funds schools, roads and a new library in the northern district.</p>"
        for i in range(8)
    )
    html = (
        f'<html><head><meta property="article:published_time" content="{published}">'
        "<title>Budget story</title></head><body><article><h1>Budget story</h1>"
        f"{paragraphs}</article></body></html>"
    )
    return Resource("text/html; charset=utf-8", html.encode(), NOW)


def _feed(base: str, path: str) -> Resource:
    date = NOW.strftime("%a, %d %b %Y %H:%M:%S +0000")
    rss = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>x</title>'
        f"<link>{base}/</link><item><title>t</title><link>{base}{path}</link>"
        f"<pubDate>{date}</pubDate></item></channel></rss>"
    )
    return Resource("application/rss+xml", rss.encode(), NOW)


@pytest.fixture
def servers() -> Iterator[tuple[SiteServer, SiteServer]]:
    with SiteServer() as copy, SiteServer() as original:
        # A syndicated copy, and the earlier-dated original that leads their cluster.
        copy.publish(
            {
                "/copy": _story("2026-11-29T10:00:00+00:00"),
                "/feed.xml": _feed(copy.base_url, "/copy"),
            }
        )
        original.publish(
            {
                "/orig": _story("2026-11-28T10:00:00+00:00"),
                "/feed.xml": _feed(original.base_url, "/orig"),
            }
        )
        yield copy, original


def _config(db: Path, *servers: SiteServer) -> dict[str, object]:
    names = ("syndicator", "original")
    return {
        "store": str(db),
        "workers": 0,
        "allow_networks": ["127.0.0.0/8"],
        "politeness": {"min_interval": 0.0, "per_host": 4},
        "retry": {"max_attempts": 3, "backoff": 0.0, "per_request": 1},
        "source": [
            {"name": name, "feed": f"{server.base_url}/feed.xml"}
            for name, server in zip(names, servers, strict=False)
        ],
    }


def _rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db)
    try:
        return list(conn.execute(sql).fetchall())
    finally:
        conn.close()


def test_a_crash_between_placing_and_storing_leaves_no_index_entry_without_its_article(
    servers: tuple[SiteServer, SiteServer], tmp_path: Path
) -> None:
    copy, original = servers
    db = tmp_path / "crawl.db"
    assert run_crawl(parse_config(_config(db, copy))).stats.stored == 1
    both = _config(db, copy, original)
    crashed = subprocess.run([sys.executable, "-c", CRASHING_RUN, json.dumps(both)], check=False)
    assert crashed.returncode == 9
    # The original's placement died with its article: the copy is still alone in the index.
    orphans = "SELECT url FROM dedup_docs WHERE url NOT IN (SELECT url FROM articles)"
    assert _rows(db, orphans) == []
    assert _rows(db, "SELECT count(*) FROM dedup_docs") == [(1,)]

    # Before the next run the original is taken down: it is given up, never stored.
    original.fail("/orig", 404)
    result = run_crawl(parse_config(both))
    assert (result.stats.stored, result.stats.gave_up) == (0, 1)

    assert _rows(db, orphans) == []
    store = SQLiteCrawlStore(db)
    try:
        unique, everything = io.StringIO(), io.StringIO()
        export_articles(store, since=Since(), fmt=ExportFormat.JSONL, stream=unique, unique=True)
        export_articles(store, since=Since(), fmt=ExportFormat.JSONL, stream=everything)
        stats = {s.name: s for s in store.source_stats()}
    finally:
        store.close()
    records = [json.loads(line) for line in everything.getvalue().splitlines()]
    # The copy is the only article stored, so it leads its cluster: export and status agree.
    assert [(r["url"], r["duplicate_of"]) for r in records] == [(f"{copy.base_url}/copy", None)]
    assert len(unique.getvalue().splitlines()) == 1
    assert (stats["syndicator"].stored, stats["syndicator"].duplicates) == (1, 0)
    assert (stats["original"].stored, stats["original"].gave_up) == (0, 1)
