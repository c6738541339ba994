"""Lone surrogates (a JSON "\\ud800" escape) in what dedup is given become U+FFFD, never a crash."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from scraper.dedup import DedupIndex, Document, dedup
from scraper.models import Article
from scraper.surrogates import without_surrogates

TEXT = "The harbour bridge reopens on Monday after three weeks of repairs to its girders. " * 8


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("plain ascii", "plain ascii"),
        ("caf\u00e9 \U0001f600", "caf\u00e9 \U0001f600"),
        ("cut \ud83d", "cut \ufffd"),
        ("\udfff lead", "\ufffd lead"),
        ("\ud800\ud800 two highs", "\ufffd\ufffd two highs"),
        ("\udc00\ud800 low then high", "\ufffd\ufffd low then high"),
        ("\ud83d\ude00 a pair", "\U0001f600 a pair"),
    ],
)
def test_each_lone_surrogate_becomes_one_replacement_character(given: str, expected: str) -> None:
    assert without_surrogates(given) == expected


def test_a_document_replaces_lone_surrogates_in_its_urls_and_key() -> None:
    doc = Document(
        url="https://x.example/\ud800", text="t \ud800", canonical="/\udfff", key="k\ud800"
    )
    assert (doc.url, doc.canonical, doc.key) == (
        "https://x.example/\ufffd",
        "/\ufffd",
        "k\ufffd",
    )
    assert doc.text == "t \ud800"  # the analysis reads it as it is
    clean = Document(url="https://x.example/a", text="t")
    assert Document.from_record({"url": "https://x.example/a", "text": "t"}) == clean


def _article(url: str, canonical: str | None = None) -> Article:
    return Article(url=url, title="Bridge", text=TEXT, canonical_url=canonical)


@pytest.mark.parametrize("db", [False, True])
def test_dedup_places_articles_whose_urls_hold_a_lone_surrogate(tmp_path: Path, db: bool) -> None:
    broken = _article("https://x.example/\udfff", canonical="https://x.example/\ud800c")
    other = _article("https://y.example/bridge")
    text_only = dataclasses.replace(other, url="https://z.example/b", text=TEXT + "\ud83d")
    found = dedup([broken, other, text_only], db=tmp_path / "index.sqlite" if db else None)
    assert [a.url for a in found] == [
        "https://x.example/\ufffd",
        "https://y.example/bridge",
        "https://z.example/b",
    ]
    assert len({a.cluster for a in found}) == 1


def test_placement_is_asked_with_the_key_a_lone_surrogate_gave() -> None:
    # The key and URL as the caller has them, still holding the surrogate: SQLite could not
    # encode them (a bare UnicodeEncodeError).
    url = "https://example.com/caf\ud800/story"
    with DedupIndex.open(":memory:") as index:
        placed = index.add(Document(url=url, key="story-\ud800", text="words " * 20))
        assert placed.key == "story-\ufffd"
        assert index.placement("story-\ud800") == placed
        assert index.placement("story-\ud800", url) == placed
        assert index.cluster_of("story-\ud800", url) == placed.cluster
