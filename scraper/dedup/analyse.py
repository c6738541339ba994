"""What dedup needs from the texts of a run of documents, computed apart from the index.

``analyse`` is a pure function of the texts (normalisation, exact-text digest, line keys, word
count, content-word ids), and ``identify`` one of their addresses, so big batches can be
analysed in worker processes, unit by unit, and the parts joined in order; the index then only
learns templates, sketches and places.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from scraper.dedup.identity import Addresses, Identities, identify
from scraper.dedup.text import line_keys, normalise, text_hash
from scraper.dedup.tokens import Words, tokenise

__all__ = ["Analysis", "Texts", "Unit", "analyse", "analyse_encoded", "analyse_unit", "join"]


@dataclass(frozen=True, slots=True)
class Texts:
    """Per document: exact-text digest, line keys and word count; and all their content words."""

    hashes: list[str]
    line_keys: list[tuple[int, ...]]
    words: list[int]
    content: Words


def analyse(texts: Sequence[str], min_bytes: int) -> Texts:
    """The facts of ``texts``, content words being those of at least ``min_bytes`` bytes."""
    normalised = [normalise(text) for text in texts]
    content = tokenise(normalised, min_bytes)
    return Texts(
        hashes=[text_hash(n) for n in normalised],
        line_keys=[tuple(line_keys(n.split(b"\n"))) if n else () for n in normalised],
        words=content.text_words.tolist(),
        content=content,
    )


@dataclass(frozen=True, slots=True)
class Unit:
    """Documents analysed together: their texts and their addresses."""

    texts: list[str]
    addresses: Addresses


@dataclass(frozen=True, slots=True)
class Analysis:
    """A unit's analysis: the facts of its texts and the identities of its documents."""

    texts: Texts
    identities: Identities


def analyse_unit(unit: Unit, min_bytes: int) -> Analysis:
    """The analysis of one unit, content words being those of at least ``min_bytes`` bytes."""
    return Analysis(analyse(unit.texts, min_bytes), identify(unit.addresses))


def analyse_encoded(texts: Sequence[bytes], addresses: Addresses, min_bytes: int) -> Analysis:
    """``analyse_unit`` of texts encoded as UTF-8 with ``surrogatepass`` (as sent to a worker)."""
    decoded = [text.decode("utf-8", "surrogatepass") for text in texts]
    return analyse_unit(Unit(decoded, addresses), min_bytes)


def join(parts: Sequence[Texts]) -> Texts:
    """The parts as one run, in order (documents and line slots renumbered)."""
    if len(parts) == 1:
        return parts[0]
    starts, base = [], 0
    for part in parts:
        starts.append(part.content.line_start + base)
        base += len(part.content.line_words)
    content = Words(
        np.concatenate([p.content.ids for p in parts]),
        np.concatenate([p.content.line_words for p in parts]),
        np.concatenate(starts),
        np.concatenate([p.content.text_words for p in parts]),
    )
    return Texts(
        [h for p in parts for h in p.hashes],
        [k for p in parts for k in p.line_keys],
        [w for p in parts for w in p.words],
        content,
    )
