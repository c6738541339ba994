"""The incremental, persistent near-duplicate index.

A document joins a cluster through, in order: URL identity (same key as a stored document),
exact text (same normalised-text hash), or a near-duplicate edge (an LSH candidate confirmed by
word-level containment). Clusters are joined along these edges (union-find), but never two
clusters whose members are different stories (``placing.py``). Lines that recur across
many stories of one site (navigation, newsletter boxes, copyright) are counted for the whole
batch before any document is placed and are left out of both sketches and verification; once
placed, a line is counted once per story (``stories.py``).
"""

from __future__ import annotations

import multiprocessing
import threading
import zlib
from collections import Counter
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from scraper.closing import Closeable
from scraper.dedup.amp import amp_twins
from scraper.dedup.analyse import Unit, analyse_unit, join_words
from scraper.dedup.cluster import address_of, cluster_id
from scraper.dedup.document import Document
from scraper.dedup.domains import Domains
from scraper.dedup.identity import Addresses, joined
from scraper.dedup.lsh import band_keys
from scraper.dedup.minhash import EMPTY, SKETCH_SCHEME, sketches
from scraper.dedup.options import DedupOptions
from scraper.dedup.placing import Placer, Prepared, Sketched
from scraper.dedup.sharing import Done, SharedAnalysis
from scraper.dedup.stories import Counted, nested, once_per_story
from scraper.dedup.tokens import I64, U32, U64, Flags, Keys, Words, flat_keys, tokenise
from scraper.errors import DedupError
from scraper.models import Article
from scraper.store.sketches import Body, Placed, SketchStore
from scraper.surrogates import without_surrogates

__all__ = ["Assignment", "DedupIndex"]

_CACHE_LIMIT = 4096
_UNIT = 125  # documents per analysis task
# Units with each worker at a time: enough to keep it busy between two spans of the batch
# placed meanwhile (a span takes as long as a worker's dozen units), few enough that the
# texts sent ahead stay a small part of the batch.
_WINDOW = 24
# Documents placed at once (at most): one chunk's store reads and working state. Several
# chunks may share a transaction (``commit_every``): each commit rewrites most pages of the
# band index, so fewer, larger transactions write far less.
_CHUNK = 2000
# Earlier pages of one cluster on one host whose lines are read when counting a batch's lines
# once per story, at most (the last stored; see ``_count_once_per_story``).
_EARLIER = 64
# URLs kept with their addresses between chunks, at most: enough for the pages of a key that
# a page refetched thousands of times, or a template's canonical link, gave them all.
_ADDRESSES_KEPT = 16384


@dataclass(frozen=True, slots=True)
class Assignment:
    """Where a document landed: its key and url, its cluster id, and its representative's url.

    ``duplicate_of`` is None for the representative itself.
    """

    key: str
    url: str
    cluster: str
    duplicate_of: str | None


