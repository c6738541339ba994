"""What dedup needs from a unit of documents, computed apart from the index.

The analysis is a pure function of the documents' texts (normalisation, exact-text digest, line
keys, word count, content-word ids) and addresses (identity keys), so big batches can be
analysed in worker processes, unit by unit, and the parts joined in order; the index then only
learns templates, sketches and places. The content words can also be left for later
(``outline_unit``): they are needed only when the unit's documents are placed.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from scraper.dedup.identity import Addresses, Identities, identify
from scraper.dedup.text import line_keys, normalise_lines, text_hash
from scraper.dedup.tokens import Words, tokenise, word_count

__all__ = [
    "Analysis",
    "Facts",
    "Unit",
    "analyse_encoded",
    "analyse_unit",
    "join_words",
    "outline_unit",
]


@dataclass(frozen=True, slots=True)
class Unit:
    """Documents analysed together: their texts (or their UTF-8 forms) and their addresses."""

    texts: list[str | bytes]
    addresses: Addresses


@dataclass(frozen=True, slots=True)
class Facts:
    """Per document: exact-text digest, line keys, word count and identity."""

    hashes: list[str]
    line_keys: list[array[int]]
    words: list[int]
    identities: Identities


@dataclass(frozen=True, slots=True)
class Analysis:
    """A unit's analysis: the facts of its documents and all their content words."""

    facts: Facts
    content: Words


def analyse_unit(unit: Unit, min_bytes: int) -> Analysis:
    """The analysis of one unit, content words being those of at least ``min_bytes`` bytes
    or with a digit."""
    lines = [normalise_lines(text) for text in unit.texts]
    normalised = [b"\n".join(each) for each in lines]
    content = tokenise(normalised, min_bytes)
    return Analysis(_facts(unit, normalised, lines, content.text_words.tolist()), content)


def outline_unit(unit: Unit) -> tuple[Facts, list[bytes]]:
    """The facts of one unit, and its normalised texts to find the content words in later."""
    lines = [normalise_lines(text) for text in unit.texts]
    normalised = [b"\n".join(each) for each in lines]
    words = [word_count(n) for n in normalised]
    return _facts(unit, normalised, lines, words), normalised


def analyse_encoded(texts: Sequence[bytes], addresses: Addresses, min_bytes: int) -> Analysis:
    """``analyse_unit`` of texts encoded as UTF-8 with ``surrogatepass`` (as sent to a worker)."""
    # Normalising reads UTF-8 as it is: decoding here would only have it encoded again.
    return analyse_unit(Unit(list(texts), addresses), min_bytes)


def join_words(parts: Sequence[Words]) -> Words:
    """The content words of the parts as one run, in order (line slots renumbered)."""
    if len(parts) == 1:
        return parts[0]
    starts, base = [], 0
    for part in parts:
        starts.append(part.line_start + base)
        base += len(part.line_words)
    return Words(
        np.concatenate([p.ids for p in parts]),
        np.concatenate([p.line_words for p in parts]),
        np.concatenate(starts),
        np.concatenate([p.text_words for p in parts]),
    )


def _facts(
    unit: Unit, normalised: list[bytes], lines: list[tuple[bytes, ...]], words: list[int]
) -> Facts:
    return Facts(
        hashes=[text_hash(n) for n in normalised],
        # Arrays of 32-bit keys: a tenth of the memory of tuples of ints, for a batch's lines.
        line_keys=[array("I", line_keys(each)) for each in lines],
        words=words,
        identities=identify(unit.addresses),
    )
