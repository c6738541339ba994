"""LSH banding: each sketch becomes ``bands`` keys; documents sharing a key are candidates."""

from __future__ import annotations

import numpy as np

from scraper.dedup.tokens import U64, mix

__all__ = ["band_keys"]

_ROW_SALT = np.uint64(0x9E3779B97F4A7C15)


def band_keys(table: U64, rows: int) -> np.ndarray[tuple[int, int], np.dtype[np.int64]]:
    """Signed 64-bit keys, one per band of ``rows`` consecutive bins (band index mixed in)."""
    bands = table.shape[1] // rows
    acc = np.broadcast_to(np.arange(bands, dtype=np.uint64), (table.shape[0], bands)).copy()
    for r in range(rows):
        acc = mix(acc * _ROW_SALT + table[:, r : bands * rows : rows])
    return acc.view(np.int64)
