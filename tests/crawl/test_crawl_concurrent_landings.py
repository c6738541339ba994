"""A page reached through a redirector and listed under its own URL too is requested once, even
when the two fetches overlap: the one that comes second takes the first one's page."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from scraper.config import CrawlConfig, Politeness, RetryPolicy, Source, SourceKind
from scraper.crawl import run_crawl
from scraper.demo.listings import Item, news_sitemap, rss_feed

NOW = datetime.now(UTC).replace(microsecond=0)
STORY = "/news/2026/budget-vote"
HOP = "/~r/paper/~3/budget-vote"
#: Seconds the first request for the story is held, once the crawl has both its URLs, for a
#: second request to come: the old crawl sent one within milliseconds.
GRACE = 0.5
#: The longest any answer waits for something the crawl does (a safety net, never reached).
STUCK = 5.0


def _article() -> bytes:
    text = "".join(
        f"<p>Budget vote, part {i}: the council met on Tuesday to debate the budget for"
        " schools, roads and a new library in the harbour district.</p>"
        for i in range(6)
    )
    return (
        "<html><head><title>Budget vote</title></head><body><article><h1>Budget vote</h1>"
        f"{text}</article></body></html>"
    ).encode()


class _Server(ThreadingHTTPServer):
    """One site on 127.0.0.1: ``pages`` by path (status, headers, body), every request logged.

    The crawl's two ways to the story are arranged to overlap: ``late`` (a listing's path) is
    answered only once the story has been asked for, and the first request for the story is
    answered only once the redirector has answered and ``late`` is out, and then after
    ``GRACE`` seconds or as soon as a second request for the story comes (with a 500 when
    ``first_fails``).
    """

    daemon_threads = True

    def __init__(self, gates: _Gates) -> None:
        self.gates = gates
        self.pages: dict[str, tuple[int, dict[str, str], bytes]] = {}
        self.log: list[str] = []
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Gates:
    def __init__(self, late: str, *, first_fails: bool = False) -> None:
        self.late = late
        self.first_fails = first_fails
        self.story_asked = threading.Event()
        self.story_again = threading.Event()
        self.late_out = threading.Event()
        self.redirected = threading.Event()
        self.lock = threading.Lock()
        self.asked = 0
        self.answering = 0  # requests for the story being answered
        self.most = 0  # the most of them at once

    def before(self, path: str) -> int | None:
        """Wait as the story's URLs are arranged to; the status to answer instead, if any."""
        if path == self.late:
            self.story_asked.wait(STUCK)
        elif path == STORY:
            with self.lock:
                self.asked += 1
                self.answering += 1
                self.most = max(self.most, self.answering)
                first = self.asked == 1
            if not first:
                self.story_again.set()
                return None
            self.story_asked.set()
            self.late_out.wait(STUCK)
            self.redirected.wait(STUCK)
            self.story_again.wait(GRACE)
            return 500 if self.first_fails else None
        return None

    def replying(self, path: str) -> None:
        # Counted as answered before a byte of the answer is written: the crawl may send its
        # next request as soon as it has read this one, before the handler's thread runs on.
        if path == STORY:
            with self.lock:
                self.answering -= 1

    def after(self, path: str) -> None:
        if path == self.late:
            self.late_out.set()
        elif path == HOP:
            self.redirected.set()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_GET(self) -> None:
        server = self.server
        with server.lock:
            server.log.append(self.path)
        instead = server.gates.before(self.path)
        status, headers, body = server.pages.get(self.path, (404, {}, b"not found"))
        if instead is not None:
            status, headers, body = instead, {}, b"busy"
        server.gates.replying(self.path)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        server.gates.after(self.path)

    def log_message(self, format: str, *args: object) -> None:
        del format, args


def _serve(stack: ExitStack, gates: _Gates) -> _Server:
    server = _Server(gates)
    # A short poll: shutdown() waits for one (0.5 s by default) on each server.
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    stack.callback(server.server_close)
    stack.callback(server.shutdown)
    return server


