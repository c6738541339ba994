"""Crawl runs against the local demo sites: once, incrementally, with failures, under a lock."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from itertools import pairwise
from pathlib import Path

import pytest

from scraper.config import CrawlConfig, HostLimit, Source, SourceKind
from scraper.crawl import run_crawl
from scraper.crawl.extraction import Extractor
from scraper.crawl.fetching import fetch_options
from scraper.crawl.identity import Deduplicator, Placement, open_index
from scraper.crawl.lock import RunLock
from scraper.crawl.run import RunParts, RunResult, crawl_once
from scraper.dedup import Document
from scraper.demo.server import SiteServer
from scraper.demo.site import DemoArticle, article_path, load_sites, render_site
from scraper.discover.urls import normalise_url
from scraper.errors import StoreLocked
from scraper.fetch.client import Fetcher
from scraper.store.crawl_store import SQLiteCrawlStore
from scraper.store.protocol import StoredArticle

SITES = {site.slug: site for site in load_sites()}


def _expected(sites: dict[str, SiteServer]) -> set[str]:
    return {
        sites[slug].base_url + article_path(site, a)
        for slug, site in SITES.items()
        for a in site.articles
    }


def _stored(config: CrawlConfig) -> list[StoredArticle]:
    store = SQLiteCrawlStore(config.store)
    try:
        return list(store.articles_since())
    finally:
        store.close()


def _article_requests(server: SiteServer, since: int = 0) -> Counter[str]:
    return Counter(r.path for r in server.log[since:] if r.path.count("/") >= 3)


def test_first_run_stores_every_article_once(
    sites: dict[str, SiteServer], config: CrawlConfig
) -> None:
    result = run_crawl(replace(config, workers=1))  # the process pool, once
    assert result.ok
    stored = _stored(config)
    urls = [s.article.url or "" for s in stored]
    assert sorted(urls) == sorted(_expected(sites))
    assert result.stats.stored == len(urls) == 8
    assert result.duplicates == 1  # in the final clusters, whatever the order placed
    # The edited wire copy joins its original, whichever was stored first; nothing else joins.
    by_cluster = Counter(s.cluster for s in stored)
    assert sorted(by_cluster.values()) == [1] * 6 + [2]
    pair = [s for s in stored if by_cluster[s.cluster] == 2]
    assert {s.article.url for s in pair} == {
        sites["herald"].base_url + "/news/2026/autumn-storm-warning",
        sites["courier"].base_url + "/stories/2026/storm-to-hit-coast",
    }
    (lead,) = [s for s in pair if s.duplicate_of is None]
    assert [s.duplicate_of for s in pair if s is not lead] == [lead.article.url]
    # Each article page was fetched once; no AMP copy or tracking variant was fetched at all.
    for server in sites.values():
        requests = _article_requests(server)
        assert set(requests.values()) == {1}
        assert not any(path.endswith("/amp") for path in requests)
    # The page that carries its story twice was stored with one copy of it.
    fishing = next(s for s in stored if s.article.url and "fishing" in s.article.url)
    assert fishing.article.text.count("Fishing crews gathered") == 1


def test_a_syndicated_copy_found_in_a_later_run_joins_the_original(
    sites: dict[str, SiteServer], config: CrawlConfig
) -> None:
    herald_only = replace(config, sources=config.sources[:3])
    assert run_crawl(herald_only).stats.stored == 5
    result = run_crawl(config)
    assert (result.stats.stored, result.stats.duplicates, result.duplicates) == (3, 1, 1)
    stored = {x.article.url: x for x in _stored(config)}
    original = sites["herald"].base_url + "/news/2026/autumn-storm-warning"
    copy = stored[sites["courier"].base_url + "/stories/2026/storm-to-hit-coast"]
    assert copy.duplicate_of == original
    assert copy.cluster == stored[original].cluster
    assert len({x.cluster for x in stored.values()}) == 7


def test_second_run_fetches_no_article_and_listings_answer_304(
    sites: dict[str, SiteServer], config: CrawlConfig
) -> None:
    run_crawl(config)
    marks = {slug: len(server.log) for slug, server in sites.items()}
    second = run_crawl(config)
    assert second.ok
    assert (second.stats.fetched, second.stats.stored, second.stats.discovered) == (0, 0, 0)
    for slug, server in sites.items():
        later = server.log[marks[slug] :]
        assert later, "listings are revalidated"
        assert not _article_requests(server, marks[slug])
        listings = [r for r in later if r.path != "/robots.txt" or slug == "herald"]
        assert all(r.conditional and r.status == 304 for r in listings if r.path != "/robots.txt")
    assert second.stats.not_modified == 7
    assert len(_stored(config)) == 8


def test_a_new_article_is_the_only_one_fetched(
    sites: dict[str, SiteServer], config: CrawlConfig
) -> None:
    run_crawl(config)
    herald = SITES["herald"]
    extra = DemoArticle(
        slug="ferry-timetable",
        title="Winter ferry timetable published",
        author="Ana Ruiz",
        published=herald.articles[0].published,
        paragraphs=(
            "The ferry company published its winter timetable on Friday, with two fewer "
            "crossings a day to the outer islands between December and March.",
            "Islanders said the early last boat would make evening appointments on the "
            "mainland impossible, and the council promised to raise the matter.",
        ),
    )
    grown = replace(herald, articles=(*herald.articles, extra))
    server = sites["herald"]
    server.publish(render_site(grown, server.base_url))
    mark = len(server.log)
    second = run_crawl(config)
    assert second.stats.stored == 1
    assert _article_requests(server, mark) == Counter({article_path(grown, extra): 1})
    assert len(_stored(config)) == 9


def test_a_failing_source_does_not_stop_the_others(
    sites: dict[str, SiteServer], config: CrawlConfig
) -> None:
    sites["courier"].fail("/feed.json", 500)
    result = run_crawl(config)
    assert not result.ok
    courier = next(s for s in result.sources if s.source == "courier-feeds")
    assert len(courier.errors) == 1
    assert "500" in courier.errors[0]
    # The Atom feed of the same source and every other source still delivered.
    assert result.stats.stored == 8
    store = SQLiteCrawlStore(config.store)
    try:
        stats = {s.name: s for s in store.source_stats()}
    finally:
        store.close()
    assert stats["courier-feeds"].last_error is not None
    assert "500" in stats["courier-feeds"].last_error


def test_failed_articles_are_retried_then_given_up_with_the_reason(
    sites: dict[str, SiteServer], config: CrawlConfig
) -> None:
    herald = SITES["herald"]
    broken = article_path(herald, herald.articles[1])
    gone = article_path(herald, herald.articles[2])
    sites["herald"].fail(broken, 503)
    sites["herald"].fail(gone, 404)
    first = run_crawl(config)
    assert not first.ok
    assert (first.stats.stored, first.stats.failed, first.stats.gave_up) == (6, 1, 1)
    second = run_crawl(config)  # backoff 0: the 503 is due again, the 404 is not
    assert (second.stats.fetched, second.stats.failed, second.stats.gave_up) == (0, 0, 1)
    assert [f.source.endswith(broken) for f in second.failures] == [True]
    third = run_crawl(config)
    assert third.ok
    assert third.stats.gave_up == third.stats.failed == 0
    store = SQLiteCrawlStore(config.store)
    try:
        rows = store.conn.execute("SELECT url, state, attempts, last_error FROM urls").fetchall()
    finally:
        store.close()
    states = {
        url.rsplit("/", 1)[-1]: (state, attempts, error) for url, state, attempts, error in rows
    }
    assert states[broken.rsplit("/", 1)[-1]] == (
        "gave_up",
        2,
        "http_status: HTTP 503 (" + sites["herald"].base_url + broken + ")",
    )
    assert states[gone.rsplit("/", 1)[-1]][:2] == ("gave_up", 1)
    assert "404" in str(states[gone.rsplit("/", 1)[-1]][2])


def test_old_entries_are_skipped(sites: dict[str, SiteServer], config: CrawlConfig) -> None:
    feeds = replace(
        config,
        sources=tuple(s for s in config.sources if s.kind is SourceKind.FEED),
    )
    dates = sorted({a.published for a in SITES["herald"].articles})
    cutoff = dates[len(dates) // 2].timestamp() - 60
    max_age = (time.time() - cutoff) / 86400
    herald_only = replace(
        feeds,
        sources=(
            Source(name="h", kind=SourceKind.FEED, urls=(sites["herald"].base_url + "/feed.xml",)),
        ),
        max_age_days=max_age,
    )
    result = run_crawl(herald_only)
    expected = sum(1 for a in SITES["herald"].articles if a.published.timestamp() >= cutoff)
    assert 0 < expected < len(SITES["herald"].articles)
    assert result.stats.stored == expected


def test_a_second_run_is_refused_while_one_holds_the_lock_or_waits(config: CrawlConfig) -> None:
    lock = RunLock(config.store)
    with lock:
        with pytest.raises(StoreLocked, match="--wait"):
            run_crawl(config)
        outcome: list[int] = []
        waiter = threading.Thread(
            target=lambda: outcome.append(run_crawl(config, wait=True).stats.stored)
        )
        waiter.start()
        time.sleep(0.3)
        assert outcome == []  # still waiting for the lock
    waiter.join(timeout=30)
    assert outcome == [8]


def test_lock_file_is_beside_the_store(tmp_path: Path) -> None:
    assert RunLock(tmp_path / "a.db").path == tmp_path / "a.db.lock"


@pytest.mark.skipif(
    not Path("/proc/locks").exists(), reason="names the holder from Linux's /proc/locks"
)
def test_a_lock_held_by_another_program_names_its_holder_not_the_last_runs_pid(
    tmp_path: Path,
) -> None:
    # "flock news.db.lock command", as docs/crawl.md suggests to readers of the store: the
    # file still holds the pid of the run that took the lock last, long gone.
    store = tmp_path / "news.db"
    with RunLock(store):
        pass
    lock = RunLock(store).path
    lock.write_text("4194304", encoding="ascii")  # past any pid_max: no process has it
    take = (
        "import fcntl, sys, time; f = open(sys.argv[1]); fcntl.flock(f, fcntl.LOCK_EX);"
        " time.sleep(30)"
    )
    holder = subprocess.Popen([sys.executable, "-c", take, str(lock)])
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with RunLock(store):
                    pass
            except StoreLocked as exc:
                message = str(exc)
                break
            assert time.monotonic() < deadline, "the holder never took the lock"
            time.sleep(0.05)
    finally:
        holder.kill()
        holder.wait()
    assert "4194304" not in message
    assert f"(pid {holder.pid})" in message


def test_a_store_reached_through_a_symlink_takes_the_same_lock(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "alias.db").symlink_to(tmp_path / "data" / "news.db")
    (tmp_path / "srv").symlink_to(tmp_path / "data")
    with RunLock(tmp_path / "data" / "news.db"):
        for other in (tmp_path / "alias.db", tmp_path / "srv" / "news.db"):
            with pytest.raises(StoreLocked), RunLock(other):
                pass
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == ["news.db.lock"]


def test_a_host_limit_paces_that_host_only(
    sites: dict[str, SiteServer], config: CrawlConfig
) -> None:
    herald = sites["herald"]
    netloc = herald.base_url.removeprefix("http://")
    paced = replace(config, hosts={netloc: HostLimit(min_interval=0.2, per_host=1)})
    assert run_crawl(paced).stats.stored == 8
    # robots.txt is also fetched by the fetcher's own robots check, outside the gate.
    starts = sorted(r.at for r in herald.log if r.path != "/robots.txt")
    gaps = [b - a for a, b in pairwise(starts)]
    assert len(starts) >= 8
    assert min(gaps) >= 0.12  # 0.2 s apart when sent; arrival jitter under load allowed
    courier = sorted(r.at for r in sites["courier"].log)
    assert min(b - a for a, b in pairwise(courier)) < 0.1


class _FailsOn:
    """A deduplicator that breaks on one URL (standing in for any bug on one page)."""

    def __init__(self, index: Deduplicator, bad: str) -> None:
        self.index = index
        self.bad = bad

    def add_many(self, docs: Sequence[Document]) -> Sequence[Placement]:
        if any((doc.url or "").endswith(self.bad) for doc in docs):
            raise KeyError("boom")
        return self.index.add_many(docs)


def test_a_bug_on_one_page_is_recorded_and_the_run_goes_on(config: CrawlConfig) -> None:
    store = SQLiteCrawlStore(config.store)

    async def crawl() -> RunResult:
        async with Fetcher(fetch_options(config)) as fetcher:
            parts = RunParts(
                store=store,
                fetcher=fetcher,
                extractor=Extractor(0),
                dedup=_FailsOn(open_index(store), "/library-night-hours"),
                normalise=normalise_url,
            )
            return await crawl_once(config, parts)

    try:
        result = asyncio.run(crawl())
    finally:
        store.close()
    assert result.stats.stored == 7
    (failure,) = result.failures
    assert failure.kind == "internal"
    assert failure.source.endswith("/library-night-hours")
    assert "KeyError" in failure.reason
