"""Within-page repeats, on repeat keys directly: copies, teasers and re-cut second renderings."""

from __future__ import annotations

import random
import re

from rapidfuzz import fuzz

from scraper.extract.filters import normalise_line
from scraper.extract.repeats import _PROSE_MARKS, RepeatMemo, _contains, find_repeats, repeat_key
from scraper.models import BlockKind

P = BlockKind.PARAGRAPH

FIRST = (
    "The harbour authority closed the northern pier on Tuesday after inspectors found cracks "
    "in three of its concrete supports."
)
SECOND = (
    "Ferry services will run from the southern terminal until the repairs are finished, "
    "which engineers expect to take six weeks."
)


def _keys(texts: list[str]) -> list[str]:
    return [repeat_key(t) for t in texts]


def test_identical_second_copy_is_found_with_its_source() -> None:
    texts = [FIRST, SECOND, "Share this story", FIRST, SECOND]
    found = {r.index: (r.of, r.how) for r in find_repeats(_keys(texts), [P] * len(texts))}
    assert found == {3: (0, "identical"), 4: (1, "identical")}


def test_second_copy_cut_into_short_lines_points_at_the_block_holding_each_piece() -> None:
    # The second rendering wraps the text into short lines: each line is a piece of one block.
    pieces = [
        "the harbour authority closed",
        "the northern pier on tuesday",
        "ferry services will run from",
        "the southern terminal until",
    ]
    texts = [FIRST, SECOND, FIRST, *pieces]
    found = {r.index: r.of for r in find_repeats(_keys(texts), [P] * len(texts))}
    assert found == {2: 0, 3: 0, 4: 0, 5: 1, 6: 1}


def test_piece_that_straddles_two_blocks_is_not_a_copy() -> None:
    # "supports ferry services will" reads across the end of one block into the next.
    texts = [FIRST, SECOND, FIRST, "concrete supports ferry services", "will run from the south"]
    found = {r.index for r in find_repeats(_keys(texts), [P] * len(texts))}
    assert 3 not in found and 4 not in found


def test_repeat_key_is_the_lower_case_words_whatever_the_script() -> None:
    # ASCII text takes a table translation, other text the regex: the words must agree.
    assert repeat_key("Ferry services -- SUSPENDED (again), it's 2_day!") == (
        "ferry services suspended again it s 2_day"
    )
    assert repeat_key("Ferry services — SUSPENDED (again), it’s 2_day!") == (
        "ferry services suspended again it s 2_day"
    )
    assert repeat_key("Fähren fahren nicht: Größere Schäden am Nordpier") == (
        "fähren fahren nicht größere schäden am nordpier"
    )
    assert repeat_key("Too short to count") == ""
    # Runs of punctuation and spacing of any length, at the ends too, leave single spaces.
    assert repeat_key("--- Ferry\t\t services " + "-" * 37 + " closed!!! (\n) ---") == (
        "ferry services closed"
    )


def test_repeat_key_splits_words_at_any_non_word_character() -> None:
    # Non-ASCII text: ASCII punctuation goes by table, the rest by the word regex per token.
    assert repeat_key("«Schäden»—am_Nordpier…½ 3€, \u212a-Kelvin \u0663\u0664!") == (
        "schäden am_nordpier ½ 3 k kelvin \u0663\u0664"
    )
    assert repeat_key("lone \ud800surrogate is no word character") == (
        "lone surrogate is no word character"
    )


def test_repeat_key_of_prose_with_typographic_marks_is_its_words() -> None:
    # Quotes and dashes past ASCII are spaced out first (the text may then take the ASCII
    # table): the words must be those of the regex, whatever else the text holds.
    texts = [
        "It’s the “Harbour” — CLOSED… re‑opened ‘soon’ – maybe",
        "Die „Fähre“ fährt nicht — Größere Schäden… am_Nordpier",
        "“Quoted”—and—dashed’words… with no spaces ‘at all’",
    ]
    for text in texts:
        assert repeat_key(text) == " ".join(re.findall(r"\w+", text.lower())), text
    # Spacing out a mark can only keep the words if the mark is no word character.
    assert all(re.fullmatch(r"\W", mark.decode()) for mark in _PROSE_MARKS)