@pytest.fixture(
    params=[
        ("real URL first", "another host"),
        ("redirector first", "another host"),
        ("real URL first", "the paper's host"),
        ("redirector first", "the paper's host"),
    ],
    ids=lambda param: " behind a redirector on ".join(param),
)
def sites(request: pytest.FixtureRequest) -> Iterator[tuple[_Server, _Server]]:
    first, where = request.param
    with _sites(first, where) as (paper, feeds, _):
        yield paper, feeds


@contextmanager
def _sites(
    first: str, where: str, *, first_fails: bool = False
) -> Iterator[tuple[_Server, _Server, _Gates]]:
    """The paper (its story, a feed linking the story through the redirector, a sitemap of
    its real URL) and the redirector's host: another (on another port), or the paper's own,
    whose redirect the fetch follows within its host's lane. The listing of the URL named
    ``first`` is read at once, the other once the story is being fetched."""
    late = "/feed.xml" if first == "real URL first" else "/sitemap.xml"
    gates = _Gates(late, first_fails=first_fails)
    with ExitStack() as stack:
        paper = _serve(stack, gates)
        feeds = _serve(stack, gates) if where == "another host" else paper
        paper.pages[STORY] = (200, {"Content-Type": "text/html; charset=utf-8"}, _article())
        feeds.pages[HOP] = (302, {"Location": paper.base + STORY}, b"")
        feed = rss_feed("paper", paper.base, [Item(feeds.base + HOP, "Budget vote", NOW)])
        sitemap = news_sitemap([Item(paper.base + STORY, "Budget vote", NOW)])
        paper.pages["/feed.xml"] = (200, {"Content-Type": "application/rss+xml"}, feed)
        paper.pages["/sitemap.xml"] = (200, {"Content-Type": "application/xml"}, sitemap)
        yield paper, feeds, gates


def _config(store: Path, paper: _Server) -> CrawlConfig:
    return CrawlConfig(
        sources=(
            Source(name="feed", kind=SourceKind.FEED, urls=(paper.base + "/feed.xml",)),
            Source(name="sitemap", kind=SourceKind.SITEMAP, urls=(paper.base + "/sitemap.xml",)),
        ),
        store=store,
        politeness=Politeness(min_interval=0.0, per_host=4, concurrency=4),
        retry=RetryPolicy(max_attempts=1, backoff=0.0, per_request=1),
        workers=0,
        allow_networks=("127.0.0.0/8",),
    )


def _rows(store: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(store)
    try:
        return list(conn.execute(sql))
    finally:
        conn.close()


def test_a_page_two_fetches_land_on_at_once_is_requested_and_stored_once(
    sites: tuple[_Server, _Server], tmp_path: Path
) -> None:
    paper, feeds = sites
    store = tmp_path / "c.db"

    first = run_crawl(_config(store, paper))

    real, hop = paper.base + STORY, feeds.base + HOP
    assert paper.log.count(STORY) == 1, paper.log
    assert feeds.log.count(HOP) == 1
    assert (first.stats.stored, first.stats.aliases) == (1, 1)
    assert not first.failures
    assert _rows(store, "SELECT url FROM articles") == [(real,)]
    assert _rows(store, "SELECT url, state, alias_of FROM urls WHERE alias_of IS NOT NULL") == [
        (hop, "done", real)
    ]

    again = run_crawl(_config(store, paper))

    assert again.stats.fetched == 0
    assert (paper.log.count(STORY), feeds.log.count(HOP)) == (1, 1)
    assert len(_rows(store, "SELECT id FROM articles")) == 1


def test_a_fetch_that_waited_for_one_that_failed_asks_for_itself(tmp_path: Path) -> None:
    # The sitemap's fetch of the story gets a 500: the redirector's, which waited for it,
    # then asks the story itself (once the first request is answered), and stores it.
    store = tmp_path / "c.db"
    with _sites("real URL first", "another host", first_fails=True) as (paper, feeds, gates):
        result = run_crawl(_config(store, paper))

    assert paper.log.count(STORY) == 2
    assert gates.most == 1
    assert (result.stats.stored, result.stats.aliases, result.stats.gave_up) == (1, 1, 1)
    real = paper.base + STORY
    assert _rows(store, "SELECT url FROM articles") == [(real,)]
    assert _rows(store, "SELECT url, alias_of FROM urls WHERE alias_of IS NOT NULL") == [
        (feeds.base + HOP, real)
    ]
