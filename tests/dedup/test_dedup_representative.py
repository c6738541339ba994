"""The representative rule: named canonical, then earliest published, then most words, then key."""

from __future__ import annotations

from datetime import UTC, datetime

from dedup_fixture import load_cases

from scraper.dedup import DedupIndex, Document

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
