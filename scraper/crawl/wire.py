"""The messages on the pipes between the crawl and its extraction workers.

A message is a pickled head of small values (URLs, titles, reasons, the lengths of what
follows) and then large byte strings raw, one after another: the page bodies one way, the
stored records and article texts the other. Pickling the byte strings with the rest copied
each of them twice on the way (into the pickle, into the framed message) and once more out of
it, some 0.15 ms of CPU per page on each side for a page of 130 kB; written raw, a body goes from
the crawl's bytes to the pipe and from the pipe to the worker's bytes.

Kept free of asyncio: a worker imports this module. A worker reads its chunks with ``read``
from its blocking stdin; the crawl cuts the answers out of what its event loop receives with a
:class:`Splitter`.
"""

from __future__ import annotations

import pickle
import struct
from collections.abc import Sequence
from typing import Any, BinaryIO

__all__ = ["Message", "Splitter", "encode", "read"]

#: The length prefix of a message's head.
FRAME = struct.Struct("!Q")

#: A message: small values, and the byte strings that follow them.
Message = tuple[list[Any], list[bytes]]


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


class Splitter:
    """Messages cut out of a stream fed piece by piece, as a pipe's reader receives it.

    For the crawl's reads of its workers' answers, done in the event loop's callback itself:
    a stream reader copied every piece into its buffer and each field out of it again (twice),
    and woke a task for every message. Here a message's pieces are joined once, when all of it
    has come, and each blob is sliced out of that.
    """

    def __init__(self) -> None:
        self._pieces: list[bytes] = []
        self._held = 0
        self._need = FRAME.size  # bytes the first message in hand needs, as far as known

    def feed(self, data: bytes) -> list[Message]:
        """The messages ``data`` completes, in order."""
        self._pieces.append(data)
        self._held += len(data)
        if self._held < self._need:
            return []
        buf = self._pieces[0] if len(self._pieces) == 1 else b"".join(self._pieces)
        view = memoryview(buf)
        out: list[Message] = []
        pos = 0
        while True:
            left = len(buf) - pos
            self._need = FRAME.size
            if left < FRAME.size:
                break
            (size,) = FRAME.unpack_from(buf, pos)
            self._need += size
            if left < self._need:
                break
            heads, sizes = pickle.loads(view[pos + FRAME.size : pos + self._need])
            self._need += sum(sizes)
            if left < self._need:
                break
            at = pos + FRAME.size + size
            blobs = []
            for n in sizes:
                blobs.append(buf[at : at + n])
                at += n
            out.append((heads, blobs))
            pos = at
        view.release()
        rest = buf[pos:] if pos else buf
        self._pieces = [rest] if rest else []
        self._held = len(rest)
        return out