def test_repeat_key_from_the_normalised_line_has_the_same_words() -> None:
    # The pipeline hands over each block's lower-case line (ends trimmed of bullets and
    # punctuation) so that the key does not lower the text again.
    texts = [
        "• Ferry services -- SUSPENDED (again), it's 2_day! »",
        "→ «Schäden»—am_Nordpier…½ 3€, \u212a-Kelvin \u0663\u0664!",
        "ΟΔΟΣ ΚΛΕΙΣΤΗ. Η ΠΡΟΒΛΗΤΑ ΕΚΛΕΙΣΕ ΣΗΜΕΡΑ ΑΠΟ ΤΟ ΠΡΩΙ.",
        "İSTANBUL feribotları yarın çalışmıyor —",
        "Fähren fahren nicht:\tGrößere  Schäden am Nordpier ...",
    ]
    for text in texts:
        line = normalise_line(text)
        assert line != text.lower()  # the line really is trimmed or re-spaced
        assert repeat_key(text, line) == repeat_key(text), text


def test_memo_shared_between_calls_gives_the_same_repeats() -> None:
    # The pipeline searches a page twice (its prose, then the kept blocks) with one memo of
    # shingles, anchors and comparisons; the second search must find what it finds alone.
    pieces = [f"{FIRST} and then", f"{SECOND} said the harbour master", FIRST, SECOND]
    texts = [FIRST, SECOND, "Share this story", *pieces]
    kinds = [P] * len(texts)
    memo = RepeatMemo()
    first = find_repeats(_keys(texts[:5]), kinds[:5], memo)
    assert memo.shingles  # the first search filed the shingles of its long blocks
    assert memo.anchors and memo.matches  # and its keys' anchors, and the pairs it compared
    second = find_repeats(_keys(texts), kinds, memo)
    assert first == find_repeats(_keys(texts[:5]), kinds[:5])
    assert second == find_repeats(_keys(texts), kinds)
    assert {r.index for r in second} == {3, 4, 5, 6}


def test_containment_prefilter_never_changes_the_partial_ratio_verdict() -> None:
    # _contains skips the alignment search when too few characters are shared in order; on
    # stretches copied with edits (some near the 95 cut-off, some far) it must agree with it.
    rng = random.Random(5)
    words = repeat_key(f"{FIRST} {SECOND}").split()
    agreed = {True: 0, False: 0}
    for _ in range(400):
        long_ = " ".join(rng.choice(words) for _ in range(rng.randint(20, 60)))
        start = rng.randrange(len(long_) // 2)
        chars = list(long_[start : start + rng.randint(50, len(long_) - start)])
        for _ in range(rng.choice((0, 1, 2, 4, 8, 30))):
            chars[rng.randrange(len(chars))] = rng.choice("abcdefghij ")
        short = "".join(chars)
        expected = fuzz.partial_ratio(short, long_, score_cutoff=95) > 0
        assert _contains(short, long_) is expected, (short, long_)
        agreed[expected] += 1
    assert agreed[True] > 50 and agreed[False] > 50  # both verdicts were exercised


def test_block_is_compared_with_every_earlier_block_filed_under_its_anchors() -> None:
    # Three blocks open alike, and the third is an edited copy of the second only (its last
    # words differ, so it shares no other anchor): the second is filed under the shared opening
    # after the first, and both must be tried, the earliest first.
    opening = "the harbour authority closed the northern pier"
    texts = [
        f"{opening} on Monday after a storm damaged the ferry ramp",
        f"{opening} on Tuesday after inspectors found cracks in its concrete supports",
        f"{opening} on Tuesday after inspectors found cracks in its old concrete pillars",
        f"{opening} on Tuesday after inspectors found cracks in its concrete supports",
    ]
    found = {r.index: (r.of, r.how) for r in find_repeats(_keys(texts), [P] * len(texts))}
    assert found == {2: (1, "near-identical"), 3: (1, "identical")}
