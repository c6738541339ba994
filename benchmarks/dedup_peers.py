"""Peer near-duplicate detectors for the dedup benchmark, on scraper's shingles and checks.

Each peer differs from scraper only in how candidates are found: datasketch's MinHashLSH, or a
64-bit SimHash with block tables. Text normalisation, template-line removal, shingles, the
containment check and union-find are shared, so the figures compare candidate generators.
Peers keep each body's content-word ids in memory for verification, as scraper keeps them in
SQLite.
"""

from __future__ import annotations

import importlib.util
from collections import Counter
from collections.abc import Callable
from typing import Any

import numpy as np

from scraper.dedup import DedupOptions
from scraper.dedup.minhash import shingle_hashes
from scraper.dedup.text import line_keys, normalise
from scraper.dedup.tokens import Words, tokenise
from scraper.dedup.verify import near_duplicate
from scraper.discover.urls import normalise_url, site_of

__all__ = ["PEERS", "available_peers"]

_UNIT = 500


def _analysed(texts: list[str]) -> tuple[list[tuple[int, ...]], Words]:
    """Line keys and content words (5+ bytes) of texts, as scraper's analysis finds them."""
    normalised = [normalise(text) for text in texts]
    keys = [tuple(line_keys(n.split(b"\n"))) if n else () for n in normalised]
    return keys, tokenise(normalised, 5)


class _Peer:
    def __init__(self) -> None:
        self.options = DedupOptions()
        self.lines: dict[str, Counter[int]] = {}
        self.pages: set[str] = set()
        self.bodies: list[tuple[str, list[int], bytes, bytes]] = []
        self.parent: list[int] = []

    def add_many(self, docs: list[tuple[str, str]]) -> None:
        # Analysed in runs of 500 documents, as scraper does, so neither holds a whole
        # batch's working arrays at once.
        units = [docs[start : start + _UNIT] for start in range(0, len(docs), _UNIT)]
        analysed = [_analysed([text for _, text in unit]) for unit in units]
        for unit, (keys, _) in zip(units, analysed, strict=True):
            for (url, _), lines in zip(unit, keys, strict=True):
                key = normalise_url(url)
                if key not in self.pages:
                    self.pages.add(key)
                    self.lines.setdefault(site_of(url), Counter()).update(set(lines))
        for unit, (keys, words) in zip(units, analysed, strict=True):
            bounds = np.searchsorted(words.docs, np.arange(len(unit) + 1)).tolist()
            for d, ((url, _), lines) in enumerate(zip(unit, keys, strict=True)):
                first = int(words.line_start[d])
                body = words.ids[bounds[d] : bounds[d + 1]].astype("<u4").tobytes()
                per_line = words.line_words[first : first + len(lines)].astype("<u4").tobytes()
                self._place(site_of(url), list(lines), body, per_line)

    def _place(self, site: str, lines: list[int], body: bytes, per_line: bytes) -> None:
        index = len(self.bodies)
        self.bodies.append((site, lines, body, per_line))
        self.parent.append(index)
        ids = self._ids(index)
        for other in self.candidates(index, shingle_hashes(ids, self.options.shingle_words)):
            if self._find(other) != self._find(index) and near_duplicate(
                ids, self._ids(other), self.options
            ):
                self.parent[self._find(other)] = self._find(index)

    def candidates(self, index: int, hashes: list[int]) -> set[int]:
        raise NotImplementedError

    def clusters(self) -> list[str]:
        return [str(self._find(i)) for i in range(len(self.parent))]

    def _ids(self, index: int) -> list[int]:
        site, keys, body, per_line = self.bodies[index]
        counts = self.lines.get(site, Counter())
        ids = np.frombuffer(body, dtype="<u4")
        template = np.array([counts[k] >= 3 for k in keys], dtype=bool)
        if template.any():
            ids = ids[~np.repeat(template, np.frombuffer(per_line, dtype="<u4"))]
        result: list[int] = ids.tolist()
        return result

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
