"""Discovery's bounds against a real local server: the document cap, body caps, skipped entries."""

from __future__ import annotations

import asyncio
import json
from collections import deque
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from article_pages import article_page
from typer.testing import CliRunner

import scraper.crawl.discovery as discovery_module
from scraper.cli.app import app
from scraper.config import CrawlConfig, parse_config
from scraper.crawl import run_crawl
from scraper.crawl.discovery import Discovery
from scraper.crawl.fetching import fetch_options
from scraper.demo.listings import Item, rss_feed
from scraper.demo.server import Resource, SiteServer
from scraper.discover.urls import normalise_url
from scraper.errors import TooLarge
from scraper.fetch.client import Fetcher
from scraper.fetch.options import Limits
from scraper.store.crawl_store import SQLiteCrawlStore
from scraper.store.protocol import ChildDoc

runner = CliRunner()
NOW = datetime.now(UTC).replace(microsecond=0)
_NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'


def _article(title: str) -> Resource:
    return article_page(title, NOW)


def _xml(body: str) -> Resource:
    return Resource("application/xml", f'<?xml version="1.0"?>{body}'.encode(), NOW)


def _index(children: list[tuple[str, datetime]]) -> Resource:
    entries = "".join(
        f"<sitemap><loc>{url}</loc><lastmod>{when.isoformat()}</lastmod></sitemap>"
        for url, when in children
    )
    return _xml(f"<sitemapindex {_NS}>{entries}</sitemapindex>")


def _urlset(urls: list[str]) -> Resource:
    entries = "".join(f"<url><loc>{u}</loc></url>" for u in urls)
    return _xml(f"<urlset {_NS}>{entries}</urlset>")


def _config(tmp_path: Path, sources: list[dict[str, Any]], **top: Any) -> CrawlConfig:
    data: dict[str, Any] = {
        "store": str(tmp_path / "c.db"),
        "workers": 0,
        "allow_networks": ["127.0.0.0/8"],
        "politeness": {"min_interval": 0.0, "per_host": 4},
        "retry": {"max_attempts": 3, "backoff": 0.0, "per_request": 1},
        "source": sources,
        **top,
    }
    return parse_config(data)


async def _discover(
    config: CrawlConfig,
    store: SQLiteCrawlStore,
    run_id: int,
    *,
    max_documents: int,
    refresh_minutes: float | None = None,
) -> Any:
    """One run's discovery of the config's first source, through a real fetcher."""
    async with Fetcher(fetch_options(config)) as fetcher:
        discovery = Discovery(fetcher, store, normalise_url, run_id, max_documents=max_documents)
        return await discovery.discover(config.sources[0], None, refresh_minutes=refresh_minutes)


def test_children_left_unread_as_unchanged_do_not_use_up_the_document_cap(
    tmp_path: Path,
) -> None:
    old = datetime(2015, 1, 1, tzinfo=UTC)
    with SiteServer() as server:
        base = server.base_url
        children = [(f"{base}/sm-{i}.xml", old) for i in range(600)]
        server.publish(
            {
                "/index.xml": _index([*children, (f"{base}/sm-new.xml", NOW)]),
                "/sm-new.xml": _urlset([f"{base}/new"]),
                "/new": _article("New"),
            }
        )
        config = _config(tmp_path, [{"name": "sm", "sitemap": f"{base}/index.xml"}], max_age_days=3)
        result = run_crawl(config)
        paths = [r.path for r in server.log]
    assert "/sm-new.xml" in paths
    (report,) = result.sources
    assert (report.documents, report.unchanged, report.unread, report.new) == (2, 600, 0, 1)
    assert result.stats.stored == 1
    assert result.ok


def test_the_document_cap_leaves_the_oldest_unread_and_says_so(tmp_path: Path) -> None:
    days = [NOW - timedelta(days=d) for d in range(5, 0, -1)]  # oldest first, as indexes do
    with SiteServer() as server:
        base = server.base_url
        pages = {f"/sm-{i}.xml": _urlset([f"{base}/a{i}"]) for i in range(5)}
        pages["/index.xml"] = _index([(f"{base}/sm-{i}.xml", d) for i, d in enumerate(days)])
        server.publish(pages)
        config = _config(tmp_path, [{"name": "sm", "sitemap": f"{base}/index.xml"}])
        store = SQLiteCrawlStore(config.store)

        async def discover() -> Any:
            return await _discover(config, store, 1, max_documents=3)

        report = asyncio.run(discover())
        store.close()
        paths = {r.path for r in server.log}
    # The index and the two newest children are read; the three oldest are not, and the
    # report says so as a warning (not an error: the run does not fail on it).
    assert {"/sm-4.xml", "/sm-3.xml"} <= paths
    assert not {"/sm-0.xml", "/sm-1.xml", "/sm-2.xml"} & paths
    assert (report.documents, report.unread, report.errors) == (3, 3, ())
    assert "3 nested sitemaps left unread" in report.warnings[0]


