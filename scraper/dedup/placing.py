"""Placing one chunk of prepared documents into the index: links found, clusters merged.

The store is read with a few batched queries when the chunk starts (documents with the same
keys or texts, stored documents under the chunk's band keys, their sketches and bodies), the
chunk is placed in memory (union-find over cluster numbers, each cluster's best-ranked member),
and everything is written back with ``executemany`` in the caller's transaction.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from itertools import chain

import numpy as np
from numpy.typing import NDArray

from scraper.dedup.cluster import Rank, address_of
from scraper.dedup.options import DedupOptions
from scraper.dedup.tokens import U32, U64
from scraper.dedup.verify import (
    contained,
    containment,
    linked_by_foreign_text,
    near_duplicate,
)
from scraper.discover.urls import site_of
from scraper.store.sketches import DocRow, SketchStore, StoredDoc

__all__ = ["Placer", "Prepared", "Sketched"]

_PAIRS_AT_ONCE = 16384  # sketch pairs compared in one numpy pass (8 MB of working arrays)
_CHECKED = 4  # members of one candidate cluster verified at most (see ``Placer._checked``)
# Pages of one key at other addresses compared on their words, at most, before they are first
# screened on their sketches (see ``Placer._join_pages``).
_SAME_KEY_UNSCREENED = 16
# Documents stored under one band key, at most (the first placed): only a few members of a
# candidate cluster are verified (``_CHECKED``), and every further copy of a story carried
# thousands of times read every earlier one under each of its bands.
_BAND_DOCS = 128
_URL_KEPT = 1000  # URLs longer than this are not kept with their address (memory)


@dataclass(frozen=True, slots=True, kw_only=True)
class Prepared:
    """A document ready to place: the fields stored about it, its address (``url``
    normalised) and its AMP twins' addresses (``amp.amp_twins``)."""

    key: str
    url: str
    address: str
    twins: tuple[str, ...]
    canonical: str | None
    names: str | None
    site: str
    text_hash: str
    published: float | None
    words: int
    line_keys: Sequence[int]


@dataclass(frozen=True, slots=True)
class Sketched:
    """What sketching gave one document: ids to verify with, stored content, sketch, bands."""

    ids: U32
    content: bytes
    line_words: bytes
    sketch: U64 | None
    bands: list[int]


@dataclass(slots=True)
class _Cluster:
    size: int
    best: StoredDoc
    stored: bool


@dataclass(frozen=True, slots=True)
class _KeyTable:
    """The sketches of one key's stored documents, to screen a new page of the key with."""

    ids: NDArray[np.int64]  # those with a sketch, one row of ``sketches`` each
    sketches: NDArray[np.uint64] | None
    unsketched: list[int]


