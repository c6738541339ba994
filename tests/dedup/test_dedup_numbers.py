"""Numbers in near-duplicate matching: reports that differ only in their figures stay apart,
copies that keep their figures (in whatever form) join."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from scraper.dedup import DedupIndex, Document, analyse
from scraper.dedup.text import normalise
from scraper.dedup.tokens import NUMBER_IDS, Words, tokenise
from scraper.dedup.verify import numbers_agree

_DIGIT_WORD = re.compile(rb"[^ \n]*[0-9][^ \n]*")
_TIDE = [
    "Harbour officials recorded a spring tide of {level} metres at Kessington pier on {day},"
    " the highest reading since the monitoring station opened.",
    "Volunteers moved {boats} fishing boats further up the slipway before dawn, and the coastal"
    " footpath stayed closed between the lighthouse and the southern breakwater.",
    "Forecasters expect calmer conditions through the weekend, with winds easing to {wind}"
    " kilometres an hour and sunshine returning across the peninsula.",
    "The council thanked residents for following the warnings and said sandbags remain"
    " available at the community centre for anyone living near the seafront.",
]


def _tide(day: str, level: str, boats: str, wind: str) -> str:
    return "\n".join(line.format(day=day, level=level, boats=boats, wind=wind) for line in _TIDE)


def _clusters(docs: list[Document]) -> list[list[str | None]]:
    with DedupIndex.open(":memory:") as index:
        index.add_many(docs)
        found: dict[str | None, list[str | None]] = {}
        for doc in docs:
            placed = index.placement(doc.url or "")
            found.setdefault(placed.cluster if placed else None, []).append(doc.url)
    return sorted(found.values())


def test_words_with_digits_are_content_words_in_the_numbers_range() -> None:
    line = b"rovers won 3 0 on day 12 in 78th minute goal against visiting strikers tonight"
    words = tokenise([line], 5)
    ids = words.ids.tolist()
    numbers = [i for i in ids if i >= NUMBER_IDS]
    # "3", "0", "12" and "78th" count however short; the other long words are words as before.
    assert len(numbers) == 4 and len(set(numbers)) == 4
    assert len(ids) == 10
    plain = tokenise([b"rovers minute against visiting strikers tonight"], 5).ids.tolist()
    assert [i for i in ids if i < NUMBER_IDS] == plain
    # The same number has the same id wherever it is.
    again = tokenise([b"12 apples were picked by orchard workers across several valleys"], 5)
    assert again.ids.tolist()[0] == numbers[2]
    assert words.line_words.tolist() == [10] and words.text_words.tolist() == [15]


def test_figures_of_short_lines_are_words_not_numbers() -> None:
    # A dateline or a timestamp is each site's own on copies of one story.
    short = tokenise([b"published 11302026 at 1801"], 5).ids
    assert len(short) == 3 and bool(np.all(short < NUMBER_IDS))


def test_wire_copies_with_their_own_datelines_join() -> None:
    body = "\n".join(
        f"Paragraph {word}: the council approved the transit overhaul after months of debate"
        " between neighbourhood groups, downtown businesses and commuters."
        for word in ("one", "two", "three", "four", "five")
    )
    docs = [
        Document(url="https://a.example/x", text="Nov. 30, 2026 5:32 PM ET\n" + body),
        Document(url="https://b.example/y", text="Published 11/30/2026 at 18:01\n" + body),
        Document(url="https://c.example/z", text="Updated 6:01 PM, photo 1 of 12\n" + body),
    ]
    assert len(_clusters(docs)) == 1


def test_text_without_digits_keeps_its_ids() -> None:
    text = normalise("The harbour master closed the slipway. Fishing boats waited offshore.")
    ids = tokenise([text], 5).ids
    assert len(ids) == 8 and bool(np.all(ids < NUMBER_IDS))


def test_numbers_agree_unless_most_of_them_differ() -> None:
    def nums(*values: int) -> list[int]:
        return [NUMBER_IDS + v for v in values]

    words = [11, 12, 13]
    assert numbers_agree(words + nums(1, 2, 3), words + nums(1, 2, 3))
    assert numbers_agree(words, words + nums(1, 2, 3))  # one side without numbers
    assert numbers_agree(nums(1), nums(2))  # one differing number is not enough
    assert numbers_agree(nums(1, 2), nums(1, 9))
    assert not numbers_agree(nums(1, 2), nums(8, 9))
    assert numbers_agree(nums(1, 2, 3, 4), nums(1, 7, 3, 8))  # half found
    assert not numbers_agree(nums(1, 2, 3), nums(1, 8, 9))
    assert not numbers_agree(nums(1, 2, 3), nums(3, 2, 1))  # in order
    # A trimmed copy (fewer numbers) is checked on its own numbers.
    assert numbers_agree(nums(1, 2), nums(5, 1, 2, 6, 7, 8))


def test_reports_that_differ_only_in_their_figures_stay_apart() -> None:
    monday = Document(url="https://coast.example/tide/1", text=_tide("Monday", "6.2", "40", "25"))
    friday = Document(url="https://coast.example/tide/2", text=_tide("Friday", "5.8", "17", "30"))
    assert len(_clusters([monday, friday])) == 2


def test_copies_with_their_figures_reformatted_join() -> None:
    original = _tide("Monday", "6.2", "1,250", "25")
    copies = [
        Document(url="https://coast.example/tide/1", text=original),
        # Punctuation in a number goes: "1,250" and "1250" are one word.
        Document(url="https://wire.example/a/7", text=_tide("Monday", "6.2", "1250", "25")),
        # Another form of a unit keeps the figure itself.
        Document(
            url="https://news.example/b/3",
            text=original.replace("25 kilometres", "25 km").replace("6.2 metres", "6.2m"),
        ),
        # A corrected figure: one differing number does not part a copy from its original.
        Document(url="https://paper.example/c/9", text=_tide("Monday", "6.2", "1,250", "35")),
    ]
    assert len(_clusters(copies)) == 1


def test_match_reports_with_other_scores_stay_apart() -> None:
    report = (
        "Northfield Rovers {verb} the derby against Southport United {score} on Saturday in front"
        " of a capacity crowd at the riverside stadium.\nShares in the club's parent company"
        " {move} {pct}% on Monday as investors weighed the result, closing at {price} pence."
    )
    won = report.format(verb="won", score="3-0", move="rose", pct="4", price="312")
    lost = report.format(verb="lost", score="0-3", move="fell", pct="9", price="287")
    docs = [
        Document(url="https://sport.example/m/1", text=won),
        Document(url="https://sport.example/m/2", text=lost),
    ]
    assert len(_clusters(docs)) == 2
    copy = Document(url="https://wire.example/m/1", text=won.replace("4%", "4 percent"))
    assert len(_clusters([docs[0], copy])) == 1


def test_documents_indexed_before_numbers_counted_still_join_copies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An index written before words with digits were content words keeps those documents'
    # ids (no numbers among them): a later copy is matched on its words alone.
    def without_numbers(texts: Sequence[bytes], min_bytes: int) -> Words:
        return tokenise([_DIGIT_WORD.sub(b"", text) for text in texts], min_bytes)

    path = tmp_path / "dedup.sqlite"
    original = _tide("Monday", "6.2", "40", "25")
    with monkeypatch.context() as patched:
        patched.setattr(analyse, "tokenise", without_numbers)
        with DedupIndex.open(path) as index:
            index.add(Document(url="https://coast.example/tide/1", text=original))
    urls = ["https://coast.example/tide/1", "https://wire.example/a/7", "https://news.example/b/3"]
    with DedupIndex.open(path) as index:
        index.add(Document(url=urls[1], text=original.replace("Volunteers", "Crews")))
        index.add(Document(url=urls[2], text=original.replace("thanked", "praised")))
        clusters = {index.cluster_of(url) for url in urls}
    assert len(clusters) == 1 and None not in clusters
