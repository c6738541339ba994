"""A host's own pace holds for the requests that reach it by a redirect from another host."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import pairwise
from pathlib import Path

import pytest

from scraper.config import CrawlConfig, HostLimit, Politeness, RetryPolicy, Source, SourceKind
from scraper.crawl import run_crawl
from scraper.demo.server import SiteServer
from scraper.demo.site import load_sites, render_site

HERALD = next(site for site in load_sites() if site.slug == "herald")
INTERVAL = 0.25


class _Redirector(ThreadingHTTPServer):
    """Answers every GET with a 301 to the same path on ``target``."""

    daemon_threads = True

    def __init__(self, target: str) -> None:
        self.target = target
        super().__init__(("127.0.0.1", 0), _RedirectHandler)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _RedirectHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Redirector

    def do_GET(self) -> None:
        if self.path == "/robots.txt":
            self.send_response(404)
        else:
            self.send_response(301)
            self.send_header("Location", self.server.target + self.path)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        del format, args


@pytest.fixture
def fragile() -> Iterator[SiteServer]:
    with SiteServer() as server:
        server.publish(render_site(HERALD, server.base_url))
        yield server


@pytest.fixture
def redirector(fragile: SiteServer) -> Iterator[_Redirector]:
    server = _Redirector(fragile.base_url)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def test_a_hosts_limit_paces_the_requests_redirected_to_its_host(
    fragile: SiteServer, redirector: _Redirector, tmp_path: Path
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