class Placer:
    """Places the documents of one chunk; ``flush`` writes the result."""

    def __init__(
        self,
        store: SketchStore,
        options: DedupOptions,
        stored_ids: Callable[[Sequence[int]], dict[int, U32]],
        known: dict[str, str],
    ) -> None:
        self._store = store
        self._options = options
        self._stored_ids = stored_ids
        self._next = store.next_id()
        self._first = self._next  # the chunk's documents are numbered from here
        self._parent: dict[int, int] = {}
        self._clusters: dict[int, _Cluster] = {}
        self._dropped: list[tuple[int, int]] = []
        self._docs: dict[int, StoredDoc] = {}
        self._rows: dict[int, DocRow] = {}
        self._sketches: dict[int, U64] = {}
        self._arrays: dict[int, U32] = {}
        self._bands: dict[int, list[int]] = {}
        self._refreshed: set[int] = set()
        self._named: set[int] = set()
        self._hashes: dict[int, str] = {}
        self._urls: dict[int, str] = {}  # stored documents' URLs, as read
        self._addresses: dict[int, str] = {}  # see ``_address``
        # Addresses by URL, kept by the caller from chunk to chunk: every page placed under a
        # key that thousands of pages share looks up the address of each of them.
        self._known = known
        # Per key that several documents share, its documents by address (see ``_pages_at``).
        self._pages: dict[str, dict[str, list[int]]] = {}
        self._key_tables: dict[str, _KeyTable] = {}
        self._stored_cluster: dict[int, int] = {}
        self._stored_info: dict[int, tuple[int, int]] = {}
        # Per cluster root, a few of its members: the chunk's own, and the stored clusters it
        # holds (their members are read only when needed, see ``_witnessed``).
        self._sample: dict[int, list[int]] = {}
        self._parts: dict[int, list[int]] = {}
        # The chunk's own state: who has which key or text, band hits, keys named canonical.
        self._by_key: dict[str, list[int]] = {}
        self._by_text: dict[str, int] = {}
        self._hits: dict[int, list[int]] = {}
        self._named_keys: set[str] = set()

    def place(self, chunk: Sequence[tuple[Prepared, Sketched]], naming: bool) -> list[int]:
        """The id each document of ``chunk`` is stored under, in order."""
        preps = [p for p, _ in chunk]
        asked = {p.key for p in preps}.union(*(p.twins for p in preps))
        for rel in self._store.related(asked, {p.text_hash for p in preps}):
            self._by_key.setdefault(rel.key, []).append(rel.id)
            self._by_text.setdefault(rel.text_hash, rel.id)
            self._hashes[rel.id] = rel.text_hash
            self._urls[rel.id] = rel.url
            self._stored_cluster[rel.id] = rel.cluster
        names = {p.names for p in preps if p.names is not None}
        if naming:
            self._named_keys = self._store.named_keys(p.key for p in preps) | names
        unnamed: dict[str, list[StoredDoc]] = {}
        for doc in self._store.unnamed(names) if names else []:
            unnamed.setdefault(doc.key, []).append(doc)
        lookups = self._shared_bands([s.bands for _, s in chunk])
        passed = self._load_candidates(chunk, lookups, set(self._hashes))
        out = []
        for (prep, sketched), screened, keys in zip(chunk, passed, lookups, strict=True):
            placed = self._place_one(prep, sketched, screened, keys)
            for stored in unnamed.pop(prep.names, []) if prep.names else []:
                self._named.add(stored.id)
                self._promote(replace(self._docs.get(stored.id, stored), named=True))
            out.append(placed)
        return out

    def flush(self) -> None:
        """Write the chunk's documents, bands, clusters and updates to the store."""
        rows = list(self._rows.values())
        self._store.insert_docs(rows, [self._find(r.cluster) for r in rows])
        roots = [c for c in self._clusters if self._find(c) == c]
        self._store.write_clusters(
            [(c, self._clusters[c].best.id, self._clusters[c].size) for c in roots], self._dropped
        )
        for doc in sorted(self._refreshed):
            found = self._docs[doc]
            self._store.refresh(doc, found.url, found.published)
        self._store.set_named(sorted(self._named))
        bands = self._kept_bands()
        if bands:
            keys = np.array(list(chain.from_iterable(bands.values())), dtype=np.int64)
            docs = np.repeat(list(bands), [len(b) for b in bands.values()])
            order = np.lexsort((docs, keys))  # B-tree order: the inserts append to pages
            self._store.add_bands(np.stack([keys[order], docs[order]], axis=1).ravel().tolist())

    def _kept_bands(self) -> dict[int, list[int]]:
        """The band keys each of the chunk's documents is stored under: all of its own, but
        none under which ``_BAND_DOCS`` documents stored or placed before it already are.

        Those are enough to find the story (or the template) they share; a document is left
        to be found under its other keys, and one with none left shares all of its text with
        more than a hundred others, as a stub does with thousands (and stubs have no bands).
        """
        full: set[tuple[int, int]] = set()
        for key, docs in self._hits.items():
            # The stored documents first, then the chunk's in the order they were placed.
            if len(docs) > _BAND_DOCS:
                full.update((key, doc) for doc in docs[_BAND_DOCS:])
        if not full:
            return self._bands
        return {
            doc: [key for key in keys if (key, doc) not in full]
            for doc, keys in self._bands.items()
        }

    # --- one document -----------------------------------------------------------------------
    def _place_one(
        self, prep: Prepared, sketched: Sketched, screened: set[int], keys: list[int]
    ) -> int:
        by_key, by_text = self._by_key, self._by_text
        same_key = list(by_key.get(prep.key, ()))
        for other in same_key:
            if self._text_of(other) == prep.text_hash:
                # The same page again (another spelling of its URL, a refetch): keep the
                # smallest spelling and earliest date so the result does not depend on order.
                self._refresh(other, prep)
                if len(same_key) > 1:
                    # Served at the address of another document of its key, kept apart from
                    # this one by its text: that page now has this text, all three one page.
                    self._join_pages(other, prep.key, prep.url, None, same_key)
                if prep.twins:
                    # Kept apart from its AMP twins by an index written before they were
                    # joined: placing the page again joins them.
                    self._join_twins(prep, self._cluster_of(other))
                return other
        # A text of a handful of words (a geo-block or paywall stub, a JavaScript wall) is the
        # same on unrelated pages: equal texts only link when there is enough of them to tell.
        # Counted before site chrome is taken out: one article served under three paths of its
        # site has every line on three pages, so all of it looks like chrome.
        words = len(sketched.content) // 4
        linkable = bool(prep.line_keys) and words >= self._options.min_words
        twin = by_text.get(prep.text_hash) if linkable else None
        doc = self._new_doc(prep, sketched, prep.key in self._named_keys)
        cluster = self._join_pages(doc.id, prep.key, prep.url, sketched.ids, same_key)
        if prep.twins:
            cluster = self._join_twins(prep, cluster)
        by_key.setdefault(prep.key, []).append(doc.id)
        by_text.setdefault(prep.text_hash, doc.id)
        pages = self._pages.get(prep.key)
        if pages is not None:
            pages.setdefault(self._address(doc.id), []).append(doc.id)
        if twin is not None:
            self._union(cluster, self._cluster_of(twin))
            return doc.id  # the twin already carries this text's bands
        if sketched.sketch is None or len(sketched.ids) < self._options.min_words:
            # Too few words to pass verification with anything: no candidates to check, and
            # no bands, which would make it everyone's candidate (thousands of one stub).
            return doc.id
        self._link(doc.id, sketched, screened, keys)
        return doc.id

    def _join_pages(
        self, doc: int, key: str, url: str, ids: U32 | None, same_key: list[int]
    ) -> int:
        """Join ``doc`` (at ``url``, content words ``ids``; None: by address alone) to the
        documents ``same_key`` of its ``key`` that are its page; the root of its cluster.

        One address is one page whatever its text now says (an update, a live blog grown since).
        A key shared only through canonical links needs shared text as well: templates that
        point every article's canonical link at its section page, or at the path without the
        query that tells articles apart, would otherwise put a whole site in one cluster.
        Every document of the key is asked, not the first stored: which arrived first must not
        decide, and two clusters must never hold one key at one address (``cluster_id``).
        """
        root = self._find(self._cluster_of(doc))
        if not same_key:
            return root
        address = address_of(url)
        for other in self._pages_at(key, address):
            if other != doc:
                root = self._union(root, self._cluster_of(other))
        if ids is None:
            return root
        by_text = [
            o
            for o in same_key
            if o != doc and self._find(self._cluster_of(o)) != root and self._address(o) != address
        ]
        if not by_text:
            # A page refetched thousands of times with a new text each time: every one is at
            # its address, in its cluster, and their sketches need not be read.
            return root
        if len(same_key) > _SAME_KEY_UNSCREENED:
            passing = set(self._screened(key, doc, same_key))
            by_text = [o for o in by_text if o in passing]
        wanted = [o for o in by_text if o not in self._arrays]
        if wanted:  # read at once
            self._arrays.update(self._stored_ids(wanted))
        mine: list[int] = ids.tolist()
        least = self._options.containment
        for other in by_text:
            if self._find(self._cluster_of(other)) == root:
                continue
            if containment(mine, self._ids_of(other)) >= least:
                root = self._union(root, self._cluster_of(other))
        return root

    def _join_twins(self, prep: Prepared, root: int) -> int:
        """Join the pages at ``prep``'s AMP twin addresses, under its key or theirs, whatever
        their texts; the root of its cluster.

        An AMP copy is its page in another template, whose chrome the site has not learnt
        (it is most of a short article's copy), and on a new site the two are its first two
        texts, which share only what is taken as chrome. Their addresses say they are one page.
        """
        for key in (prep.key, *prep.twins):
            if key not in self._by_key:
                continue
            for address in prep.twins:
                for other in self._pages_at(key, address):
                    root = self._union(root, self._cluster_of(other))
        return root

    def _pages_at(self, key: str, address: str) -> list[int]:
        """The documents of ``key`` at ``address``.

        Worked out for the keys that need it: most documents have a key of their own, and
        their URLs are not parsed again.
        """
        pages = self._pages.get(key)
        if pages is None:
            pages = self._pages[key] = {}
            for other in self._by_key.get(key, ()):
                pages.setdefault(self._address(other), []).append(other)
        return pages.get(address, [])

    def _screened(self, key: str, doc: int, same_key: list[int]) -> list[int]:
        """Those of ``same_key`` whose sketch has a bin equal to that of ``doc`` (or that
        cannot be screened: either has no sketch).

        A template's key has hundreds of unrelated pages, and comparing each page with each
        grows with their square; a page contained in another shares bins of its sketch with it
        (about the share of its shingles it holds), unrelated texts none. The key's stored
        documents are screened at once, on a table of their sketches read once a chunk.
        """
        mine = self._sketches.get(doc)
        if mine is None:
            return same_key
        split = bisect_left(same_key, self._first)
        table = self._key_tables.get(key)
        if table is None:
            stored = same_key[:split]
            missing = [o for o in stored if o not in self._sketches]
            for doc_id, (_, blob) in self._store.sketches(missing).items():
                # Empty: no sketch to screen with (and not read again).
                self._sketches[doc_id] = np.frombuffer(blob or b"", dtype="<u8")
            empty = np.zeros(0, dtype=np.uint64)
            full = [o for o in stored if len(self._sketches.get(o, empty)) == len(mine)]
            rest = [o for o in stored if len(self._sketches.get(o, empty)) != len(mine)]
            rows = np.stack([self._sketches[o] for o in full]) if full else None
            table = self._key_tables[key] = _KeyTable(np.array(full, dtype=np.int64), rows, rest)
        out = list(table.unsketched)
        if table.sketches is not None:
            out += table.ids[(table.sketches == mine).any(axis=1)].tolist()
        for other in same_key[split:]:
            theirs = self._sketches.get(other)
            if theirs is None or len(theirs) != len(mine) or bool((theirs == mine).any()):
                out.append(other)
        return out

    def _link(self, doc: int, sketched: Sketched, screened: set[int], keys: list[int]) -> None:
        """Verify and join the candidates of ``doc`` (``screened``: stored ones that passed).

        ``keys`` are its band keys that some other document has too (see ``_shared_bands``).
        """
        hits = self._hits
        found: set[int] = set()
        for key in keys:
            sharing = hits.get(key)
            if sharing is None:
                hits[key] = [doc]
            else:
                found.update(sharing)
                sharing.append(doc)
        self._bands[doc] = sketched.bands
        mine = sketched.sketch
        if mine is None or not found:
            return
        # Screened first (stored ones already are, the chunk's own at once with numpy), so
        # that only the few that pass are looked up in the union-find.
        new = [o for o in found if o in self._rows]
        passed = [o for o in found if o in screened] + self._screen(mine, new)
        if not passed:
            return
        root = self._find(doc)
        groups: dict[int, list[int]] = {}
        for other in sorted(passed):
            cluster = self._find(self._cluster_of(other))
            if cluster != root:
                groups.setdefault(cluster, []).append(other)
        if not groups:
            return
        ids = self._ids_of(doc)
        matched: dict[int, int] = {}
        for cluster, members in groups.items():
            for other in self._checked(cluster, members):
                theirs = self._ids_of(other)
                if near_duplicate(ids, theirs, self._options) and not self._foreign(
                    doc, other, ids, theirs
                ):
                    if len(ids) >= len(theirs) or self._witnessed(ids, cluster, other, members):
                        matched[cluster] = other
                    break
        self._join(doc, ids, matched)

    def _foreign(self, doc: int, other: int, ids: list[int], theirs: list[int]) -> bool:
        """Whether ``doc`` and ``other``, pages of one site, matched through text neither
        one's own words are about (``verify.linked_by_foreign_text``): a block of the site's
        template too new to be chrome yet. Pages of different sites are never held back so:
        a wire copy's own lines are its site's chrome, which says nothing of the story."""
        site = site_of(self._doc(doc).url)
        if not site or site != site_of(self._doc(other).url):
            return False
        return linked_by_foreign_text(ids, theirs, self._options)

    def _witnessed(self, ids: list[int], cluster: int, matched: int, members: list[int]) -> bool:
        """Whether a document contained in ``matched`` also passes against another member.

        A longer page that holds most of two stories (a digest) links to each; the second
        story to arrive would join the first through it. So a document that passed against a
        longer member of a cluster of several joins only when one of a few other members
        (other candidates, the representative, then any) agrees too: the shorter of the two
        contained in the other, whatever their lengths (a trimmed copy and a long update of
        one story may fail the length ratio, not containment).
        """
        if self._info(cluster).size < 2:
            return True
        others: list[int] = []

        def take(source: list[int]) -> None:
            # Only the first few are checked: a hot story's candidates run to thousands.
            for member in source:
                if len(others) >= _CHECKED:
                    return
                if member != matched and member not in others:
                    others.append(member)

        for source in (members, [self._info(cluster).best.id], self._sample.get(cluster, [])):
            take(source)
        for part in self._parts.get(cluster, []):
            if len(others) >= _CHECKED:
                break
            take(self._store.members(part, _CHECKED + 1))
        options = self._options
        return any(contained(ids, self._ids_of(m), options) for m in others)

    def _checked(self, cluster: int, members: list[int]) -> list[int]:
        """The few of a cluster's candidate ``members`` verified, its representative first.

        One member that passes is enough to join; verifying every copy of a story that many
        sites carry would make each further copy cost more than the last.
        """
        best = self._info(cluster).best.id
        ordered = [best] if best in members else []
        ordered += [m for m in members if m != best]
        return ordered[:_CHECKED]

    def _join(self, doc: int, ids: list[int], matched: dict[int, int]) -> None:
        """Join ``doc`` to the clusters it matched (cluster -> the member that passed).

        A digest page holding most of two unrelated stories passes against each of them, and
        would join the two for good. So clusters are merged through ``doc`` only when their
        matched members are the same story too (see ``_same_story``). Those that are not are
        left alone: ``doc`` joins the best match (highest containment, then the better-ranked
        cluster) and those that agree with it.
        """
        if len(matched) > 1:
            scored = sorted(
                matched.items(),
                key=lambda item: (
                    -containment(ids, self._ids_of(item[1])),
                    _rank(self._info(item[0]).best),
                ),
            )
            kept = [self._ids_of(scored[0][1])]
            for cluster, member in scored[1:]:
                theirs = self._ids_of(member)
                if any(self._same_story(ids, theirs, k) for k in kept):
                    kept.append(theirs)
                else:
                    del matched[cluster]
        for cluster in matched:
            self._union(doc, cluster)

    def _same_story(self, ids: list[int], one: list[int], other: list[int]) -> bool:
        """Whether two members that ``ids`` both matched may be joined through it.

        Most of a document contained in each of them is text they share: a short copy of
        one story links its longer copies even when those trimmed it differently. A document
        longer than them may instead hold each in a different part (a digest): then they must
        be contained in one another themselves.
        """
        if len(ids) <= len(one) and len(ids) <= len(other):
            return True
        return contained(one, other, self._options)

    def _new_doc(self, prep: Prepared, sketched: Sketched, named: bool) -> StoredDoc:
        doc_id = self._next
        self._next += 1
        doc = StoredDoc(doc_id, prep.key, prep.url, named, prep.published, prep.words, doc_id)
        self._docs[doc_id] = doc
        self._parent[doc_id] = doc_id
        self._clusters[doc_id] = _Cluster(1, doc, False)
        self._sample[doc_id] = [doc_id]
        self._arrays[doc_id] = sketched.ids
        if sketched.sketch is not None:
            self._sketches[doc_id] = sketched.sketch
        self._rows[doc_id] = DocRow(
            id=doc_id,
            key=prep.key,
            url=prep.url,
            canonical=prep.canonical,
            site=prep.site,
            text_hash=prep.text_hash,
            published=prep.published,
            words=prep.words,
            named=named,
            cluster=doc_id,
            line_keys=np.array(prep.line_keys, dtype="<u4").tobytes(),
            line_words=sketched.line_words,
            content=sketched.content,
            sketch=None if sketched.sketch is None else sketched.sketch.astype("<u8").tobytes(),
        )
        return doc

    # --- clusters ---------------------------------------------------------------------------
    def _find(self, cluster: int) -> int:
        root = cluster
        while self._parent.setdefault(root, root) != root:
            root = self._parent[root]
        while cluster != root:
            self._parent[cluster], cluster = root, self._parent[cluster]
        return root

    def _info(self, cluster: int) -> _Cluster:
        found = self._clusters.get(cluster)
        if found is None:
            if cluster not in self._stored_info:
                self._load_clusters([cluster])
            size, rep = self._stored_info[cluster]
            found = self._clusters[cluster] = _Cluster(size, self._doc(rep), True)
            self._parts[cluster] = [cluster]
        return found

    def _load_clusters(self, clusters: Iterable[int]) -> None:
        """Read the size and representative of stored clusters (one query for many)."""
        found = self._store.clusters(c for c in clusters if c not in self._stored_info)
        self._stored_info.update(found)
        self._docs.update(
            self._store.docs(rep for _, rep in found.values() if rep not in self._docs)
        )

    def _union(self, a: int, b: int) -> int:
        a, b = self._find(a), self._find(b)
        if a == b:
            return a
        first, second = self._info(a), self._info(b)
        keep, drop = (a, b) if (first.size, -a) >= (second.size, -b) else (b, a)
        kept, gone = self._clusters[keep], self._clusters[drop]
        kept.size += gone.size
        kept.best = min(kept.best, gone.best, key=_rank)
        kept.stored = kept.stored or gone.stored
        if gone.stored:
            self._dropped.append((drop, keep))
        self._parent[drop] = keep
        del self._clusters[drop]
        self._sample[keep] = (self._sample.get(keep, []) + self._sample.pop(drop, []))[:_CHECKED]
        self._parts[keep] = self._parts.get(keep, []) + self._parts.pop(drop, [])
        return keep

    def _promote(self, doc: StoredDoc) -> None:
        self._docs[doc.id] = doc
        info = self._info(self._find(doc.cluster))
        info.best = min(info.best, doc, key=_rank)

    def _refresh(self, doc_id: int, prep: Prepared) -> None:
        doc = self._doc(doc_id)
        url = min(doc.url, prep.url, key=lambda u: (u != doc.key, len(u), u))
        dates = [d for d in (doc.published, prep.published) if d is not None]
        fresh = replace(doc, url=url, published=min(dates) if dates else None)
        pages = self._pages.get(doc.key)
        if url != doc.url and pages is not None:
            # Now known by another address: found there, no longer at the one it had.
            before = self._address(doc_id)
            self._addresses[doc_id] = after = address_of(url)
            left = pages.get(before, [])
            if before != after and doc_id in left:
                left.remove(doc_id)
                pages.setdefault(after, []).append(doc_id)
        else:
            self._addresses.pop(doc_id, None)
        if doc_id in self._rows:
            self._rows[doc_id] = replace(self._rows[doc_id], url=url, published=fresh.published)
        else:
            self._refreshed.add(doc_id)
        self._promote(fresh)

    # --- stored documents -------------------------------------------------------------------
    def _doc(self, doc_id: int) -> StoredDoc:
        found = self._docs.get(doc_id)
        if found is None:
            found = self._docs[doc_id] = self._store.doc(doc_id)
        return found

    def _text_of(self, doc_id: int) -> str:
        row = self._rows.get(doc_id)
        return row.text_hash if row is not None else self._hashes[doc_id]

    def _address(self, doc_id: int) -> str:
        """The address of document ``doc_id`` (worked out once; a refresh forgets it)."""
        found = self._addresses.get(doc_id)
        if found is None:
            # A document refreshed in this chunk has its new URL in ``_docs``.
            doc = self._docs.get(doc_id)
            url = doc.url if doc is not None else self._urls[doc_id]
            found = self._addresses[doc_id] = self._known.get(url) or address_of(url)
            if len(url) <= _URL_KEPT:
                self._known[url] = found
        return found

    def _cluster_of(self, doc_id: int) -> int:
        found = self._docs.get(doc_id)
        return found.cluster if found is not None else self._stored_cluster[doc_id]

    def _ids_of(self, doc_id: int) -> list[int]:
        # Kept as arrays (a quarter of a list's memory); a list is made for each comparison.
        found = self._arrays.get(doc_id)
        if found is None:
            found = self._arrays[doc_id] = self._stored_ids([doc_id])[doc_id]
        ids: list[int] = found.tolist()
        return ids

    def _shared_bands(self, bands: Sequence[list[int]]) -> list[list[int]]:
        """Each document's band keys that a stored document or another of the chunk has too;
        the stored documents under each key of the chunk are read into ``_hits``.

        Only these can give a candidate: most keys of a chunk belong to one document alone, and
        looking them up one by one is most of the cost of linking.
        """
        sizes = [len(b) for b in bands]
        keys = np.fromiter(chain.from_iterable(bands), np.int64, sum(sizes))
        unique, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
        self._hits = self._store.band_hits(unique)
        stored = np.fromiter(self._hits, np.int64, len(self._hits))
        wanted = ((counts > 1) | np.isin(unique, stored, assume_unique=True))[inverse]
        owner = np.repeat(np.arange(len(bands)), sizes)[wanted]
        ends = np.searchsorted(owner, np.arange(1, len(bands) + 1)).tolist()
        chosen: list[int] = keys[wanted].tolist()
        return [chosen[a:b] for a, b in zip([0, *ends[:-1]], ends, strict=True)]

    def _load_candidates(
        self,
        chunk: Sequence[tuple[Prepared, Sketched]],
        lookups: list[list[int]],
        related: set[int],
    ) -> list[set[int]]:
        """Read what stored candidates need; for each document, those passing the screen."""
        hits = self._hits
        stored = self._store.sketches({d for docs in hits.values() for d in docs})
        for doc_id, (cluster, blob) in stored.items():
            self._stored_cluster[doc_id] = cluster
            if blob is not None:
                self._sketches[doc_id] = np.frombuffer(blob, dtype="<u8")
        # Bodies are read at once for every stored candidate that passes the sketch screen.
        pairs: list[tuple[int, int]] = []
        for number, ((_, sketched), keys) in enumerate(zip(chunk, lookups, strict=True)):
            if sketched.sketch is not None:
                pairs += [(number, d) for d in {d for k in keys for d in hits.get(k, ())}]
        passed: list[set[int]] = [set() for _ in chunk]
        for number, other in self._screen_pairs([s.sketch for _, s in chunk], pairs):
            passed[number].add(other)
        self._load_clusters({self._stored_cluster[d] for d in set().union(*passed) | related})
        # Only the few members of each cluster that ``_checked`` can pick are kept.
        for number, found in enumerate(passed):
            by_cluster: dict[int, list[int]] = {}
            for other in sorted(found):
                by_cluster.setdefault(self._stored_cluster[other], []).append(other)
            passed[number] = {
                m for c, members in by_cluster.items() for m in self._checked(c, members)
            }
        self._arrays.update(self._stored_ids(sorted(set().union(*passed))))
        return passed

    def _screen_pairs(
        self, mine: Sequence[U64 | None], pairs: list[tuple[int, int]]
    ) -> list[tuple[int, int]]:
        """The (chunk document, stored document) ``pairs`` that pass ``_screen``, at once."""
        bins = self._options.bins
        known = [p for p in pairs if len(self._sketches.get(p[1], ())) == bins]
        out = [p for p in pairs if len(self._sketches.get(p[1], ())) != bins]
        if not known:
            return out
        rows = {d: i for i, d in enumerate({d for _, d in known})}
        theirs = np.stack([self._sketches[d] for d in rows])
        ours = np.stack([m if m is not None else np.zeros(bins, np.uint64) for m in mine])
        left = np.array([n for n, _ in known], dtype=np.int64)
        right = np.array([rows[d] for _, d in known], dtype=np.int64)
        keep = np.zeros(len(known), dtype=bool)
        for start in range(0, len(known), _PAIRS_AT_ONCE):
            part = slice(start, start + _PAIRS_AT_ONCE)
            shared = np.count_nonzero(ours[left[part]] == theirs[right[part]], axis=1)
            keep[part] = shared >= self._options.min_shared_bins
        return out + [p for p, ok in zip(known, keep.tolist(), strict=True) if ok]

    def _screen(self, mine: U64, others: list[int]) -> list[int]:
        """Those of ``others`` whose sketch agrees with ``mine`` on enough bins (or is unknown)."""
        # One shared band is two equal bins; a pair that shares only a sentence or two rarely
        # has more, while a true near-duplicate shares many (about Jaccard x bins).
        known = [o for o in others if len(self._sketches.get(o, ())) == len(mine)]
        out = [o for o in others if len(self._sketches.get(o, ())) != len(mine)]
        if known:
            table = np.stack([self._sketches[o] for o in known])
            shared = np.count_nonzero(table == mine, axis=1)
            keep = (shared >= self._options.min_shared_bins).tolist()
            out += [o for o, ok in zip(known, keep, strict=True) if ok]
        return out


def _rank(doc: StoredDoc) -> Rank:
    return Rank.of(
        named=doc.named, published=doc.published, words=doc.words, key=doc.key, url=doc.url
    )
