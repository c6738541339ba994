"""The httpx transport of the fetcher's clients: h11 and httpcore on asyncio directly.

It does what ``httpx.AsyncHTTPTransport`` does (HTTP/1.1 keep-alive and optional HTTP/2, the
same errors) but with :class:`~scraper.fetch.network.AsyncioBackend` as the connections'
network layer, which ``httpx.AsyncHTTPTransport`` has no setting for, and with the HTTP/1.1
connections kept, and their requests driven through h11, by the transport itself rather than
by httpcore's pool and connections. HTTP/2 keeps httpcore's pool.
"""

from __future__ import annotations

import asyncio
import importlib.util
import ssl
import time
from collections.abc import (
    AsyncIterable,
    AsyncIterator,
    Callable,
    Iterator,
    Mapping,
    MutableMapping,
)
from contextlib import contextmanager
from typing import Any, Protocol, cast

import h11
import httpcore
import httpx
from h11._receivebuffer import ReceiveBuffer, blank_line_regex

from scraper.fetch.network import BUFFER, AsyncioBackend

__all__ = ["PoolTransport", "Reply"]

# Most specific first: the first match names the httpx error.
_ERRORS: tuple[tuple[type[Exception], type[httpx.TransportError]], ...] = (
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.ProxyError, httpx.ProxyError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.ProtocolError, httpx.ProtocolError),
)


@contextmanager
def _as_httpx(request: httpx.Request) -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        for theirs, ours in _ERRORS:
            if isinstance(exc, theirs):
                raise ours(str(exc), request=request) from exc
        raise


class _BodyStream(Protocol):
    """What httpcore's connections and pool give as a response's stream."""

    def __aiter__(self) -> AsyncIterator[bytes]: ...

    async def aclose(self) -> None: ...


class Reply:
    """An answer from one of the transport's connections, its body not read yet.

    ``headers`` are decoded as httpx decodes them (names lower-cased). The connection goes
    back to the transport when the reply is closed, so close it when done.
    """

    __slots__ = ("_done", "_extensions", "_stream", "headers", "raw_headers", "status")

    def __init__(
        self,
        status: int,
        raw_headers: list[tuple[bytes, bytes]],
        stream: _BodyStream,
        done: Callable[[], None],
        extensions: Callable[[], MutableMapping[str, Any]],
    ) -> None:
        self.status = status
        #: The headers as received.
        self.raw_headers = raw_headers
        self.headers = _decoded(raw_headers)
        self._stream = stream
        self._done: Callable[[], None] | None = done
        # Made when asked for (only through the httpx interface), not for every response.
        self._extensions = extensions

    @classmethod
    def of(cls, response: httpcore.Response, done: Callable[[], None]) -> Reply:
        """A response of httpcore's (HTTP/2), its stream used directly: Response.aiter_stream
        would add a generator around every read, and Response.aclose a check of its type
        against typing's ABCs."""
        stream = cast(_BodyStream, response.stream)
        return cls(response.status, response.headers, stream, done, lambda: response.extensions)

    @property
    def extensions(self) -> MutableMapping[str, Any]:
        """httpcore's extensions of the response (HTTP version, reason phrase)."""
        return self._extensions()

    @property
    def whole(self) -> bytes | None:
        """Always None: the body is streamed (see ``chunks``)."""
        return None

    def chunks(self) -> AsyncIterable[bytes]:
        """The body's bytes as received (Content-Encoding not undone); httpcore's errors."""
        return self._stream

    async def aclose(self) -> None:
        """Close the body and give the connection back (or drop it, if unfinished)."""
        try:
            await self._stream.aclose()
        finally:
            done, self._done = self._done, None
            if done is not None:
                done()


def _decoded(raw: list[tuple[bytes, bytes]]) -> tuple[tuple[str, str], ...]:
    """Headers as ``httpx.Headers(raw).multi_items()`` gives them: names lower-cased, every
    name and value decoded as ASCII, else as UTF-8 if all of them are, else as ISO-8859-1.

    Without the Headers object, its ABC checks and a property read per name and value.
    """
    for encoding in ("ascii", "utf-8"):
        try:
            return tuple((k.lower().decode(encoding), v.decode(encoding)) for k, v in raw)
        except UnicodeDecodeError:
            continue
    return tuple((k.lower().decode("iso-8859-1"), v.decode("iso-8859-1")) for k, v in raw)


