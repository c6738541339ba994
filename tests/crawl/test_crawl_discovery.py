"""Discovery against a fake fetcher: loops, nested sitemaps after a 304, bad entries."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from scraper.config import Source, SourceKind
from scraper.crawl.discovery import Discovery, SourceReport
from scraper.demo.listings import sitemap_index
from scraper.discover.urls import normalise_url
from scraper.errors import HTTPStatusError
from scraper.models import Page
from scraper.store.crawl_store import SQLiteCrawlStore


class FakeFetcher:
    """Serves fixed bodies; answers 304 when the caller's ETag matches; 500 for unknown URLs."""

    def __init__(self, bodies: dict[str, bytes]) -> None:
        self.bodies = bodies
        self.requests: list[tuple[str, str | None]] = []

    async def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        document: bool = False,
    ) -> Page:
        assert document  # discovery documents get their own caps
        self.requests.append((url, etag))
        if url not in self.bodies:
            raise HTTPStatusError("HTTP 500", url=url, status=500)
        tag = f'"{len(self.bodies[url])}"'
        if etag == tag:
            return Page(url=url, body=b"", status=304)
        return Page(url=url, body=self.bodies[url], headers=(("ETag", tag),))


URLSET = b"""<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>https://n.test/a?utm_source=x</loc></url><url><loc>https://n.test/a/amp</loc></url>
<url><loc>https://n.test/b</loc></url></urlset>"""


def _discover(store: SQLiteCrawlStore, fetcher: FakeFetcher, source: Source) -> SourceReport:
    discovery = Discovery(fetcher, store, normalise_url, run_id=1)
    return asyncio.run(discovery.discover(source, None))


def test_nested_sitemaps_loops_and_revalidation(tmp_path: Path) -> None:
    bodies = {
        "https://n.test/index.xml": sitemap_index(
            ["https://n.test/index.xml", "https://n.test/s1.xml", "https://n.test/gone.xml"]
        ),
        "https://n.test/s1.xml": URLSET,
    }
    fetcher = FakeFetcher(bodies)
    store = SQLiteCrawlStore(tmp_path / "d.db")
    source = Source(name="s", kind=SourceKind.SITEMAP, urls=("https://n.test/index.xml",))
    first = _discover(store, fetcher, source)
    assert first.new == 2  # a, b: the tracking and AMP variants are one URL
    assert first.documents == 3  # the self-reference is read once
    assert len(first.errors) == 1  # gone.xml: HTTP 500, recorded
    fetcher.requests.clear()
    second = _discover(store, fetcher, source)
    # The index answered 304, and its children were still revalidated (and answered 304).
    assert second.not_modified == 2
    assert second.new == 0
    assert {url for url, etag in fetcher.requests if etag} == {
        "https://n.test/index.xml",
        "https://n.test/s1.xml",
    }


def test_bad_entries_are_recorded_and_the_rest_enqueued(tmp_path: Path) -> None:
    store = SQLiteCrawlStore(tmp_path / "d.db")
    source = Source(name="u", kind=SourceKind.URLS, urls=("https://n.test/x", "ftp://n.test/y"))
    report = _discover(store, FakeFetcher({}), source)
    assert report.new == 1
    assert "ftp://n.test/y" in report.errors[0]


def _index(children: list[tuple[str, str]]) -> bytes:
    entries = "".join(
        f"<sitemap><loc>{u}</loc><lastmod>{d}</lastmod></sitemap>" for u, d in children
    )
    return (
        '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"{entries}</sitemapindex>"
    ).encode()


