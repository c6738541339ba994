"""A redirector host for the crawl tests: a feed's link redirector or a URL shortener on
127.0.0.1 that answers every GET but robots.txt with a 301 to the same path on its target, and
logs the paths it was asked for."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

__all__ = ["Redirector", "serving"]


class Redirector(ThreadingHTTPServer):
    """Redirects to the same path on ``target`` (a base URL); robots.txt is a 404."""

    daemon_threads = True

    def __init__(self, target: str) -> None:
        self.target = target
        self.log: list[str] = []
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _RedirectHandler)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _RedirectHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Redirector

    def do_GET(self) -> None:
        with self.server.lock:
            self.server.log.append(self.path)
        if self.path == "/robots.txt":
            self.send_response(404)
        else:
            self.send_response(301)
            self.send_header("Location", self.server.target + self.path)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        del format, args


@contextmanager
def serving(target: str) -> Iterator[Redirector]:
    """A running redirector to ``target``, shut down on exit."""
    server = Redirector(target)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
