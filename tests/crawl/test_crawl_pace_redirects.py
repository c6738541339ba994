"""A host's own pace holds for the requests that reach it by a redirect from another host."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path

import pytest
from redirector import Redirector, serving

from scraper.config import CrawlConfig, HostLimit, Politeness, RetryPolicy, Source, SourceKind
from scraper.crawl import run_crawl
from scraper.demo.server import SiteServer
from scraper.demo.site import load_sites, render_site

HERALD = next(site for site in load_sites() if site.slug == "herald")
INTERVAL = 0.25


@pytest.fixture
def fragile() -> Iterator[SiteServer]:
    with SiteServer() as server:
        server.publish(render_site(HERALD, server.base_url))
        yield server


@pytest.fixture
def redirector(fragile: SiteServer) -> Iterator[Redirector]:
    with serving(fragile.base_url) as server:
        yield server


def test_a_hosts_limit_paces_the_requests_redirected_to_its_host(
    fragile: SiteServer, redirector: Redirector, tmp_path: Path
) -> None:
    paths = [f"/news/2026/{a.slug}" for a in HERALD.articles[:4]]
    config = CrawlConfig(
        sources=(
            Source(
                name="moved",
                kind=SourceKind.URLS,
                urls=tuple(redirector.base_url + p for p in paths),
            ),
        ),
        store=tmp_path / "crawl.db",
        politeness=Politeness(min_interval=0.0, per_host=4, concurrency=4),
        hosts={
            fragile.base_url.removeprefix("http://"): HostLimit(min_interval=INTERVAL, per_host=1)
        },
        retry=RetryPolicy(per_request=1),
        workers=0,
        allow_networks=("127.0.0.0/8",),
    )
    assert run_crawl(config).stats.stored == len(paths)
    starts = sorted(r.at for r in fragile.log if r.path.startswith("/news/"))
    assert len(starts) == len(paths)
    # Sent INTERVAL apart; the server thread may log one a little late under load.
    assert min(b - a for a, b in pairwise(starts)) >= INTERVAL - 0.05
