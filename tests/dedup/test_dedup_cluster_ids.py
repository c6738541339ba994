"""Cluster ids: one per cluster, whatever order documents arrive in, the same across runs."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from itertools import permutations
from pathlib import Path

import pytest
from test_dedup_shared_keys import STORIES

from scraper.dedup import DedupIndex, Document, dedup
from scraper.models import Article

SIBLING = "https://paper.example/politics/latest-story"

# A template names one sibling article as canonical on every article page: the pages share
# that key, not their texts. The sibling itself carries the fourth story.
TEMPLATED = [
    Document(url=f"https://paper.example/politics/story-{n}", text=text, canonical=SIBLING)
    for n, text in enumerate(STORIES[:3])
] + [Document(url=SIBLING, text=STORIES[3], canonical=SIBLING)]

# Three orders of the same documents: as given, reversed, the sibling first.
ORDERS = [[0, 1, 2, 3], [3, 2, 1, 0], [3, 0, 2, 1]]


def _ids(docs: Sequence[Document], order: Sequence[int], *, one_by_one: bool) -> dict[str, str]:
    """The cluster id of each document (by url) after placing ``docs`` in ``order``."""
    ordered = [docs[n] for n in order]
    with DedupIndex.open() as index:
        if one_by_one:
            for doc in ordered:
                index.add(doc)
            # Placed again: a refetch of each page, answered with where it is now.
            placed = index.add_many(ordered)
        else:
            placed = index.add_many(ordered)
    return {p.url: p.cluster for p in placed}


@pytest.mark.parametrize("one_by_one", [False, True])
def test_articles_sharing_a_sibling_canonical_link_get_distinct_ids(one_by_one: bool) -> None:
    found = [_ids(TEMPLATED, order, one_by_one=one_by_one) for order in ORDERS]
    assert len(set(found[0].values())) == len(TEMPLATED)
    # Not an artefact of arrival: every order ends with the same ids.
    assert found[1] == found[0]
    assert found[2] == found[0]


def test_the_batch_api_gives_each_templated_article_its_own_cluster() -> None:
    articles = [
        Article(url=doc.url or "", title=None, text=str(doc.text), canonical_url=doc.canonical)
        for doc in TEMPLATED
    ]
    placed = dedup(articles)
    assert len({p.cluster for p in placed}) == len(articles)
    assert [p.duplicate_of for p in placed] == [None] * len(articles)


def test_the_sibling_keeps_the_id_of_its_own_address() -> None:
    # The sibling is the page at the shared key: its id is the one the key always gave.
    plain = "c" + hashlib.blake2b(SIBLING.encode(), digest_size=8).hexdigest()
    assert _ids(TEMPLATED, ORDERS[0], one_by_one=False)[SIBLING] == plain


def test_ids_of_separate_clusters_last_across_reopening(tmp_path: Path) -> None:
    db = tmp_path / "dedup.sqlite"
    with DedupIndex.open(db) as index:
        first = {p.url: p.cluster for p in index.add_many(TEMPLATED[:2])}
    with DedupIndex.open(db) as index:
        later = {p.url: p.cluster for p in index.add_many(TEMPLATED)}
    assert len(set(later.values())) == len(TEMPLATED)
    assert {url: later[url] for url in first} == first


def _plain(key: str) -> str:
    return "c" + hashlib.blake2b(key.encode(), digest_size=8).hexdigest()


def test_ordinary_clusters_keep_the_id_of_their_representative_s_key() -> None:
    # A page refetched under URL variants and a syndicated copy naming its original: the ids
    # stores already hold for them must not change.
    original = "https://wire.example/2026/11/30/transit-vote"
    docs = [
        Document(url=original, text=STORIES[0]),
        Document(url=original + "?utm_source=feed", text=STORIES[0]),
        Document(url="https://daily.example/news/transit", text=STORIES[0], canonical=original),
        Document(url="https://paper.example/live/storm", text=STORIES[1]),
        Document(url="https://paper.example/live/storm/", text=STORIES[1] + " Updated."),
        # A print view naming its article as canonical, the article itself never seen.
        Document(url="https://paper.example/print/orchestra", text=STORIES[2],
                 canonical="https://paper.example/arts/orchestra"),
    ]  # fmt: skip
    with DedupIndex.open() as index:
        placed = index.add_many(docs)
    assert [p.cluster for p in placed] == [_plain(original)] * 3 + [
        _plain("https://paper.example/live/storm")
    ] * 2 + [_plain("https://paper.example/arts/orchestra")]


@pytest.mark.parametrize("order", list(permutations(range(3))))
def test_a_page_rewritten_at_its_address_stays_with_itself_beside_a_sibling(
    order: tuple[int, ...],
) -> None:
    # Two articles name one sibling as canonical; one of them is then rewritten at its own
    # address (a tracking parameter on the URL). The rewrite is that page, whichever of the
    # three arrived first.
    docs = [
        Document(url="https://paper.example/politics/story-a", text=STORIES[0], canonical=SIBLING),
        Document(url="https://paper.example/politics/story-b", text=STORIES[1], canonical=SIBLING),
        Document(url="https://paper.example/politics/story-b?utm_source=x", text=STORIES[2],
                 canonical=SIBLING),
    ]  # fmt: skip
    with DedupIndex.open() as index:
        placed = {p.url: p for p in index.add_many([docs[n] for n in order])}
    a, b, rewritten = (placed[doc.url or ""] for doc in docs)
    assert b.cluster == rewritten.cluster != a.cluster
    leads = [p for p in (b, rewritten) if p.duplicate_of is None]
    assert len(leads) == 1
    assert {b.duplicate_of, rewritten.duplicate_of} == {None, leads[0].url}


def _article(number: int) -> str:
    """A text of its own: 60 content words no other number's text has, on two lines."""
    stem = "".join("bcdfghjklmnpqrstvwxz"[int(d)] for d in f"{number:03d}")
    words = [f"{stem}{'aeiou'[i % 5]}{'bcdfghjklmnpqrstvwxz'[i // 5]}" for i in range(60)]
    return " ".join(words[:25]) + "\n" + " ".join(words[25:])