def test_successive_runs_cover_an_undated_index_larger_than_the_cap(tmp_path: Path) -> None:
    with SiteServer() as server:
        base = server.base_url
        pages = {f"/sm-{i}.xml": _urlset([f"{base}/a{i}"]) for i in range(5)}
        entries = "".join(f"<sitemap><loc>{base}/sm-{i}.xml</loc></sitemap>" for i in range(5))
        pages["/index.xml"] = _xml(f"<sitemapindex {_NS}>{entries}</sitemapindex>")
        server.publish(pages)
        config = _config(tmp_path, [{"name": "sm", "sitemap": f"{base}/index.xml"}])
        store = SQLiteCrawlStore(config.store)

        async def discover(run_id: int) -> Any:
            return await _discover(config, store, run_id, max_documents=3)

        runs = []
        for run_id in (1, 2, 3):
            start = len(server.log)
            report = asyncio.run(discover(run_id))
            read = [r.path for r in server.log[start:] if r.path.startswith("/sm-")]
            runs.append((read, report))
        store.close()
    # No lastmod to go by: what was never read goes first, then what was read longest ago,
    # so the index and two children a run reach all five children by the third run.
    assert [paths for paths, _ in runs] == [
        ["/sm-0.xml", "/sm-1.xml"],
        ["/sm-2.xml", "/sm-3.xml"],
        ["/sm-4.xml", "/sm-0.xml"],
    ]
    report = runs[0][1]
    assert (report.documents, report.unread, report.new) == (3, 3, 2)
    assert report.warnings == (
        "document cap: 3 nested sitemaps left unread (at most 3 documents a run;"
        " the next runs read them before those read now)",
    )


def test_sitemaps_have_caps_of_their_own_above_a_page_s(tmp_path: Path) -> None:
    kib = 1024
    with SiteServer() as server:
        base = server.base_url
        urls = [
            f"{base}/story-{i:05d}-with-a-slug-long-enough-to-fill-a-sitemap" for i in range(4000)
        ]
        sitemap = _urlset(urls)
        assert 256 * kib < len(sitemap.body) < 512 * kib
        server.publish({"/sm.xml": sitemap, "/big-page": _article("x" * 300 * kib)})
        config = _config(tmp_path, [{"name": "sm", "sitemap": f"{base}/sm.xml"}])

        async def discover(document_cap: int) -> Any:
            # Pages may have 128 KiB here, discovery documents ``document_cap``.
            limits = Limits(
                max_body=128 * kib,
                max_decoded=128 * kib,
                max_document_body=document_cap,
                max_document_decoded=document_cap,
            )
            options = replace(fetch_options(config), limits=limits)
            async with Fetcher(options) as fetcher:
                with pytest.raises(TooLarge):  # a page still gets a page's caps
                    await fetcher.fetch(f"{base}/big-page")
                store = SQLiteCrawlStore(tmp_path / f"{document_cap}.db")
                try:
                    discovery = Discovery(fetcher, store, normalise_url, run_id=1)
                    return await discovery.discover(config.sources[0], None)
                finally:
                    store.close()

        read = asyncio.run(discover(1024 * kib))
        capped = asyncio.run(discover(256 * kib))
    assert (read.new, read.errors) == (4000, ())
    # Over the document cap it is still too large (and a decompression bomb stays bounded).
    assert capped.new == 0
    assert capped.errors and capped.errors[0].startswith("too_large")


def _feed(base: str, links: list[str]) -> bytes:
    return rss_feed("f", base + "/", [Item(link, "t", NOW) for link in links])


