"""Within-page repeats, on repeat keys directly: copies, teasers and re-cut second renderings."""

from __future__ import annotations

import random
import re
import time

from rapidfuzz import fuzz

from scraper import extract
from scraper.extract.filters import normalise_line
from scraper.extract.repeats import (
    _PROSE_MARKS,
    RepeatMemo,
    _contains,
    _first_holders,
    find_repeats,
    repeat_key,
)
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


def test_alike_paragraphs_with_other_numbers_are_each_kept() -> None:
    # A forecast day by day (or a round of results): a run of near-identical paragraphs, all
    # of them the story's; a second rendering would repeat their figures too.
    days = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
    forecast = [
        f"{day}: mostly sunny with light winds from the south-west, a high of {20 + n}C and"
        f" an overnight low of {10 + n}C across the whole of the region."
        for n, day in enumerate(days)
    ]
    assert find_repeats(_keys(forecast), [P] * len(forecast)) == []
    # The same paragraphs rendered twice: the second copy, figures and all, still goes.
    twice = [*forecast, *forecast]
    found = {r.index: r.of for r in find_repeats(_keys(twice), [P] * len(twice))}
    assert found == {len(forecast) + n: n for n in range(len(forecast))}
    # Edited by a word or two in the second rendering, the figures kept: still a copy.
    edited = [text.replace("light winds", "light breezes") for text in forecast]
    how = {r.index: r.how for r in find_repeats(_keys([*forecast, *edited]), [P] * 10)}
    assert how == dict.fromkeys(range(5, 10), "near-identical")
    page = "<html><body><article><h1>The week ahead</h1>" + "".join(
        f"<p>{text}</p>" for text in forecast
    )
    assert extract(page + "</article></body></html>").text.count("mostly sunny") == 5


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


def _prose(rng: random.Random, words: int) -> str:
    """Words of random letters: blocks of them share no run of words and never match."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    return " ".join("".join(rng.choices(letters, k=rng.randint(3, 9))) for _ in range(words))


def test_many_blocks_that_open_alike_are_each_compared_with_a_bounded_number() -> None:
    # A hostile page: 1,500 blocks share their first five words and nothing else, so each is a
    # candidate for every later one (over a million pairs). Each block is compared with a
    # bounded number of them, and an edited copy that keeps its end is still found.
    rng = random.Random(11)
    opening = "breaking news from the town"
    keys = [f"{opening} {_prose(rng, 35)}" for _ in range(1500)]
    words = keys[900].split()
    words[10] = "changed"
    keys.append(" ".join(words))
    memo = RepeatMemo()
    found = find_repeats(keys, [P] * len(keys), memo)
    assert [(r.index, r.of, r.how) for r in found] == [(1500, 900, "near-identical")]
    assert len(memo.matches) <= 64 * len(keys)  # every pair would be over 700 times as many


def test_thousands_of_copies_of_a_block_cost_time_linear_in_their_number() -> None:
    # Each copy used to gather every earlier copy as a candidate: 20,000 copies took seconds
    # of CPU in pure Python. Copies are settled by their first copy.
    keys = [repeat_key(FIRST), repeat_key(SECOND), *[repeat_key(FIRST)] * 20_000]
    started = time.process_time()
    found = find_repeats(keys, [P] * len(keys))
    assert time.process_time() - started < 1.0  # well under 0.1 s on a loaded machine
    assert [(r.of, r.how) for r in found] == [(0, "identical")] * 20_000
    assert [r.index for r in found] == list(range(2, len(keys)))


def test_page_of_thousands_of_repeated_paragraphs_keeps_the_article_and_one_copy() -> None:
    paragraphs = [FIRST, SECOND, "Local traders said the closure would cost them the summer."]
    note = "This paragraph repeats itself on a page a broken template rendered over and over."
    html = (
        "<html><body><article><h1>Pier closed</h1>"
        + "".join(f"<p>{p}</p>" for p in paragraphs)
        + f"<p>{note}</p>" * 4000
        + "</article></body></html>"
    ).encode()
    assert extract(html).text == "\n\n".join([*paragraphs, note])


def test_pieces_of_earlier_text_are_found_in_one_pass_on_a_page_of_many_short_blocks() -> None:
    # Past a few million characters of searching, short pieces are looked up in an index of
    # the runs of words of all blocks: it must find the same first holder a search would.
    rng = random.Random(12)
    shorts = [_prose(rng, 6) for _ in range(3000)]
    long_ = _prose(rng, 30)
    keys = [long_, *shorts, long_, " ".join(long_.split()[3:8]), " ".join(shorts[5].split()[1:5])]
    keys.append(" ".join(shorts[40].split()[1:5])[1:])  # not word-aligned
    keys.append(" ".join(f"{shorts[7]} {shorts[8]}".split()[4:9]))  # straddles two blocks
    found = {r.index: (r.of, r.how) for r in find_repeats(keys, [P] * len(keys))}
    n = len(shorts)
    assert found == {
        n + 1: (0, "identical"),
        n + 2: (0, "copied piece"),
        n + 3: (6, "copied piece"),
    }


def test_first_holders_index_agrees_with_searching_the_earlier_text() -> None:
    rng = random.Random(13)
    vocabulary = ["pier", "ferry", "storm", "tax", "vote", "city", "harbour", "road"]
    for _ in range(200):
        keys = [
            " ".join(rng.choices(vocabulary, k=rng.randint(1, 12)))
            for _ in range(rng.randint(1, 30))
        ]
        fragments = {k for k in keys if k.count(" ") < 7}
        holders = _first_holders(keys, fragments)
        for fragment in fragments:
            expected = next(b for b, k in enumerate(keys) if f" {fragment} " in f" {k} ")
            assert holders[fragment] == expected, (keys, fragment)


def _story_words(rng: random.Random, words: int) -> str:
    """Words of the story in random order: blocks of them share words but few runs of them."""
    vocabulary = repeat_key(f"{FIRST} {SECOND} Local traders said the closure would cost").split()
    return " ".join(rng.choice(vocabulary) for _ in range(words))


def test_long_block_copied_into_a_longer_one_is_found_by_its_pieces() -> None:
    # Past the alignment budget (blocks of thousands of characters) containment is told by
    # pieces of the shorter block found as they are in the longer.
    rng = random.Random(7)
    short = _story_words(rng, 450)
    assert len(short) * (2 * len(short)) > 4_000_000  # the pieces path, not partial_ratio
    edited = short.replace(" pier ", " pear ", 2)
    long_ = f"{_story_words(rng, 200)} {edited} {_story_words(rng, 200)}"
    assert _contains(short, long_)
    assert not _contains(_story_words(rng, 450), long_)  # the same words in another order
    rewritten = " ".join(w if i % 3 else "changed" for i, w in enumerate(short.split()))
    assert not _contains(rewritten, long_)


def test_long_repetitive_blocks_are_compared_without_trying_every_alignment() -> None:
    # One mojibake sequence over and over: the alignment search took 34 s on these two.
    unit = "\u00e2\u0080\u008b"
    short, long_ = "text" + unit * 3300, "y" + unit * 9000
    started = time.process_time()
    assert _contains(short, long_)
    assert time.process_time() - started < 1.0  # a few milliseconds; it was 34 s
