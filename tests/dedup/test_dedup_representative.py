"""The representative rule: named canonical, then earliest published, then most words, then key."""

from __future__ import annotations

from datetime import UTC, datetime

from dedup_fixture import load_cases

from scraper.dedup import DedupIndex, Document
from scraper.dedup.cluster import Rank

BASE = next(c for c in load_cases() if c.kind == "original" and c.expect == "frog")
LONGER = BASE.text + "\n\nA further paragraph added later with several more words in it."


def _doc(
    url: str, *, text: str = BASE.text, day: int | None = None, canonical: str | None = None
) -> Document:
    published = datetime(2026, 2, day, tzinfo=UTC) if day else None
    return Document(url=url, text=text, published=published, canonical=canonical)


def _reps(docs: list[Document]) -> set[str | None]:
    with DedupIndex.open(":memory:") as index:
        out = index.add_many(docs)
    assert len({a.cluster for a in out}) == 1
    return {a.duplicate_of or a.url for a in out}


def test_earliest_published_leads() -> None:
    docs = [_doc("https://b.example/x", day=5), _doc("https://a.example/x", text=LONGER, day=3)]
    assert _reps(docs) == {"https://a.example/x"}


def test_dated_beats_undated_and_longer_breaks_ties() -> None:
    docs = [_doc("https://a.example/x"), _doc("https://b.example/x", day=9)]
    assert _reps(docs) == {"https://b.example/x"}
    docs = [_doc("https://a.example/x", day=4), _doc("https://b.example/x", text=LONGER, day=4)]
    assert _reps(docs) == {"https://b.example/x"}


def test_page_named_as_canonical_leads_whatever_the_order() -> None:
    original = _doc("https://paper.example/story", day=9)
    copy = _doc("https://portal.example/7", day=1, canonical="https://paper.example/story")
    assert _reps([original, copy]) == {"https://paper.example/story"}
    assert _reps([copy, original]) == {"https://paper.example/story"}


def test_cluster_id_follows_the_representative() -> None:
    with DedupIndex.open(":memory:") as index:
        first = index.add(_doc("https://b.example/x", day=5))
        later = index.add(_doc("https://a.example/x", day=2))
        again = index.add(_doc("https://b.example/x", day=5))
    assert first.duplicate_of is None
    assert later.duplicate_of is None and later.cluster != first.cluster
    assert again.cluster == later.cluster and again.duplicate_of == "https://a.example/x"


def _record(url: str, published: str, text: str = BASE.text) -> Document:
    return Document.from_record({"url": url, "text": text, "published": published})


def test_a_date_without_time_does_not_outrank_a_timed_date_of_its_day() -> None:
    # The copy's page gives only the day (read as midnight UTC), and it has more words (a
    # headline line): the original's time that morning still makes it the earlier.
    original = _record("https://wire.example/story", "2026-11-30T08:05:00+00:00")
    copy = _record("https://town.example/news/story", "2026-11-30", text=LONGER)
    assert _reps([original, copy]) == {"https://wire.example/story"}
    assert _reps([copy, original]) == {"https://wire.example/story"}
    # Read by day first: a date-only page of the day before still leads.
    earlier = _record("https://town.example/news/story", "2026-11-29")
    assert _reps([original, earlier]) == {"https://town.example/news/story"}


def test_dates_without_time_of_one_day_tie_and_words_decide() -> None:
    docs = [
        _record("https://a.example/x", "2026-11-30"),
        _record("https://b.example/x", "2026-11-30", text=LONGER),
        _record("https://c.example/x", "2026-11-30T23:59:00+00:00"),
    ]
    # The timed one of the day leads; without it the longer of the two date-only ones does.
    assert _reps(docs) == {"https://c.example/x"}
    assert _reps(docs[:2]) == {"https://b.example/x"}


def test_rank_reads_midnight_utc_as_a_day() -> None:
    day = datetime(2026, 11, 30, tzinfo=UTC).timestamp()

    def rank(published: float | None, words: int = 10) -> Rank:
        return Rank.of(named=False, published=published, words=words, key="k")

    assert rank(day + 60) < rank(day) < rank(day + 86400 + 60) < rank(None)
    assert rank(day, words=20) < rank(day, words=10)
    assert rank(day + 60, words=10) < rank(day + 120, words=20)