class DedupIndex(Closeable):
    """Near-duplicate clusters over a SQLite store; ``DedupIndex.open(":memory:")`` for tests.

    An index written before sketch schemes were recorded is re-sketched when it is opened.
    Threads may share one index: each call runs whole before the next one starts (processes
    each open their own; SQLite's locks keep their writes apart).
    """

    def __init__(self, store: SketchStore, options: DedupOptions | None = None) -> None:
        self._store = store
        self._options = options or DedupOptions()
        self._template_yes: set[int] = set()
        self._template_no: set[int] = set()
        self._counted: I64 = np.zeros(0, dtype=np.int64)  # sorted: lines the batch counted
        # Sorted: every line chrome on enough domains, when the store holds few enough line
        # counts of domains to read them all (None: each line is looked up).
        self._spread: I64 | None = None
        self._cache: dict[int, U32] = {}
        self._addresses: dict[str, str] = {}  # the address of a URL (``Placer._address``)
        self._domains = Domains()
        self._pool: ProcessPoolExecutor | None = None
        # One connection serves every thread, and a second call's writes would nest in the
        # first's transaction (both taking the same next document id): calls go one at a time.
        self._lock = threading.RLock()
        if store.legacy:
            self._resketch()

    @classmethod
    def open(cls, path: Path | str = ":memory:", options: DedupOptions | None = None) -> DedupIndex:
        """The index stored in the SQLite file at ``path``, created if needed.

        Raises:
            StoreError: the file cannot be opened or migrated.
            DedupError: the index was sketched with another scheme.
        """
        return cls(SketchStore.open(path, fingerprint=SKETCH_SCHEME), options)

    def close(self) -> None:
        """Close the underlying store and stop the worker processes, if any were started."""
        with self._lock:
            if self._pool is not None:
                self._pool.shutdown()
                self._pool = None
            self._store.close()

    def add(self, doc: Document) -> Assignment:
        """Place one document; its assignment reflects everything stored so far."""
        return self.add_many([doc])[0]

    def assign(self, url: str, article: Article) -> Assignment:
        """Place one article fetched from ``url`` (the crawl places batches with ``add_many``)."""
        return self.add(Document.from_article(article, url=url))

    def add_many(
        self, docs: Sequence[Document], *, progress: Callable[[int], object] | None = None
    ) -> list[Assignment]:
        """Place a batch; the result, in input order, does not depend on the batch's order.

        ``progress`` is called with the number of documents placed after each commit.

        Raises:
            StoreError: the store could not be read or written (committed chunks are kept).
            DedupError: a worker process died (with ``DedupOptions.workers`` > 1); the next
                call starts new ones.
        """
        with self._lock, self._workers_guarded():
            return self._place(self._finish(self._begin(docs)), progress, None)

    def add_batches(
        self,
        batches: Iterable[Sequence[Document]],
        *,
        progress: Callable[[int], object] | None = None,
    ) -> Generator[list[Assignment], None, None]:
        """Place each of ``batches`` in turn, as ``add_many`` would; yield its assignments.

        For a stream too big to hold at once. With worker processes (``DedupOptions.workers``
        > 1) the workers analyse the next batch while this process places the current one, so
        both stay busy. Each batch is one ``add_many``: the result does not depend on the order
        of documents within a batch, but moving a document to another batch can change it
        (lines are counted as site chrome batch by batch).

        Raises:
            StoreError: the store could not be read or written (placed batches are kept).
            DedupError: a worker process died; the next call starts new ones.
        """
        upcoming = iter(batches)
        following = next(upcoming, None)
        with self._lock:
            underway = None if following is None else self._begin(following)
        try:
            while underway is not None:
                # Not held across the yield: another thread's call may run between batches.
                with self._lock, self._workers_guarded():
                    current = self._finish(underway)
                    following = next(upcoming, None)
                    underway = None if following is None else self._begin(following)
                    placed = self._place(current, progress, underway)
                yield placed
        finally:
            if underway is not None:
                underway.cancel()

    @contextmanager
    def _workers_guarded(self) -> Iterator[None]:
        """Let a ``DedupError`` through, with the broken worker pool dropped for a new one."""
        try:
            yield
        except DedupError:
            if self._pool is not None:
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = None
            raise

    def placement(self, key: str, url: str | None = None) -> Assignment | None:
        """Where the document stored under ``key`` is now (its first version), if anywhere.

        Pages that share a key only through canonical links (a template naming one sibling
        article on every page) can sit in different clusters: ``url`` says which of them is
        meant, the one last seen at that address. Without it, or when no document of the key
        was seen there, the key's first document answers. A lone surrogate in ``key`` or
        ``url`` is read as U+FFFD, as ``Document`` stores it.
        """
        # Asked as given, SQLite cannot encode it (a bare UnicodeEncodeError), and the document
        # placed under it is stored with U+FFFD anyway.
        key = without_surrogates(key)
        url = None if url is None else without_surrogates(url)
        with self._lock:
            doc = None if url is None else self._store.first_with_key(key, url)
            if doc is None:
                doc = self._store.first_with_key(key)
            if doc is None:
                return None
            where = self._store.placed([doc.id])[doc.id]
        own = where.rep == doc.id
        return Assignment(doc.key, doc.url, _public_id(where), None if own else where.rep_url)

    def cluster_of(self, key: str, url: str | None = None) -> str | None:
        """The current public cluster id of the document stored under ``key`` (at ``url``,
        as :meth:`placement` reads it), if any."""
        found = self.placement(key, url)
        return None if found is None else found.cluster

    def cluster_sizes(self) -> list[int]:
        """The size of every cluster in the index."""
        with self._lock:
            return self._store.cluster_sizes()

    # --- steps ------------------------------------------------------------------------------
    def _assignments(self, ids: list[int], urls: list[str]) -> list[Assignment]:
        """Where each placed document is now (a later chunk may have re-pointed its cluster)."""
        placed = self._store.placed(ids)
        out = []
        for doc_id, url in zip(ids, urls, strict=True):
            where = placed[doc_id]
            own = where.rep == doc_id and url == where.rep_url
            lead = None if own else where.rep_url
            out.append(Assignment(where.key, url, _public_id(where), lead))
        return out

    def _begin(self, docs: Sequence[Document]) -> _Underway:
        """Start the analysis of a batch: in the worker processes at once, if it is big enough.

        A batch is analysed in units of ``_UNIT`` documents, within spans of at most
        ``_CHUNK`` (placed at once).
        """
        step = min(self._options.commit_every, _CHUNK)
        spans = [(start, min(start + step, len(docs))) for start in range(0, len(docs), step)]
        bounds = [
            (start, min(start + _UNIT, stop))
            for first, stop in spans
            for start in range(first, stop, _UNIT)
        ]
        units = [_unit(docs[start:stop]) for start, stop in bounds]
        shared = None
        if self._options.workers > 1 and len(docs) >= self._options.parallel_from:
            if self._pool is None:
                spawn = multiprocessing.get_context("spawn")
                self._pool = ProcessPoolExecutor(self._options.workers - 1, mp_context=spawn)
            window = _WINDOW * (self._options.workers - 1)
            shared = SharedAnalysis(units, self._options.content_word_bytes, self._pool, window)
        return _Underway(docs, spans, bounds, units, shared)

    def _finish(self, underway: _Underway) -> _Analysed:
        """The analysis of a batch and the identities of its documents.

        With worker processes, this process takes its share of the units (see ``sharing.py``).
        """
        if underway.shared is not None:
            done = underway.shared.result()
        else:
            min_bytes = self._options.content_word_bytes
            done = [Done.of(analyse_unit(unit, min_bytes)) for unit in underway.units]
        by_span = [
            [d for u, d in zip(underway.bounds, done, strict=True) if first <= u[0] < stop]
            for first, stop in underway.spans
        ]
        return _Analysed(underway.docs, underway.spans, done, by_span)

    def _place(
        self,
        analysed: _Analysed,
        progress: Callable[[int], object] | None,
        following: _Underway | None,
    ) -> list[Assignment]:
        """Count the batch's template lines, then place it span by span, committing as it goes.

        Between spans, the workers analysing the ``following`` batch get more units.
        """
        spans = analysed.spans
        prepared = _prepare(analysed.docs, analysed.units, self._domains.of)
        # The facts now live in ``prepared``; each span's words are let go once it is sketched.
        analysed.units.clear()
        self._cache.clear()
        naming = False
        ids: list[int] = []
        groups = _groups(spans, self._options.commit_every)
        counted = None
        first_id = 0
        for n, group in enumerate(groups):
            with self._store.transaction():
                if n == 0:
                    # Counted in the batch's first transaction: a call that fails before its
                    # first commit (a dead worker, a full disk, kill -9) leaves no counts of
                    # pages it never stored, which a retry would count a second time.
                    first_id = self._store.next_id()
                    counted = self._learn_templates(prepared)
                    naming = self._store.has_canonicals() or any(p.names for p in prepared)
                for number in group:
                    start, stop = spans[number]
                    chunk = prepared[start:stop]
                    words = join_words([unit.content() for unit in analysed.by_span[number]])
                    analysed.by_span[number] = []  # its words now live in ``sketched``
                    sketched = self._sketch(chunk, words)
                    if len(self._addresses) > _ADDRESSES_KEPT:
                        self._addresses.clear()
                    placer = Placer(self._store, self._options, self._stored_ids, self._addresses)
                    ids.extend(placer.place(list(zip(chunk, sketched, strict=True)), naming))
                    placer.flush()
                    if following is not None:
                        following.top_up()
                if n == len(groups) - 1 and counted is not None:
                    # After the whole batch: which pages are one story does not depend on
                    # the order they were placed in. A call that fails before this commit
                    # leaves its lines counted once per text, as before session 14.
                    self._count_once_per_story(counted, prepared, ids, first_id)
            if progress is not None:
                progress(sum(spans[n][1] - spans[n][0] for n in group))
        return self._assignments(ids, [p.url for p in prepared])

    def _learn_templates(self, prepared: list[Prepared]) -> Counted:
        """Count the batch's lines (in the caller's transaction) and note which are templates;
        what was counted."""
        counted, totals, young, added = self._count_template_lines(prepared)
        # The batch's own lines are answered by the counting; only other lines are looked up.
        self._counted = np.sort(counted)
        chrome = totals >= self._options.template_min_docs
        # A domain with two texts cannot have learnt its chrome: its first pages, placed
        # together, would be linked by the template they share. When each of the two has
        # lines of its own, the lines they share are taken as chrome for this batch (not
        # stored as such), so the pages stay apart; a corrected copy of one story among a
        # domain's first two texts is missed (a miss costs less than a false merge).
        chrome |= (totals >= 2) & np.isin(counted >> 32, young)
        self._template_yes = set(counted[chrome].tolist())
        self._template_no = set()
        # Lines are chrome on several domains far more rarely than they are new: reading all
        # those counts (a range of the table) costs less than looking up each line of the
        # batch, as long as there are fewer of them than the batch has lines.
        found = self._store.spread_counts(len(counted) + 1)
        if found is None:
            self._spread = None
        else:
            self._spread = np.sort(found[0][found[1] >= self._options.template_min_sites])
        return added

    def _count_once_per_story(
        self, counted: Counted, prepared: list[Prepared], ids: list[int], first_id: int
    ) -> None:
        """Take back the counts of lines that the batch's pages brought to a story already
        holding them on their domain (see ``stories.py``), with the counts of domains of
        lines that are chrome no more."""
        if not counted.pages:
            return
        docs = [ids[n] for n in counted.pages]
        found = self._store.doc_clusters(docs)
        clusters = [found[doc] for doc in docs]
        earlier: set[tuple[int, int]] = set()
        if first_id > 1:
            # Earlier pages of the clusters the batch's pages landed in, on the hosts of
            # those pages' domains (a network's other hosts are not looked up: their lines
            # stay counted, which errs towards chrome, as before). Only the last few of a
            # cluster on a host: a site showing one story at thousands of addresses made each
            # new page read them all; a line its last pages lack stays counted, as above.
            hosts: dict[int, set[str]] = {}
            stories: dict[int, set[int]] = {}
            for owner, site, cluster in zip(counted.owners, counted.sites, clusters, strict=True):
                hosts.setdefault(owner, set()).add(site)
                stories.setdefault(owner, set()).add(cluster)
            for owner, sites in hosts.items():
                for site in sorted(sites):
                    found_lines = self._store.earlier_lines(
                        site, stories[owner], first_id, _EARLIER
                    )
                    for cluster, blob in found_lines:
                        lines = np.frombuffer(blob, dtype="<u4").tolist()
                        earlier.update(((owner << 32) | line, cluster) for line in lines)
        lines = [prepared[n].line_keys for n in counted.pages]
        back = once_per_story(counted, lines, clusters, earlier)
        given = back < 0
        if given.any():
            # A chain counted once whose pages did not all join one cluster.
            keys, more = counted.keys[given], -back[given]
            self._count_spread(keys, more, *self._store.count_lines(keys, more))
        taken = back > 0
        if not taken.any():
            return
        keys, totals = self._store.count_lines(counted.keys[taken], -back[taken])
        at = np.searchsorted(counted.keys, keys)
        least = self._options.template_min_docs
        before = totals + back[at] - counted.added[at]
        lost = keys[(before < least) & (totals + back[at] >= least) & (totals < least)]
        # Counted as chrome on one more domain when the batch's count crossed the bar.
        lines_lost, domains = np.unique(lost & 0xFFFFFFFF, return_counts=True)
        if len(lines_lost):
            self._store.count_lines(lines_lost, -domains)

    def _count_template_lines(self, prepared: list[Prepared]) -> tuple[I64, I64, I64, Counted]:
        """Count the lines of the batch's new pages; the line count keys and their new counts,
        the numbers of the domains whose only two texts each have lines of their own, and
        what was counted.

        Also counts the domains each line is chrome on (keyed by the line alone: number 0 is
        no domain's) and each domain's texts.
        """
        # Counted once per text as well as once per page: a story a site shows at several
        # URLs, or versions of one page, are one text and would otherwise make their own
        # paragraphs look like the site's chrome. Pages and texts stored in earlier batches
        # were counted then. Each group counts as a story of its own until the batch is
        # placed (``_count_once_per_story``). Counted per registrable domain, not per host: a
        # network's hosts share one template.
        owners = [self._domains.of(p.site) for p in prepared]
        # A page keyed by a canonical link naming another address (a template that names one
        # sibling article on every page) is a page of its own here: as one key, a whole
        # site's pages were one group, counted once, and its chrome never learnt.
        pages = [_page_of(p) for p in prepared]
        borrowed = [(p.key, p.url) for p, page in zip(prepared, pages, strict=True) if page]
        keyed_here = [p.key for p, page in zip(prepared, pages, strict=True) if not page]
        # A page's AMP twins are looked up with the keys: an AMP copy of a stored page, or
        # the page of a stored AMP copy, is no new text of its site (see ``amp``).
        known_keys = self._store.stored_keys([*keyed_here, *(t for p in prepared for t in p.twins)])
        known_pages = self._store.stored_pages(borrowed) if borrowed else set()
        seen = {
            (self._domains.of(site), text)
            for site, text in self._store.stored_texts(p.text_hash for p in prepared)
        }
        places = [
            n
            for n, (p, o, page) in enumerate(zip(prepared, owners, pages, strict=True))
            if (p.key, p.url) not in known_pages
            and (page or p.key not in known_keys)
            and (o, p.text_hash) not in seen
        ]
        fresh = [(prepared[n], owners[n]) for n in places]
        groups = _text_groups(
            [(o, pages[n] or p.key, p.text_hash) for n, (p, o) in zip(places, fresh, strict=True)],
            [(p.address, p.twins) for p, _ in fresh],
        )
        # Groups holding an AMP copy of a stored page (or the page of a stored copy): their
        # lines are counted (a copy's own template is learnt), but the site has no new text.
        again = {g for g, (p, _) in zip(groups, fresh, strict=True) if known_keys & set(p.twins)}
        sizes = [len(p.line_keys) for p, _ in fresh]
        lines = flat_keys([p.line_keys for p, _ in fresh])
        page = np.repeat(np.array(groups, dtype=np.int64), sizes)
        numbers = self._store.site_numbers({o for _, o in fresh}, create=True)
        owner = np.array([numbers[o] for _, o in fresh], dtype=np.int64)
        combined = (np.repeat(owner, sizes) << 32) | lines
        # A line counts once per group: the union over its pages and texts.
        order = np.lexsort((combined, page))
        combined, page = combined[order], page[order]
        first = np.ones(len(combined), dtype=bool)
        first[1:] = (combined[1:] != combined[:-1]) | (page[1:] != page[:-1])
        keys, counts = np.unique(combined[first], return_counts=True)
        counted, totals = self._store.count_lines(keys, counts)
        spared = self._spare_chains(keys, counts, counted, totals, combined[first], page[first])
        counts = counts - spared
        self._count_spread(keys, counts, counted, totals)
        texts: dict[int, set[int]] = {}
        for number, group in zip(owner.tolist(), groups, strict=True):
            if group not in again:
                texts.setdefault(number, set()).add(group)
        stored = self._store.count_texts({n: len(g) for n, g in texts.items()})
        young: list[int] = []
        if self._options.template_min_docs > 2:
            # Only a domain's second text can share lines with a first; a pair where one text
            # holds every line of the other (an update adding paragraphs, a trimmed copy) is
            # one story, and a pair where each has lines of its own is two stories sharing
            # chrome, or so it is taken.
            twice = np.array([n for n, total in stored.items() if total == 2], dtype=np.int64)
            keyed = combined[first]
            mine = np.isin(keyed >> 32, twice)
            ordered = np.argsort(counted)
            at = ordered[np.searchsorted(counted, keyed[mine], sorter=ordered)]
            single = totals[at] == 1
            # Lines of one page: which texts have one, and how many each domain has.
            alone = set(page[first][mine][single].tolist())
            own = Counter((keyed[mine][single] >> 32).tolist())
            for number in twice.tolist():
                if not texts[number] <= alone:
                    continue
                if len(texts[number]) == 1 and self._store.single_lines(number) <= own[number]:
                    continue  # the stored text has no line of its own
                young.append(number)
        sites = [p.site for p, _ in fresh]
        added = Counted(places, owner.tolist(), sites, groups, keys, counts, spared)
        return counted, totals, np.array(young, dtype=np.int64), added

    def _spare_chains(
        self, keys: I64, counts: I64, counted: I64, totals: I64, pair_keys: I64, pairs: I64
    ) -> I64:
        """Count once each line new to its domain whose groups are all one chain, each holding
        every line of the one before (an update adding paragraphs at a new URL, see
        ``stories.nested``); how many groups of each of ``keys`` were taken back, ``totals``
        being brought down with them.

        A line stored on the domain before is left as counted: its stored pages may be other
        stories, and counted once with them it would link them by a template.
        """
        spared = np.zeros(len(keys), dtype=np.int64)
        at = np.searchsorted(keys, counted)  # ``totals`` are in the store's order
        new = np.zeros(len(keys), dtype=bool)
        new[at] = (counts[at] >= self._options.template_min_docs) & (totals == counts[at])
        if not new.any():
            return spared
        chained = np.flatnonzero(new)[nested(keys[new], pair_keys, pairs)]
        if not len(chained):
            return spared
        spared[chained] = counts[chained] - 1
        self._store.count_lines(keys[chained], -spared[chained])
        totals -= spared[at]
        return spared

    def _count_spread(self, keys: I64, counts: I64, counted: I64, totals: I64) -> None:
        """Count each line once more for each domain it has just become chrome on.

        A line that is chrome on several domains (a syndicated author bio, a network's
        newsletter pitch, a company's "About" block on its newsroom and a wire site) is chrome
        everywhere, also on a domain too new to have learnt it. A story's own lines never get
        here: copies of one text do not make it chrome (see ``_count_template_lines``).
        """
        least = self._options.template_min_docs
        added = counts[np.searchsorted(keys, counted)] if len(keys) else counts
        crossed = counted[(totals >= least) & (totals - added < least)]
        lines, domains = np.unique(crossed & 0xFFFFFFFF, return_counts=True)
        if len(lines):
            self._store.count_lines(lines, domains)

    def _sketch(self, chunk: Sequence[Prepared], words: Words) -> list[Sketched]:
        """Content words, sketch and band keys of every document of ``chunk``."""
        options = self._options
        flags = self._line_flags([(p.site, p.line_keys) for p in chunk])
        per_line = words.line_words.astype(np.int64)
        kept_per_line = np.where(flags, 0, per_line)
        starts = _starts(per_line, words.line_start)
        kept_starts = _starts(kept_per_line, words.line_start)
        ids = words.ids.astype("<u4", copy=False)
        kept_ids = ids[np.repeat(~flags, per_line)]
        # Sketched a few hundred documents at a time: the per-word working arrays of a whole
        # chunk would be several times its word ids.
        table = np.empty((len(chunk), options.bins), dtype=np.uint64)
        for first in range(0, len(chunk), _UNIT):
            last = min(first + _UNIT, len(chunk))
            owners = np.repeat(np.arange(last - first), np.diff(kept_starts[first : last + 1]))
            table[first:last] = sketches(
                kept_ids[kept_starts[first] : kept_starts[last]],
                owners,
                last - first,
                options.shingle_words,
                options.bins,
            )
        keys = band_keys(table, options.rows).tolist()
        empty = (table == EMPTY).all(axis=1).tolist()
        counts = words.line_words.astype("<u4")
        bounds, kept_bounds = starts.tolist(), kept_starts.tolist()
        out = []
        for d, prep in enumerate(chunk):
            first = int(words.line_start[d])
            out.append(
                Sketched(
                    ids=kept_ids[kept_bounds[d] : kept_bounds[d + 1]],
                    content=ids[bounds[d] : bounds[d + 1]].tobytes(),
                    line_words=counts[first : first + len(prep.line_keys)].tobytes(),
                    sketch=None if empty[d] else table[d],
                    bands=[] if empty[d] else keys[d],
                )
            )
        return out

    # --- template lines ---------------------------------------------------------------------
    def _line_flags(self, docs: Sequence[tuple[str, Keys]]) -> Flags:
        """Whether each line of ``docs`` is a template line, one slot per line (at least one).

        A line is one when its domain's pages make it chrome, or when it is chrome on
        ``template_min_sites`` domains.
        """
        domains = [self._domains.of(site) for site, _ in docs]
        numbers = self._store.site_numbers(domains)
        slots = [max(1, len(keys)) for _, keys in docs]
        owner = np.repeat(np.array([numbers.get(d, -1) for d in domains], dtype=np.int64), slots)
        # A document without lines owns one slot, keyed -1: never a template line; nor is a
        # line of a site without counts, unless it is chrome on other domains.
        keys = flat_keys([keys for _, keys in docs], empty=-1)
        lines = keys & 0xFFFFFFFF
        has_line = keys >= 0
        valid = has_line & (owner >= 0)
        combined = (owner << 32) | lines
        # Asked of distinct keys: np.isin would make them distinct with the one np.unique
        # call that imports numpy.ma (tens of millions of instructions, once a process).
        distinct, inverse = np.unique(lines, return_inverse=True)
        if self._spread is not None:
            spread = self._spread
        else:
            asked = set(lines[has_line].tolist())
            spread = np.fromiter(self._templates_of(asked), np.int64)
        flags = np.isin(distinct, spread, assume_unique=True)[inverse] & has_line
        found = self._templates_of(set(combined[valid & ~flags].tolist()))
        known = np.fromiter(found, np.int64, len(found))
        distinct, inverse = np.unique(combined, return_inverse=True)
        return flags | (np.isin(distinct, known, assume_unique=True)[inverse] & valid)

    def _templates_of(self, asked: set[int]) -> set[int]:
        """The template lines among line count keys ``asked`` (answers kept for the batch)."""
        # Only these documents' lines are looked up, so the cost does not grow with how many
        # pages of the site the index holds.
        wanted = np.fromiter(asked, np.int64, len(asked))
        if len(self._counted) and len(wanted):
            at = np.minimum(np.searchsorted(self._counted, wanted), len(self._counted) - 1)
            wanted = wanted[self._counted[at] != wanted]
        missing = set(wanted.tolist()) - self._template_yes - self._template_no
        if missing:
            options = self._options
            found = self._store.template_lines(
                missing, options.template_min_docs, options.template_min_sites
            )
            self._template_yes |= found
            self._template_no |= missing - found
        return asked & self._template_yes

    def _stored_ids(self, docs: Sequence[int]) -> dict[int, U32]:
        """The content-word ids of stored documents, their current template lines removed."""
        out = {d: self._cache[d] for d in docs if d in self._cache}
        bodies = self._store.bodies(d for d in docs if d not in out)
        if len(self._cache) + len(bodies) > _CACHE_LIMIT:
            self._cache.clear()
        words = {doc: _body_words(body) for doc, body in bodies.items()}
        keys = [np.frombuffer(b.line_keys, dtype="<u4") for b in bodies.values()]
        flags = self._line_flags([(b.site, k) for b, k in zip(bodies.values(), keys, strict=True)])
        first = 0
        for (doc, (ids, counts)), lines in zip(words.items(), keys, strict=True):
            own = flags[first : first + max(1, len(lines))]
            first += max(1, len(lines))
            if len(own) == len(counts) and own.any():
                ids = ids[~np.repeat(own, counts.astype(np.int64))]
            out[doc] = self._cache[doc] = ids
        return out

    def _resketch(self) -> None:
        """Sketch every stored body again with this scheme (an index written before schemes)."""
        docs = self._store.sketched()
        with self._store.transaction():
            self._store.clear_bands()
            for start in range(0, len(docs), 2000):
                chunk = docs[start : start + 2000]
                words = self._stored_ids(chunk)
                table = _sketch_ids([words[d] for d in chunk], self._options)
                keys = band_keys(table, self._options.rows).tolist()
                self._store.set_sketches(
                    [(table[i].astype("<u8").tobytes(), d) for i, d in enumerate(chunk)]
                )
                self._store.add_bands(
                    [v for i, d in enumerate(chunk) for k in keys[i] for v in (k, d)]
                )
            self._store.set_scheme(SKETCH_SCHEME)