def test_a_feed_entry_that_is_no_url_is_skipped_not_a_failure(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    with SiteServer() as server:
        base = server.base_url
        config.write_text(
            'store = "c.db"\nworkers = 0\nallow_networks = ["127.0.0.0/8"]\n'
            f'[politeness]\nmin_interval = 0.0\n[[source]]\nname = "f"\nfeed = "{base}/feed.xml"\n'
        )
        runs = []
        for run, flags in enumerate((["--log-json"], [])):
            # The same entries, in a feed whose ETag changes on every run (as a CDN's may).
            body = _feed(base, [f"{base}/a", "mailto:desk@news.example"]) + f"<!--{run}-->".encode()
            server.publish(
                {"/a": _article("Alpha"), "/feed.xml": Resource("application/rss+xml", body, NOW)}
            )
            runs.append(runner.invoke(app, ["crawl", str(config), *flags]))
        healthy = runner.invoke(app, ["status", str(config)])
        # A feed that cannot be fetched is still a failure, and status names it.
        config.write_text(config.read_text().replace("/feed.xml", "/gone.xml"))
        broken = runner.invoke(app, ["crawl", str(config)])
        status = runner.invoke(app, ["status", str(config)])
    assert [r.exit_code for r in runs] == [0, 0], runs[-1].stderr
    events = [json.loads(line) for line in runs[0].stderr.splitlines()]
    (source,) = [e for e in events if e["event"] == "source"]
    assert (source["skipped"], source["errors"], source["new"]) == (1, [], 1)
    assert "1 listed entry skipped" in runs[1].stderr
    assert "latest error" not in healthy.stdout
    assert broken.exit_code == 1
    assert "latest error in f: HTTP 404" in status.stdout


def test_an_index_over_the_cap_rests_while_later_runs_read_its_unread_children(
    tmp_path: Path,
) -> None:
    with SiteServer() as server:
        base = server.base_url
        pages = {f"/sm-{i}.xml": _urlset([f"{base}/a{i}"]) for i in range(7)}
        entries = "".join(f"<sitemap><loc>{base}/sm-{i}.xml</loc></sitemap>" for i in range(7))
        pages["/index.xml"] = _xml(f"<sitemapindex {_NS}>{entries}</sitemapindex>")
        server.publish(pages)
        config = _config(tmp_path, [{"name": "sm", "sitemap": f"{base}/index.xml"}])
        store = SQLiteCrawlStore(config.store)

        async def discover(run_id: int) -> Any:
            return await _discover(config, store, run_id, max_documents=3, refresh_minutes=60.0)

        runs = []
        for run_id in (1, 2, 3, 4):
            start = len(server.log)
            report = asyncio.run(discover(run_id))
            runs.append(([r.path for r in server.log[start:] if r.path.endswith(".xml")], report))
        store.close()
    # The index is read once in its interval; the runs after it read the children it left
    # unread, never-read first in index order, up to the cap each, and then nothing.
    assert [paths for paths, _ in runs] == [
        ["/index.xml", "/sm-0.xml", "/sm-1.xml"],
        ["/sm-2.xml", "/sm-3.xml", "/sm-4.xml"],
        ["/sm-5.xml", "/sm-6.xml"],
        [],
    ]
    assert [(r.not_due, r.documents, r.unread, r.new) for _, r in runs] == [
        (0, 3, 5, 2),
        (1, 3, 2, 3),
        (1, 2, 0, 2),
        (1, 0, 0, 0),
    ]


def test_a_resting_index_whose_child_failed_is_read_again_with_it(tmp_path: Path) -> None:
    with SiteServer() as server:
        base = server.base_url
        pages = {f"/sm-{i}.xml": _urlset([f"{base}/a{i}"]) for i in range(4)}
        entries = "".join(f"<sitemap><loc>{base}/sm-{i}.xml</loc></sitemap>" for i in range(4))
        pages["/index.xml"] = _xml(f"<sitemapindex {_NS}>{entries}</sitemapindex>")
        server.publish(pages)
        server.fail("/sm-1.xml", 500)
        config = _config(tmp_path, [{"name": "sm", "sitemap": f"{base}/index.xml"}])
        store = SQLiteCrawlStore(config.store)

        async def discover(run_id: int) -> Any:
            return await _discover(config, store, run_id, max_documents=3, refresh_minutes=60.0)

        first = asyncio.run(discover(1))
        server.restore("/sm-1.xml")
        start = len(server.log)
        second = asyncio.run(discover(2))
        paths = [r.path for r in server.log[start:] if r.path.endswith(".xml")]
        store.close()
    # A failure is no cap: the index is read again at once, and with it the failed child.
    assert (first.unread, len(first.errors)) == (2, 1)
    assert second.not_due == 0 and paths == ["/index.xml", "/sm-1.xml", "/sm-2.xml"]


def test_a_nested_sitemap_that_is_no_url_is_skipped_not_a_failure(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    with SiteServer() as server:
        base = server.base_url
        children = ["mailto:desk@news.example", "http://[::1/broken.xml", f"{base}/sm.xml"]
        entries = "".join(f"<sitemap><loc>{c}</loc></sitemap>" for c in children)
        server.publish(
            {
                "/a": _article("Alpha"),
                "/sm.xml": _urlset([f"{base}/a"]),
                "/index.xml": _xml(f"<sitemapindex {_NS}>{entries}</sitemapindex>"),
            }
        )
        config.write_text(
            'store = "c.db"\nworkers = 0\nallow_networks = ["127.0.0.0/8"]\n'
            "[politeness]\nmin_interval = 0.0\n"
            f'[[source]]\nname = "sm"\nsitemap = "{base}/index.xml"\n'
        )
        result = runner.invoke(app, ["crawl", str(config), "--log-json"])
        status = runner.invoke(app, ["status", str(config)])
    assert result.exit_code == 0, result.stderr
    events = [json.loads(line) for line in result.stderr.splitlines()]
    (source,) = [e for e in events if e["event"] == "source"]
    assert (source["skipped"], source["errors"], source["new"]) == (2, [], 1)
    assert "latest error" not in status.stdout


def test_an_index_naming_one_sitemap_under_many_fragments_reads_it_once(tmp_path: Path) -> None:
    with SiteServer() as server:
        base = server.base_url
        entries = "".join(f"<sitemap><loc>{base}/sm.xml#{i}</loc></sitemap>" for i in range(20))
        server.publish(
            {
                "/a": _article("Alpha"),
                "/sm.xml": _urlset([f"{base}/a"]),
                "/index.xml": _xml(f"<sitemapindex {_NS}>{entries}</sitemapindex>"),
            }
        )
        config = _config(tmp_path, [{"name": "sm", "sitemap": f"{base}/index.xml"}])
        result = run_crawl(config)
        asked = [r.path for r in server.log if r.path == "/sm.xml"]
    assert result.stats.stored == 1
    assert asked == ["/sm.xml"]


class _CountingStore(SQLiteCrawlStore):
    """Counts the store's look-ups of when a document was read: one or two a nested sitemap
    taken into a run, to rank it and to judge whether to ask it."""

    looked_up = 0

    def last_read(self, doc_url: str, *, settings: str | None = None) -> float | None:
        self.looked_up += 1
        return super().last_read(doc_url, settings=settings)


def test_a_huge_index_keeps_its_newest_children_and_says_how_many_it_left_out(
    tmp_path: Path,
) -> None:
    # 20,000 children a minute apart, listed in no order (7919 is prime): three documents a
    # run, so 300 nested sitemaps are kept of an index (a hundred a document).
    minutes = [(n * 7919) % 20_000 for n in range(20_000)]
    with SiteServer() as server:
        base = server.base_url
        pages = {
            "/index.xml": _index(
                [(f"{base}/sm-{n}.xml", NOW - timedelta(minutes=m)) for n, m in enumerate(minutes)]
            )
        }
        newest = sorted(range(20_000), key=lambda n: minutes[n])
        pages |= {f"/sm-{n}.xml": _urlset([f"{base}/a{n}"]) for n in newest[:2]}
        server.publish(pages)
        config = _config(tmp_path, [{"name": "sm", "sitemap": f"{base}/index.xml"}])
        store = _CountingStore(config.store)

        async def discover() -> Any:
            return await _discover(config, store, 1, max_documents=3)

        report = asyncio.run(discover())
        kept = store.children(f"{base}/index.xml")
        store.close()
        paths = [r.path for r in server.log if r.path.endswith(".xml")]
    # The newest 300 are kept, in index order, in the store as in the run; the two newest
    # are read. The others are never held, and the run says how many.
    assert [c.url for c in kept] == [f"{base}/sm-{n}.xml" for n in sorted(newest[:300])]
    assert paths == ["/index.xml", f"/sm-{newest[0]}.xml", f"/sm-{newest[1]}.xml"]
    assert (report.documents, report.dropped, report.unread, report.errors) == (3, 19_700, 298, ())
    assert report.warnings[1] == (
        "index cap: 19700 nested sitemaps not kept (at most 300 of an index, the newest lastmod"
        " first and undated ones after in index order; the rest are never read)"
    )
    assert store.looked_up < 1_000  # 600 here; 20,000 children took 40,000


class _TrackedDeque(deque[ChildDoc]):
    """The discovery's queues, whose longest length is kept."""

    longest = 0

    def __init__(self, items: Iterable[ChildDoc] = ()) -> None:
        super().__init__(items)
        self._note()

    def append(self, item: ChildDoc) -> None:
        super().append(item)
        self._note()

    def extend(self, items: Iterable[ChildDoc]) -> None:
        super().extend(items)
        self._note()

    def _note(self) -> None:
        _TrackedDeque.longest = max(_TrackedDeque.longest, len(self))


def test_indexes_nesting_indexes_hold_no_more_than_the_nested_cap_in_a_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(discovery_module, "deque", _TrackedDeque)
    with SiteServer() as server:
        base = server.base_url
        leaf = _urlset([f"{base}/a"])
        pages = {
            "/index.xml": _xml(
                f"<sitemapindex {_NS}>"
                + "".join(f"<sitemap><loc>{base}/{x}.xml</loc></sitemap>" for x in "abc")
                + "</sitemapindex>"
            )
        }
        for x in "abc":
            entries = "".join(
                f"<sitemap><loc>{base}/{x}-{n}.xml</loc></sitemap>" for n in range(300)
            )
            pages[f"/{x}.xml"] = _xml(f"<sitemapindex {_NS}>{entries}</sitemapindex>")
            pages |= {f"/{x}-{n}.xml": leaf for n in range(300)}
        server.publish(pages)
        config = _config(tmp_path, [{"name": "sm", "sitemap": f"{base}/index.xml"}])
        store = SQLiteCrawlStore(config.store)

        async def discover(run_id: int) -> Any:
            return await _discover(config, store, run_id, max_documents=4, refresh_minutes=60.0)

        runs = []
        for run_id in (1, 2):
            _TrackedDeque.longest = 0
            start = len(server.log)
            report = asyncio.run(discover(run_id))
            paths = [r.path for r in server.log[start:] if r.path.endswith(".xml")]
            runs.append((paths, report, _TrackedDeque.longest))
        store.close()
    # Four documents a run: 400 nested sitemaps at most are held, of the 903 listed (each
    # index is under the cap, and all 300 of each are kept with it). The rest are left
    # unread, and the runs in the index's interval read them, a's first.
    (first, one, longest_first), (second, two, longest_second) = runs
    assert longest_first <= 400  # all 900 were queued
    assert first == ["/index.xml", "/a.xml", "/b.xml", "/c.xml"]
    assert (one.documents, one.unread, one.dropped) == (4, 900, 0)
    assert one.warnings == (
        "document cap: 900 nested sitemaps left unread (at most 4 documents and 400 nested"
        " sitemaps a run; the next runs read them before those read now)",
    )
    assert second == ["/a-0.xml", "/a-1.xml", "/a-2.xml", "/a-3.xml"]
    assert (two.not_due, two.documents) == (1, 4)
    assert longest_second <= 400


def test_indexes_nesting_themselves_and_their_parents_are_read_once_a_run_down_the_chain(
    tmp_path: Path,
) -> None:
    # i0 -> i1 -> ... -> i9 -> i0: each also lists itself and its parent. Deeper than a run
    # reads (four documents), and a loop: each run reads a document once, at most four, and
    # the runs of the root's interval go down the chain.
    def lists(k: int) -> list[int]:
        return [*([k - 1] if k else []), k, (k + 1) % 10]

    with SiteServer() as server:
        base = server.base_url
        pages = {}
        for k in range(10):
            entries = "".join(f"<sitemap><loc>{base}/i{c}.xml</loc></sitemap>" for c in lists(k))
            pages[f"/i{k}.xml"] = _xml(f"<sitemapindex {_NS}>{entries}</sitemapindex>")
        server.publish(pages)
        config = _config(tmp_path, [{"name": "sm", "sitemap": f"{base}/i0.xml"}])
        store = SQLiteCrawlStore(config.store)

        async def discover(run_id: int) -> Any:
            return await _discover(config, store, run_id, max_documents=4, refresh_minutes=60.0)

        runs = []
        for run_id in range(1, 6):
            start = len(server.log)
            report = asyncio.run(discover(run_id))
            runs.append(([r.path for r in server.log[start:] if r.path.endswith(".xml")], report))
        store.close()
    assert runs[0][0] == ["/i0.xml", "/i1.xml", "/i2.xml", "/i3.xml"]  # level by level
    for paths, report in runs:
        assert len(paths) == len(set(paths)) <= 4
        assert report.documents == len(paths) and report.errors == ()
    assert {p for paths, _ in runs for p in paths} == {f"/i{k}.xml" for k in range(10)}
