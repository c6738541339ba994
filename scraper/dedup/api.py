"""The batch API: cluster a collection of articles in one call, and summarise the result."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from scraper.dedup.document import Document
from scraper.dedup.index import Assignment, DedupIndex
from scraper.dedup.options import DedupOptions
from scraper.models import Article, Cluster

__all__ = ["Summary", "clusters_of", "dedup", "summarise"]


def dedup(
    articles: Iterable[Article],
    *,
    options: DedupOptions | None = None,
    db: Path | str | None = None,
) -> list[Assignment]:
    """Cluster ``articles`` into near-duplicate groups; one Assignment per article, in order.

    Args:
        articles: extracted articles; ``url``, ``canonical_url``, ``published`` and ``text``
            are used.
        options: detection tuning (defaults suit news articles).
        db: a SQLite file holding the index across runs; None keeps it in memory.

    Returns:
        The assignment of each article: its cluster id and the representative's url.

    Raises:
        StoreError: ``db`` cannot be opened, read or written.
        DedupError: ``db`` holds an index this interpreter cannot read.
    """
    docs = [Document.from_article(article) for article in articles]
    with DedupIndex.open(db if db is not None else ":memory:", options) as index:
        return index.add_many(docs)


def clusters_of(assignments: Sequence[Assignment]) -> list[Cluster]:
    """The clusters the assignments describe, members by url, largest first then by id."""
    members: dict[str, list[str]] = {}
    reps: dict[str, str] = {}
    for item in assignments:
        members.setdefault(item.cluster, []).append(item.url)
        reps.setdefault(item.cluster, item.duplicate_of or item.url)
        if item.duplicate_of is None:
            reps[item.cluster] = item.url
    return sorted(
        (Cluster(cid, reps[cid], tuple(urls)) for cid, urls in members.items()),
        key=lambda c: (-len(c.members), c.id),
    )


@dataclass(frozen=True, slots=True)
class Summary:
    """Counts over a batch: documents, clusters, duplicates, and how many clusters per size."""

    documents: int
    clusters: int
    duplicates: int
    sizes: tuple[tuple[int, int], ...]

    def describe(self) -> str:
        """A one-paragraph human summary."""
        sizes = ", ".join(f"{n}x{size}" for size, n in self.sizes if size > 1) or "none"
        return (
            f"{self.documents} documents, {self.clusters} clusters, "
            f"{self.duplicates} duplicates; multi-document clusters (count x size): {sizes}"
        )


def summarise(assignments: Sequence[Assignment]) -> Summary:
    """Counts over ``assignments``."""
    per_cluster = Counter(item.cluster for item in assignments)
    by_size = Counter(per_cluster.values())
    return Summary(
        documents=len(assignments),
        clusters=len(per_cluster),
        duplicates=sum(1 for item in assignments if item.duplicate_of is not None),
        sizes=tuple(sorted(by_size.items())),
    )