@dataclass(frozen=True, slots=True)
class _Underway:
    """A batch whose analysis has started: its spans, and its units with their bounds."""

    docs: Sequence[Document]
    spans: list[tuple[int, int]]
    bounds: list[tuple[int, int]]
    units: list[Unit]
    shared: SharedAnalysis | None

    def top_up(self) -> None:
        """Keep the workers supplied with units."""
        if self.shared is not None:
            self.shared.top_up()

    def cancel(self) -> None:
        """Withdraw what the workers have not started."""
        if self.shared is not None:
            self.shared.cancel()


@dataclass(frozen=True, slots=True)
class _Analysed:
    docs: Sequence[Document]
    spans: list[tuple[int, int]]
    units: list[Done]
    by_span: list[list[Done]]


def _prepare(
    docs: Sequence[Document], units: list[Done], domain_of: Callable[[str], str]
) -> list[Prepared]:
    """The stored fields of each document of a batch, from its analysis (``domain_of``: a
    host's registrable domain, for its AMP twins)."""
    found = joined([u.facts.identities for u in units])
    hashes = [h for u in units for h in u.facts.hashes]
    line_keys = [k for u in units for k in u.facts.line_keys]
    words = [w for u in units for w in u.facts.words]
    out = []
    for number, doc in enumerate(docs):
        key = found.keys[number] or f"text:{hashes[number]}"
        named = found.named[number]
        url = doc.url or key
        address = address_of(url)
        out.append(
            Prepared(
                key=key,
                url=url,
                address=address,
                twins=amp_twins(address, domain_of),
                canonical=named,
                names=named if named != key else None,
                site=found.sites[number],
                text_hash=hashes[number],
                published=doc.published.timestamp() if doc.published else None,
                words=words[number],
                line_keys=line_keys[number],
            )
        )
    return out


