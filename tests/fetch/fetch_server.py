"""A misbehaving HTTP/1.1 server on 127.0.0.1 for the fetcher tests, with a request log.

It runs its own event loop in a thread, routes by the ``Host`` header (so one server plays many
sites) and by path, and records every request: host, path, headers, start and end times, so
tests can check politeness from the server's side.
"""

from __future__ import annotations

import asyncio
import gzip
import io
import itertools
import socket
import ssl
import struct
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from email.utils import formatdate
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

from scraper.fetch.options import FetchOptions, Politeness, RetryPolicy, Timeouts

T = TypeVar("T")

MB = 1024 * 1024
BIG_SIZE = 50 * MB
BOMB_SIZE = 64 * MB
_CHUNK = b"x" * (64 * 1024)
#: The body of ``/story``: long enough for the extractor to take it as an article.
STORY = (
    "The council of Brackwater voted on Tuesday to keep the night ferry running through the "
    "winter, after four hundred residents signed a letter asking for it. The ferry is the "
    "only link to the mainland after the last bus leaves at nine in the evening. "
) * 2
_HEAD_100K = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100000\r\n\r\n"
_STATUS_TEXT = {
    200: "OK",
    301: "Moved Permanently",
    302: "Found",
    304: "Not Modified",
    404: "Not Found",
    429: "Too Many Requests",
    503: "Service Unavailable",
}


def gzip_bomb() -> bytes:
    """BOMB_SIZE zero bytes, gzipped (about 64 KB)."""
    out = io.BytesIO()
    zeros = bytes(MB)
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9) as gz:
        for _ in range(BOMB_SIZE // MB):
            gz.write(zeros)
    return out.getvalue()


def html_page(title: str, body: str = "") -> bytes:
    """A small HTML page with a title and one paragraph."""
    text = body or f"This is the article called {title}, with enough words to be a paragraph."
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head>"
        f"<body><article><h1>{title}</h1><p>{text}</p></article></body></html>"
    ).encode()


@dataclass
class Request:
    """One request as the server saw it."""

    host: str
    target: str
    headers: dict[str, str]
    start: float
    end: float = 0.0

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @property
    def query(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(urlsplit(self.target).query).items()}


Handler = Callable[[Request, asyncio.StreamWriter], Awaitable[bool]]


@dataclass
class Stats:
    """Peak concurrency seen, per host and overall, and bytes of body written per path."""

    active: dict[str, int] = field(default_factory=dict)
    peak: dict[str, int] = field(default_factory=dict)
    total_active: int = 0
    total_peak: int = 0
    sent: dict[str, int] = field(default_factory=dict)


async def respond(
    writer: asyncio.StreamWriter,
    status: int,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
) -> bool:
    """Write a complete response; True keeps the connection open."""
    head = {"Content-Type": "text/html; charset=utf-8", "Content-Length": str(len(body))}
    head.update(headers or {})
    lines = [f"HTTP/1.1 {status} {_STATUS_TEXT.get(status, 'Status')}"]
    lines += [f"{k}: {v}" for k, v in head.items()]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
    await writer.drain()
    return True


