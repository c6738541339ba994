"""An article reached through a feed's redirector and listed by its sitemap under its real URL
is stored once, whichever is fetched first, and the page's relative canonical link is read
against the address the page was served from."""

from __future__ import annotations

import socket
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from scraper.cli.crawl_display import summary_line
from scraper.config import CrawlConfig, Politeness, RetryPolicy, Source, SourceKind
from scraper.crawl import run_crawl
from scraper.demo.listings import Item, news_sitemap, rss_feed

NOW = datetime.now(UTC).replace(microsecond=0)
SLUGS = ("budget-vote", "river-flood", "school-roads")


def _localhost_is_loopback() -> bool:
    try:
        found = socket.getaddrinfo("localhost", 80, type=socket.SOCK_STREAM)
    except OSError:
        return False
    return bool(found) and all(info[4][0] == "127.0.0.1" for info in found)


# The redirector is asked for as "localhost", another site than the publisher's 127.0.0.1 (a
# site is a host name, whatever its port), as feeds.feedburner.com is another than the paper's.
pytestmark = pytest.mark.skipif(
    not _localhost_is_loopback(), reason="localhost does not resolve to 127.0.0.1 alone"
)


def _article(title: str, head: str = "") -> bytes:
    text = "".join(
        f"<p>{title}, part {i}: the council met on Tuesday to debate the budget for schools,"
        f" roads and a new library in the {title} district.</p>"
        for i in range(6)
    )
    return (
        f"<html><head><title>{title}</title>{head}</head><body><article><h1>{title}</h1>"
        f"{text}</article></body></html>"
    ).encode()


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        del request, client_address  # a client hanging up early is no failure of the test


class Host:
    """A server on 127.0.0.1 that answers ``pages`` (by path and query as sent), a redirect for
    ``moved`` (to the absolute URL given) and 404 otherwise; it logs every request target."""

    def __init__(self, name: str) -> None:
        self.pages: dict[str, tuple[str, bytes]] = {}
        self.moved: dict[str, str] = {}
        self.log: list[str] = []
        host = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                host.log.append(self.path)
                if self.path in host.moved:
                    self.send_response(302)
                    self.send_header("Location", host.moved[self.path])
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                ctype, body = host.pages.get(self.path, ("text/plain", b"not found"))
                self.send_response(200 if self.path in host.pages else 404)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                del format, args

        self.server = _QuietServer(("127.0.0.1", 0), Handler)
        self.base = f"http://{name}:{self.server.server_address[1]}"

    def fetched(self, prefix: str) -> list[str]:
        """The requests for paths under ``prefix``, in order."""
        return [path for path in self.log if path.startswith(prefix)]