class _Body(httpx.AsyncByteStream):
    """A reply as an httpx stream, for the httpx transport interface."""

    def __init__(self, reply: Reply, request: httpx.Request) -> None:
        self._reply = reply
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _as_httpx(self._request):
            async for part in self._reply.chunks():
                yield part

    async def aclose(self) -> None:
        await self._reply.aclose()


#: The h11 releases ``_Received`` was checked against. It overrides private methods of h11's
#: buffer and keeps their private state right, which another release may lay out otherwise:
#: a connection under any other release keeps h11's own buffer (and a test fails, asking for
#: the check).
CHECKED_H11 = ("0.16.",)


def _checked(version: str) -> bool:
    return version.startswith(CHECKED_H11)


class _Received(ReceiveBuffer):
    """h11's receive buffer, copying a response's bytes once at most instead of three times.

    h11 appended each piece read to a bytearray, and took a body's bytes out of it by slicing
    them once only to see whether there were any and again to take them; httpcore then made
    bytes of them. Here a piece that arrives while nothing is held is kept as it came, and a
    body taking all of it gets that very object (bytes, which httpcore passes on as they are);
    a header block at its start is read by h11's own code from a copy of the block alone,
    the rest kept as bytes. Anything else first moves the piece into h11's bytearray, and
    taking the whole of that hands over the bytearray itself.
    """

    def __init__(self) -> None:
        super().__init__()
        # The piece held as it arrived, only ever while the bytearray is empty.
        self._piece: bytes | None = None

    def _settle(self) -> None:
        if self._piece is not None:
            self._data += self._piece
            self._piece = None

    def __iadd__(self, byteslike: bytes | bytearray) -> ReceiveBuffer:
        if self._piece is None and not self._data and type(byteslike) is bytes:
            self._piece = byteslike
            return self
        self._settle()
        self._data += byteslike
        return self

    def __len__(self) -> int:
        return len(self._data) if self._piece is None else len(self._piece)

    def __bytes__(self) -> bytes:
        return bytes(self._data) if self._piece is None else self._piece

    def maybe_extract_at_most(self, count: int) -> bytearray | None:
        piece = self._piece
        if piece is not None and count >= len(piece):
            self._piece = None
            self._next_line_search = self._multiple_lines_search = 0
            return piece  # type: ignore[return-value]  # h11 takes any bytes-like data
        self._settle()
        if not self._data:
            return None
        return self._extract(count)

    def maybe_extract_next_line(self) -> bytearray | None:
        self._settle()
        return super().maybe_extract_next_line()

    def maybe_extract_lines(self) -> list[bytearray] | None:
        piece = self._piece
        if piece is not None and not piece.startswith((b"\n", b"\r\n")):
            found = blank_line_regex.search(piece)
            if found is not None:
                end = found.end()
                self._piece = None
                self._data = bytearray(piece[:end])
                lines = super().maybe_extract_lines()  # the whole block: the bytearray empties
                self._piece = piece[end:] or None
                return lines
        self._settle()
        return super().maybe_extract_lines()

    def is_next_line_obviously_invalid_request_line(self) -> bool:
        self._settle()
        return super().is_next_line_obviously_invalid_request_line()

    def _extract(self, count: int) -> bytearray:
        if count < len(self._data):
            return super()._extract(count)
        out, self._data = self._data, bytearray()
        self._next_line_search = self._multiple_lines_search = 0
        return out


#: Request headers (name and value, as sent) that h11 has validated on a transport's
#: connections: a set per transport, shared by its connections.
_SentHeaders = set[tuple[bytes, bytes]]
#: The most header pairs a transport keeps (conditional requests each send their own ETag).
_MOST_SENT = 64
#: As httpcore's HTTP/1.1 connection: the most a response's head may take (h11 refuses more).
_MAX_HEAD = 100 * 1024
#: Informational (1xx) answers taken before a response: a server may send one or two (100
#: Continue, 103 Early Hints); an endless stream of them would hold the connection until the
#: total deadline at full CPU.
_MAX_INFORMATIONAL = 10
#: A connection's states, as httpcore's: new (its first request is under way), a request
#: under way, idle (kept alive) and closed.
_NEW, _ACTIVE, _IDLE, _CLOSED = range(4)


