"""Short lines that differ only in their figures: a score line parts two reports, a dateline
does not part two copies.

Texts written from one template (an automated match report, a results brief, a lottery draw,
a market close) can share every sentence and differ only in a short line of figures. Copies
of one wire story differ in short lines too: each site's dateline, timestamp, byline or photo
counter. What tells them apart: a score line is the same line with other figures, a dateline
is worded by each site (and one worded alike is about a date or a time).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from scraper.dedup import DedupIndex, Document, analyse
from scraper.dedup.tokens import FIGURE_IDS, NUMBER_IDS, Words, tokenise
from scraper.dedup.verify import figures_agree

# Template prose without a figure: the reports below differ only in their short lines.
MATCH = (
    "Both sides traded chances through a tense afternoon in front of a sold out crowd, with the"
    " visitors pressing high and the hosts looking dangerous on the counter attack.\n"
    "The decisive moment arrived late in the second half when a deflected shot looped over the"
    " goalkeeper, sparking celebrations among the travelling supporters behind the goal.\n"
    "Both managers praised the intensity of the contest afterwards and said their squads would"
    " recover quickly before the midweek fixtures, with several players carrying knocks.\n"
    "Automated report compiled from official league match data."
)
RESULTS = (
    "Here are the full time results from this weekend's regional league fixtures, compiled from"
    " the official match cards submitted by referees after each game.\n"
    "{rows}\n"
    "Clubs wishing to report an error in a published result should contact the league office"
    " before the disciplinary committee meets, and amended tables will follow later this week.\n"
    "Results are provided by the league and have not been independently verified by reporters."
)
LOTTERY = (
    "{line}\n"
    "Players are reminded to check their tickets carefully, because unclaimed prizes expire"
    " after the claims period and the money returns to good causes across the country.\n"
    "Winners of larger prizes should contact the operator directly, where an advisor will"
    " explain the verification process and the options for publicity or anonymity.\n"
    "Jackpot estimates for the next draw are published on the operator's website shortly after"
    " the results are confirmed by the independent adjudicator."
)
MARKETS = (
    "{line}\n"
    "London shares finished the session after a quiet afternoon of trading, with investors"
    " weighing comments from central bank officials and awaiting manufacturing surveys.\n"
    "Mining stocks tracked commodity prices while housebuilders reacted to fresh mortgage"
    " approvals data, and sterling moved against the dollar and the euro.\n"
    "This closing summary is generated automatically from exchange data and may be revised."
)
ELECTION = (
    "Counting has finished in the Northfield ward by-election, and the returning officer has"
    " declared the result after a recount requested by one of the candidates.\n"
    "{rows}\n"
    "Turnout was described as typical for a winter by-election, and the successful candidate"
    " will take up the seat at the next full meeting of the borough council."
)


def _clusters(docs: Sequence[Document]) -> int:
    """How many clusters ``docs`` make, placed in one batch."""
    with DedupIndex.open(":memory:") as index:
        placed = index.add_many(docs)
        return len({index.cluster_of(a.key) for a in placed})


def _apart(first: str, second: str) -> int:
    # Different sites: two same-template texts of one young site lose their shared lines as
    # chrome (docs/dedup.md, step 3), which would keep them apart for another reason.
    return _clusters(
        [
            Document(url="https://sport-one.example/report/1", text=first),
            Document(url="https://sport-two.example/report/2", text=second),
        ]
    )


DIFFERENT_EVENTS = {
    "score-line": (
        "Arsenal 2-1 Chelsea\n" + MATCH,
        "Arsenal 1-2 Chelsea\n" + MATCH,
    ),
    "final-line": (
        "Final: Rovers 3, United 0\n" + MATCH,
        "Final: Rovers 0, United 3\n" + MATCH,
    ),
    "results-brief": (
        RESULTS.format(rows="Northfield 2-0 Kessington\nHarbour Town 1-1 Millbrook Athletic"),
        RESULTS.format(rows="Northfield 0-3 Kessington\nHarbour Town 2-1 Millbrook Athletic"),
    ),
    "lottery": (
        LOTTERY.format(line="Lotto draw: 4, 12, 19, 33 and 41"),
        LOTTERY.format(line="Lotto draw: 8, 15, 22, 30 and 47"),
    ),
    "market-close": (
        MARKETS.format(line="FTSE 100: 7,412.5 (+0.4%)"),
        MARKETS.format(line="FTSE 100: 7,398.2 (-0.2%)"),
    ),
    "election-rows": (
        ELECTION.format(rows="Delgado (Labour) 1,204\nHolloway (Green) 877"),
        ELECTION.format(rows="Delgado (Labour) 913\nHolloway (Green) 1,156"),
    ),
}


@pytest.mark.parametrize("pair", DIFFERENT_EVENTS.values(), ids=DIFFERENT_EVENTS.keys())
def test_templated_reports_differing_in_a_short_line_of_figures_stay_apart(
    pair: tuple[str, str],
) -> None:
    assert _apart(*pair) == 2


def test_a_copy_of_a_report_with_the_same_score_still_joins() -> None:
    report = "Arsenal 2-1 Chelsea\n" + MATCH
    copies = [
        Document(url="https://sport-one.example/report/1", text=report),
        Document(url="https://wire.example/a/9", text="LONDON (PA) -\n" + report),
        Document(url="https://paper.example/s/3", text=report.replace("tense", "tight")),
    ]
    assert _clusters(copies) == 1


# Each site's own short lines on copies of one story, worded alike on both copies (a network
# of sites on one publishing system): about a date, a time, a photo or a page, not the story.
OWN_LINES = {
    "updated": ("Updated 5:32 PM", "Updated 6:01 PM"),
    "dateline-time": ("Nov. 30, 2026 5:32 PM ET", "Nov. 30, 2026 6:01 PM ET"),
    "published": ("Published 11/30/2026 at 18:01", "Published 12/01/2026 at 09:15"),
    "date": ("November 30, 2026", "November 29, 2026"),
    "byline-time": ("By Helen Marsh | 5:32 p.m.", "By Helen Marsh | 11:04 a.m."),
    "photo-counter": ("Photograph 1 of 12", "Photograph 1 of 8"),
    "page-number": ("Continued on page 2 of 3", "Continued on page 4 of 5"),
    "comments": ("Readers left 12 comments", "Readers left 57 comments"),
}


@pytest.mark.parametrize("lines", OWN_LINES.values(), ids=OWN_LINES.keys())
def test_copies_whose_own_short_lines_differ_in_figures_join(lines: tuple[str, str]) -> None:
    first, second = (f"{line}\n{MATCH}" for line in lines)
    assert _apart(first, second) == 1


def test_figures_of_a_template_line_get_ids_of_their_own_range() -> None:
    one = tokenise([b"arsenal 21 chelsea", b"arsenal 12 chelsea"], 5).ids.tolist()
    # Three content words a line; the figure in the template figures' range, the names not.
    assert len(one) == 6
    assert [FIGURE_IDS <= i < NUMBER_IDS for i in one] == [False, True, False] * 2
    assert one[0] == one[3] and one[2] == one[5] and one[1] != one[4]
    # A line about a time keeps plain ids for its figures.
    timed = tokenise([b"updated 532 pm"], 5).ids.tolist()
    assert len(timed) == 2 and not any(i >= FIGURE_IDS for i in timed)


def test_figures_agree_unless_a_shared_line_shape_has_other_figures() -> None:
    def figure(shape: int, value: int) -> int:
        return FIGURE_IDS | shape << 10 | value

    words = [11, 12, 13]
    score = [figure(5, 21)]
    assert figures_agree(words + score, words + score)
    assert not figures_agree(words + score, [*words, figure(5, 12)])
    # Lines of another shape are each site's own: never compared.
    assert figures_agree(words + score, [*words, figure(6, 12)])
    assert figures_agree(words, words + score)  # one side without figures
    # A copy keeping one of two lines of one shape (two draws, one trimmed) agrees.
    draws = [figure(7, 1), figure(7, 2)]
    assert figures_agree(draws, draws[:1]) and figures_agree(draws[1:], draws)
    assert not figures_agree(draws, [figure(7, 1), figure(7, 3)])


def test_documents_indexed_before_template_figures_still_join_copies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An index written before template figures keeps those documents' ids (their short-line
    # figures are plain words): a later copy falls back to the checks of before.
    def plain_figures(texts: Sequence[bytes], min_bytes: int) -> Words:
        words = tokenise(texts, min_bytes)
        figures = (words.ids >= FIGURE_IDS) & (words.ids < NUMBER_IDS)
        ids = words.ids.copy()
        # Any id of its own outside the range stands for the plain word's.
        ids[figures] &= np.uint32(0xFFFFF)
        return Words(ids, words.line_words, words.line_start, words.text_words)

    path = tmp_path / "dedup.sqlite"
    report = "Arsenal 2-1 Chelsea\n" + MATCH
    with monkeypatch.context() as patched:
        patched.setattr(analyse, "tokenise", plain_figures)
        with DedupIndex.open(path) as index:
            index.add(Document(url="https://sport-one.example/report/1", text=report))
    urls = ["https://sport-one.example/report/1", "https://wire.example/a/9"]
    with DedupIndex.open(path) as index:
        index.add(Document(url=urls[1], text=report.replace("tense", "tight")))
        clusters = {index.cluster_of(url) for url in urls}
    assert len(clusters) == 1 and None not in clusters
