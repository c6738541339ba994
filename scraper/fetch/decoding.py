"""Content-Encoding decoders that never expand more than one piece at a time.

httpx decompresses each network read in one go, so a 64 KiB read of a gzip bomb becomes
64 MiB in memory before anyone can count it. These decoders hand out at most ``PIECE`` bytes
per step (brotli rounds its buffer up, to under two pieces), so the caller's decompressed-size
cap stops a bomb within one piece.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import Protocol

import brotli

from scraper.errors import DecodeError

__all__ = ["ACCEPT_ENCODING", "PIECE", "Decoder", "decoder_for"]

PIECE = 64 * 1024
ACCEPT_ENCODING = "gzip, deflate, br"
#: The content codings of IANA's HTTP Content Coding Registry (those not decoded here are
#: refused, their bytes being unreadable as they are).
_CODINGS = frozenset(
    {
        "aes128gcm",
        "br",
        "compress",
        "dcb",
        "dcz",
        "deflate",
        "exi",
        "gzip",
        "identity",
        "pack200-gzip",
        "x-compress",
        "x-gzip",
        "zstd",
    }
)


class Decoder(Protocol):
    """Turns raw body bytes into decoded bytes, a piece at a time."""

    def feed(self, data: bytes) -> Iterator[bytes]: ...

    def finish(self) -> None:
        """Check that the body fed so far is whole: a compressed stream must have ended.

        Raises:
            DecodeError: the stream was cut short (a body the server did not finish).
        """


class _Identity:
    def feed(self, data: bytes) -> Iterator[bytes]:
        if data:
            yield data

    def finish(self) -> None:
        pass


class _Zlib:
    """gzip (``wbits=31``) or deflate; deflate falls back to raw when the zlib header is absent."""

    def __init__(self, wbits: int) -> None:
        self._wbits = wbits
        self._inflate = zlib.decompressobj(wbits)
        self._started = False
        self._head = b""  # deflate's first byte, held until the header can be told

    def feed(self, data: bytes) -> Iterator[bytes]:
        pending = data
        if not self._started and self._wbits == zlib.MAX_WBITS:
            # zlib checks its two-byte header only once it has both bytes: fed one, it takes
            # it without a word, and the raw-deflate fallback would come too late.
            pending = self._head + data
            if len(pending) < 2:
                self._head = pending
                return
            self._head = b""
        while True:
            try:
                out = self._inflate.decompress(pending, PIECE)
            except zlib.error as exc:
                if self._started or self._wbits != zlib.MAX_WBITS:
                    raise DecodeError(str(exc)) from exc
                # Many servers send raw deflate under "deflate": retry without the header.
                self._wbits = -zlib.MAX_WBITS
                self._inflate = zlib.decompressobj(self._wbits)
                continue
            self._started = True
            if out:
                yield out
            pending = self._inflate.unconsumed_tail
            # A full piece may leave output pending inside zlib even with no input left.
            if not pending and len(out) < PIECE:
                return

    def finish(self) -> None:
        # An empty body is not a stream at all (servers send one with the header on a 204).
        if self._head or (self._started and not self._inflate.eof):
            raise DecodeError("the compressed body ends before its end of stream")


class _Brotli:
    def __init__(self) -> None:
        self._brotli = brotli.Decompressor()
        self._started = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        self._started = True
        try:
            out = self._brotli.process(data, output_buffer_limit=PIECE)
            while True:
                if out:
                    yield out
                if self._brotli.is_finished():
                    return
                # It may accept input while output is still pending: drain that first.
                if not out and self._brotli.can_accept_more_data():
                    return
                out = self._brotli.process(b"", output_buffer_limit=PIECE)
        except brotli.error as exc:
            raise DecodeError(str(exc)) from exc

    def finish(self) -> None:
        if self._started and not self._brotli.is_finished():
            raise DecodeError("the compressed body ends before its end of stream")


def decoder_for(content_encoding: str | None) -> Decoder:
    """A bounded decoder for a Content-Encoding value.

    Raises:
        DecodeError: a coding other than gzip, deflate and br (identity and labels that name
            no coding aside), or more than one.
    """
    codings = [c.strip().lower() for c in (content_encoding or "").split(",") if c.strip()]
    # A label that names no coding ("none", "utf-8", "text": misconfigured servers send them)
    # says nothing about the bytes, which browsers and httpx then take as they are.
    codings = [c for c in codings if c in _CODINGS and c != "identity"]
    if not codings:
        return _Identity()
    if len(codings) > 1:
        raise DecodeError(f"stacked Content-Encoding {content_encoding!r} is not supported")
    coding = codings[0]
    if coding in ("gzip", "x-gzip"):
        return _Zlib(zlib.MAX_WBITS | 16)
    if coding == "deflate":
        return _Zlib(zlib.MAX_WBITS)
    if coding == "br":
        return _Brotli()
    raise DecodeError(f"unsupported Content-Encoding {coding!r}")
