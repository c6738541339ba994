"""``scraper demo``: serve the demo sites on 127.0.0.1, crawl them twice, report what happened."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from scraper.config import CrawlConfig, Politeness, Source, SourceKind, default_workers
from scraper.crawl import RunResult, run_crawl
from scraper.crawl.identity import open_index
from scraper.crawl.run import Observer
from scraper.demo.server import SiteServer
from scraper.demo.site import load_sites, render_site
from scraper.store.crawl_store import SQLiteCrawlStore
from scraper.store.protocol import StoredArticle

__all__ = ["DemoReport", "demo_config", "demo_sites", "run_demo"]


@dataclass(frozen=True, slots=True, kw_only=True)
class DemoReport:
    """The two runs of the demo and what the store holds afterwards."""

    store: Path
    first: RunResult
    second: RunResult
    articles: tuple[StoredArticle, ...]
    cluster_sizes: tuple[int, ...]

    @property
    def listed(self) -> int:
        """Links listed by all feeds, sitemaps and section pages in the first run."""
        return sum(s.listed for s in self.first.sources)

    @property
    def clusters(self) -> int:
        """Clusters in the near-duplicate index."""
        return len(self.cluster_sizes)


@contextmanager
def demo_sites(*, delay: float = 0.0) -> Iterator[dict[str, SiteServer]]:
    """Start one local server per demo site; yields them by site slug."""
    with ExitStack() as stack:
        servers: dict[str, SiteServer] = {}
        for site in load_sites():
            server = stack.enter_context(SiteServer(delay=delay))
            server.publish(render_site(site, server.base_url))
            servers[site.slug] = server
        yield servers


def demo_config(
    servers: dict[str, SiteServer], store: Path, *, workers: int | None = None
) -> CrawlConfig:
    """A crawl config covering every kind of source the demo sites offer (``workers`` None:
    :func:`~scraper.config.default_workers`)."""
    herald = servers["herald"].base_url
    courier = servers["courier"].base_url
    return CrawlConfig(
        sources=(
            Source(name="herald-feed", kind=SourceKind.FEED, urls=(herald + "/feed.xml",)),
            Source(name="herald-sitemap", kind=SourceKind.SITEMAP, urls=(herald + "/robots.txt",)),
            Source(
                name="herald-news",
                kind=SourceKind.SECTION,
                urls=(herald + "/news/",),
                follow=(r"/news/\d{4}/",),
            ),
            Source(
                name="courier-feeds",
                kind=SourceKind.FEED,
                urls=(courier + "/feed.json", courier + "/atom.xml"),
            ),
        ),
        store=store,
        politeness=Politeness(min_interval=0.0, per_host=4, concurrency=8),
        workers=default_workers() if workers is None else workers,
        allow_networks=("127.0.0.0/8",),
    )


def run_demo(
    store: Path, *, observer: Observer | None = None, workers: int | None = None
) -> DemoReport:
    """Crawl the demo sites into ``store`` twice (the second run finds nothing new).

    Raises:
        StoreError: the store cannot be written (StoreLocked if another run holds it).
    """
    with demo_sites() as servers:
        config = demo_config(servers, store, workers=workers)
        first = run_crawl(config, observer=observer)
        second = run_crawl(config, observer=observer)
    db = SQLiteCrawlStore(store)
    try:
        articles = tuple(db.articles_since())
        sizes = tuple(open_index(db).cluster_sizes())
    finally:
        db.close()
    return DemoReport(
        store=store, first=first, second=second, articles=articles, cluster_sizes=sizes
    )