class _Connection:
    """One HTTP/1.1 connection, driven through h11 by the transport itself.

    It does per request what ``httpcore.AsyncHTTP11Connection`` does (the same h11 events, the
    same httpcore errors, a write error left for the response to explain, the connection kept
    only when both sides finished their message) without the parts the transport never uses,
    which cost about a sixth of the fetcher's CPU per page: a trace hook checked five times a
    request, an ``async with`` and a context manager around each step, a lock taken twice (the
    transport lends a connection to one request at a time), httpcore's request and response
    objects with their type checks, and two generator layers around each piece of the body.

    It reads as much as the network layer holds at most (asyncio hands over up to 256 KiB at
    once) rather than httpcore's 64 KiB: a piece received whole is passed on whole, not cut
    into copies, and a body takes fewer turns through h11. h11's receive buffer is replaced
    by one that copies less (see ``_Received``).
    """

    __slots__ = (
        "_expire_at",
        "_h11",
        "_keepalive_expiry",
        "_reusable",
        "_sent",
        "_state",
        "stream",
    )

    def __init__(
        self,
        stream: httpcore.AsyncNetworkStream,
        keepalive_expiry: float | None,
        sent: _SentHeaders | None = None,
    ) -> None:
        self.stream = stream
        self._keepalive_expiry = keepalive_expiry
        self._expire_at: float | None = None
        self._state = _NEW
        self._reusable = True
        state = h11.Connection(our_role=h11.CLIENT, max_incomplete_event_size=_MAX_HEAD)
        checked = _checked(getattr(h11, "__version__", ""))
        if checked and isinstance(getattr(state, "_receive_buffer", None), ReceiveBuffer):
            state._receive_buffer = _Received()
        self._h11 = state
        # Under another h11 release every request's headers are validated by h11 again.
        self._sent = sent if checked else None

    def is_available(self) -> bool:
        """Idle: a new connection is used by the request it was opened for, never lent."""
        return self._state == _IDLE

    def has_expired(self) -> bool:
        """Past its keep-alive, or closed by the server while idle (anything received then
        is the end, or a broken protocol)."""
        if self._expire_at is not None and time.monotonic() > self._expire_at:
            return True
        return self._state == _IDLE and bool(self.stream.get_extra_info("is_readable"))

    async def request(
        self, method: bytes, target: bytes, headers: _Headers, timeouts: Mapping[str, Any]
    ) -> tuple[h11.Response | h11.InformationalResponse, _Body11]:
        """Send a request without a body; its response's head, and its body to stream (close
        it when done). Errors are httpcore's."""
        if self._state not in (_NEW, _IDLE):
            raise httpcore.ConnectionNotAvailable()
        self._state = _ACTIVE
        self._expire_at = None
        state = self._h11
        try:
            try:
                try:
                    event = self._request_event(method, target, headers)
                except h11.LocalProtocolError as exc:
                    raise httpcore.LocalProtocolError(exc) from exc
                data = state.send(event)
                if data:
                    await self.stream.write(data, timeouts.get("write"))
                # A request without a body: its end adds nothing to send.
                state.send(h11.EndOfMessage())
            except httpcore.WriteError:
                # As httpcore: the server may have answered and closed early; the response
                # (or the lack of one) says more than the write error.
                pass
            read = timeouts.get("read")
            informational = 0
            while True:
                head = await self._receive(read)
                if isinstance(head, h11.Response) or (
                    isinstance(head, h11.InformationalResponse) and head.status_code == 101
                ):
                    break
                informational += 1
                if informational > _MAX_INFORMATIONAL:
                    raise httpcore.RemoteProtocolError(
                        f"more than {_MAX_INFORMATIONAL} informational (1xx) answers"
                    )
            if _framed_twice(head):
                # RFC 9112 section 6.3: the body is read as Transfer-Encoding frames it, but
                # the two lengths disagreeing is how responses are split and smuggled: what
                # follows on this connection cannot be trusted to be the next answer.
                self._reusable = False
        except BaseException:
            await self.finish()
            raise
        return head, _Body11(self, read)

    def _request_event(self, method: bytes, target: bytes, headers: _Headers) -> h11.Request:
        """h11's request event; headers h11 has accepted before are not validated again.

        h11 checks every header name and value with a regular expression, building a dict
        of its groups each time: about 40K instructions a request, as much as the rest of
        the event. A host's requests send the same few headers over and over, and the check
        depends on the bytes alone; h11's ``_parsed`` skips it (and only it: the method, the
        target, the Host count and Content-Length are still checked).
        """
        sent = self._sent
        if sent is not None and all(pair in sent for pair in headers):
            return h11.Request(method=method, target=target, headers=headers, _parsed=True)
        event = h11.Request(method=method, target=target, headers=headers)
        if sent is not None and len(sent) < _MOST_SENT:
            sent.update(headers)
        return event

    async def _receive(self, timeout: float | None) -> h11.Event | type[h11.PAUSED]:
        state = self._h11
        while True:
            try:
                event = state.next_event()
            except h11.RemoteProtocolError as exc:
                raise httpcore.RemoteProtocolError(exc) from exc
            if event is not h11.NEED_DATA:
                return cast(h11.Event | type[h11.PAUSED], event)
            data = await self.stream.read(BUFFER, timeout)
            if not data and state.their_state is h11.SEND_RESPONSE:
                raise httpcore.RemoteProtocolError(
                    "Server disconnected without sending a response."
                )
            state.receive_data(data)

    def unanswered(self) -> bool:
        """Whether nothing of a response to the request under way came (an informational
        answer aside): the server may not have read the request at all."""
        state = self._h11
        return state.their_state is h11.SEND_RESPONSE and not state.trailing_data[0]

    def settle(self) -> None:
        """Take the rest of the response from what has already arrived, without waiting for
        more: the body of a redirect, a 304 or an error page that nobody reads is often all
        there, and taking it lets the connection be kept (else each such answer costs a new
        connection, and on https a handshake)."""
        state = self._h11
        if state.their_state is not h11.SEND_BODY:
            return
        try:
            while True:
                event = state.next_event()
                if not isinstance(event, h11.Data):
                    return  # the end, or more to wait for: finish() tells them apart
        except h11.RemoteProtocolError:
            return  # a broken body: finish() closes the connection

    async def finish(self) -> None:
        """The response is done with: keep the connection if both messages ended, the
        server sent nothing past its answer and framed it one way only, else close it.

        Bytes past the answer's end (a Content-Length shorter than the body, a 204 with a
        body, an answer sent twice) would be read as the start of the next request's answer,
        and could even pass for it.
        """
        state = self._h11
        if (
            state.our_state is h11.DONE
            and state.their_state is h11.DONE
            and not state.trailing_data[0]
            and self._reusable
        ):
            self._state = _IDLE
            state.start_next_cycle()
            if self._keepalive_expiry is not None:
                self._expire_at = time.monotonic() + self._keepalive_expiry
        else:
            await self.aclose()

    async def aclose(self) -> None:
        """Close the connection (whatever its state)."""
        self._state = _CLOSED
        await self.stream.aclose()


