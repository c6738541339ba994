"""The messages on the pipes between the crawl and its extraction workers.

A message is a pickled head of small values (URLs, titles, reasons, the lengths of what
follows) and then large byte strings raw, one after another: the page bodies one way, the
stored records and article texts the other. Pickling the byte strings with the rest copied
each of them twice on the way (into the pickle, into the framed message) and once more out of
it, some 0.15 ms of CPU per page on each side for a page of 130 kB; written raw, a body goes from
the crawl's bytes to the pipe and from the pipe to the worker's bytes.

Kept free of asyncio: a worker imports this module. The crawl reads with any object that has an
async ``readexactly`` (an :class:`asyncio.StreamReader`).
"""

from __future__ import annotations

import pickle
import struct
from collections.abc import Sequence
from typing import Any, BinaryIO, Protocol

__all__ = ["AsyncReader", "Message", "encode", "read", "read_async"]

#: The length prefix of a message's head.
FRAME = struct.Struct("!Q")

#: A message: small values, and the byte strings that follow them.
Message = tuple[list[Any], list[bytes]]


class AsyncReader(Protocol):
    """What the crawl reads a worker's messages from."""

    async def readexactly(self, n: int) -> bytes:
        """Exactly ``n`` bytes; raises ``asyncio.IncompleteReadError`` at an early end."""
        ...


def encode(heads: Sequence[Any], blobs: Sequence[bytes]) -> list[bytes]:
    """The pieces of a message, to be written in order (the blobs are not copied)."""
    head = pickle.dumps((list(heads), [len(blob) for blob in blobs]), pickle.HIGHEST_PROTOCOL)
    return [FRAME.pack(len(head)) + head, *blobs]


def _exactly(stream: BinaryIO, size: int) -> bytes | None:
    data = stream.read(size)
    return data if len(data) == size else None


def read(stream: BinaryIO) -> Message | None:
    """The next message on a blocking stream; None when the stream ends."""
    frame = _exactly(stream, FRAME.size)
    head = None if frame is None else _exactly(stream, FRAME.unpack(frame)[0])
    if head is None:
        return None
    heads, sizes = pickle.loads(head)
    blobs = []
    for size in sizes:
        blob = _exactly(stream, size)
        if blob is None:
            return None
        blobs.append(blob)
    return heads, blobs


async def read_async(stream: AsyncReader) -> Message:
    """The next message (raises ``asyncio.IncompleteReadError`` when the stream ends)."""
    (size,) = FRAME.unpack(await stream.readexactly(FRAME.size))
    heads, sizes = pickle.loads(await stream.readexactly(size))
    return heads, [await stream.readexactly(n) for n in sizes]