@contextmanager
def _serving(name: str) -> Iterator[Host]:
    host = Host(name)
    thread = threading.Thread(target=host.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield host
    finally:
        host.server.shutdown()
        host.server.server_close()


@pytest.fixture
def paper() -> Iterator[Host]:
    with _serving("127.0.0.1") as host:
        yield host


@pytest.fixture
def feeds() -> Iterator[Host]:
    with _serving("localhost") as host:
        yield host


def _config(store: Path, *sources: Source) -> CrawlConfig:
    return CrawlConfig(
        sources=sources,
        store=store,
        politeness=Politeness(min_interval=0.0, per_host=2, concurrency=2),
        retry=RetryPolicy(max_attempts=1, backoff=0.0, per_request=1),
        workers=0,
        allow_networks=("127.0.0.0/8",),
    )


def _publish(paper: Host, feeds: Host) -> tuple[Source, Source]:
    """The paper's articles, its sitemap of their real URLs, and its feed whose items link
    through the redirector; the feed and sitemap sources."""
    items, links = [], []
    for slug in SLUGS:
        path = f"/news/2026/{slug}"
        paper.pages[path] = ("text/html; charset=utf-8", _article(slug.replace("-", " ")))
        items.append(Item(paper.base + path, slug, NOW))
        hop = f"/~r/paper/~3/{slug[:5]}/{slug}"
        feeds.moved[hop] = paper.base + path
        links.append(Item(feeds.base + hop, slug, NOW))
    paper.pages["/sitemap.xml"] = ("application/xml", news_sitemap(items))
    paper.pages["/feed.xml"] = ("application/rss+xml", rss_feed("paper", paper.base, links))
    feed = Source(name="feed", kind=SourceKind.FEED, urls=(paper.base + "/feed.xml",))
    sitemap = Source(name="sitemap", kind=SourceKind.SITEMAP, urls=(paper.base + "/sitemap.xml",))
    return feed, sitemap


def _rows(store: Path, sql: str) -> list[tuple[str, ...]]:
    conn = sqlite3.connect(store)
    try:
        return list(conn.execute(sql))
    finally:
        conn.close()


@pytest.mark.parametrize("first", ["redirector", "real URL", "both"])
def test_an_article_behind_a_feeds_redirector_is_stored_once(
    paper: Host, feeds: Host, tmp_path: Path, first: str
) -> None:
    feed, sitemap = _publish(paper, feeds)
    store = tmp_path / "c.db"
    opening = {"redirector": (feed,), "real URL": (sitemap,), "both": (feed, sitemap)}[first]
    results = [run_crawl(_config(store, *opening)), run_crawl(_config(store, feed, sitemap))]
    asked = (paper.fetched("/news/"), feeds.fetched("/~r/"))
    results.append(run_crawl(_config(store, feed, sitemap)))

    stored = sorted(row[0] for row in _rows(store, "SELECT url FROM articles"))
    assert stored == sorted(f"{paper.base}/news/2026/{slug}" for slug in SLUGS)
    assert sum(r.stats.stored for r in results) == len(SLUGS)
    assert sum(r.stats.aliases for r in results) == len(SLUGS)
    assert not any(r.stats.failed or r.stats.gave_up for r in results)
    # The redirector's URLs are done as aliases of the articles they land on.
    aliases = _rows(store, "SELECT url, state, alias_of FROM urls WHERE url LIKE '%/~r/%'")
    assert sorted((url, state) for url, state, _ in aliases) == sorted(
        (f"{feeds.base}/~r/paper/~3/{slug[:5]}/{slug}", "done") for slug in SLUGS
    )
    assert sorted(of for _, _, of in aliases) == stored
    # Each hop is asked once; a rerun asks neither a hop nor an article page.
    assert len(asked[1]) == len(SLUGS)
    assert len(asked[0]) <= 2 * len(SLUGS)
    assert results[-1].stats.fetched == 0
    assert (paper.fetched("/news/"), feeds.fetched("/~r/")) == asked


def test_a_relative_canonical_link_is_read_against_the_url_the_page_came_from(
    paper: Host, feeds: Host, tmp_path: Path
) -> None:
    # The publisher serves the story from its CMS's address and names its real one by a
    # relative link: against the redirector's URL it would name a page of the redirector.
    head = '<link rel="canonical" href="budget-vote">'
    paper.pages["/news/2026/render?id=7"] = ("text/html", _article("budget vote", head))
    feeds.moved["/~r/paper/~3/abc/story"] = paper.base + "/news/2026/render?id=7"
    links = [Item(feeds.base + "/~r/paper/~3/abc/story", "story", NOW)]
    paper.pages["/feed.xml"] = ("application/rss+xml", rss_feed("paper", paper.base, links))
    real = f"{paper.base}/news/2026/budget-vote"
    paper.pages["/sitemap.xml"] = ("application/xml", news_sitemap([Item(real, "s", NOW)]))
    paper.pages["/news/2026/budget-vote"] = ("text/html", _article("budget vote", head))
    feed = Source(name="feed", kind=SourceKind.FEED, urls=(paper.base + "/feed.xml",))
    sitemap = Source(name="sitemap", kind=SourceKind.SITEMAP, urls=(paper.base + "/sitemap.xml",))
    store = tmp_path / "c.db"

    served = paper.base + "/news/2026/render?id=7"

    first = run_crawl(_config(store, feed))
    # Stored where the redirect landed, keyed by its canonical link read against that address.
    assert _rows(store, "SELECT url, dedup_key FROM articles") == [(served, real)]
    assert "1 URL found to be an article stored under another URL" in summary_line(first)
    # The page the canonical link names is the same article: one cluster, the named one leads.
    run_crawl(_config(store, feed, sitemap))
    rows = _rows(store, "SELECT url, cluster, duplicate_of FROM articles ORDER BY id")
    assert [url for url, _, _ in rows] == [served, real]
    assert rows[0][1] == rows[1][1]


#: Stories with nothing in common, each a paragraph.
OTHER_STORIES = {
    "river-flood": "Heavy rain flooded dozens of homes along the river valley overnight, and "
    "emergency crews evacuated residents from three villages as water levels rose faster than "
    "forecasters had expected before dawn.",
    "new-conductor": "The national orchestra announced a new principal conductor, a violinist "
    "turned maestro who has led ensembles across Europe and Asia, and promised a season of "
    "rarely performed symphonies.",
    "wheat-trials": "Researchers reported that a drought resistant wheat variety produced higher "
    "yields across four dry seasons in field trials, and said farmers could plant the seed "
    "within three years.",
}


def test_a_canonical_link_clusters_pages_but_never_stands_in_for_an_article(
    paper: Host, tmp_path: Path
) -> None:
    # A template names the newest story canonical on every article page: each page is still
    # stored, as its own article. The print view of that story, naming it too, is stored and
    # clustered with it: a canonical link is the page's claim, not a redirect.
    newest = f"{paper.base}/news/2026/budget-vote"
    head = '<link rel="canonical" href="/news/2026/budget-vote">'
    paper.pages["/news/2026/budget-vote"] = ("text/html", _article("budget vote", head))
    paper.pages["/print/2026/budget-vote"] = ("text/html", _article("budget vote", head))
    links = [Item(newest, "newest", NOW), Item(paper.base + "/print/2026/budget-vote", "p", NOW)]
    for slug, story in OTHER_STORIES.items():
        body = f"<html><head>{head}<title>{slug}</title></head><body><article>"
        body += f"<h1>{slug}</h1>" + f"<p>{story}</p>" * 3 + "</article></body></html>"
        paper.pages[f"/news/2026/{slug}"] = ("text/html", body.encode())
        links.append(Item(f"{paper.base}/news/2026/{slug}", slug, NOW))
    paper.pages["/feed.xml"] = ("application/rss+xml", rss_feed("paper", paper.base, links))
    feed = Source(name="feed", kind=SourceKind.FEED, urls=(paper.base + "/feed.xml",))
    store = tmp_path / "c.db"

    result = run_crawl(_config(store, feed))

    assert (result.stats.stored, result.stats.aliases) == (2 + len(OTHER_STORIES), 0)
    rows = _rows(store, "SELECT url, cluster, duplicate_of FROM articles")
    clusters = {url: cluster for url, cluster, _ in rows}
    assert clusters[paper.base + "/print/2026/budget-vote"] == clusters[newest]
    # The other stories duplicate nothing (their cluster ids follow the key they all claim,
    # docs/dedup.md), and nothing duplicates them.
    leads = {url for url, _, lead in rows if lead is None}
    assert {f"{paper.base}/news/2026/{slug}" for slug in OTHER_STORIES} <= leads
    assert {lead for _, _, lead in rows} <= {None, newest}


def test_links_redirected_to_the_home_page_store_no_article(
    paper: Host, feeds: Host, tmp_path: Path
) -> None:
    # Taken down, each story redirects to the front page: its teasers are no article of
    # theirs, and storing them would add one copy of the front page per dead link.
    paper.pages["/"] = ("text/html", _article("front page"))
    paper.pages["/en/"] = ("text/html", _article("front page in English"))
    paper.pages["/index.html"] = ("text/html", _article("front page, index file"))
    links = []
    for slug in SLUGS:
        feeds.moved[f"/~r/{slug}"] = paper.base + "/"
        links.append(Item(f"{feeds.base}/~r/{slug}", slug, NOW))
    # A link straight to the site's own page that now redirects home is one too, and so is one
    # that lands on the front page by way of the root, or on an index file.
    paper.moved["/news/2026/withdrawn"] = paper.base + "/"
    paper.moved["/news/2026/pulled"] = paper.base + "/"
    paper.moved["/news/2026/retired"] = paper.base + "/index.html"
    for path in ("/news/2026/withdrawn", "/news/2026/pulled", "/news/2026/retired"):
        links.append(Item(paper.base + path, path, NOW))
    paper.pages["/feed.xml"] = ("application/rss+xml", rss_feed("paper", paper.base, links))
    feed = Source(name="feed", kind=SourceKind.FEED, urls=(paper.base + "/feed.xml",))
    store = tmp_path / "c.db"
    config = replace(_config(store, feed), retry=RetryPolicy(max_attempts=2, backoff=0.0))
    dead = len(SLUGS) + 3

    first = run_crawl(config)
    # "/" then sends the pulled story's visitors on to the English front page.
    paper.moved["/"] = paper.base + "/en/"
    second = run_crawl(config)
    third = run_crawl(config)

    assert (first.stats.stored, first.stats.aliases, first.stats.failed) == (0, 0, dead)
    # Not given up at once: a redirect home may be a site's maintenance or consent wall.
    assert (second.stats.stored, second.stats.gave_up) == (0, dead)
    assert (third.stats.fetched, third.stats.stored) == (0, 0)
    failed = _rows(store, "SELECT state, last_error FROM urls WHERE last_error IS NOT NULL")
    assert len(failed) == dead
    for state, error in failed:
        assert state == "gave_up"
        assert error.startswith("redirected_home: redirected to the site's home page")


def test_a_story_redirected_home_for_a_while_is_stored_once_it_is_back(
    paper: Host, tmp_path: Path
) -> None:
    paper.pages["/"] = ("text/html", _article("front page"))
    paper.moved["/news/2026/embargoed"] = paper.base + "/"
    link = Item(paper.base + "/news/2026/embargoed", "embargoed", NOW)
    paper.pages["/feed.xml"] = ("application/rss+xml", rss_feed("paper", paper.base, [link]))
    feed = Source(name="feed", kind=SourceKind.FEED, urls=(paper.base + "/feed.xml",))
    config = replace(
        _config(tmp_path / "c.db", feed), retry=RetryPolicy(max_attempts=3, backoff=0.0)
    )

    first = run_crawl(config)
    del paper.moved["/news/2026/embargoed"]
    paper.pages["/news/2026/embargoed"] = ("text/html", _article("embargoed story"))
    second = run_crawl(config)

    assert (first.stats.stored, first.stats.failed, first.stats.gave_up) == (0, 1, 0)
    assert second.stats.stored == 1
    (title,) = _rows(tmp_path / "c.db", "SELECT json_extract(record, '$.title') FROM articles")
    assert title == ("embargoed story",)


def test_a_home_page_listed_as_such_is_still_read(paper: Host, tmp_path: Path) -> None:
    # Asked for the home page itself, by any of its names: no dead link, whatever it shows.
    paper.pages["/"] = ("text/html", _article("front page"))
    paper.moved["/index.html"] = paper.base + "/"
    paper.pages["/feed.xml"] = (
        "application/rss+xml",
        rss_feed("paper", paper.base, [Item(paper.base + "/index.html", "front", NOW)]),
    )
    feed = Source(name="feed", kind=SourceKind.FEED, urls=(paper.base + "/feed.xml",))

    result = run_crawl(_config(tmp_path / "c.db", feed))

    assert (result.stats.stored, result.stats.gave_up) == (1, 0)


def test_a_hop_to_a_stored_article_is_not_extracted_again(
    paper: Host, feeds: Host, tmp_path: Path
) -> None:
    feed, sitemap = _publish(paper, feeds)
    store = tmp_path / "c.db"
    run_crawl(_config(store, sitemap))
    # The pages now show an empty consent wall: a page extracted again would fail.
    for slug in SLUGS:
        paper.pages[f"/news/2026/{slug}"] = ("text/html", b"<html><body><div></div></body></html>")

    later = run_crawl(_config(store, feed, sitemap))

    assert (later.stats.aliases, later.stats.stored, later.stats.gave_up) == (len(SLUGS), 0, 0)
    assert len(_rows(store, "SELECT id FROM articles")) == len(SLUGS)
