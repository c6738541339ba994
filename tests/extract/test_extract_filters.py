"""Block filters: the date-word pattern behind the dateline rule, the prefix tables."""

from __future__ import annotations

import itertools
import re

import pytest

from scraper.extract.chrome import BOILERPLATE_PREFIXES, CUTOFF_HEADINGS
from scraper.extract.filters import (
    _BOILERPLATE_STARTS,
    _CUTOFF_STARTS,
    _DATE_WORD_LIST,
    _DATE_WORDS,
    _by_first_character,
)


def test_date_word_tree_matches_whole_words_as_a_flat_alternation_does() -> None:
    # The grouped pattern must keep a word that starts a longer one ("sep"/"sept", "mar"/
    # "mars"/"marzo") and find exactly the flat list's whole words, in any case.
    flat = re.compile(r"\b(" + "|".join(map(re.escape, _DATE_WORD_LIST)) + r")\b", re.IGNORECASE)
    pieces = [*_DATE_WORD_LIST, "5", "x", "s", "ember", "2023", "-", ".", "MARS", "Sept", "AGO"]
    lines = [" ".join(pair) for pair in itertools.product(pieces, repeat=2)]
    lines += ["".join(pair) for pair in itertools.product(pieces, repeat=2)]
    lines += ["Updated 3 hours ago", "MIS À JOUR le 4 mars 2023", "14:52 sepia tones", "dec."]
    for line in lines:
        assert _DATE_WORDS.subn(" ", line) == flat.subn(" ", line), line
    assert _DATE_WORDS.sub(" ", "sept 5, mar 3 and marzo 2") == "  5,   3 and   2"


def test_prefix_tables_agree_with_trying_every_prefix() -> None:
    # The rules look prefixes up by a line's first character; the answer must be the flat
    # tuple's for lines that start with a prefix, hold one later, or share only a letter.
    for prefixes, table in (
        (BOILERPLATE_PREFIXES, _BOILERPLATE_STARTS),
        (CUTOFF_HEADINGS, _CUTOFF_STARTS),
    ):
        lines = ["", "x", "a", "zzz", *prefixes]
        lines += [p + " and more" for p in prefixes] + ["so " + p for p in prefixes]
        lines += [p[:-1] for p in prefixes] + [p[0] for p in prefixes]
        hits = 0
        for line in lines:
            expected = line.startswith(prefixes)
            assert line.startswith(table.get(line[:1], ())) is expected, line
            hits += expected
        assert hits >= 2 * len(prefixes)


def test_prefix_table_refuses_an_empty_prefix() -> None:
    with pytest.raises(ValueError, match="empty prefix"):
        _by_first_character(["read more", ""])