def test_old_nested_sitemaps_are_not_asked_again(tmp_path: Path) -> None:
    today = datetime.now(UTC).isoformat()
    bodies = {
        "https://n.test/index.xml": _index(
            [("https://n.test/2019-01.xml", "2019-02-01"), ("https://n.test/today.xml", today)]
        ),
        "https://n.test/2019-01.xml": URLSET,
        "https://n.test/today.xml": URLSET.replace(b"/b<", b"/c<"),
    }
    fetcher = FakeFetcher(bodies)
    store = SQLiteCrawlStore(tmp_path / "d.db")
    source = Source(name="s", kind=SourceKind.SITEMAP, urls=("https://n.test/index.xml",))
    first = _discover(store, fetcher, source)
    assert (first.documents, first.unchanged, first.new) == (3, 0, 3)
    fetcher.requests.clear()
    second = _discover(store, fetcher, source)
    # The 2019 sitemap changed long before we read it: left alone. Today's is revalidated.
    assert (second.documents, second.unchanged, second.not_modified) == (2, 1, 2)
    assert "https://n.test/2019-01.xml" not in {url for url, _ in fetcher.requests}


def test_nested_sitemaps_older_than_the_window_are_skipped(tmp_path: Path) -> None:
    bodies = {
        "https://n.test/index.xml": _index(
            [
                ("https://n.test/2019-01.xml", "2019-02-01"),
                ("https://n.test/2019-02.xml", "2019-03"),
            ]
        ),
        "https://n.test/2019-01.xml": URLSET,
        "https://n.test/2019-02.xml": URLSET,
    }
    fetcher = FakeFetcher(bodies)
    store = SQLiteCrawlStore(tmp_path / "d.db")
    source = Source(name="s", kind=SourceKind.SITEMAP, urls=("https://n.test/index.xml",))
    report = asyncio.run(Discovery(fetcher, store, normalise_url, run_id=1).discover(source, 30))
    # The newest child is read whatever its date (it may be stale); the older one is not.
    assert (report.documents, report.unchanged, report.new) == (2, 1, 2)
    assert "https://n.test/2019-01.xml" not in {url for url, _ in fetcher.requests}


_PLACEHOLDERS = ("1970-01-01T00:00:00+00:00", "0001-01-01T00:00:00Z", "1900-01-01")


def test_entries_dated_by_a_placeholder_are_undated_not_out_of_the_window(
    tmp_path: Path,
) -> None:
    # Unix time 0, .NET's DateTime.MinValue, a CMS's empty date: before the fix every entry
    # of such a listing fell out of the age window on every run.
    urls = "".join(
        f"<url><loc>https://n.test/{n}</loc><lastmod>{d}</lastmod></url>"
        for n, d in enumerate((*_PLACEHOLDERS, "2019-02-01"))
    )
    bodies = {
        "https://n.test/sitemap.xml": (
            '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"{urls}</urlset>"
        ).encode()
    }
    store = SQLiteCrawlStore(tmp_path / "d.db")
    source = Source(name="s", kind=SourceKind.SITEMAP, urls=("https://n.test/sitemap.xml",))
    fetcher = FakeFetcher(bodies)
    report = asyncio.run(Discovery(fetcher, store, normalise_url, run_id=1).discover(source, 30))
    # The placeholders' entries are new; the one really dated 2019 is out of the window.
    assert (report.listed, report.new) == (4, 3)


def test_nested_sitemaps_dated_by_a_placeholder_are_read(tmp_path: Path) -> None:
    children = [(f"https://n.test/part-{n}.xml", d) for n, d in enumerate(_PLACEHOLDERS)]
    bodies: dict[str, bytes] = {"https://n.test/index.xml": _index(children)}
    for n, (url, _) in enumerate(children):
        bodies[url] = URLSET.replace(b"/b<", f"/b{n}<".encode())
    fetcher = FakeFetcher(bodies)
    store = SQLiteCrawlStore(tmp_path / "d.db")
    source = Source(name="s", kind=SourceKind.SITEMAP, urls=("https://n.test/index.xml",))
    report = asyncio.run(Discovery(fetcher, store, normalise_url, run_id=1).discover(source, 30))
    assert {url for url, _ in fetcher.requests} == {"https://n.test/index.xml", *dict(children)}
    assert (report.documents, report.unchanged, report.new) == (4, 0, 4)
