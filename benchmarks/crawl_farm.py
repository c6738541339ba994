"""The crawl benchmark's farm of news sites on 127.0.0.1, and a lean server for it.

Each site serves ``unique`` real pages from ``../shared/bench/extraction`` (third-party pages,
read at run time, never copied here) and lists 100 links in its RSS feed: its unique articles,
tracking-parameter and fragment variants of some of them, and 5% syndicated copies (another
site's page under this site's URL). Its sitemap (found through robots.txt) lists every article
again plus an ``.amp.html`` variant of each.

The server answers from responses rendered in advance, on one asyncio loop in its own process,
with keep-alive, ETag/Last-Modified and 304s. A remote news site costs the crawling machine no
CPU; the threaded demo server cost about as much CPU per page as the crawl itself, and on a
2-core machine that came out of the crawl's throughput.
"""

from __future__ import annotations

import asyncio
import random
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from hashlib import sha1
from pathlib import Path
from typing import Any

from bench_dataset import shared_sets

from scraper.demo.listings import Item, news_sitemap, robots_txt, rss_feed

__all__ = ["LINKS_PER_SITE", "SitePlan", "plan_farm", "serve_farm"]

LINKS_PER_SITE = 100
SYNDICATED_SHARE = 0.05
_STAMP = datetime(2026, 11, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class SitePlan:
    """What one farm site serves: its own pages and the copies it syndicates."""

    pages: tuple[Path, ...]
    copies: tuple[Path, ...]


def plan_farm(sites: int, unique: int, seed: int = 7) -> list[SitePlan]:
    """Split the shared pages between sites; each site also carries copies of its neighbour's."""
    files = sorted(p for d in shared_sets() for p in (d / "html").glob("*.html"))
    if len(files) < sites * unique:
        sys.exit(f"need {sites * unique} pages, found {len(files)} in ../shared: lower --unique")
    rng = random.Random(seed)
    rng.shuffle(files)
    own = [tuple(files[i * unique : (i + 1) * unique]) for i in range(sites)]
    copies = max(1, round(LINKS_PER_SITE * SYNDICATED_SHARE))
    return [SitePlan(own[i], own[(i + 1) % sites][:copies]) for i in range(sites)]


@dataclass(frozen=True, slots=True)
class _Response:
    ok: bytes
    not_modified: bytes
    etag: bytes
    modified: bytes


def _response(content_type: str, body: bytes) -> _Response:
    etag = '"' + sha1(body).hexdigest()[:16] + '"'
    modified = format_datetime(_STAMP, usegmt=True)
    common = f"ETag: {etag}\r\nLast-Modified: {modified}\r\n"
    head = f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\n{common}"
    return _Response(
        ok=f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body,
        not_modified=f"HTTP/1.1 304 Not Modified\r\n{common}\r\n".encode(),
        etag=etag.encode(),
        modified=modified.encode(),
    )


def _site(plan: SitePlan, base: str) -> dict[bytes, _Response]:
    pages: dict[bytes, _Response] = {}
    items: list[Item] = []
    for kind, files in (("a", plan.pages), ("syn", plan.copies)):
        for n, path in enumerate(files):
            url_path = f"/{kind}/{n}.html"
            pages[url_path.encode()] = _response("text/html", path.read_bytes())
            items.append(Item(base + url_path, path.stem, _STAMP + timedelta(minutes=n)))
    variants = LINKS_PER_SITE - len(items)
    marks = ("?utm_source=rss&utm_medium=feed", "#comments", "?fbclid=IwAR0x", "?utm_campaign=x")
    listed = items + [
        Item(items[i % len(plan.pages)].url + marks[i % len(marks)], "v", _STAMP)
        for i in range(max(0, variants))
    ]
    amp = [Item(i.url.replace(".html", ".amp.html"), i.title, i.published) for i in items]
    pages[b"/feed.xml"] = _response("application/rss+xml", rss_feed("farm", base, listed))
    pages[b"/sitemap.xml"] = _response("application/xml", news_sitemap(items + amp))
    pages[b"/robots.txt"] = _response("text/plain", robots_txt([base + "/sitemap.xml"]))
    return pages


_NOT_FOUND = b"HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 0\r\n\r\n"


class _Connection(asyncio.Protocol):
    """HTTP/1.1 GET with keep-alive; requests without bodies, as a crawler sends them."""

    def __init__(self, pages: dict[bytes, _Response], log: list[tuple[bytes, int]]) -> None:
        self.pages = pages
        self.log = log
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while (end := self.buffer.find(b"\r\n\r\n")) >= 0:
            head, self.buffer = self.buffer[:end], self.buffer[end + 4 :]
            lines = head.split(b"\r\n")
            target = lines[0].split(b" ")[1]
            path = target.split(b"?", 1)[0].split(b"#", 1)[0]
            headers = dict(_header(line) for line in lines[1:])
            status, answer = self._answer(path, headers)
            self.log.append((path, status))
            if self.transport is not None:
                self.transport.write(answer)

    def _answer(self, path: bytes, headers: dict[bytes, bytes]) -> tuple[int, bytes]:
        found = self.pages.get(path)
        if found is None:
            return 404, _NOT_FOUND
        tag = headers.get(b"if-none-match")
        since = headers.get(b"if-modified-since")
        if (tag is not None and found.etag in tag) or (tag is None and since == found.modified):
            return 304, found.not_modified
        return 200, found.ok


def _header(line: bytes) -> tuple[bytes, bytes]:
    name, _, value = line.partition(b":")
    return name.strip().lower(), value.strip()


def serve_farm(plans: list[SitePlan], ready: Any, done: Any) -> None:
    """Child process: serve every site until ``done`` is set; report base URLs on ``ready``,
    then how many requests each article path (any status, query ignored) received."""
    asyncio.run(_serve(plans, ready, done))


async def _serve(plans: list[SitePlan], ready: Any, done: Any) -> None:
    loop = asyncio.get_running_loop()
    logs: list[list[tuple[bytes, int]]] = [[] for _ in plans]
    servers, bases = [], []
    for plan, log in zip(plans, logs, strict=True):
        holder: dict[bytes, _Response] = {}
        server = await loop.create_server(
            lambda holder=holder, log=log: _Connection(holder, log),  # type: ignore[misc]
            "127.0.0.1",
            0,
        )
        base = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
        holder.update(_site(plan, base))
        servers.append(server)
        bases.append(base)
    ready.put(bases)
    await loop.run_in_executor(None, done.wait)
    for server in servers:
        server.close()
    counts: dict[str, int] = {}
    for base, log in zip(bases, logs, strict=True):
        for path, _ in log:
            if path.startswith((b"/a/", b"/syn/")):
                url = base + path.decode()
                counts[url] = counts.get(url, 0) + 1
    ready.put(counts)
