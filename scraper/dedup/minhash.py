"""One-permutation MinHash sketches of word shingles, for a whole batch at once.

Each shingle (a run of ``width`` consecutive content words of one document) is hashed by
mixing its word ids (see ``tokens.py``), so the hash is the same in every process, and a stored
body (kept as word ids) can be sketched again. Shingle
hashes are spread over ``bins`` equal ranges of the 64-bit space and each bin keeps its smallest
hash: one hash function instead of one per bin, computed for every document of the batch with a
few numpy passes. Empty bins borrow the next filled bin's value, mixed with the distance, so
short documents still give full sketches (densification by rotation).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from scraper.dedup.tokens import U64, constants, mix

__all__ = ["EMPTY", "SKETCH_SCHEME", "shingle_hashes", "sketches"]

EMPTY = np.uint64(0xFFFFFFFFFFFFFFFF)
#: Names how sketches are computed; the store refuses an index sketched another way.
SKETCH_SCHEME = "opmh-splitmix-v2"
_SALTS = constants([0x2545F4914F6CDD1D, 0x9FB21C651E98DF25, 0xA0761D6478BD642F, 0xE7037ED1A0B428DB])


def sketches(
    ids: NDArray[np.uint32], docs: NDArray[np.int64], count: int, width: int, bins: int
) -> U64:
    """One row of ``bins`` values per document; a row of EMPTY for a document without words.

    ``ids`` are the word ids of all documents in turn, ``docs`` the document of each.
    """
    hashes = mix(ids.astype(np.uint64))
    shingles, owners = _shingles(hashes, docs, count, width)
    out = np.full(count * bins, EMPTY, dtype=np.uint64)
    if len(shingles):
        slot = ((shingles >> np.uint64(32)) * np.uint64(bins)) >> np.uint64(32)
        np.minimum.at(out, owners * bins + slot.astype(np.int64), shingles)
    table = out.reshape(count, bins)
    empty = table == EMPTY
    rows = np.flatnonzero(empty.any(axis=1) & ~empty.all(axis=1))
    if len(rows):
        table[rows] = _densify(table[rows])
    return table


def _shingles(
    hashes: U64, docs: NDArray[np.int64], count: int, width: int
) -> tuple[U64, NDArray[np.int64]]:
    salts = np.resize(_SALTS, width)
    span = len(hashes) - width + 1
    if span > 0:
        combined = hashes[:span] * salts[0]
        for k in range(1, width):
            combined = combined + hashes[k : k + span] * salts[k]
        whole = docs[:span] == docs[width - 1 :]
        shingles, owners = mix(combined[whole]), docs[:span][whole]
    else:
        shingles, owners = np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64)
    # A document with fewer words than a shingle is one shingle of all its words.
    sizes = np.bincount(docs, minlength=count)
    short = np.flatnonzero((sizes > 0) & (sizes < width))
    if len(short):
        starts = np.searchsorted(docs, short)
        extra = [
            mix((hashes[s : s + n] * salts[:n]).sum(dtype=np.uint64, keepdims=True))[0]
            for s, n in zip(starts.tolist(), sizes[short].tolist(), strict=True)
        ]
        shingles = np.concatenate([shingles, np.array(extra, dtype=np.uint64)])
        owners = np.concatenate([owners, short.astype(np.int64)])
    return shingles, owners


def _densify(rows: U64) -> U64:
    """Each empty bin takes the next filled bin's value (going round), mixed with the distance."""
    bins = rows.shape[1]
    position = np.arange(2 * bins)
    # The index of the next filled bin at or after each position, over the row seen twice.
    filled = np.where(np.tile(rows != EMPTY, 2), position, 2 * bins)
    ahead = np.minimum.accumulate(filled[:, ::-1], axis=1)[:, ::-1][:, :bins]
    source = np.take_along_axis(rows, ahead % bins, axis=1)
    step = (ahead - position[:bins]).astype(np.uint64)
    return np.where(rows == EMPTY, mix(source ^ step), rows)


def shingle_hashes(ids: Sequence[int], width: int) -> list[int]:
    """The sorted distinct shingle hashes of one document's word ids, as signed 64-bit ints."""
    hashes = mix(np.array(ids, dtype=np.uint32).astype(np.uint64))
    shingles, _ = _shingles(hashes, np.zeros(len(hashes), dtype=np.int64), 1, width)
    values: list[int] = np.unique(shingles.view(np.int64)).tolist()
    return values