def _framed_twice(head: h11.Response | h11.InformationalResponse) -> bool:
    """Whether a response declares both a Content-Length and a Transfer-Encoding."""
    names = {name for name, _ in head.headers}
    return b"content-length" in names and b"transfer-encoding" in names


class _Body11:
    """A response's body on an HTTP/1.1 connection: its pieces as received, then the end."""

    __slots__ = ("_closed", "_connection", "_timeout")

    def __init__(self, connection: _Connection, timeout: float | None) -> None:
        self._connection = connection
        self._timeout = timeout
        self._closed = False

    def __aiter__(self) -> _Body11:
        return self

    async def __anext__(self) -> bytes:
        try:
            while True:
                event = await self._connection._receive(self._timeout)
                if isinstance(event, h11.Data):
                    # bytes() of bytes is the same object: only a bytearray is copied.
                    return bytes(event.data)
                if isinstance(event, h11.EndOfMessage) or event is h11.PAUSED:
                    break
        except BaseException:
            await self.aclose()
            raise
        raise StopAsyncIteration

    async def aclose(self) -> None:
        if not self._closed:
            self._closed = True
            connection = self._connection
            connection.settle()
            await connection.finish()


_Lender = httpcore.AsyncConnectionPool | _Connection
#: Request headers as h11 takes them.
_Headers = list[tuple[bytes, bytes]]
#: An origin as the transport keys connections: scheme, host (the address) and port.
_Origin = tuple[bytes, bytes, int]
_DEFAULT_PORTS = {b"http": 80, b"https": 443}


