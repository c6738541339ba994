"""The SQLite crawl store: unseen URLs only, validators, states with backoff, exactly-once."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path

import pytest

from scraper.errors import StoreError
from scraper.models import Article, Block, BlockKind
from scraper.store.crawl_store import SQLiteCrawlStore
from scraper.store.protocol import (
    ChildDoc,
    CrawlStore,
    FetchRecord,
    ListingRecord,
    NewArticle,
    NewURL,
    QueuedURL,
    RunStats,
    Validators,
)


@pytest.fixture
def store(tmp_path: Path) -> SQLiteCrawlStore:
    db = SQLiteCrawlStore(tmp_path / "crawl.db")
    db.ensure_source("src", "feed")
    return db


def _urls(*names: str) -> list[NewURL]:
    return [
        NewURL(url=f"https://n.test/{n}", raw=f"https://n.test/{n}?utm_source=x") for n in names
    ]


def _article(text: str) -> Article:
    return Article.build(blocks=(Block(BlockKind.PARAGRAPH, text),), title=text)


def test_only_unseen_urls_are_enqueued(store: SQLiteCrawlStore) -> None:
    fetch = FetchRecord(url="https://n.test/feed", status=200, validators=Validators(etag='"1"'))
    assert store.record_listing("src", ListingRecord(fetch=fetch, entries=_urls("a", "b")), 1) == 2
    again = ListingRecord(fetch=fetch, entries=_urls("b", "c"))
    assert store.record_listing("src", again, 1) == 1
    due = store.due_urls(time.time(), 0, 10)
    assert [q.url for q in due] == [f"https://n.test/{n}" for n in "abc"]
    assert due[0].raw == "https://n.test/a?utm_source=x"
    assert [q.url for q in store.due_urls(time.time(), due[0].id, 1)] == ["https://n.test/b"]


def test_validators_survive_a_304_without_them_and_an_error(store: SQLiteCrawlStore) -> None:
    url = "https://n.test/feed"
    first = FetchRecord(url=url, status=200, validators=Validators(etag='"v1"', last_modified="X"))
    child = ChildDoc("https://n.test/s1", 1700000000.0)
    store.record_listing("src", ListingRecord(fetch=first, children=(child,)), 1)
    read = store.last_read(url)
    assert read is not None and abs(read - time.time()) < 60
    store.record_listing("src", ListingRecord(fetch=FetchRecord(url=url, status=304)), 2)
    failed = FetchRecord(url=url, status=500, error_kind="http_status", error="HTTP 500")
    store.record_listing("src", ListingRecord(fetch=failed), 3)
    assert store.validators(url) == Validators(etag='"v1"', last_modified="X")
    assert store.children(url) == (child,)
    assert store.last_read(url) is None  # its last fetch failed: read it again
    assert store.last_read("https://n.test/never") is None
    assert store.validators("https://n.test/other") == Validators()
    assert store.source_stats()[0].last_error == "HTTP 500"


def _new(queued: QueuedURL, cluster: str, dup: str | None = None) -> NewArticle:
    article = _article(f"text of {queued.url}")
    return NewArticle(
        queued=queued,
        fetch=FetchRecord(url=queued.url, status=200),
        record=json.dumps(article.to_dict()),
        cluster=cluster,
        duplicate_of=dup,
        canonical=queued.url + "/canonical",
        key=queued.url,
        stored_at=time.time(),
    )


def test_an_article_is_stored_once_and_its_url_is_done(store: SQLiteCrawlStore) -> None:
    store.record_listing("src", ListingRecord(fetch=None, entries=_urls("a", "b", "c")), 1)
    a, b, c = store.due_urls(time.time(), 0, 10)
    store.store_articles([_new(a, "c1"), _new(b, "c1", dup=a.url)], 1)
    assert store.due_urls(time.time(), 0, 10) == [c]
    # A batch holding an article stored before is refused whole: c stays due.
    with pytest.raises(StoreError):
        store.store_articles([_new(c, "c2"), _new(a, "c1")], 1)
    assert store.due_urls(time.time(), 0, 10) == [c]
    assert [s.article.title for s in store.articles_since()] == [
        f"text of {a.url}",
        f"text of {b.url}",
    ]
    assert [s.duplicate_of for s in store.articles_since()] == [None, a.url]
    assert [s.key for s in store.articles_since()] == [a.url, b.url]
    stats = store.source_stats()[0]
    assert (stats.urls, stats.stored, stats.duplicates, stats.pending) == (3, 2, 1, 1)
    store.store_articles([], 1)  # nothing to store is no transaction at all


def test_a_record_sent_as_utf8_bytes_is_stored_as_text(store: SQLiteCrawlStore) -> None:
    store.record_listing("src", ListingRecord(fetch=None, entries=_urls("a")), 1)
    (a,) = store.due_urls(time.time(), 0, 10)
    article = _article("Ça coûte 5 € — 東京")
    record = json.dumps(article.to_dict(), ensure_ascii=False).encode()
    store.store_articles([replace(_new(a, "c1"), record=record)], 1)
    (stored,) = store.articles_since()
    assert stored.article == article
    kind = store.conn.execute("SELECT typeof(record) FROM articles").fetchone()[0]
    assert kind == "text"


def test_failures_wait_for_their_retry_time_or_are_given_up(store: SQLiteCrawlStore) -> None:
    store.record_listing("src", ListingRecord(fetch=None, entries=_urls("a", "b")), 1)
    a, b = store.due_urls(time.time(), 0, 10)
    later = time.time() + 3600
    store.record_failure(
        a, FetchRecord(url=a.url, status=503, error_kind="http_status", error="HTTP 503"), later, 1
    )
    store.record_failure(
        b, FetchRecord(url=b.url, status=None, error_kind="robots", error="disallowed"), None, 1
    )
    assert store.due_urls(time.time(), 0, 10) == []
    (retry,) = store.due_urls(later + 1, 0, 10)
    assert retry.url == a.url
    assert retry.attempts == 1
    stats = store.source_stats()[0]
    assert (stats.failing, stats.gave_up) == (1, 1)
    assert stats.last_error == "robots: disallowed"


def test_runs_cursors_and_dated_selection(store: SQLiteCrawlStore) -> None:
    assert store.last_run() is None
    run = store.begin_run()
    store.finish_run(run, RunStats(stored=3, fetched=4), "ok")
    last = store.last_run()
    assert last is not None
    assert (last.id, last.status, last.stats.stored, last.stats.fetched) == (run, "ok", 3, 4)
    assert store.cursor("export") == 0
    store.set_cursor("export", 7)
    assert store.cursor("export") == 7
    store.record_listing("src", ListingRecord(fetch=None, entries=_urls("a")), run)
    (a,) = store.due_urls(time.time(), 0, 1)
    store.store_articles([_new(a, "c")], run)
    assert len(list(store.articles_since(since=time.time() - 60))) == 1
    assert list(store.articles_since(since=time.time() + 60)) == []


def test_reopening_keeps_everything(tmp_path: Path) -> None:
    first = SQLiteCrawlStore(tmp_path / "s.db")
    first.ensure_source("src", "urls")
    first.record_listing("src", ListingRecord(fetch=None, entries=_urls("a")), 1)
    first.close()
    second = SQLiteCrawlStore(tmp_path / "s.db")
    assert [q.url for q in second.due_urls(time.time(), 0, 5)] == ["https://n.test/a"]


def test_sqlite_store_implements_the_protocol(store: SQLiteCrawlStore) -> None:
    typed: CrawlStore = store  # mypy checks the structure; the call checks it works
    assert typed.due_urls(time.time(), 0, 1) == []
