"""Pages that pass the pairwise check yet are not the same story stay apart.

A digest holding most of two stories, templated briefs about different people, identical
stubs, and the cost of placing one more copy of a story many sites carry.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from contextlib import closing
from itertools import permutations
from math import ceil
from pathlib import Path

import pytest

from scraper.dedup import DedupIndex, DedupOptions, Document, placing
from scraper.dedup.verify import allowed_misses, near_duplicate
from scraper.store.sketches import Body, SketchStore

TRANSIT = [
    "The city council voted on Tuesday to approve a sweeping overhaul of the municipal transit"
    " network, ending months of heated debate between neighbourhood groups and businesses.",
    "Under the plan, seventeen bus routes will be redrawn, fares for students and seniors will"
    " be frozen, and a new express corridor will connect the northern suburbs with the station.",
    "Council member Patricia Holloway, who sponsored the measure, said the vote marked a turning"
    " point for commuters who have complained about unreliable service for over a decade.",
    "Opponents argued that the redesign would leave elderly residents in hillside districts"
    " without convenient stops and warned that construction could disrupt small retailers.",
    "Transit officials estimate the overhaul will cost roughly four hundred million dollars,"
    " funded through federal grants, a regional sales levy and revenue bonds.",
    "The first phase, covering the northern express corridor, is scheduled to begin next spring,"
    " with the remaining route changes rolled out gradually through the following autumn.",
    "A coalition of disability advocates said it would monitor the rollout closely and pressed"
    " officials to publish accessibility audits for every redesigned station.",
]
FLOOD = [
    "Heavy rain flooded dozens of homes along the river valley overnight, forcing emergency"
    " crews to evacuate residents from low-lying streets by boat.",
    "The national weather service issued a flood warning for three counties and said another"
    " storm system would arrive by Thursday afternoon.",
    "Volunteers filled sandbags at the community centre while farmers moved livestock to higher"
    " pastures, fearing the levee could breach again.",
    "Officials said the water treatment plant remained operational but urged residents in"
    " affected neighbourhoods to boil drinking water as a precaution.",
    "Insurance adjusters began arriving in the valley on Wednesday, and the governor said she"
    " would request a federal disaster declaration.",
    "Schools in the district will remain closed for the rest of the week while engineers"
    " inspect bridges and culverts damaged by the torrents.",
    "Forecasters said the river was expected to crest on Friday morning, about a metre above"
    " flood stage, before receding slowly over the weekend.",
    "Emergency managers opened two additional shelters at regional high schools and asked"
    " displaced families to register with the county relief hotline.",
]
STORY_A = Document(url="https://a.example/transit", text="\n".join(TRANSIT))
STORY_C = Document(url="https://c.example/flood", text="\n".join(FLOOD))
# Most of each story, one after the other: a near-duplicate of each by the pairwise check.
DIGEST = Document(
    url="https://digest.example/newsletter",
    text="\n".join(["Evening newsletter", *TRANSIT[:6], *FLOOD[:7]]),
)


def _clusters(batches: Iterable[Sequence[Document]]) -> dict[str, str]:
    with DedupIndex.open(":memory:") as index:
        keys: dict[str, str] = {}
        for batch in batches:
            placed = index.add_many(batch)
            keys.update({d.url or "": a.key for d, a in zip(batch, placed, strict=True)})
        # Read back at the end: a later batch can merge clusters placed before it.
        return {url: index.cluster_of(key) or "" for url, key in keys.items()}


@pytest.mark.parametrize("order", list(permutations(range(3))), ids=str)
@pytest.mark.parametrize("one_at_a_time", [False, True], ids=["one-batch", "one-at-a-time"])
def test_a_digest_of_two_stories_never_joins_them(
    order: tuple[int, ...], one_at_a_time: bool
) -> None:
    docs = [[STORY_A, STORY_C, DIGEST][i] for i in order]
    found = _clusters([[d] for d in docs] if one_at_a_time else [docs])
    assert found[STORY_A.url or ""] != found[STORY_C.url or ""]
    # The digest goes with one of them (the first it met, or its closer match).
    assert found[DIGEST.url or ""] in (found[STORY_A.url or ""], found[STORY_C.url or ""])


def test_a_digest_matching_two_clusters_joins_the_closer_one() -> None:
    found = _clusters([[STORY_A, STORY_C], [DIGEST]])
    # It holds 6 of 7 transit paragraphs and 7 of 8 flood ones: transit is the closer match.
    assert found[DIGEST.url or ""] == found[STORY_A.url or ""] != found[STORY_C.url or ""]


def test_a_page_matching_two_clusters_of_one_story_still_merges_them() -> None:
    # A trimmed copy and a long update fail the length ratio against each other, so they are
    # stored apart; the original is a near-duplicate of each, and the copy is contained in the
    # update, so it joins the two.
    trimmed = Document(url="https://t.example/s", text="\n".join(TRANSIT[:4]))
    update = Document(url="https://u.example/s", text="\n".join(TRANSIT + FLOOD[:3]))
    original = Document(url="https://o.example/s", text="\n".join(TRANSIT[:6]))
    for batches in ([[trimmed, update], [original]], [[trimmed], [update], [original]]):
        found = _clusters(batches)
        assert len(set(found.values())) == 1


@pytest.mark.parametrize("order", list(permutations(range(3))), ids=str)
def test_a_short_copy_inside_two_longer_ones_joins_them_in_any_order(
    order: tuple[int, ...],
) -> None:
    # Two copies trimmed at different ends share too little to pass against each other; a
    # short copy of the middle passes against each, being most of both. Arriving last it must
    # join them as it does arriving first (a digest, longer than both, must not).
    head = Document(url="https://h.example/s", text="\n".join(TRANSIT[:5]))
    tail = Document(url="https://t.example/s", text="\n".join(TRANSIT[2:]))
    middle = Document(url="https://m.example/s", text="\n".join(TRANSIT[2:5]))
    docs = [[head, tail, middle][i] for i in order]
    assert len(set(_clusters([docs]).values())) == 1
    assert len(set(_clusters([[d] for d in docs]).values())) == 1


BRIEFS = [
    (
        "A 45-year-old Springfield man was arrested Tuesday on suspicion of drunken driving after"
        " a crash on Route 9, police said.",
        "A 23-year-old Shelbyville woman was arrested Friday on suspicion of drunken driving after"
        " a crash on Route 12, police said.",
    ),
    (
        "Margaret Ellen Thompson, 87, of Riverside, passed away peacefully on November 3"
        " surrounded by her family. Services will be held Saturday at St. Mary's Church.",
        "Harold James Peterson, 91, of Riverside, passed away peacefully on November 9"
        " surrounded by his family. Services will be held Saturday at St. Mary's Church.",
    ),
]


@pytest.mark.parametrize("pair", BRIEFS, ids=["arrests", "obituaries"])
def test_templated_briefs_about_different_people_stay_apart(pair: tuple[str, str]) -> None:
    docs = [Document(url=f"https://local.example/brief/{n}", text=t) for n, t in enumerate(pair)]
    found = _clusters([docs])
    assert len(set(found.values())) == 2


SENATE = (
    "The Senate voted on Thursday to confirm Maria Delgado as the next secretary of labor,"
    " ending a months-long standoff over her nomination. Delgado, a former union negotiator, is"
    " expected to be sworn in next week."
)
QUAKE = (
    "A magnitude 6.1 earthquake struck off the northern coast early Sunday, shaking buildings in"
    " the provincial capital. There were no immediate reports of damage or casualties, the"
    " geological survey said."
)
SHORT_COPIES = [
    (SENATE, "WASHINGTON (AP) - " + SENATE + "\nCopyright 2026 The Associated Press."),
    (SENATE, SENATE.replace("former union", "veteran union")),
    ("By Jonathan Miller, Capitol Bureau\n" + SENATE, SENATE.replace("next week", "on Monday")),
    (
        QUAKE,
        "JAKARTA (Reuters) - "
        + QUAKE.replace("early Sunday", "early on Sunday").replace("the geo", "the country's geo")
        + "\nReporting by Ananda Teresia; Editing by Kim Coghill",
    ),
]


@pytest.mark.parametrize("pair", SHORT_COPIES, ids=["dateline", "edit", "byline-edit", "wire"])
def test_short_wire_copies_still_join(pair: tuple[str, str]) -> None:
    docs = [Document(url=f"https://site{n}.example/brief", text=t) for n, t in enumerate(pair)]
    found = _clusters([docs])
    assert len(set(found.values())) == 1


def test_long_texts_keep_the_containment_rule() -> None:
    options = DedupOptions()
    for short in range(options.short_words, 500):
        assert short - allowed_misses(short, options) == ceil(options.containment * short)
    # Shorter texts may miss fewer words, never fewer than ``short_misses`` (unless the
    # containment rule itself allows fewer), and never more than the containment rule.
    for short in range(1, options.short_words):
        misses = allowed_misses(short, options)
        assert misses <= (1 - options.containment) * short
        assert misses >= min(options.short_misses, int((1 - options.containment) * short))
    twelve = list(range(12))
    assert near_duplicate(twelve, [*twelve[:10], 100, 101, 102], options)  # 2 missing
    assert not near_duplicate(twelve, [*twelve[:9], 100, 101, 102], options)  # 3 missing


STUB = "This content is not available in your region."


def test_identical_stubs_on_unrelated_pages_stay_apart() -> None:
    urls = [
        "https://paper-a.example/politics/budget-vote",
        "https://paper-a.example/sport/cup-final",
        "https://paper-b.example/world/quake-rescue",
    ]
    found = _clusters([[Document(url=u, text=STUB) for u in urls]])
    assert len(set(found.values())) == 3
    # The same stub at one page's two addresses is still that page.
    found = _clusters(
        [[Document(url=urls[0], text=STUB), Document(url=urls[0] + "?utm_source=feed", text=STUB)]]
    )
    assert len(set(found.values())) == 1


def test_identical_texts_long_enough_still_join() -> None:
    text = " ".join(TRANSIT[:1])
    docs = [Document(url=f"https://site{n}.example/s", text=text) for n in range(3)]
    assert len(set(_clusters([docs]).values())) == 1


def _copy(n: int) -> str:
    # Each site's copy has its own headline and one word changed, so no two texts are equal.
    # Spelled in letters: words with digits are numbers, which copies of one story share.
    tag = "".join("abcdefghij"[int(d)] for d in str(n))
    words = "\n".join(TRANSIT).split(" ")
    words[10 + n % 100] = f"variant{tag}word"
    return f"Headline {tag} from site {tag}\n" + " ".join(words)


def test_one_more_copy_of_a_widely_carried_story_reads_a_few_bodies(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    read: list[int] = []
    bodies = SketchStore.bodies

    def counted(store: SketchStore, ids: Iterable[int]) -> dict[int, Body]:
        found = bodies(store, ids)
        read.extend(found)
        return found

    with DedupIndex.open(":memory:") as index:
        index.add_many([Document(url=f"https://s{n}.example/x", text=_copy(n)) for n in range(60)])
        monkeypatch.setattr(SketchStore, "bodies", counted)
        index.add_many([Document(url="https://late.example/x", text=_copy(999))])
        assert sorted(index.cluster_sizes()) == [61]
    # Every stored copy shares its bands; only the representative and a few others are read.
    assert 1 <= len(read) <= 5


def test_one_more_copy_of_a_widely_carried_story_reads_a_bounded_number_of_sketches(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Every copy was stored under every band of the story, so each further copy read them all
    # and cost more than the last (72 ms an add at 3,000 copies, 6 ms now).
    read: list[int] = []
    sketches = SketchStore.sketches

    def counted(store: SketchStore, ids: Iterable[int]) -> dict[int, tuple[int, bytes | None]]:
        found = sketches(store, ids)
        read.extend(found)
        return found

    db = tmp_path / "index.sqlite"
    with DedupIndex.open(db) as index:
        index.add_many([Document(url=f"https://s{n}.example/x", text=_copy(n)) for n in range(300)])
        index.add_many(
            [Document(url=f"https://s{n}.example/x", text=_copy(n)) for n in range(300, 400)]
        )
        monkeypatch.setattr(SketchStore, "sketches", counted)
        index.add_many([Document(url="https://late.example/x", text=_copy(999))])
        assert sorted(index.cluster_sizes()) == [401]
    assert 0 < len(set(read)) <= 200  # all 400 before
    with closing(sqlite3.connect(db)) as conn:
        crowded = conn.execute(
            "SELECT max(n) FROM (SELECT count(*) AS n FROM dedup_bands GROUP BY band)"
        )
        assert crowded.fetchone()[0] == placing._BAND_DOCS


def test_stubs_on_thousands_of_pages_are_nobody_s_candidates(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A stub can link with nothing, so it must not be checked against, nor stored for others
    # to check: a geo-block text on every page of a site made each new page verify thousands.
    checked: list[int] = []

    def counted(a: Sequence[int], b: Sequence[int], options: DedupOptions) -> bool:
        checked.append(1)
        return near_duplicate(a, b, options)

    monkeypatch.setattr(placing, "near_duplicate", counted)
    stub = "Subscribe to continue reading this article."
    with DedupIndex.open(":memory:") as index:
        index.add_many([Document(url=f"https://s{n}.example/p", text=stub) for n in range(300)])
        index.add_many([Document(url="https://late.example/p", text=stub)])
        assert sorted(index.cluster_sizes()) == [1] * 301
    assert checked == []
