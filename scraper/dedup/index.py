"""The incremental, persistent near-duplicate index.

A document joins a cluster through, in order: URL identity (same key as a stored document),
exact text (same normalised-text hash), or a near-duplicate edge (an LSH candidate confirmed by
word-level containment). Clusters are the connected components of these edges (union-find), so
the clusters of a batch do not depend on the order of its documents. Lines that recur across
many texts of one site (navigation, newsletter boxes, copyright) are counted for the whole batch
before any document is placed and are left out of both sketches and verification.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import compress
from operator import eq
from pathlib import Path
from urllib.parse import urljoin

from scraper.closing import Closeable
from scraper.dedup.cluster import Rank, cluster_id
from scraper.dedup.lsh import band_keys
from scraper.dedup.minhash import HASH_FINGERPRINT, shingle_hashes, sketch
from scraper.dedup.options import DedupOptions
from scraper.dedup.text import content_lines, line_keys, normalise_lines, text_hash, word_ids
from scraper.dedup.verify import near_duplicate
from scraper.discover.urls import canonical_url, normalise_url, site_of
from scraper.errors import InputError
from scraper.models import Article
from scraper.store.sketches import DocRow, SketchStore, StoredDoc

__all__ = ["Assignment", "DedupIndex", "Document"]

_CACHE_LIMIT = 1024


@dataclass(frozen=True, slots=True, kw_only=True)
class Document:
    """One text to place: its URL (or None), text, and the metadata the representative rule uses.

    ``key`` is the document's identity; by default its same-site canonical URL, else its
    normalised URL, else (no usable URL) the URL as given or a digest of the text.
    """

    url: str | None
    text: str
    title: str | None = None
    published: datetime | None = None
    canonical: str | None = None
    key: str | None = None

    @classmethod
    def from_article(cls, article: Article, *, url: str | None = None) -> Document:
        """The document of an extracted article (``url`` overrides the article's own)."""
        return cls(
            url=url or article.url,
            text=article.text,
            title=article.title,
            published=article.published,
            canonical=article.canonical_url,
        )


@dataclass(frozen=True, slots=True)
class Assignment:
    """Where a document landed: its key and url, its cluster id, and its representative's url.

    ``duplicate_of`` is None for the representative itself.
    """

    key: str
    url: str
    cluster: str
    duplicate_of: str | None


@dataclass(frozen=True, slots=True)
class _Prepared:
    row: DocRow
    names: str | None


class DedupIndex(Closeable):
    """Near-duplicate clusters over a SQLite store; ``DedupIndex.open(":memory:")`` for tests."""

    def __init__(self, store: SketchStore, options: DedupOptions | None = None) -> None:
        self._store = store
        self._options = options or DedupOptions()
        self._templates: dict[str, dict[int, bool]] = {}
        self._cache: dict[int, list[int]] = {}
        self._naming = True

    @classmethod
    def open(cls, path: Path | str = ":memory:", options: DedupOptions | None = None) -> DedupIndex:
        """The index stored in the SQLite file at ``path``, created if needed.

        Raises:
            StoreError: the file cannot be opened or migrated.
            DedupError: the index was written by an interpreter that hashes differently.
        """
        return cls(SketchStore.open(path, fingerprint=HASH_FINGERPRINT), options)

    def close(self) -> None:
        """Close the underlying store."""
        self._store.close()

    def add(self, doc: Document) -> Assignment:
        """Place one document; its assignment reflects everything stored so far."""
        return self.add_many([doc])[0]

    def assign(self, url: str, article: Article) -> Assignment:
        """Place an extracted article fetched from ``url`` (the crawl's dedup hook)."""
        return self.add(Document.from_article(article, url=url))

    def add_many(
        self, docs: Sequence[Document], *, progress: Callable[[int], object] | None = None
    ) -> list[Assignment]:
        """Place a batch; the result, in input order, does not depend on the batch's order.

        ``progress`` is called with the number of documents placed after each commit.

        Raises:
            StoreError: the store could not be read or written (committed chunks are kept).
        """
        prepared = [self._prepare(doc) for doc in docs]
        self._count_template_lines(prepared)
        self._templates.clear()
        self._cache.clear()
        self._naming = self._store.has_canonicals() or any(p.names for p in prepared)
        ids: list[int] = []
        step = self._options.commit_every
        for start in range(0, len(prepared), step):
            chunk = prepared[start : start + step]
            with self._store.transaction():
                ids.extend(self._place(p) for p in chunk)
            if progress is not None:
                progress(len(chunk))
        return [self._assignment(doc, p.row.url) for doc, p in zip(ids, prepared, strict=True)]

    def cluster_of(self, key: str) -> str | None:
        """The current public cluster id of the document stored under ``key``, if any."""
        doc = self._store.first_with_key(key)
        return None if doc is None else cluster_id(self._store.rep(doc.cluster).key)

    def cluster_sizes(self) -> list[int]:
        """The size of every cluster in the index."""
        return self._store.cluster_sizes()

    # --- steps ------------------------------------------------------------------------------
    def _prepare(self, doc: Document) -> _Prepared:
        lines = normalise_lines(doc.text)
        digest = text_hash(lines)
        url = doc.url or ""
        key = doc.key or _key_of(url, doc.canonical, digest)
        row = DocRow(
            key=key,
            url=url or key,
            canonical=_named_target(url, doc.canonical),
            site=site_of(url) if url else "",
            text_hash=digest,
            published=doc.published.timestamp() if doc.published else None,
            words=b" ".join(lines).count(b" ") + 1 if lines else 0,
            line_keys=tuple(line_keys(lines)),
            content=content_lines(lines, self._options.content_word_bytes),
        )
        return _Prepared(row, row.canonical if row.canonical != key else None)

    def _count_template_lines(self, prepared: list[_Prepared]) -> None:
        # Counted per page (key), not per text, so versions of one page do not make its own
        # paragraphs look like site chrome; pages stored in earlier batches were counted then.
        pages: dict[tuple[str, str], set[int]] = {}
        for p in prepared:  # the union over a page's versions, whatever their order
            pages.setdefault((p.row.site, p.row.key), set()).update(p.row.line_keys)
        known = self._store.stored_keys(key for _, key in pages)
        counts: Counter[tuple[str, int]] = Counter()
        for (site, key), lines in pages.items():
            if key not in known:
                counts.update((site, line) for line in lines)
        with self._store.transaction():
            self._store.count_lines([(site, key, n) for (site, key), n in counts.items()])

    def _place(self, prepared: _Prepared) -> int:
        row = prepared.row
        same_key, twin = None, None
        # A text without words (a failed extraction) is nobody's duplicate: only its URL counts.
        digest = row.text_hash if row.line_keys else None
        for other in self._store.related(row.key, digest):
            if other.key == row.key and other.text_hash == row.text_hash:
                # The same page again (another spelling of its URL, a refetch): keep the
                # smallest spelling and earliest date so the result does not depend on order.
                self._refresh(self._store.doc(other.id), row)
                return other.id
            if other.key == row.key and same_key is None:
                same_key = other
            if other.text_hash == row.text_hash and twin is None:
                twin = other
        doc = self._store.insert_doc(row)
        cluster = doc.cluster
        if self._naming and self._store.is_named(row.key):
            self._store.set_named(doc.id)
        if prepared.names is not None:
            for named in self._store.mark_named(prepared.names):
                self._promote(self._store.doc(named))
        if same_key is not None:
            cluster = self._union(cluster, self._store.doc(same_key.id).cluster)
        if twin is not None:
            self._union(cluster, self._store.doc(twin.id).cluster)
            return doc.id  # the twin already carries this text's bands
        if not row.line_keys:
            return doc.id
        ids = self._ids(row.site, row.line_keys, row.content)
        mine = sketch(shingle_hashes(ids, self._options.shingle_words), self._options.bins)
        keys = band_keys(mine, self._options.rows)
        for candidate in self._store.candidates(keys):
            if candidate.cluster == cluster or not self._plausible(mine, candidate.sketch):
                continue
            if near_duplicate(ids, self._stored_ids(candidate.id), self._options):
                cluster = self._union(cluster, self._store.doc(candidate.id).cluster)
        self._store.add_bands(doc.id, keys, mine)
        return doc.id

    def _plausible(self, mine: tuple[int, ...], theirs: tuple[int, ...] | None) -> bool:
        # One shared band is two equal bins; a pair that shares only a sentence or two rarely
        # has more, while a true near-duplicate shares many (about Jaccard x bins).
        if theirs is None or len(theirs) != len(mine):
            return True
        shared: int = sum(map(eq, mine, theirs))
        return shared >= self._options.min_shared_bins

    def _union(self, a: int, b: int) -> int:
        if a == b:
            return a
        best = min((self._store.rep(a), self._store.rep(b)), key=_rank)
        keep = self._store.merge(a, b)
        self._store.set_rep(keep, best.id)
        return keep

    def _refresh(self, doc: StoredDoc, row: DocRow) -> None:
        url = min(doc.url, row.url, key=lambda u: (u != doc.key, len(u), u))
        self._store.refresh(doc.id, url, row.published)
        self._promote(self._store.doc(doc.id))

    def _promote(self, doc: StoredDoc) -> None:
        rep = self._store.rep(doc.cluster)
        if _rank(doc) < _rank(rep):
            self._store.set_rep(doc.cluster, doc.id)

    def _assignment(self, doc_id: int, url: str) -> Assignment:
        doc = self._store.doc(doc_id)
        rep = self._store.rep(doc.cluster)
        duplicate_of = None if rep.id == doc.id and url == rep.url else rep.url
        return Assignment(doc.key, url, cluster_id(rep.key), duplicate_of)

    # --- text after template removal --------------------------------------------------------
    def _ids(self, site: str, keys: Sequence[int], content: Sequence[bytes]) -> list[int]:
        """Ids of the content words of the lines that are not template lines of ``site``."""
        # Only this document's lines are looked up (and remembered for the batch), so the cost
        # does not grow with how many pages of the site the index holds.
        known = self._templates.setdefault(site, {})
        missing = [k for k in set(keys) if k not in known]
        if missing:
            found = self._store.template_lines(site, missing, self._options.template_min_docs)
            known.update((k, k in found) for k in missing)
        if any(known[k] for k in keys):
            content = list(compress(content, [not known[k] for k in keys]))
        return word_ids(b" ".join(content).split())

    def _stored_ids(self, doc: int) -> list[int]:
        cached = self._cache.get(doc)
        if cached is None:
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            cached = self._cache[doc] = self._ids(*self._store.body(doc))
        return cached


def _rank(doc: StoredDoc) -> Rank:
    return Rank.of(named=doc.named, published=doc.published, words=doc.words, key=doc.key)


def _key_of(url: str, canonical: str | None, digest: str) -> str:
    if not url:
        return f"text:{digest}"
    try:
        return canonical_url(url, canonical)
    except InputError:
        return url.strip()


def _named_target(url: str, canonical: str | None) -> str | None:
    # Any-site canonical: a syndicated copy naming the original marks the original as the lead.
    if not canonical:
        return None
    try:
        return normalise_url(urljoin(url, canonical.strip()))
    except InputError:
        return None
