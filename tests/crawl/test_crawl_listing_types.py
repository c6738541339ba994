"""The content types feeds and sitemaps really come as, against a real local server."""

from __future__ import annotations

import asyncio
import gzip
from datetime import UTC, datetime
from pathlib import Path

from scraper.config import CrawlConfig, Politeness, Source, SourceKind
from scraper.crawl.discovery import Discovery, SourceReport
from scraper.crawl.fetching import fetch_options
from scraper.demo.listings import Item, rss_feed
from scraper.demo.server import Resource, SiteServer
from scraper.discover.urls import normalise_url
from scraper.fetch.client import Fetcher
from scraper.store.crawl_store import SQLiteCrawlStore

NOW = datetime.now(UTC).replace(microsecond=0)
_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def _discover(tmp_path: Path, server: SiteServer, sources: list[Source]) -> list[SourceReport]:
    config = CrawlConfig(
        sources=tuple(sources),
        store=tmp_path / "crawl.db",
        politeness=Politeness(min_interval=0.0, per_host=4, concurrency=4),
        workers=0,
        allow_networks=("127.0.0.0/8",),
    )
    store = SQLiteCrawlStore(config.store)

    async def run() -> list[SourceReport]:
        async with Fetcher(fetch_options(config)) as fetcher:
            discovery = Discovery(fetcher, store, normalise_url, run_id=1)
            return [await discovery.discover(s, None) for s in sources]

    try:
        return asyncio.run(run())
    finally:
        store.close()


def _rdf(base: str) -> bytes:
    return (
        '<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
        f' xmlns="http://purl.org/rss/1.0/"><channel rdf:about="{base}/"><title>t</title>'
        f'<link>{base}/</link></channel><item rdf:about="{base}/rdf/a"><title>e</title>'
        f"<link>{base}/rdf/a</link></item></rdf:RDF>"
    ).encode()


def test_rss_1_0_and_legacy_rss_types_and_untyped_gzip_sitemaps_are_read(tmp_path: Path) -> None:
    with SiteServer() as server:
        base = server.base_url
        rss = rss_feed("t", base, [Item(f"{base}/rss/a", "A", NOW)])
        urlset = f'<?xml version="1.0"?><urlset xmlns="{_NS}"><url><loc>{base}/sm/a</loc></url>'
        sitemap = gzip.compress(f"{urlset}</urlset>".encode())
        served = {
            "/rdf.xml": ("application/rdf+xml", _rdf(base), SourceKind.FEED),
            "/x-rss.xml": ("application/x-rss+xml", rss, SourceKind.FEED),
            "/text-rss.xml": ("text/rss+xml", rss, SourceKind.FEED),
            "/s3.xml.gz": ("binary/octet-stream", sitemap, SourceKind.SITEMAP),
            "/cf.xml.gz": ("application/octet-stream", sitemap, SourceKind.SITEMAP),
        }
        server.publish({path: Resource(ct, body, NOW) for path, (ct, body, _) in served.items()})
        sources = [Source(name=p, kind=k, urls=(base + p,)) for p, (_, _, k) in served.items()]
        reports = _discover(tmp_path, server, sources)
    assert [(r.source, r.errors, r.listed) for r in reports] == [(path, (), 1) for path in served]


def test_a_refused_type_says_so_with_a_kind_of_its_own(tmp_path: Path) -> None:
    with SiteServer() as server:
        base = server.base_url
        server.publish(
            {
                "/feed.mp4": Resource("video/mp4", b"\x00\x00\x00\x18ftypmp42", NOW),
                "/blob.xml.gz": Resource("binary/octet-stream", b"\x00\x01PK\x03\x04", NOW),
            }
        )
        sources = [
            Source(name="video", kind=SourceKind.FEED, urls=(base + "/feed.mp4",)),
            Source(name="blob", kind=SourceKind.SITEMAP, urls=(base + "/blob.xml.gz",)),
        ]
        video, blob = _discover(tmp_path, server, sources)
    assert video.errors[0].startswith("not_listing: content type 'video/mp4' is not accepted")
    # Untyped bytes are judged by their start: these are neither gzip nor text.
    assert blob.errors[0].startswith("not_listing: served as binary/octet-stream")
