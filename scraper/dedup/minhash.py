"""One-permutation MinHash sketches of word shingles.

Each shingle (a run of consecutive word ids) is hashed once with Python's tuple hash, which for
integers is independent of the process and of ``PYTHONHASHSEED`` (the store checks it did not
change between versions). The sorted distinct hashes are cut into equal ranges ("bins") of the
64-bit space and each bin keeps its smallest hash: one hash function instead of one per bin, and
only ``bins`` binary searches per document. Empty bins borrow the next filled bin's value, mixed
with the distance, so short documents still give full sketches (densification by rotation).
"""

from __future__ import annotations

from bisect import bisect_left
from itertools import repeat

__all__ = ["HASH_FINGERPRINT", "hash_fingerprint", "shingle_hashes", "sketch"]

_LOWEST = -(1 << 63)
_SPACE = 1 << 64


def shingle_hashes(ids: list[int], width: int) -> list[int]:
    """Sorted distinct hashes of every run of ``width`` consecutive ids (one run if fewer)."""
    if not ids:
        return []
    if len(ids) <= width:
        return [hash(tuple(ids))]
    columns = [ids[i:] for i in range(width)]
    return sorted(set(map(hash, zip(*columns, strict=False))))


def sketch(hashes: list[int], bins: int) -> tuple[int, ...]:
    """The one-permutation MinHash of sorted ``hashes``: the smallest hash in each bin."""
    if not hashes:
        return ()
    width = _SPACE // bins
    bounds = [_LOWEST + j * width for j in range(bins)]
    bounds.append(_LOWEST + _SPACE)
    starts = list(map(bisect_left, repeat(hashes, bins + 1), bounds))
    found: list[int | None] = [
        hashes[starts[j]] if starts[j] < starts[j + 1] else None for j in range(bins)
    ]
    return tuple(_densify(found))


def _densify(found: list[int | None]) -> list[int]:
    bins = len(found)
    out: list[int] = []
    for j, value in enumerate(found):
        if value is not None:
            out.append(value)
            continue
        for step in range(1, bins):
            borrowed = found[(j + step) % bins]
            if borrowed is not None:
                out.append(hash((borrowed, step)))
                break
    return out


def hash_fingerprint() -> int:
    """The tuple hash of fixed integers: changes if the interpreter's hashing changes."""
    return hash((1, 2, 3, 1 << 70, -5))


HASH_FINGERPRINT = str(hash_fingerprint())
