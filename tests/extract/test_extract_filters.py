"""Block filters: the date-word pattern behind the dateline rule."""

from __future__ import annotations

import itertools
import re

from scraper.extract.filters import _DATE_WORD_LIST, _DATE_WORDS


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
