"""Stores written by older scrapers are repaired when today's code opens them: credentials in
URLs taken out, and index documents a crash left without their article dropped; nothing else
changes.

Each fixture is a real crawl by today's code, turned into what an older scraper wrote for the
same inputs (before session 11: user names in the URL keys, whole credentials in listed URLs,
documents, fetches and messages; before session 10: an index document whose article a crash
lost) and set back to that schema version.
"""

from __future__ import annotations

import io
import json
import random
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from scraper.config import CrawlConfig, Politeness, RetryPolicy, Source, SourceKind
from scraper.crawl import run_crawl
from scraper.crawl.identity import open_index
from scraper.demo.listings import Item, rss_feed
from scraper.demo.server import Resource, SiteServer
from scraper.export import ExportFormat, Since, export_articles
from scraper.store.crawl_store import STEPS, SQLiteCrawlStore
from scraper.store.sqlite import migrate, open_sqlite

NOW = datetime.now(UTC).replace(microsecond=0)
SECRETS = ("s3cret", "hunter2", "tok3n@", "leak")
# The crawl store's schema version before this repair.
OLD_VERSION = 3


# Stories are told in these words, each in its own random order: different titles are
# different texts, the same title the same text.
WORDS = (
    *("council", "budget", "school", "road", "library", "district", "harbour", "station"),
    *("train", "river", "park", "bridge", "market", "museum", "hospital", "police", "water"),
    *("energy", "housing", "tax", "vote", "plan", "report", "mayor", "city", "town", "county"),
)


def _story(title: str, published: datetime) -> Resource:
    pick = random.Random(title)
    paragraphs = "".join(
        f"<p>{' '.join(pick.choices(WORDS, k=40)).capitalize()}.</p>" for _ in range(8)
    )
    html = (
        f'<html><head><meta property="article:published_time" content="{published.isoformat()}">'
        f"<title>{title}</title></head><body><article><h1>{title}</h1>"
        f"{paragraphs}</article></body></html>"
    )
    return Resource("text/html; charset=utf-8", html.encode(), NOW)


def _feed(server: SiteServer, links: list[str]) -> Resource:
    items = [Item(link, "t", NOW) for link in links]
    return Resource("application/rss+xml", rss_feed("f", server.base_url, items), NOW)


def _with(url: str, userinfo: str) -> str:
    return url.replace("://", f"://{userinfo}@", 1)


def _config(store: Path, *sources: Source) -> CrawlConfig:
    """A crawl of local sites, inline, that gives a failing URL up at once."""
    fast = Politeness(min_interval=0.0, per_host=4, concurrency=4)
    once = RetryPolicy(max_attempts=1, backoff=0.0, per_request=1)
    local = ("127.0.0.0/8",)
    return CrawlConfig(
        sources=sources, store=store, politeness=fast, retry=once, workers=0, allow_networks=local
    )


@pytest.fixture
def site() -> Iterator[SiteServer]:
    with SiteServer() as server:
        yield server


def _connect(db: Path) -> sqlite3.Connection:
    return sqlite3.connect(db, isolation_level=None)


