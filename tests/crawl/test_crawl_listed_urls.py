"""The crawl requests an article by the URL its listing gave, not by its normalised key, and
session ids in links neither reach the store nor make an article new on every run."""

from __future__ import annotations

import itertools
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from scraper.config import CrawlConfig, Politeness, RetryPolicy, Source, SourceKind
from scraper.crawl import run_crawl
from scraper.demo.listings import Item, rss_feed

NOW = datetime.now(UTC).replace(microsecond=0)
Answer = tuple[str, bytes] | Callable[[], tuple[str, bytes]]


def _article(title: str) -> tuple[str, bytes]:
    text = "".join(
        f"<p>{title}, part {i}: the council met on Tuesday to debate the budget for schools,"
        f" roads and a new library in the {title} district.</p>"
        for i in range(6)
    )
    head = f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
    return "text/html; charset=utf-8", f"{head}{text}</article></body></html>".encode()


class Site:
    """A server that answers the request targets in ``pages`` exactly (path and query as
    sent), 404 to any other, and logs every target it was asked for."""

    def __init__(self) -> None:
        self.pages: dict[str, Answer] = {}
        self.log: list[str] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                site.log.append(self.path)
                answer = site.pages.get(self.path, ("text/plain", b""))
                ctype, body = answer() if callable(answer) else answer
                self.send_response(200 if self.path in site.pages else 404)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                del format, args

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"


@contextmanager
def _site() -> Iterator[Site]:
    site = Site()
    thread = threading.Thread(target=site.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        site.server.shutdown()
        site.server.server_close()


def _config(store: Path, source: Source) -> CrawlConfig:
    return CrawlConfig(
        sources=(source,),
        store=store,
        politeness=Politeness(min_interval=0.0, per_host=4, concurrency=4),
        retry=RetryPolicy(max_attempts=1, backoff=0.0, per_request=1),
        workers=0,
        allow_networks=("127.0.0.0/8",),
    )


def test_articles_are_fetched_as_listed(tmp_path: Path) -> None:
    # Each of these is answered only as listed: without its slash, with its query rewritten
    # ("?/news/x" as "?%2Fnews%2Fx=") or its Latin-1 escapes read as UTF-8, it is a 404.
    listed = [
        "/2026/11/30/budget-vote/",
        "/index.php?/news/school-roads",
        "/lire.php?titre=%E9t%E9",
        "/lire.php?titre=%E8t%E8",
    ]
    with _site() as site:
        site.pages = {path: _article(f"Story {n}") for n, path in enumerate(listed)}
        items = [Item(f"{site.base}{path}#comments", "t", NOW) for path in listed]
        site.pages["/feed.xml"] = ("application/rss+xml", rss_feed("f", site.base, items))
        source = Source(name="f", kind=SourceKind.FEED, urls=(f"{site.base}/feed.xml",))
        result = run_crawl(_config(tmp_path / "c.db", source))
    assert (result.stats.stored, result.stats.gave_up) == (4, 0)
    assert sorted(site.log) == sorted(["/robots.txt", "/feed.xml", *listed])


def test_session_ids_in_links_do_not_make_articles_new(tmp_path: Path) -> None:
    visits = itertools.count()

    def section() -> tuple[str, bytes]:
        # A new session id on every visit, as a client without cookies gets one.
        n = next(visits)
        links = "".join(
            f'<a href="/news/2026/story-{i};jsessionid=ABC{n}">s</a>'
            f'<a href="/php/2026/story.php?id={i}&amp;PHPSESSID=f00{n}">p</a>'
            for i in range(2)
        )
        return "text/html", f"<html><body>{links}</body></html>".encode()

    with _site() as site:
        site.pages = {"/sec": section}
        for i in range(2):
            site.pages[f"/news/2026/story-{i}"] = _article(f"Java story {i}")
            site.pages[f"/php/2026/story.php?id={i}"] = _article(f"PHP story {i}")
        source = Source(
            name="sec", kind=SourceKind.SECTION, urls=(f"{site.base}/sec",), follow=("/2026/",)
        )
        config = _config(tmp_path / "c.db", source)
        first = run_crawl(config)
        second = run_crawl(config)
    assert (first.sources[0].new, first.stats.stored) == (4, 4)
    assert (second.sources[0].new, second.stats.stored) == (0, 0)
    # Fetched without the stale session id, and stored under a URL without one.
    assert not [path for path in site.log if "sess" in path.lower()]
    conn = sqlite3.connect(tmp_path / "c.db")
    try:
        urls = [row[0] for row in conn.execute("SELECT url FROM urls ORDER BY url")]
    finally:
        conn.close()
    assert urls == [
        f"{site.base}/news/2026/story-0",
        f"{site.base}/news/2026/story-1",
        f"{site.base}/php/2026/story.php?id=0",
        f"{site.base}/php/2026/story.php?id=1",
    ]
