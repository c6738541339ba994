"""LSH banding: a sketch becomes ``bands`` keys; documents sharing a key are candidates."""

from __future__ import annotations

__all__ = ["band_keys"]


def band_keys(sketch: tuple[int, ...], rows: int) -> list[int]:
    """One signed 64-bit key per band of ``rows`` consecutive bins (band index mixed in)."""
    return [
        hash((band, *sketch[start : start + rows]))
        for band, start in enumerate(range(0, len(sketch) - rows + 1, rows))
    ]
