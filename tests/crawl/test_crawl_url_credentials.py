"""Credentials in URLs: the config's are sent to their origin only, and nothing stored or
reported holds a password; credentials a feed's links carry are dropped."""

from __future__ import annotations

import base64
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from scraper.config import CrawlConfig, Politeness, RetryPolicy, Source, SourceKind
from scraper.crawl import run_crawl
from scraper.demo.listings import Item, rss_feed

NOW = datetime.now(UTC).replace(microsecond=0)
SECRETS = ("s3cret", "hunter2", "wr0ng")


def _article(title: str) -> bytes:
    text = "".join(
        f"<p>{title}, part {i}: the council met on Tuesday to debate the budget for schools,"
        " roads and a new library in the northern district.</p>"
        for i in range(6)
    )
    head = f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
    return f"{head}{text}</article></body></html>".encode()


class Site:
    """A server whose paths in ``private`` answer 401 without ``user:s3cret`` and those in
    ``moved`` a 302 to the URL given; it logs the Authorization header of every request."""

    def __init__(self) -> None:
        self.pages: dict[str, tuple[str, bytes]] = {}
        self.private: set[str] = set()
        self.moved: dict[str, str] = {}
        self.auth: list[tuple[str, str | None]] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                given = self.headers.get("Authorization")
                site.auth.append((self.path, given))
                good = "Basic " + base64.b64encode(b"user:s3cret").decode()
                ctype, body = site.pages.get(self.path, ("text/plain", b""))
                status = 200 if self.path in site.pages else 404
                if self.path in site.private and given != good:
                    status, body = 401, b""
                self.send_response(302 if self.path in site.moved else status)
                if self.path in site.moved:
                    self.send_header("Location", site.moved[self.path])
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                del format, args

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"

    def with_user(self, userinfo: str) -> str:
        return self.base.replace("//", f"//{userinfo}@")


@contextmanager
def _sites(count: int) -> Iterator[list[Site]]:
    sites = [Site() for _ in range(count)]
    threads = [threading.Thread(target=s.server.serve_forever, daemon=True) for s in sites]
    for thread in threads:
        thread.start()
    try:
        yield sites
    finally:
        for site in sites:
            site.server.shutdown()
            site.server.server_close()


def _config(store: Path, sources: tuple[Source, ...]) -> CrawlConfig:
    return CrawlConfig(
        sources=sources,
        store=store,
        politeness=Politeness(min_interval=0.0, per_host=4, concurrency=4),
        retry=RetryPolicy(max_attempts=1, backoff=0.0, per_request=1),
        workers=0,
        allow_networks=("127.0.0.0/8",),
    )


def _dump(store: Path) -> str:
    conn = sqlite3.connect(store)
    try:
        return "\n".join(conn.iterdump())
    finally:
        conn.close()


def test_config_credentials_go_to_their_origin_only_and_are_never_stored(
    tmp_path: Path,
) -> None:
    with _sites(3) as (home, other, locked):
        links = [
            f"{home.base}/a",
            f"{home.with_user('leak:hunter2')}/b",  # the feed's own leak: dropped
            f"{home.base}/private",
            f"{other.with_user('user:s3cret')}/c",  # not the config's: not sent
        ]
        home.pages = {
            "/feed.xml": (
                "application/rss+xml",
                rss_feed("f", home.base, [Item(u, "t", NOW) for u in links]),
            ),
            "/a": ("text/html", _article("Library plans")),
            "/b": ("text/html", _article("Budget vote")),
            "/private": ("text/html", _article("Members only")),
        }
        home.private = {"/feed.xml", "/private"}
        other.pages = {"/c": ("text/html", _article("Road works"))}
        locked.pages = {"/feed.xml": home.pages["/feed.xml"]}
        locked.private = {"/feed.xml"}
        sources = (
            Source(
                name="home",
                kind=SourceKind.FEED,
                urls=(f"{home.with_user('user:s3cret')}/feed.xml",),
            ),
            Source(
                name="locked",
                kind=SourceKind.FEED,
                urls=(f"{locked.with_user('user:wr0ng')}/feed.xml",),
            ),
        )
        store = tmp_path / "c.db"
        result = run_crawl(_config(store, sources))
    good = "Basic " + base64.b64encode(b"user:s3cret").decode()
    assert result.stats.stored == 4  # a, b, private (with the config's credentials) and c
    assert all(given == good for _, given in home.auth if _ != "/robots.txt")
    assert [given for _, given in other.auth] == [None, None]  # robots.txt and c
    locked_report = result.sources[1]
    assert len(locked_report.errors) == 1 and "HTTP 401" in locked_report.errors[0]
    assert "user:***@" in locked_report.errors[0]
    dump = _dump(store)
    assert not [secret for secret in SECRETS if secret in dump]
    assert f"'{home.base}/feed.xml'" in dump  # the document, known without credentials
    assert f"'{home.base}/b'" in dump  # raw: as listed, without the leaked credentials


def test_a_configured_article_url_keeps_its_credentials_redacted(tmp_path: Path) -> None:
    with _sites(1) as (site,):
        site.pages = {"/private": ("text/html", _article("Members only"))}
        site.private = {"/private"}
        url = f"{site.with_user('user:s3cret')}/private"
        store = tmp_path / "c.db"
        result = run_crawl(_config(store, (Source(name="u", kind=SourceKind.URLS, urls=(url,)),)))
    assert result.stats.stored == 1
    conn = sqlite3.connect(store)
    try:
        rows = conn.execute(
            "SELECT u.url, u.raw, a.url FROM urls u JOIN articles a ON a.url_id = u.id"
        )
        assert rows.fetchall() == [
            (
                f"{site.base}/private",
                f"{site.with_user('user:***')}/private",
                f"{site.base}/private",
            )
        ]
    finally:
        conn.close()
    assert "s3cret" not in _dump(store)


def test_a_redirect_through_another_origin_and_back_gets_its_credentials_back_there_only(
    tmp_path: Path,
) -> None:
    # Each host is its own lane: the fetch stops before each hop to the other host and goes on
    # from there, and the credentials still go with the hops to their origin alone.
    with _sites(2) as (home, other):
        home.pages = {"/real": ("text/html", _article("Members only"))}
        home.private = {"/real"}
        home.moved = {"/private": f"{other.base}/hop"}
        other.moved = {"/hop": f"{home.base}/real"}
        url = f"{home.with_user('user:s3cret')}/private"
        store = tmp_path / "c.db"
        result = run_crawl(_config(store, (Source(name="u", kind=SourceKind.URLS, urls=(url,)),)))
    assert result.stats.stored == 1
    good = "Basic " + base64.b64encode(b"user:s3cret").decode()
    assert [a for a in home.auth if a[0] != "/robots.txt"] == [("/private", good), ("/real", good)]
    assert [a for a in other.auth if a[0] != "/robots.txt"] == [("/hop", None)]
    assert "s3cret" not in _dump(store)
