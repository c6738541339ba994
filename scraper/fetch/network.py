"""httpcore's network layer on asyncio's own transports, without anyio in between.

httpcore reaches sockets through a network backend; its default one goes through anyio, whose
per-call costs (a cancel scope per read and write, a dict of socket attributes built each time
the pool asks whether an idle connection was closed by the server) came to about 0.4 ms of CPU
per fetched page, a quarter of the fetcher's. This backend reads and writes through an
:class:`asyncio.Protocol`: received bytes wait in a buffer (reading pauses past ``BUFFER``),
writes wait only when asyncio's write buffer is full, and a deadline costs a timer only when
there is something to wait for. TLS is asyncio's ``start_tls`` on the same protocol.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections import deque
from collections.abc import Coroutine, Iterable
from typing import Any, cast

import httpcore

__all__ = ["AsyncioBackend"]

#: Bytes received and not yet read, past which the socket is not read from until they are.
BUFFER = 256 * 1024
#: Seconds asyncio's own TLS handshake timeout is given past the connect deadline, which
#: ends the handshake first.
_TLS_SLACK = 1.0


class _Receiver(asyncio.Protocol):
    """Received bytes and the connection's state, for one :class:`_Stream` at a time.

    A reader and a writer may wait at once (HTTP/2 reads and writes from different tasks), so
    each has its own waiter and deadline. One timer serves the connection: a wait only sets
    its deadline, and the timer, when it goes off, expires the waits that are due and sets
    itself again for the next deadline. A timer per wait (made, pushed onto the event loop's
    heap with comparisons in Python, cancelled) cost more than the wait itself.
    """

    def __init__(self) -> None:
        # The pieces as received, not copied into one buffer: a read hands the first one on
        # as it is when it fits (most do), where a bytearray cost a copy in and a copy out,
        # and a memmove of the rest, of every byte of every body.
        self.pieces: deque[bytes] = deque()
        self.offset = 0  # bytes of the first piece already read
        self.size = 0  # bytes received and not yet read
        self.closed = False
        self.error: BaseException | None = None
        self.transport: asyncio.Transport | None = None
        self.reading_paused = False
        self.writing_paused = False
        self._waiters: dict[str, asyncio.Future[bool]] = {}
        self._deadlines: dict[str, float] = {}
        self._timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # A stream transport (uvloop's is not a subclass of asyncio's, so no isinstance).
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        self.pieces.append(data)
        self.size += len(data)
        if self.size > BUFFER and not self.reading_paused and self.transport is not None:
            self.reading_paused = True
            self.transport.pause_reading()
        _wake(self._waiters.get("read"))

    def take(self, most: int) -> bytes:
        """Up to ``most`` of the bytes received (at least one: some must be waiting)."""
        pieces = self.pieces
        first = pieces[0]
        if not self.offset and len(first) <= most and (len(pieces) == 1 or len(first) == most):
            pieces.popleft()
            self.size -= len(first)
            return first
        out: list[bytes] = []
        wanted = most
        while pieces and wanted:
            first = pieces[0]
            end = min(len(first), self.offset + wanted)
            out.append(first[self.offset : end] if self.offset or end < len(first) else first)
            wanted -= end - self.offset
            if end == len(first):
                pieces.popleft()
                self.offset = 0
            else:
                self.offset = end
        data = b"".join(out)
        self.size -= len(data)
        return data

    def eof_received(self) -> bool:
        self.closed = True
        _wake(self._waiters.get("read"))
        return False  # let the transport close itself

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.error = exc
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        _wake(self._waiters.get("read"))
        _wake(self._waiters.get("write"))

    def pause_writing(self) -> None:
        self.writing_paused = True

    def resume_writing(self) -> None:
        self.writing_paused = False
        _wake(self._waiters.get("write"))

    async def until(self, event: str, timeout: float | None) -> None:
        """Until ``event`` ("read": bytes or the end arrived; "write": asyncio's write buffer
        drained, or the end), at most ``timeout`` seconds.

        Raises:
            TimeoutError: ``timeout`` passed first.
        """
        loop = asyncio.get_running_loop()
        waiter = self._waiters[event] = loop.create_future()
        # The timer resolves the waiter itself: asyncio.timeout would cancel and uncancel the
        # task and cost twice as much, on every wait for bytes.
        if timeout is not None:
            deadline = self._deadlines[event] = loop.time() + timeout
            if self._timer is None or self._timer.when() > deadline:
                self._arm(loop, deadline)
        try:
            timed_out = await waiter
        finally:
            del self._waiters[event]
            self._deadlines.pop(event, None)
        if timed_out:
            raise TimeoutError

    def _arm(self, loop: asyncio.AbstractEventLoop, when: float) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = loop.call_at(when, self._expire_due, loop)

    def _expire_due(self, loop: asyncio.AbstractEventLoop) -> None:
        """Expire the waits whose deadline passed; set the timer for the next one, if any."""
        self._timer = None
        now = loop.time()
        for event, deadline in list(self._deadlines.items()):
            if deadline <= now:
                del self._deadlines[event]
                _expire(self._waiters[event])
        if self._deadlines:
            self._arm(loop, min(self._deadlines.values()))


def _wake(waiter: asyncio.Future[bool] | None) -> None:
    if waiter is not None and not waiter.done():
        waiter.set_result(False)


def _expire(waiter: asyncio.Future[bool]) -> None:
    if not waiter.done():
        waiter.set_result(True)


class _Stream(httpcore.AsyncNetworkStream):
    def __init__(self, receiver: _Receiver, transport: asyncio.Transport) -> None:
        self._receiver = receiver
        self._transport = transport

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        receiver = self._receiver
        if not receiver.size and not receiver.closed:
            try:
                await receiver.until("read", timeout)
            except TimeoutError as exc:
                raise httpcore.ReadTimeout("timed out reading") from exc
        if not receiver.size:
            if receiver.error is not None:
                raise httpcore.ReadError(str(receiver.error)) from receiver.error
            return b""  # the peer closed the connection
        data = receiver.take(max_bytes)
        if receiver.reading_paused and receiver.size <= BUFFER // 2:
            receiver.reading_paused = False
            self._transport.resume_reading()
        return data

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        if self._transport.is_closing() or self._receiver.error is not None:
            raise httpcore.WriteError("the connection is closed")
        self._transport.write(buffer)
        while self._receiver.writing_paused and not self._receiver.closed:
            try:
                await self._receiver.until("write", timeout)
            except TimeoutError as exc:
                raise httpcore.WriteTimeout("timed out writing") from exc

    async def aclose(self) -> None:
        self._transport.close()
        # A closing transport with unsent bytes keeps its socket until they are written; one
        # step of the loop lets it finish, then nothing is left behind when the loop ends.
        await asyncio.sleep(0)
        self._transport.abort()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        # The deadline is kept here: asyncio's own handshake timeout ends the handshake with a
        # ConnectionAbortedError, which would read as a network error, not a timeout.
        slack = None if timeout is None else timeout + _TLS_SLACK
        try:
            async with asyncio.timeout(timeout):
                upgraded = await loop.start_tls(
                    self._transport,
                    self._receiver,
                    ssl_context,
                    server_hostname=server_hostname,
                    ssl_handshake_timeout=slack,
                )
        except TimeoutError as exc:
            self._transport.abort()
            raise httpcore.ConnectTimeout("timed out in the TLS handshake") from exc
        except (OSError, ssl.SSLError) as exc:
            self._transport.abort()
            raise httpcore.ConnectError(str(exc)) from exc
        if upgraded is None:  # the connection was closed during the handshake
            raise httpcore.ConnectError("connection closed during the TLS handshake")
        assert isinstance(upgraded, asyncio.Transport)
        self._receiver.transport = upgraded
        return _Stream(self._receiver, upgraded)

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":
            # Asked of idle connections: anything received (or the end) means the server
            # closed it or broke the protocol, and the pool drops it.
            return bool(self._receiver.size) or self._receiver.closed
        names = {"client_addr": "sockname", "server_addr": "peername"}
        return self._transport.get_extra_info(names.get(info, info))


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    """Connections as asyncio transports (see the module docstring)."""

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        local = (local_address, 0) if local_address else None
        opening = asyncio.get_running_loop().create_connection(
            _Receiver, host, port, local_addr=local
        )
        return await _connected(opening, f"{host}:{port}", timeout, socket_options)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        opening = asyncio.get_running_loop().create_unix_connection(_Receiver, path)
        return await _connected(opening, path, timeout, socket_options)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


async def _connected(
    opening: Coroutine[Any, Any, tuple[asyncio.Transport, _Receiver]],
    where: str,
    timeout: float | None,
    socket_options: Iterable[httpcore.SOCKET_OPTION] | None,
) -> _Stream:
    """The stream of a connection being opened, with httpcore's errors for its failures."""
    try:
        async with asyncio.timeout(timeout):
            transport, receiver = await opening
    except TimeoutError as exc:
        raise httpcore.ConnectTimeout(f"timed out connecting to {where}") from exc
    except OSError as exc:
        raise httpcore.ConnectError(str(exc)) from exc
    _set_options(transport, socket_options)
    return _Stream(receiver, transport)


def _set_options(
    transport: asyncio.Transport, options: Iterable[httpcore.SOCKET_OPTION] | None
) -> None:
    sock: socket.socket | None = transport.get_extra_info("socket")
    for option in options or ():
        if sock is not None:
            sock.setsockopt(*option)