def _public_id(where: Placed) -> str:
    """The public id of the cluster a document is placed in (see ``cluster_id``)."""
    return cluster_id(where.rep_key, url=where.rep_url, shared=where.shared)


def _body_words(body: Body) -> tuple[U32, U32]:
    """A stored body's content-word ids and per-line word counts."""
    if body.content is not None and body.line_words is not None:
        return np.frombuffer(body.content, dtype="<u4"), np.frombuffer(body.line_words, dtype="<u4")
    # The first schema kept content lines as compressed text: tokenised the same way today.
    text = zlib.decompress(body.legacy or b"")
    words = tokenise([text], 1)
    return words.ids, words.line_words


def _page_of(prepared: Prepared) -> str | None:
    """For a document whose key names another address (a canonical link to another page),
    its own page's identity for counting lines; None for one at its key's address."""
    address = prepared.address
    return None if address == prepared.key else f"{prepared.key} {address}"


def _text_groups(
    pages: Sequence[tuple[str, str, str]], twins: Sequence[tuple[str, tuple[str, ...]]]
) -> list[int]:
    """A group number for each (domain, key, text hash): one for pages of one domain linked by
    a shared key or a shared text, or at each other's AMP twin address (``twins``: each
    page's address and its twins' addresses)."""
    parent: dict[tuple[str, str, str], tuple[str, str, str]] = {}

    def root(node: tuple[str, str, str]) -> tuple[str, str, str]:
        while parent.setdefault(node, node) != node:
            parent[node] = node = parent[parent[node]]
        return node

    for domain, key, text in pages:
        parent[root((domain, "key", key))] = root((domain, "text", text))
    at = {(d, address): (d, "key", k) for (d, k, _), (address, _) in zip(pages, twins, strict=True)}
    for (domain, key, _), (_, others) in zip(pages, twins, strict=True):
        for other in others:
            found = at.get((domain, other))
            if found is not None:
                parent[root((domain, "key", key))] = root(found)
    numbers: dict[tuple[str, str, str], int] = {}
    return [numbers.setdefault(root((d, "key", k)), len(numbers)) for d, k, _ in pages]