class LocalServer:
    """The server; ``url(path, host)`` builds URLs to it, ``log`` holds the requests."""

    def __init__(self) -> None:
        self.log: list[Request] = []
        self.stats = Stats()
        self.robots: dict[str, tuple[int, str]] = {}
        #: Headers of a host's robots.txt answer beside its type (a redirect's Location).
        self.robots_headers: dict[str, dict[str, str]] = {}
        self.hits: dict[str, int] = {}
        self.port = 0
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.Server | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._routes: dict[str, Handler] = {}
        self._writers: set[asyncio.StreamWriter] = set()
        self._tls: ssl.SSLContext | None = None

    def route(self, path: str) -> Callable[[Handler], Handler]:
        """Register a handler for a path (a trailing ``*`` matches a prefix)."""

        def register(handler: Handler) -> Handler:
            self._routes[path] = handler
            return handler

        return register

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        scheme = "https" if self._tls is not None else "http"
        return f"{scheme}://{host}:{self.port}{path}"

    def requests(self, host: str | None = None, path: str | None = None) -> list[Request]:
        """The logged requests (robots.txt only when asked by path), by host and/or path."""
        with self._lock:
            return [
                r
                for r in self.log
                if (host is None or r.host == host)
                and (r.path == path if path is not None else r.path != "/robots.txt")
            ]

    def open_connections(self) -> int:
        """How many client connections are open now."""
        return len(self._writers)

    def start_gaps(self, host: str | None = None, path: str | None = None) -> list[float]:
        """Seconds between the starts of successive requests (robots.txt too, by host)."""
        with self._lock:
            starts = sorted(
                r.start
                for r in self.log
                if (host is None or r.host == host) and (path is None or r.path == path)
            )
        return [b - a for a, b in itertools.pairwise(starts)]

    def start(self, tls: ssl.SSLContext | None = None) -> None:
        """Listen on an ephemeral port of 127.0.0.1 (with TLS when given a server context)."""
        self._tls = tls
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=tls), self._loop
        )
        self._server = future.result(5)
        self.port = self._server.sockets[0].getsockname()[1]

    def stop(self) -> None:
        async def shutdown() -> None:
            assert self._server is not None
            self._server.close()
            for writer in list(self._writers):
                writer.transport.abort()
            current = asyncio.current_task()
            others = [t for t in asyncio.all_tasks() if t is not current]
            for task in others:
                task.cancel()
            await asyncio.gather(*others, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()

    def _handler(self, request: Request) -> Handler:
        if request.path == "/robots.txt":
            return self._robots
        found = self._routes.get(request.path)
        if found is not None:
            return found
        for pattern, handler in self._routes.items():
            if pattern.endswith("*") and request.path.startswith(pattern[:-1]):
                return handler
        return _not_found

    async def _robots(self, request: Request, writer: asyncio.StreamWriter) -> bool:
        status, text = self.robots.get(request.host, (404, "no robots here"))
        headers = {"Content-Type": "text/plain", **self.robots_headers.get(request.host, {})}
        return await respond(writer, status, text.encode(), headers)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            while await self._one(reader, writer):
                pass
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()

    async def _one(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        _, target, _ = lines[0].split(" ", 2)
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                key, value = line.split(":", 1)
                headers[key.strip().lower()] = value.strip()
        host = headers.get("host", "").rsplit(":", 1)[0]
        request = Request(host, target, headers, time.monotonic())
        with self._lock:
            self.log.append(request)
            self.hits[request.path] = self.hits.get(request.path, 0) + 1
            stats = self.stats
            stats.active[host] = stats.active.get(host, 0) + 1
            stats.peak[host] = max(stats.peak.get(host, 0), stats.active[host])
            stats.total_active += 1
            stats.total_peak = max(stats.total_peak, stats.total_active)
        try:
            return await self._handler(request)(request, writer)
        finally:
            request.end = time.monotonic()
            with self._lock:
                stats.active[host] -= 1
                stats.total_active -= 1

    def count_sent(self, path: str, n: int) -> None:
        with self._lock:
            self.stats.sent[path] = self.stats.sent.get(path, 0) + n


async def _not_found(request: Request, writer: asyncio.StreamWriter) -> bool:
    return await respond(writer, 404, b"not found")


def reset_connection(writer: asyncio.StreamWriter) -> None:
    """Close with a TCP RST (SO_LINGER 0), as a crashed server would."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


def install_routes(server: LocalServer) -> None:
    """The endpoints the tests use."""

    @server.route("/page/*")
    async def page(request: Request, writer: asyncio.StreamWriter) -> bool:
        delay = float(request.query.get("delay", "0"))
        if delay:
            await asyncio.sleep(delay)
        return await respond(writer, 200, html_page(request.path))

    @server.route("/story")
    async def story(request: Request, writer: asyncio.StreamWriter) -> bool:
        return await respond(writer, 200, html_page("Ferry stays", STORY))

    @server.route("/drip")
    async def drip(request: Request, writer: asyncio.StreamWriter) -> bool:
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100000\r\n\r\n"
        )
        for _ in range(100000):
            writer.write(b"<")
            await writer.drain()
            await asyncio.sleep(0.02)
        return True

    @server.route("/reset")
    async def reset(request: Request, writer: asyncio.StreamWriter) -> bool:
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100000\r\n\r\n"
        )
        writer.write(b"<html><body><p>" + b"a" * 1000)
        await writer.drain()
        await asyncio.sleep(0.05)
        reset_connection(writer)
        return False

    @server.route("/flaky")
    async def flaky(request: Request, writer: asyncio.StreamWriter) -> bool:
        after = request.query.get("after", "1")
        if server.hits[request.path] <= int(request.query.get("fail", "1")):
            return await respond(writer, 503, b"busy", {"Retry-After": after})
        return await respond(writer, 200, html_page("recovered"))

    @server.route("/too-many")
    async def too_many(request: Request, writer: asyncio.StreamWriter) -> bool:
        if server.hits[request.path] == 1:
            when = formatdate(time.time() + 30, usegmt=True)
            return await respond(writer, 429, b"slow down", {"Retry-After": when})
        return await respond(writer, 200, html_page("finally"))

    @server.route("/status/*")
    async def status(request: Request, writer: asyncio.StreamWriter) -> bool:
        code = int(request.path.rsplit("/", 1)[1])
        return await respond(writer, code, b"status page")

    @server.route("/loop/*")
    async def loop(request: Request, writer: asyncio.StreamWriter) -> bool:
        other = "/loop/b" if request.path == "/loop/a" else "/loop/a"
        return await respond(writer, 302, b"", {"Location": other})

    @server.route("/chain/*")
    async def chain(request: Request, writer: asyncio.StreamWriter) -> bool:
        left = int(request.path.rsplit("/", 1)[1])
        if left == 0:
            return await respond(writer, 200, html_page("end of chain"))
        return await respond(writer, 301, b"", {"Location": f"/chain/{left - 1}"})

    @server.route("/to")
    async def redirect_to(request: Request, writer: asyncio.StreamWriter) -> bool:
        return await respond(writer, 302, b"", {"Location": request.query["u"]})

    @server.route("/gzipped")
    async def gzipped(request: Request, writer: asyncio.StreamWriter) -> bool:
        body = gzip.compress(html_page("Ferry stays", STORY))
        return await respond(writer, 200, body, {"Content-Encoding": "gzip"})

    @server.route("/bomb")
    async def gzip_bomb_route(request: Request, writer: asyncio.StreamWriter) -> bool:
        return await respond(writer, 200, gzip_bomb_body(), {"Content-Encoding": "gzip"})

    @server.route("/big")
    async def big(request: Request, writer: asyncio.StreamWriter) -> bool:
        chunked = request.query.get("chunked") == "1"
        framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {BIG_SIZE}"
        writer.write(f"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n{framing}\r\n\r\n".encode())
        for _ in range(BIG_SIZE // len(_CHUNK)):
            frame = b"%x\r\n%b\r\n" % (len(_CHUNK), _CHUNK) if chunked else _CHUNK
            writer.write(frame)
            await writer.drain()
            server.count_sent(request.path, len(_CHUNK))
        writer.write(b"0\r\n\r\n" if chunked else b"")
        await writer.drain()
        return True

    @server.route("/binary")
    async def binary(request: Request, writer: asyncio.StreamWriter) -> bool:
        noise = bytes((i * 7919 + 13) % 256 for i in range(8192))
        return await respond(writer, 200, noise)

    @server.route("/charset/*")
    async def charset(request: Request, writer: asyncio.StreamWriter) -> bool:
        kind = request.path.rsplit("/", 1)[1]
        text = "<html><head>{meta}</head><body><p>Café crème brûlée à la carte</p></body></html>"
        if kind == "latin1-header-utf8-body":
            body, ctype = text.format(meta="").encode("utf-8"), "text/html; charset=iso-8859-1"
        else:  # a utf-8 header on windows-1252 bytes that say so in <meta>
            meta = '<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">'
            body, ctype = text.format(meta=meta).encode("cp1252"), "text/html; charset=utf-8"
        return await respond(writer, 200, body, {"Content-Type": ctype})

    @server.route("/feed.xml")
    async def feed(request: Request, writer: asyncio.StreamWriter) -> bool:
        body = b"<?xml version='1.0'?><rss version='2.0'><channel><title>t</title></channel></rss>"
        return await respond(writer, 200, body, {"Content-Type": "application/rss+xml"})

    @server.route("/always-304")
    async def always_304(request: Request, writer: asyncio.StreamWriter) -> bool:
        return await respond(writer, 304, b"", {"Content-Length": "0"})

    @server.route("/etag")
    async def etag(request: Request, writer: asyncio.StreamWriter) -> bool:
        if request.headers.get("if-none-match") == '"v1"':
            return await respond(writer, 304, b"", {"ETag": '"v1"', "Content-Length": "0"})
        return await respond(writer, 200, html_page("tagged"), {"ETag": '"v1"'})


_BOMB: list[bytes] = []


def gzip_bomb_body() -> bytes:
    """The gzip bomb, built once per test session (compressing 64 MB takes a while)."""
    if not _BOMB:
        _BOMB.append(gzip_bomb())
    return _BOMB[0]


def local_options(**changes: Any) -> FetchOptions:
    """Options for tests: loopback allowed, no pacing, short timeouts, near-instant backoff."""
    base: dict[str, Any] = {
        "allow_networks": ("127.0.0.0/8",),
        "timeouts": Timeouts(connect=2.0, read=2.0, total=5.0),
        "politeness": Politeness(min_interval=0.0, per_host_concurrency=4),
        "retry": RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.05, max_retry_after=2.0),
    }
    base.update(changes)
    return FetchOptions(**base)


async def loopback_resolver(host: str, port: int) -> list[str]:
    """Every ``*.test`` name is 127.0.0.1; asking for any other name fails the test loudly."""
    if host.endswith(".test"):
        return ["127.0.0.1"]
    raise AssertionError(f"the resolver was asked for {host}: a packet could have left loopback")


def run(scenario: Awaitable[T], seconds: float = 15.0) -> T:
    """Run a test scenario on a fresh event loop, failing (not hanging) after ``seconds``."""

    async def bounded() -> T:
        async with asyncio.timeout(seconds):
            return await scenario

    return asyncio.run(bounded())
