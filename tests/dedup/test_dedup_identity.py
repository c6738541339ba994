"""Document identities: keys, named canonical pages and sites, found once or given."""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from scraper.dedup import DedupIndex, Document, cluster, placing
from scraper.dedup.identity import Addresses, Identity, identify, identity_of
from scraper.store.sketches import SketchStore

URL = "https://www.example.com/news/story"


def test_identity_of_a_page_and_its_canonical_link() -> None:
    assert identity_of(URL, None) == Identity(URL, None, "example.com")
    assert identity_of(URL, "/news/story-1") == Identity(
        "https://www.example.com/news/story-1",
        "https://www.example.com/news/story-1",
        "example.com",
    )
    # Another site's page is named but is not the key; nor is the home page.
    assert identity_of(URL, "https://wire.example.org/s") == Identity(
        URL, "https://wire.example.org/s", "example.com"
    )
    assert identity_of(URL, "https://www.example.com/").key == URL
    assert identity_of(URL, "   ") == Identity(URL, URL, "example.com")
    assert identity_of(URL, "mailto:x@example.com") == Identity(URL, None, "example.com")
    assert identity_of("not a url", "/x") == Identity("not a url", None, "")
    assert identity_of(None, "https://a.example/x") == Identity(None, "https://a.example/x", "")


def test_given_identities_are_used_as_they_are() -> None:
    urls: list[str | None] = [URL, URL + "?utm_source=x", None]
    canonicals: list[str | None] = ["/news/story-1", None, None]
    found = identify(Addresses(urls, canonicals, [None, "own key", None]))
    assert found.keys == ["https://www.example.com/news/story-1", "own key", None]
    known: list[Identity | None] = [
        identity_of(u, c) for u, c in zip(urls, canonicals, strict=True)
    ]
    assert identify(Addresses(urls, canonicals, [None, "own key", None], known)) == found
    other = Identity("k", "n", "s")
    given = identify(Addresses(urls, canonicals, [None] * 3, [other, None, None]))
    assert (given.keys[0], given.named[0], given.sites[0]) == ("k", "n", "s")


def test_documents_with_their_identity_are_placed_as_without() -> None:
    text = "The council approved the new budget on Tuesday after a long debate.\n" * 3
    docs = [
        Document(url=URL, text=text, canonical="/news/story-1"),
        Document(url="https://m.example.com/news/story-1", text=text),
        Document(url="https://other.example.net/copy", text=text + "More words here."),
    ]
    with DedupIndex.open() as index:
        plain = index.add_many(docs)
    given = [
        Document(
            url=d.url, text=d.text, canonical=d.canonical, identity=identity_of(d.url, d.canonical)
        )
        for d in docs
    ]
    with DedupIndex.open() as index:
        assert index.add_many(given) == plain


def test_a_page_refetched_many_times_is_placed_without_reworking_each_version(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A live page fetched again and again, its text new each time: each version is one more
    # document of its key at its address. Placing the next worked out the address of every
    # earlier one again and read all their sketches (45 ms an add at 3,000 versions, 14 now).
    def version(n: int) -> Document:
        text = " ".join(f"update{n}x{w} paragraph{w} continues" for w in range(12))
        return Document(url=f"https://live.example/blog?utm_source=feed{n}", text=text)

    parsed: list[str] = []
    read: list[int] = []
    sketches = SketchStore.sketches

    def parse(url: str) -> str:
        parsed.append(url)
        return cluster.address_of(url)

    def counted(store: SketchStore, ids: Iterable[int]) -> dict[int, tuple[int, bytes | None]]:
        found = sketches(store, ids)
        read.extend(found)
        return found

    with DedupIndex.open(":memory:") as index:
        index.add_many([version(n) for n in range(40)])
        monkeypatch.setattr(placing, "address_of", parse)
        monkeypatch.setattr(SketchStore, "sketches", counted)
        last = index.add(version(40))
        assert index.cluster_sizes() == [41] and last.key == "https://live.example/blog"
    assert len(parsed) <= 2 and read == []  # 41 and 40 before