@pytest.mark.parametrize("excerpt_first", [False, True])
def test_a_key_shared_by_many_pages_still_joins_an_excerpt_of_one(excerpt_first: bool) -> None:
    # Past a few pages of one key the others are screened on their sketches before their words
    # are compared. An excerpt page (the article's first paragraph, too short to be its
    # near-duplicate) naming the sibling as canonical, as every page does, still joins the
    # article it is contained in, whichever came first.
    pages = [
        Document(url=f"https://paper.example/politics/story-{n}", text=_article(n),
                 canonical=SIBLING)
        for n in range(24)
    ]  # fmt: skip
    first = _article(7).splitlines()[0]
    excerpt = Document(url="https://paper.example/excerpt/story-7", text=first, canonical=SIBLING)
    docs = [excerpt, *pages] if excerpt_first else [*pages, excerpt]
    with DedupIndex.open() as index:
        for doc in docs:
            index.add(doc)
        placed = {p.url: p.cluster for p in index.add_many(docs)}
    assert placed[excerpt.url or ""] == placed["https://paper.example/politics/story-7"]
    assert len(set(placed.values())) == len(pages)


def test_a_page_that_takes_another_page_s_text_is_still_itself() -> None:
    # Two articles naming one sibling as canonical; the page at the shorter address is later
    # served with the other's text (the same text and key: one document, kept under the
    # shorter URL). That page is the one it was, so all three are one cluster: two clusters
    # under one key and one address would also have one id.
    longer = "https://paper.example/politics/story-long-a"
    shorter = "https://paper.example/politics/story-b"
    docs = [
        Document(url=longer, text=STORIES[0], canonical=SIBLING),
        Document(url=shorter, text=STORIES[1], canonical=SIBLING),
    ]
    with DedupIndex.open() as index:
        index.add_many(docs)
        again = index.add(Document(url=shorter, text=STORIES[0], canonical=SIBLING))
        placed = index.add_many(docs)
        sizes = index.cluster_sizes()
    assert sizes == [2]
    assert {p.cluster for p in placed} == {again.cluster}


def test_placement_by_key_and_address_names_each_templated_article_s_own_cluster() -> None:
    with DedupIndex.open() as index:
        placed = {p.url: p for p in index.add_many(TEMPLATED)}
        for doc in TEMPLATED:
            url = doc.url or ""
            found = index.placement(placed[url].key, url)
            assert found is not None
            assert found.cluster == placed[url].cluster == index.cluster_of(found.key, url)
        # Without an address, or at one the key was never seen at, the key's first document.
        first = placed[TEMPLATED[0].url or ""]
        assert index.cluster_of(first.key) == first.cluster
        assert index.cluster_of(first.key, "https://paper.example/elsewhere") == first.cluster
