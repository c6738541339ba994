"""gzip bodies of listings (sitemaps, feeds): every member, capped, in linear time."""

from __future__ import annotations

import zlib

from scraper.errors import InputError, TooLarge

__all__ = ["gunzip", "is_gzip"]

_MAGIC = b"\x1f\x8b"
#: Bytes of a gzip body handed to a member's decompressor at once (see gunzip).
_SLICE_MIN = 512
_SLICE_MAX = 64 * 1024


def is_gzip(body: bytes) -> bool:
    """Whether ``body`` starts as gzip data does."""
    return body[:2] == _MAGIC


def gunzip(body: bytes, url: str, limit: int, what: str) -> bytes:
    """Every member of a gzip body (some generators append one per batch), at most ``limit``
    bytes in all (``what`` the body is, for errors).

    Each member is fed a slice at a time, about twice the size of the member before: what a
    member leaves unread is copied out of the decompressor, so handing it the whole rest of
    the body made a body of many small members quadratic (50,000 members: 8 s, not 0.4).
    """
    out: list[bytes] = []
    size = 0
    view = memoryview(body)
    at = 0
    step = _SLICE_MAX
    while body[at : at + 2] == _MAGIC:
        decompressor = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        start = at
        while not decompressor.eof and at < len(body):
            piece = view[at : at + step]
            try:
                chunk = decompressor.decompress(piece, limit + 1 - size)
            except zlib.error as exc:
                raise InputError(f"broken gzip {what} ({url}): {exc}") from exc
            size += len(chunk)
            if size > limit:
                raise TooLarge(f"decompressed {what} over the {limit:,}-byte cap", url=url)
            out.append(chunk)
            at += len(piece) - len(decompressor.unused_data)
        if not decompressor.eof:
            break  # cut short: what came through is read, as from a single member
        step = min(max(2 * (at - start), _SLICE_MIN), _SLICE_MAX)
    return b"".join(out)
