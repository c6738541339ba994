"""A small static HTTP server on 127.0.0.1 with conditional GET, for the demo, tests, benchmarks.

Paths are looked up without their query string (so tracking-parameter variants of a URL are
served the same page); ETag and Last-Modified are sent and honoured with 304. ``faults`` maps a
path to a status (and headers, a Retry-After say) to answer instead (a source that 500s);
``delay`` slows every answer down.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import ClassVar
from urllib.parse import urlsplit

__all__ = ["LoggedRequest", "Resource", "SiteServer"]


@dataclass(frozen=True, slots=True)
class Resource:
    """A file the server serves."""

    content_type: str
    body: bytes
    modified: datetime

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha1(self.body).hexdigest()[:16] + '"'


@dataclass(frozen=True, slots=True)
class LoggedRequest:
    """A request as the server saw it, and what it answered."""

    path: str
    status: int
    conditional: bool
    at: float = 0.0


@dataclass(slots=True)
class _State:
    pages: dict[str, Resource] = field(default_factory=dict)
    faults: dict[str, tuple[int, dict[str, str]]] = field(default_factory=dict)
    delay: float = 0.0
    log: list[LoggedRequest] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Handler(BaseHTTPRequestHandler):
    state: ClassVar[_State]
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        state = self.state
        started = time.monotonic()
        if state.delay:
            time.sleep(state.delay)
        path = urlsplit(self.path).path
        conditional = bool(
            self.headers.get("If-None-Match") or self.headers.get("If-Modified-Since")
        )
        status, ctype, body, headers = self._answer(path)
        # Logged before the answer goes out: a client that has its answer (a test checking
        # the log right after a run) finds the request in the log.
        with state.lock:
            state.log.append(LoggedRequest(path, status, conditional, started))
        self._send(status, ctype, body, headers)

    def _answer(self, path: str) -> tuple[int, str | None, bytes, Mapping[str, str]]:
        fault = self.state.faults.get(path)
        resource = self.state.pages.get(path)
        if fault is not None or resource is None:
            status, headers = fault or (404, {})
            return status, "text/plain", b"error\n", headers
        headers = {
            "ETag": resource.etag,
            "Last-Modified": format_datetime(resource.modified, usegmt=True),
        }
        if _fresh(
            self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since"), resource
        ):
            return 304, None, b"", headers
        return 200, resource.content_type, resource.body, headers

    def _send(
        self, status: int, ctype: str | None, body: bytes, headers: Mapping[str, str]
    ) -> None:
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        del format, args  # quiet: the request log is kept in memory instead


def _fresh(if_none_match: str | None, if_modified_since: str | None, resource: Resource) -> bool:
    if if_none_match is not None:
        return resource.etag in [tag.strip() for tag in if_none_match.split(",")]
    if if_modified_since is not None:
        try:
            since = parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError):
            return False
        return resource.modified.replace(microsecond=0) <= since
    return False


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        # A client that hangs up mid-request (a crawl killed or interrupted) is not news.
        del request, client_address


class SiteServer:
    """One site on ``http://127.0.0.1:<port>``, served from a thread; a context manager."""

    def __init__(self, *, delay: float = 0.0) -> None:
        self._state = _State(delay=delay)
        handler = type("Handler", (_Handler,), {"state": self._state})
        self._server = _QuietServer(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def log(self) -> list[LoggedRequest]:
        """The requests served so far."""
        with self._state.lock:
            return list(self._state.log)

    def publish(self, pages: Mapping[str, Resource]) -> None:
        """Serve ``pages`` (added to, or replacing, what is served)."""
        self._state.pages.update(pages)

    def fail(self, path: str, status: int, headers: Mapping[str, str] | None = None) -> None:
        """Answer ``status`` (with ``headers``) for ``path`` from now on."""
        self._state.faults[path] = (status, dict(headers or {}))

    def restore(self, path: str) -> None:
        """Serve ``path`` as published again (after :meth:`fail`)."""
        self._state.faults.pop(path, None)

    def __enter__(self) -> SiteServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