def _origin(scheme: bytes, host: bytes, port: int | None) -> _Origin:
    return (scheme, host, port or _DEFAULT_PORTS.get(scheme, 0))


def _nothing() -> None:
    pass


class PoolTransport(httpx.AsyncBaseTransport):
    """One origin's connections (a client per host uses one of these).

    Over HTTP/1.1 the transport keeps the connections itself, each lent to one request at a
    time (the most recently returned first, whose connection is the likeliest to be alive), and
    a connection that is no longer available (closed, past its keep-alive, or closed by the
    server while idle) is replaced: httpcore's pool looks over all its connections, and for
    every idle one over all of them again, each time a request starts or ends, which with a
    host's 8 connections was a tenth of a crawl's CPU outside extraction; even a pool of one
    connection cost a lock, an event and a cancellation shield (each a turn of the event loop
    through anyio) per request. The transport opens the connections itself too (TCP, then TLS
    for https) and drives h11 on them itself (see ``_Connection``). HTTP/2 multiplexes
    requests on one connection and keeps httpcore's pool.

    ``get`` and ``send`` give a :class:`Reply`, with httpcore's errors; as an httpx transport
    (``handle_async_request``) it speaks httpx, errors included. Requests go without a body
    (the fetcher only sends GETs).
    """

    def __init__(self, *, ssl_context: ssl.SSLContext, limits: httpx.Limits, http2: bool) -> None:
        if http2 and importlib.util.find_spec("h2") is None:
            raise ImportError("HTTP/2 needs the h2 package")
        size = limits.max_connections or 100  # None: httpx's "no limit"; 100 is plenty per host
        self._ssl_context = ssl_context
        self._limits = limits
        self._size = size
        self._network = AsyncioBackend()
        self._shared = self._pool() if http2 else None
        # Idle connections by origin (the address asked for can change between attempts).
        self._idle: dict[_Origin, list[_Connection]] = {}
        self._open: set[_Connection] = set()
        self._lent = asyncio.Semaphore(size)
        self._sent: _SentHeaders = set()
        self._closed = False

    def _pool(self) -> httpcore.AsyncConnectionPool:
        return httpcore.AsyncConnectionPool(
            ssl_context=self._ssl_context,
            max_connections=self._limits.max_connections,
            max_keepalive_connections=self._limits.max_keepalive_connections,
            keepalive_expiry=self._limits.keepalive_expiry,
            http1=True,
            http2=True,
            network_backend=self._network,
        )

    async def _borrow(
        self, origin: _Origin, extensions: Mapping[str, Any], *, fresh: bool = False
    ) -> tuple[_Connection, Callable[[], None], bool]:
        """A connection to ``origin`` (a new one if ``fresh``), the call that gives it back,
        and whether it was kept alive from an earlier request."""
        await self._lent.acquire()
        try:
            if self._closed:
                # A request that waited for a connection while the transport was closed would
                # open one that nothing closes any more.
                raise httpcore.ConnectError("the transport is closed")
            connection = None if fresh else await self._idle_connection(origin)
            reused = connection is not None
            if connection is None:
                if len(self._open) >= self._size:
                    # Idle connections to other addresses of the host go first: no more than
                    # ``size`` connections are ever open.
                    await self._close_idle()
                connection = await self._connect(origin, extensions)
                self._open.add(connection)
        except BaseException:
            self._lent.release()
            raise

        def give_back() -> None:
            self._idle.setdefault(origin, []).append(connection)
            self._lent.release()

        return connection, give_back, reused

    async def _connect(self, origin: _Origin, extensions: Mapping[str, Any]) -> _Connection:
        """A new HTTP/1.1 connection to ``origin`` (TLS for https, with the request's
        ``sni_hostname`` when it has one)."""
        scheme, address, port = origin
        timeout = extensions.get("timeout", {}).get("connect")
        host = address.decode("ascii")
        stream = await self._network.connect_tcp(host, port, timeout=timeout)
        if scheme == b"https":
            self._ssl_context.set_alpn_protocols(["http/1.1"])
            server_name = extensions.get("sni_hostname") or host
            stream = await stream.start_tls(self._ssl_context, server_name, timeout)
        return _Connection(stream, self._limits.keepalive_expiry, self._sent)

    async def _idle_connection(self, origin: _Origin) -> _Connection | None:
        """The most recently returned connection to the origin still fit for a request."""
        idle = self._idle.get(origin)
        while idle:
            connection = idle.pop()
            if connection.is_available() and not connection.has_expired():
                return connection
            self._open.discard(connection)
            await connection.aclose()
        return None

    async def _close_idle(self) -> None:
        idle = [connection for group in self._idle.values() for connection in group]
        self._idle = {}
        for connection in idle:
            self._open.discard(connection)
            await connection.aclose()

    async def get(
        self,
        scheme: bytes,
        address: bytes,
        port: int | None,
        target: bytes,
        headers: _Headers,
        extensions: Mapping[str, Any],
    ) -> Reply:
        """GET ``target`` from the IP ``address`` (``headers`` name the host); the body is
        left to stream (close the reply when done). Errors are httpcore's.

        ``extensions`` are httpcore's request extensions the transport reads: ``timeout``
        (a dict of ``connect``, ``read`` and ``write`` seconds) and ``sni_hostname``.
        """
        if self._shared is not None:
            url = httpcore.URL(scheme=scheme, host=address, port=port, target=target)
            request = httpcore.Request(b"GET", url, headers=headers, extensions=dict(extensions))
            return Reply.of(await self._shared.handle_async_request(request), _nothing)
        origin = _origin(scheme, address, port)
        return await self._exchange(origin, b"GET", target, headers, extensions)

    async def send(self, request: httpcore.Request) -> Reply:
        """Send ``request`` (without a body) on a pooled connection; the body is left to
        stream (close the reply when done). Errors are httpcore's."""
        if self._shared is not None:
            return Reply.of(await self._shared.handle_async_request(request), _nothing)
        url = request.url
        origin = _origin(url.scheme, url.host, url.port)
        return await self._exchange(
            origin, request.method, url.target, list(request.headers), request.extensions
        )

    async def _exchange(
        self,
        origin: _Origin,
        method: bytes,
        target: bytes,
        headers: _Headers,
        extensions: Mapping[str, Any],
    ) -> Reply:
        timeouts = extensions.get("timeout", {})
        connection, give_back, reused = await self._borrow(origin, extensions)
        try:
            head, body = await connection.request(method, target, headers, timeouts)
        except (httpcore.RemoteProtocolError, httpcore.ReadError):
            give_back()
            if not reused or not connection.unanswered():
                raise
            # A kept-alive connection the server closed just as the request went out (its
            # idle timeout met ours): nothing was answered, so the GET, safe to repeat, goes
            # once more on a new connection instead of failing an attempt.
            connection, give_back, _ = await self._borrow(origin, extensions, fresh=True)
            try:
                head, body = await connection.request(method, target, headers, timeouts)
            except BaseException:
                give_back()
                raise
        except BaseException:
            give_back()
            raise

        def details() -> MutableMapping[str, Any]:
            return {
                "http_version": b"HTTP/" + head.http_version,
                "reason_phrase": head.reason,
                "network_stream": connection.stream,
            }

        return Reply(head.status_code, head.headers.raw_items(), body, give_back, details)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """``send`` for httpx: an httpx request and response, httpx's errors."""
        assert isinstance(request.stream, httpx.AsyncByteStream)
        url = request.url
        core = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        with _as_httpx(request):
            reply = await self.send(core)
        return httpx.Response(
            status_code=reply.status,
            headers=reply.raw_headers,
            stream=_Body(reply, request),
            extensions=reply.extensions,
        )

    async def aclose(self) -> None:
        """Close every connection."""
        connections: list[_Lender] = [*self._open]
        if self._shared is not None:
            connections.append(self._shared)
        self._open, self._idle = set(), {}
        self._closed = True
        for connection in connections:
            await connection.aclose()
