"""Peer near-duplicate detectors for the dedup benchmark, on scraper's shingles and checks.

Each peer differs from scraper only in how candidates are found: datasketch's MinHashLSH, or a
64-bit SimHash with block tables. Text normalisation, template-line removal, shingles, the
containment check and union-find are shared, so the figures compare candidate generators.
Peers keep each text zlib-compressed in memory for verification, as scraper keeps it in SQLite.
"""

from __future__ import annotations

import importlib.util
import zlib
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from scraper.dedup import DedupOptions
from scraper.dedup.minhash import shingle_hashes
from scraper.dedup.text import content_lines, line_keys, normalise_lines, word_ids
from scraper.dedup.verify import near_duplicate
from scraper.discover.urls import normalise_url, site_of

__all__ = ["PEERS", "available_peers"]


class _Peer:
    def __init__(self) -> None:
        self.options = DedupOptions()
        self.lines: dict[str, Counter[int]] = {}
        self.pages: set[str] = set()
        self.bodies: list[tuple[str, list[int], bytes]] = []
        self.parent: list[int] = []

    def add_many(self, docs: list[tuple[str, str]]) -> None:
        prepared = [(normalise_url(url), site_of(url), normalise_lines(text)) for url, text in docs]
        for key, site, lines in prepared:
            if key not in self.pages:
                self.pages.add(key)
                self.lines.setdefault(site, Counter()).update(set(line_keys(lines)))
        for _, site, lines in prepared:
            index = len(self.bodies)
            keys, content = line_keys(lines), content_lines(lines, 5)
            self.bodies.append((site, keys, zlib.compress(b"\n".join(content), 1)))
            self.parent.append(index)
            ids = self._words(site, keys, content)
            for other in self.candidates(index, shingle_hashes(ids, 4)):
                if self._find(other) != self._find(index) and near_duplicate(
                    ids, self._ids(other), self.options
                ):
                    self.parent[self._find(other)] = self._find(index)

    def candidates(self, index: int, hashes: list[int]) -> set[int]:
        raise NotImplementedError

    def clusters(self) -> list[str]:
        return [str(self._find(i)) for i in range(len(self.parent))]

    def _words(self, site: str, keys: list[int], content: Sequence[bytes]) -> list[int]:
        counts = self.lines.get(site, Counter())
        kept = [line for line, key in zip(content, keys, strict=True) if counts[key] < 3]
        return word_ids(b" ".join(kept).split())

    def _ids(self, index: int) -> list[int]:
        site, keys, body = self.bodies[index]
        return self._words(site, keys, zlib.decompress(body).split(b"\n"))

    def _find(self, index: int) -> int:
        while self.parent[index] != index:
            self.parent[index] = self.parent[self.parent[index]]
            index = self.parent[index]
        return index


class DatasketchPeer(_Peer):
    """datasketch MinHashLSH, 128 permutations, threshold 0.3."""

    def __init__(self) -> None:
        super().__init__()
        from datasketch import LeanMinHash, MinHash, MinHashLSH

        self._minhash: Callable[..., Any] = MinHash
        self._lean: Callable[..., Any] = LeanMinHash
        self.lsh = MinHashLSH(threshold=0.3, num_perm=128)

    def candidates(self, index: int, hashes: list[int]) -> set[int]:
        if not hashes:
            return set()
        sketch = self._minhash(num_perm=128)
        sketch.update_batch([h.to_bytes(8, "little", signed=True) for h in hashes])
        lean = self._lean(sketch)
        found = set(self.lsh.query(lean))
        self.lsh.insert(index, lean)
        return found


class SimHashPeer(_Peer):
    """64-bit SimHash; candidates within Hamming distance 3 via four 16-bit block tables."""

    def __init__(self) -> None:
        super().__init__()
        import numpy

        self.np = numpy
        self.shifts = numpy.arange(64, dtype=numpy.uint64)
        self.tables: list[dict[int, list[int]]] = [{} for _ in range(4)]
        self.prints: list[int] = []

    def candidates(self, index: int, hashes: list[int]) -> set[int]:
        np = self.np
        fingerprint = 0
        if hashes:
            values = np.array(hashes, dtype=np.int64).view(np.uint64)
            ones = ((values[:, None] >> self.shifts) & np.uint64(1)).sum(axis=0)
            for bit in np.flatnonzero(ones * 2 > len(hashes)):
                fingerprint |= 1 << int(bit)
        self.prints.append(fingerprint)
        found: set[int] = set()
        for block, table in enumerate(self.tables):
            part = (fingerprint >> (16 * block)) & 0xFFFF
            bucket = table.setdefault(part, [])
            found.update(i for i in bucket if (self.prints[i] ^ fingerprint).bit_count() <= 3)
            bucket.append(index)
        return found if hashes else set()


PEERS: dict[str, type[_Peer]] = {"datasketch": DatasketchPeer, "simhash": SimHashPeer}
_NEEDS = {"datasketch": "datasketch", "simhash": "numpy"}


def available_peers() -> list[str]:
    """The peers whose library is installed."""
    return [name for name in PEERS if importlib.util.find_spec(_NEEDS[name]) is not None]
