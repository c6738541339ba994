"""Hand-made clusters: each edit kind joins its original, each hard negative stays apart."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from dedup_fixture import Case, load_cases, partition

from scraper.dedup import DedupIndex, DedupOptions, Document

CASES = load_cases()
BRIDGE = next(c for c in CASES if c.expect == "bridge" and c.kind == "original")
FROG = next(c for c in CASES if c.expect == "frog" and c.kind == "original")
SITE = [c for c in CASES if c.kind == "negative_same_site"]
EDITS = [c for c in CASES if c.kind != "original" and c.expect in ("bridge", "frog")]


def _place(docs: list[Document], options: DedupOptions | None = None) -> list[str]:
    with DedupIndex.open(":memory:", options) as index:
        return [a.cluster for a in index.add_many(docs)]


def _keyed(cases: list[Case]) -> list[str]:
    return [f"{c.expect}/{c.kind}/{i}" for i, c in enumerate(cases)]


@pytest.mark.parametrize(
    "case", [c for c in EDITS if c.kind != "template_site_copy"], ids=lambda c: c.kind
)
def test_each_edit_kind_joins_its_original(case: Case) -> None:
    original = BRIDGE if case.expect == "bridge" else FROG
    clusters = _place([original.doc, case.doc])
    assert clusters[0] == clusters[1]


def test_copy_on_a_templated_site_joins_its_original() -> None:
    copy = next(c for c in CASES if c.kind == "template_site_copy")
    clusters = _place([BRIDGE.doc, copy.doc, *(c.doc for c in SITE)])
    assert clusters[0] == clusters[1]
    assert len(set(clusters[2:])) == len(SITE)


def test_different_story_on_the_same_topic_stays_apart() -> None:
    other = next(c for c in CASES if c.kind == "negative_same_topic")
    clusters = _place([BRIDGE.doc, other.doc])
    assert clusters[0] != clusters[1]


def test_same_site_pages_sharing_template_lines_stay_apart() -> None:
    clusters = _place([c.doc for c in SITE])
    assert len(set(clusters)) == len(SITE)


def test_template_stripping_is_what_separates_same_site_pages() -> None:
    # With template detection and the foreign-text check effectively off, the shared chrome
    # dominates these short pages.
    off = DedupOptions(template_min_docs=10_000, foreign_own_words=10_000)
    clusters = _place([c.doc for c in SITE], off)
    assert len(set(clusters)) < len(SITE)


def test_the_foreign_text_check_alone_keeps_same_site_pages_apart() -> None:
    # Each page's own words are about its story, and none of them is in the chrome they share.
    clusters = _place([c.doc for c in SITE], DedupOptions(template_min_docs=10_000))
    assert len(set(clusters)) == len(SITE)


@pytest.mark.parametrize("screen", [5, 0], ids=["screened", "every-candidate"])
def test_whole_fixture_matches_its_labels(screen: int) -> None:
    clusters = _place([c.doc for c in CASES], DedupOptions(min_shared_bins=screen))
    expected = {
        frozenset(k for k, c in zip(_keyed(CASES), CASES, strict=True) if c.expect == e)
        for e in {c.expect for c in CASES}
    }
    groups: dict[str, set[str]] = {}
    for key, cluster in zip(_keyed(CASES), clusters, strict=True):
        groups.setdefault(cluster, set()).add(key)
    assert {frozenset(g) for g in groups.values()} == expected


def test_order_does_not_change_clusters_ids_or_representatives() -> None:
    with DedupIndex.open(":memory:") as index:
        reference = {
            c.doc.url: a for c, a in zip(CASES, index.add_many([c.doc for c in CASES]), strict=True)
        }
    rng = random.Random(5)
    for _ in range(4):
        shuffled = CASES[:]
        rng.shuffle(shuffled)
        with DedupIndex.open(":memory:") as index:
            got = index.add_many([c.doc for c in shuffled])
        assert {c.doc.url: a for c, a in zip(shuffled, got, strict=True)} == reference
    assert partition([c.expect for c in CASES], list(reference.values())) == {
        frozenset({c.expect}) for c in CASES
    }


def test_one_at_a_time_ends_where_the_batch_does() -> None:
    # Template lines are learnt per batch, so this check leaves the templated site out.
    cases = [c for c in CASES if c.expect in ("bridge", "bridge_other", "frog")]
    cases = [c for c in cases if c.kind != "template_site_copy"]
    with DedupIndex.open(":memory:") as index:
        batch = index.add_many([c.doc for c in cases])
    for order in (cases, cases[::-1]):
        with DedupIndex.open(":memory:") as index:
            for case in order:
                index.add(case.doc)
            again = index.add_many([c.doc for c in cases])  # re-adding reports, adds nothing
            assert sum(index.cluster_sizes()) == len({c.doc.url for c in cases}) - 2
        assert again == batch


def test_returned_assignment_is_a_snapshot_and_placement_reads_the_current_one() -> None:
    # The copy is dated earlier, so once it arrives it leads the cluster the original began.
    copy = next(c for c in EDITS if c.kind == "exact_copy")
    early = replace(copy.doc, published=datetime(2020, 1, 1, tzinfo=UTC))
    late = replace(BRIDGE.doc, published=datetime(2020, 1, 2, tzinfo=UTC))
    with DedupIndex.open(":memory:") as index:
        (first,) = index.add_many([late])
        (second,) = index.add_many([early])
        now = index.placement(first.key)
        assert first.duplicate_of is None  # it led its cluster when it was placed
        assert second.duplicate_of is None
        assert now is not None and now.duplicate_of == early.url
        assert now.cluster == second.cluster == index.cluster_of(first.key) != first.cluster


def test_short_pages_of_a_new_site_stay_apart_however_they_are_batched() -> None:
    # A site's lines count as chrome once 3 of its texts are stored: in one batch the six
    # pages teach each other their chrome; one at a time, the first two meet before it is
    # known, and stay apart because each has lines the other lacks.
    docs = [c.doc for c in SITE]
    assert len(set(_place(docs))) == len(SITE)
    for size in (1, 2):
        with DedupIndex.open(":memory:") as index:
            for start in range(0, len(docs), size):
                index.add_many(docs[start : start + size])
            apart = {index.cluster_of(d.url or "") for d in docs}
        assert len(apart) == len(SITE), size


def test_an_update_among_a_new_sites_first_two_texts_joins_its_original() -> None:
    # Two texts of a new site where one holds every line of the other are one story.
    update = next(c for c in EDITS if c.kind == "update")
    original = BRIDGE.doc
    same_site = replace(update.doc, url=(original.url or "") + "-updated")
    clusters = _place([original, same_site])
    assert clusters[0] == clusters[1]
    with DedupIndex.open(":memory:") as index:
        index.add(original)
        assert index.add(same_site).cluster == index.cluster_of(original.url or "")