def _groups(spans: list[tuple[int, int]], most: int) -> list[list[int]]:
    """Consecutive spans (by number) grouped into runs of at most ``most`` documents."""
    groups: list[list[int]] = []
    held = most
    for number, (start, stop) in enumerate(spans):
        if held + stop - start > most:
            groups.append([])
            held = 0
        groups[-1].append(number)
        held += stop - start
    return groups


def _starts(per_line: I64, line_start: I64) -> I64:
    """Where each document's words start among all words of a run, and where the last ends."""
    per_doc = np.add.reduceat(per_line, line_start) if len(line_start) else per_line[:0]
    return np.concatenate([[0], np.cumsum(per_doc)]).astype(np.int64)


def _unit(docs: Sequence[Document]) -> Unit:
    known = [doc.identity for doc in docs]
    addresses = Addresses(
        [doc.url for doc in docs],
        [doc.canonical for doc in docs],
        [doc.key for doc in docs],
        known if any(found is not None for found in known) else None,
    )
    return Unit([doc.text for doc in docs], addresses)


def _sketch_ids(docs: list[U32], options: DedupOptions) -> U64:
    ids = np.concatenate(docs) if docs else np.zeros(0, dtype=np.uint32)
    owners = np.repeat(np.arange(len(docs), dtype=np.int64), [len(d) for d in docs])
    return sketches(ids, owners, len(docs), options.shingle_words, options.bins)