def _text_columns(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    return [
        (table, column[1])
        for table in tables
        for column in conn.execute(f"PRAGMA table_info({table})")
        if column[2] == "TEXT"
    ]


def _everywhere(conn: sqlite3.Connection, old: str, new: str) -> None:
    """``old`` written as ``new`` in every text column of the store."""
    for table, column in _text_columns(conn):
        conn.execute(f"UPDATE {table} SET {column} = replace({column}, ?, ?)", (old, new))


def _set_back(conn: sqlite3.Connection) -> None:
    conn.execute(
        "UPDATE schema_migrations SET version = ? WHERE component = 'crawl'", (OLD_VERSION,)
    )


def _tables(db: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, in order; page records compared as the values they hold."""
    conn = _connect(db)
    try:
        out = {}
        tables = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        for (table,) in tables.fetchall():
            names = [c[1] for c in conn.execute(f"PRAGMA table_info({table})")]
            rows = conn.execute(f"SELECT * FROM {table}").fetchall()
            out[table] = sorted(
                (
                    tuple(
                        json.loads(v) if name == "record" else v
                        for name, v in zip(names, row, strict=True)
                    )
                    for row in rows
                ),
                key=repr,
            )
        return out
    finally:
        conn.close()


def _dump(db: Path) -> str:
    conn = _connect(db)
    try:
        return "\n".join(conn.iterdump())
    finally:
        conn.close()


def _open_as_a_crawl_does(db: Path) -> None:
    store = SQLiteCrawlStore(db)
    try:
        open_index(store)
    finally:
        store.close()


def _exported(db: Path, *, unique: bool = False) -> list[dict[str, object]]:
    store = SQLiteCrawlStore(db)
    try:
        out = io.StringIO()
        export_articles(store, since=Since(), fmt=ExportFormat.JSONL, stream=out, unique=unique)
    finally:
        store.close()
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_an_old_store_loses_its_credentials_and_nothing_else(
    site: SiteServer, tmp_path: Path
) -> None:
    base = site.base_url
    site.publish(
        {
            "/feed.xml": _feed(
                site, [f"{base}/a", _with(f"{base}/b", "leak:hunter2"), f"{base}/gone"]
            ),
            "/a": _story("Library plans", NOW - timedelta(days=1)),
            "/b": _story("Budget vote", NOW - timedelta(hours=2)),
            "/c": _story("Budget vote", NOW - timedelta(hours=5)),  # b's original: it leads
        }
    )
    site.fail("/gone", 404)
    site.fail("/locked.xml", 404)
    secret = "tok3n:s3cret"
    sources = (
        Source(name="wire", kind=SourceKind.FEED, urls=(_with(f"{base}/feed.xml", secret),)),
        Source(name="picked", kind=SourceKind.URLS, urls=(_with(f"{base}/c", secret),)),
        Source(name="locked", kind=SourceKind.FEED, urls=(_with(f"{base}/locked.xml", secret),)),
    )
    db = tmp_path / "crawl.db"
    result = run_crawl(_config(db, *sources))
    assert (result.stats.stored, result.stats.gave_up) == (3, 1)
    # The feed as a sitemap index would be kept: the nested documents it listed.
    nested = json.dumps([[f"{base}/sitemap-1.xml", 1.5], [f"{base}/news.xml", None]])
    conn = _connect(db)
    conn.execute("UPDATE documents SET children = ? WHERE url LIKE '%/feed.xml'", (nested,))
    conn.close()
    today = _tables(db)
    exported = _exported(db)
    assert [r["duplicate_of"] for r in exported].count(f"{base}/c") == 1

    # What a scraper from before session 11 wrote: the config's credentials as given, a user
    # name kept in the keys (of the configured URL, and of a link a feed listed with them).
    conn = _connect(db)
    _everywhere(conn, "tok3n:***@", "tok3n:s3cret@")  # messages and the configured raw URL
    _everywhere(conn, f"{base}/c", _with(f"{base}/c", "tok3n"))
    _everywhere(conn, f"{base}/b", _with(f"{base}/b", "leak"))
    conn.execute(
        "UPDATE urls SET raw = ? WHERE raw = ?",
        (_with(f"{base}/b", "leak:hunter2"), _with(f"{base}/b", "leak")),
    )
    for table in ("documents", "fetches"):
        conn.execute(
            f"UPDATE {table} SET url = replace(url, '://', '://tok3n:s3cret@')"
            " WHERE url LIKE '%.xml'"
        )
    _everywhere(conn, f"{base}/sitemap-1.xml", _with(f"{base}/sitemap-1.xml", "tok3n:s3cret"))
    # The feed read long ago with a password since changed: the row read last is kept.
    conn.execute(
        "INSERT INTO documents (url, source, etag, fetched_at) VALUES (?, 'wire', 'x', 1.0)",
        (_with(f"{base}/feed.xml", "tok3n:s3cret-0ld"),),
    )
    _set_back(conn)
    conn.close()
    old = _dump(db)
    assert all(s in old for s in SECRETS)

    _open_as_a_crawl_does(db)
    assert [s for s in SECRETS if s in _dump(db)] == []
    assert _tables(db) == today
    assert _exported(db) == exported
    _open_as_a_crawl_does(db)  # applied once: a second opening changes nothing
    assert _tables(db) == today


def test_urls_that_become_one_keep_their_articles_and_are_not_fetched_again(
    site: SiteServer, tmp_path: Path
) -> None:
    base = site.base_url
    site.publish(
        {
            "/c": _story("Budget vote", NOW - timedelta(hours=5)),
            "/c-old": _story("Budget vote", NOW - timedelta(hours=5)),
            "/d": _story("Road works", NOW - timedelta(hours=3)),
            "/e": _story("Harbour plans", NOW - timedelta(hours=4)),
            "/e-old": _story("Station closure", NOW - timedelta(hours=6)),
        }
    )
    db = tmp_path / "crawl.db"
    picked = Source(
        name="picked",
        kind=SourceKind.URLS,
        urls=tuple(f"{base}/{p}" for p in ("c", "c-old", "d", "e", "e-old")),
    )
    assert run_crawl(_config(db, picked)).stats.stored == 5

    # A scraper from before session 11 stored c-old, d and e-old under a user name; today's code
    # then stored c and e again under their URLs without it, and found d listed (not fetched).
    conn = _connect(db)
    for path, old in (("c-old", "c"), ("d", "d"), ("e-old", "e")):
        _everywhere(conn, f"{base}/{path}", _with(f"{base}/{old}", "tok3n"))
        conn.execute(
            "UPDATE urls SET raw = ? WHERE raw = ?",
            (_with(f"{base}/{old}", "tok3n:s3cret"), _with(f"{base}/{old}", "tok3n")),
        )
    conn.execute(
        "INSERT INTO urls (url, raw, source, discovered_at) VALUES (?, ?, 'picked', 0)",
        (f"{base}/d", f"{base}/d"),
    )
    _set_back(conn)
    conn.close()
    clusters_before = _tables(db)["dedup_clusters"]

    _open_as_a_crawl_does(db)
    assert [s for s in SECRETS if s in _dump(db)] == []
    conn = _connect(db)
    urls = conn.execute("SELECT url, raw, state FROM urls ORDER BY url").fetchall()
    joined = conn.execute(
        "SELECT count(*) FROM articles a JOIN urls u ON u.id = a.url_id AND u.url = a.url"
    ).fetchone()
    keys = conn.execute(
        "SELECT key, count(*), count(DISTINCT cluster) FROM dedup_docs GROUP BY key"
    ).fetchall()
    conn.close()
    redacted = _with(f"{base}/c", "***")
    assert urls == sorted(
        [
            (f"{base}/c", f"{base}/c", "done"),
            (f"{base}/d", _with(f"{base}/d", "tok3n:***"), "done"),  # the stored one is kept
            (f"{base}/e", f"{base}/e", "done"),
            (redacted, _with(f"{base}/c", "tok3n:***"), "done"),
            (_with(f"{base}/e", "***"), _with(f"{base}/e", "tok3n:***"), "done"),
        ]
    )
    assert joined == (5,)
    # Documents under one key are one cluster: e's two texts are merged, as the index would.
    assert sorted(keys) == [(f"{base}/{p}", n, 1) for p, n in (("c", 2), ("d", 1), ("e", 2))]
    assert len(clusters_before) == 4 and len(_tables(db)["dedup_clusters"]) == 3
    records = _exported(db)
    assert len(records) == 5 and len(_exported(db, unique=True)) == 3
    by_url = {r["url"]: r for r in records}
    assert by_url[redacted]["cluster"] == by_url[f"{base}/c"]["cluster"]
    leads = [u for u in (redacted, f"{base}/c") if by_url[u]["duplicate_of"] is None]
    assert len(leads) == 1

    # The next run finds c, d and e stored: nothing is fetched again.
    site.publish({"/feed.xml": _feed(site, [f"{base}/c", f"{base}/d", f"{base}/e"])})
    feed = Source(name="wire", kind=SourceKind.FEED, urls=(f"{base}/feed.xml",))
    before = len(site.log)
    assert run_crawl(_config(db, feed)).stats.stored == 0
    assert [r.path for r in site.log[before:] if r.path != "/robots.txt"] == ["/feed.xml"]


def test_an_index_document_left_without_its_article_is_dropped(tmp_path: Path) -> None:
    with SiteServer() as copy, SiteServer() as original:
        copy.publish(
            {
                "/copy": _story("Budget vote", NOW - timedelta(hours=2)),
                "/later": _story("Budget vote", NOW - timedelta(hours=1)),
                "/feed.xml": _feed(copy, [f"{copy.base_url}/copy", f"{copy.base_url}/later"]),
            }
        )
        original.publish(
            {
                "/orig": _story("Budget vote", NOW - timedelta(hours=5)),
                "/feed.xml": _feed(original, [f"{original.base_url}/orig"]),
            }
        )
        sources = tuple(
            Source(name=name, kind=SourceKind.FEED, urls=(f"{server.base_url}/feed.xml",))
            for name, server in (("syndicator", copy), ("original", original))
        )
        db = tmp_path / "crawl.db"
        assert run_crawl(_config(db, *sources)).stats.stored == 3
    orig, first = f"{original.base_url}/orig", f"{copy.base_url}/copy"

    # Before session 10, a crash between the index's commit and the articles' lost the
    # original's article; its URL failed for good on the next run. It still led the cluster.
    conn = _connect(db)
    conn.execute("DELETE FROM articles WHERE url = ?", (orig,))
    conn.execute(
        "UPDATE urls SET state = 'gave_up', attempts = 1, last_error = 'http_status: HTTP 404'"
        " WHERE url = ?",
        (orig,),
    )
    _set_back(conn)
    led_by = "SELECT c.size, r.url FROM dedup_clusters c JOIN dedup_docs r ON r.id = c.rep"
    assert conn.execute(led_by).fetchall() == [(3, orig)]  # what the damage looked like
    conn.close()

    _open_as_a_crawl_does(db)
    conn = _connect(db)
    docs = conn.execute("SELECT url FROM dedup_docs ORDER BY url").fetchall()
    stray = conn.execute(
        "SELECT count(*) FROM dedup_bands WHERE doc NOT IN (SELECT id FROM dedup_docs)"
    ).fetchone()
    clusters = conn.execute(led_by).fetchall()
    conn.close()
    assert docs == [(first,), (f"{copy.base_url}/later",)]
    assert stray == (0,)
    assert clusters == [(2, first)]  # the earlier copy leads now
    assert sorted((r["url"], r["duplicate_of"]) for r in _exported(db)) == [
        (first, None),
        (f"{copy.base_url}/later", first),
    ]
    assert [r["url"] for r in _exported(db, unique=True)] == [first]
    store = SQLiteCrawlStore(db)
    stats = {s.name: (s.stored, s.duplicates, s.gave_up) for s in store.source_stats()}
    store.close()
    assert stats == {"syndicator": (2, 1, 0), "original": (0, 0, 1)}
    repaired = _tables(db)
    _open_as_a_crawl_does(db)
    assert _tables(db) == repaired


def test_urls_stored_under_several_user_names_stay_apart(tmp_path: Path) -> None:
    db = tmp_path / "crawl.db"
    conn = open_sqlite(db)
    migrate(conn, "crawl", STEPS[:OLD_VERSION])
    conn.execute("INSERT INTO sources VALUES ('s', 'feed')")
    urls = ["http://h.example/x", "http://ann@h.example/x", "http://bob@h.example/x"]
    for n, url in enumerate(urls, start=1):
        conn.execute(
            "INSERT INTO urls (id, url, raw, source, discovered_at, state)"
            " VALUES (?, ?, ?, 's', 0, 'done')",
            (n, url, url.replace("@", ":pw@")),
        )
        record = json.dumps({"url": url, "text": "t"})
        conn.execute(
            "INSERT INTO articles (url_id, url, source, stored_at, cluster, record)"
            " VALUES (?, ?, 's', 0, 'c', ?)",
            (n, url, record),
        )
    conn.close()

    SQLiteCrawlStore(db).close()
    conn = _connect(db)
    rows = conn.execute(
        "SELECT u.id, u.url, u.raw, a.url, json_extract(a.record, '$.url')"
        " FROM urls u JOIN articles a ON a.url_id = u.id ORDER BY u.id"
    ).fetchall()
    conn.close()
    assert rows == [
        (1, urls[0], urls[0], urls[0], urls[0]),
        (2, "http://***@h.example/x", urls[0], "http://***@h.example/x", "http://***@h.example/x"),
        (
            3,
            "http://***@h.example/x#3",
            urls[0],
            "http://***@h.example/x#3",
            "http://***@h.example/x#3",
        ),
    ]


def test_sources_named_after_a_url_with_a_password_lose_it(
    site: SiteServer, tmp_path: Path
) -> None:
    # Until session 24 a source without a name was named after its first URL as written,
    # password and all: in the store, status, the logs and every exported row.
    base = site.base_url
    site.publish(
        {
            "/feed.xml": _feed(site, [f"{base}/a"]),
            "/more.xml": _feed(site, [f"{base}/b"]),
            "/a": _story("Library plans", NOW - timedelta(days=1)),
            "/b": _story("Budget vote", NOW - timedelta(hours=2)),
        }
    )
    named = base.removeprefix("http://") + "/feed.xml"  # as a config names it now
    sources = (
        Source(name=named, kind=SourceKind.FEED, urls=(_with(f"{base}/feed.xml", "r:s3cret"),)),
        # A name of the config's own, with an '@' in it: kept.
        Source(name="desk@wire", kind=SourceKind.FEED, urls=(f"{base}/more.xml",)),
    )
    db = tmp_path / "crawl.db"
    assert run_crawl(_config(db, *sources)).stats.stored == 2
    today = _tables(db)

    conn = _connect(db)
    old = f"r:s3cret@{named}"
    conn.execute(
        "INSERT INTO sources (name, kind, read_run) SELECT ?, kind, read_run FROM sources"
        " WHERE name = ?",
        (old, named),
    )
    for table in ("urls", "documents", "articles", "source_errors"):
        conn.execute(f"UPDATE {table} SET source = ? WHERE source = ?", (old, named))
    conn.execute("DELETE FROM sources WHERE name = ?", (named,))
    conn.execute(  # before session 24's renaming (26's versions, 28's, 29's, 34's after)
        "UPDATE schema_migrations SET version = ? WHERE component = 'crawl'", (len(STEPS) - 6,)
    )
    conn.close()
    assert "s3cret" in _dump(db)

    _open_as_a_crawl_does(db)
    assert "s3cret" not in _dump(db)
    assert _tables(db) == today
    assert sorted(str(r["source"]) for r in _exported(db)) == sorted(["desk@wire", named])
