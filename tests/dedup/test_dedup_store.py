"""The index over its store: chunked commits, placement reads, an index of the first schema."""

from __future__ import annotations

import importlib
import multiprocessing
import re
import sqlite3
import zlib
from array import array
from contextlib import closing
from pathlib import Path

import numpy as np
import pytest
from dedup_fixture import load_cases

from scraper.dedup import DedupIndex, DedupOptions, Document
from scraper.dedup.minhash import SKETCH_SCHEME
from scraper.dedup.text import line_keys, normalise
from scraper.dedup.tokens import Keys, flat_keys
from scraper.errors import DedupError, StoreError
from scraper.store.sketches import STEPS, SketchStore
from scraper.store.sqlite import migrate, open_sqlite, write_transaction

index_module = importlib.import_module("scraper.dedup.index")
CASES = load_cases()
BRIDGE = next(c for c in CASES if c.expect == "bridge" and c.kind == "original")
COPY = next(c for c in CASES if c.expect == "bridge" and c.kind == "trimmed")


def test_small_commit_chunks_give_the_one_chunk_result() -> None:
    docs = [c.doc for c in CASES]
    with DedupIndex.open(":memory:") as index:
        whole = index.add_many(docs)
    for every in (1, 3, 7):
        with DedupIndex.open(":memory:", DedupOptions(commit_every=every)) as index:
            assert index.add_many(docs) == whole


def test_several_chunks_in_one_transaction_give_the_one_chunk_result(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    docs = [c.doc for c in CASES]
    with DedupIndex.open(":memory:") as index:
        whole = index.add_many(docs)
    monkeypatch.setattr(index_module, "_CHUNK", 2)  # chunks of 2 documents, 7 per commit
    seen: list[int] = []
    with DedupIndex.open(":memory:", DedupOptions(commit_every=7)) as index:
        assert index.add_many(docs, progress=seen.append) == whole
    assert seen == [6] * (len(docs) // 6) + ([len(docs) % 6] if len(docs) % 6 else [])


def test_placing_in_a_transaction_rolled_back_later_leaves_nothing_behind() -> None:
    # The crawl places a batch and stores its articles in one transaction of the connection;
    # when storing fails, the index's own (nested) writes go too, and the index carries on.
    docs = [c.doc for c in CASES]
    with DedupIndex.open(":memory:") as fresh:
        expected = fresh.add_many(docs)
    conn = open_sqlite(":memory:")
    with DedupIndex(SketchStore(conn, fingerprint=SKETCH_SCHEME)) as index:
        with pytest.raises(RuntimeError, match="storing failed"), write_transaction(conn):
            index.add_many(docs)
            raise RuntimeError("storing failed")
        for table in ("dedup_docs", "dedup_bands", "dedup_lines", "dedup_sites"):
            assert conn.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,), table
        assert index.add_many(docs) == expected
        sites = conn.execute("SELECT count(DISTINCT site) FROM dedup_docs").fetchone()
        assert conn.execute("SELECT count(*) FROM dedup_sites").fetchone() == sites


def test_placement_reads_where_a_key_landed() -> None:
    with DedupIndex.open(":memory:") as index:
        original, copy = index.add_many([BRIDGE.doc, COPY.doc])
        assert index.placement("https://nowhere.example/x") is None
        first = index.placement(original.key)
        second = index.placement(copy.key)
    assert first is not None and second is not None
    assert first.cluster == second.cluster == original.cluster
    assert first.duplicate_of is None
    assert second.duplicate_of == first.url
    assert (second.key, second.url) == (copy.key, copy.url)


def _legacy_store(db: Path, doc: Document) -> None:
    """A store as the first schema wrote it: compressed content lines, tuple-hash bands."""
    conn = open_sqlite(db)
    migrate(conn, "dedup", STEPS[:2])
    lines = normalise(doc.text).split(b"\n")
    content = [b" ".join(w for w in line.split() if len(w) >= 5) for line in lines]
    conn.execute(
        "INSERT INTO dedup_docs (id, key, url, site, text_hash, words, cluster, line_keys, body,"
        " sketch) VALUES (1, ?, ?, 'a.example', 'old', 10, 1, ?, ?, ?)",
        (
            doc.url,
            doc.url,
            array("I", line_keys(lines)).tobytes(),
            zlib.compress(b"\n".join(content), 1),
            array("q", range(64)).tobytes(),
        ),
    )
    conn.execute("INSERT INTO dedup_clusters (id, rep, size) VALUES (1, 1, 1)")
    conn.execute("INSERT INTO dedup_bands (band, doc) VALUES (12345, 1)")
    conn.execute("INSERT INTO dedup_meta (name, value) VALUES ('hash', '42')")
    conn.execute("INSERT INTO dedup_site_lines (site, line, docs) VALUES ('a.example', 77, 4)")
    conn.execute("INSERT INTO dedup_site_lines (site, line, docs) VALUES ('a.example', 78, 1)")
    conn.close()


def test_an_index_from_the_first_schema_is_sketched_again_and_still_matches(
    tmp_path: Path,
) -> None:
    db = tmp_path / "old.sqlite"
    _legacy_store(db, BRIDGE.doc)
    with DedupIndex.open(db) as index:
        copy = index.add(COPY.doc)
        original = index.placement(str(BRIDGE.doc.url))
    assert original is not None and copy.cluster == original.cluster
    # One leads the other (the legacy row has no date, so the dated copy ranks first).
    assert copy.duplicate_of is None and original.duplicate_of == copy.url
    with DedupIndex.open(db) as index:  # re-sketched once: the scheme is now recorded
        assert index.placement(COPY.doc.url or "") == copy
    store = SketchStore.open(db, fingerprint=SKETCH_SCHEME)
    site = store.site_numbers(["a.example", "b.example"])
    assert list(site) == ["a.example"]  # only sites with counted lines have a number
    keys = [(site["a.example"] << 32) | line for line in (77, 78, 79)]
    assert store.template_lines(keys, 3, 3) == {keys[0]}  # counts carried over
    store.close()


def test_worker_processes_give_the_one_process_result() -> None:
    docs = [c.doc for c in CASES]
    with DedupIndex.open(":memory:", DedupOptions(workers=1)) as index:
        alone = index.add_many(docs)
    options = DedupOptions(workers=2, parallel_from=2, commit_every=5)
    with DedupIndex.open(":memory:", options) as index:
        assert index.add_many(docs) == alone
        assert index.add_many(docs[:3]) == alone[:3]  # the pool is reused, nothing is added


@pytest.mark.parametrize("workers", [1, 2])
def test_batches_streamed_give_what_one_add_many_per_batch_gives(workers: int) -> None:
    docs = [c.doc for c in CASES]
    batches = [docs[start : start + 4] for start in range(0, len(docs), 4)]
    with DedupIndex.open(":memory:", DedupOptions(workers=1)) as index:
        one_by_one = [index.add_many(batch) for batch in batches]
    # With workers, each next batch is analysed (by the worker and then here) meanwhile.
    options = DedupOptions(workers=workers, parallel_from=2)
    with DedupIndex.open(":memory:", options) as index:
        assert list(index.add_batches(iter(batches))) == one_by_one
        assert list(index.add_batches([])) == []


def test_a_stream_left_early_places_only_the_batches_taken() -> None:
    docs = [c.doc for c in CASES]
    batches = [docs[:3], docs[3:6], docs[6:9]]
    with DedupIndex.open(":memory:", DedupOptions(workers=1)) as index:
        stored_by_first = sum(index.cluster_sizes()) if index.add_many(batches[0]) else 0
    options = DedupOptions(workers=2, parallel_from=2)
    with DedupIndex.open(":memory:", options) as index:
        stream = index.add_batches(batches)
        first = next(stream)
        stream.close()  # the second batch, already under analysis, is withdrawn
        assert all(index.placement(a.key) is not None for a in first)
        assert sum(index.cluster_sizes()) == stored_by_first


# When the executor notices the killed worker, Python 3.11's ProcessPoolExecutor may set an
# exception on a future this process has just cancelled (the units it took back), and its
# management thread dies of InvalidStateError: the executor's bug, seen about once in 40
# kills under load. The futures it leaves unresolved are caught by the index's wait (see
# test_dedup_sharing); the thread's exception itself is the executor's to report.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_dead_worker_is_a_dedup_error_and_the_next_call_starts_another() -> None:
    docs = [c.doc for c in CASES]
    with DedupIndex.open(":memory:", DedupOptions(workers=1)) as index:
        alone = index.add_many(docs)
    options = DedupOptions(workers=2, parallel_from=2)
    with DedupIndex.open(":memory:", options) as index:
        assert index.add_many(docs[:2]) == alone[:2]  # the worker process is up
        workers = multiprocessing.active_children()
        assert workers
        for process in workers:
            process.kill()  # as the kernel's OOM killer would
            process.join()
        with pytest.raises(DedupError, match="worker process died"):
            index.add_many(docs[2:])
        assert index.add_many(docs) == alone  # a new worker; nothing of the failed call kept


def test_line_counts_add_up_from_an_empty_table_and_after() -> None:
    store = SketchStore.open(":memory:", fingerprint=SKETCH_SCHEME)
    first = store.count_lines(np.array([5, 7, 9]), np.array([1, 2, 3]))  # into an empty table
    assert sorted(zip(*(a.tolist() for a in first), strict=True)) == [(5, 1), (7, 2), (9, 3)]
    second = store.count_lines(np.array([7, 11]), np.array([4, 1]))  # added to what is there
    assert sorted(zip(*(a.tolist() for a in second), strict=True)) == [(7, 6), (11, 1)]
    assert store.template_lines([5, 7, 9, 11], 3, 3) == {7, 9}
    store.close()


def test_many_rows_go_through_statements_of_every_size() -> None:
    # Inserts take 450 rows a statement, then powers of two; IN lists are padded to a power
    # of two with a repeated value: no row may be lost, doubled or invented either way.
    store = SketchStore.open(":memory:", fingerprint=SKETCH_SCHEME)
    keys = np.arange(1, 1004, dtype=np.int64) * 7  # 450 + 450 + 64 + 32 + 4 + 2 + 1 rows
    store.count_lines(keys, np.ones(len(keys), dtype=np.int64))
    again = store.count_lines(keys[:517], np.full(517, 2, dtype=np.int64))
    assert sorted(again[0].tolist()) == keys[:517].tolist() and set(again[1].tolist()) == {3}
    assert store.template_lines([*keys.tolist(), 1, 2], 3, 3) == set(keys[:517].tolist())
    assert store.template_lines(keys[:3].tolist(), 3, 3) == set(keys[:3].tolist())
    store.add_bands([v for band in range(301) for v in (band, band % 5)])
    assert store.band_hits(range(-3, 305)) == {band: [band % 5] for band in range(301)}
    store.close()


def test_line_count_totals_follow_the_keys_order_stored_or_new() -> None:
    # Totals are what was stored plus the count, read before counting: keys out of order,
    # more than one read's worth, some stored before, some counts taken back.
    store = SketchStore.open(":memory:", fingerprint=SKETCH_SCHEME)
    stored = np.arange(1, 2001, dtype=np.int64) * 3
    store.count_lines(stored, np.full(len(stored), 5, dtype=np.int64))
    keys = np.random.default_rng(3).permutation(np.arange(1, 3001, dtype=np.int64) * 2)
    counts = np.where(keys % 4 == 0, -1, 2).astype(np.int64)
    counted, totals = store.count_lines(keys, counts)
    assert counted.tolist() == keys.tolist()
    assert totals.tolist() == (counts + np.where(np.isin(keys, stored), 5, 0)).tolist()
    store.close()


def test_flat_keys_reads_arrays_lists_and_empty_parts() -> None:
    parts: list[Keys] = [
        array("I", [1, 2**32 - 1]),
        [],
        np.array([7], dtype="<u4"),
        [0, 3],
        array("I"),
    ]
    assert flat_keys(parts).tolist() == [1, 2**32 - 1, 7, 0, 3]
    assert flat_keys(parts, empty=-1).tolist() == [1, 2**32 - 1, -1, 7, 0, 3, -1]
    assert flat_keys([]).tolist() == [] and flat_keys([], empty=-1).dtype == np.int64


def test_a_call_that_fails_before_its_commit_leaves_no_line_counts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Counted but never stored, the pages would be counted again by the retry: their shared
    # lines would pass for site chrome and the clusters would come out otherwise.
    docs = [c.doc for c in CASES]
    with DedupIndex.open(":memory:") as index:
        alone = index.add_many(docs)

    def fail(*args: object, **kwargs: object) -> list[int]:
        raise DedupError("placing failed")

    with DedupIndex.open(":memory:") as index:
        assert index.add_many(docs[:2]) == alone[:2]
        with monkeypatch.context() as patch:
            patch.setattr(index_module.Placer, "place", fail)
            with pytest.raises(DedupError, match="placing failed"):
                index.add_many(docs[2:])
        assert index.add_many(docs) == alone


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ("UPDATE dedup_docs SET sketch = x'0102'", "damaged sketch (2 bytes)"),
        ("UPDATE dedup_docs SET content = x'010203'", "damaged words (3 bytes)"),
        ("UPDATE dedup_docs SET line_words = x'ff'", "damaged line word counts (1 bytes)"),
        ("UPDATE dedup_docs SET line_keys = x'01'", "damaged line keys (1 bytes)"),
        ("UPDATE dedup_docs SET cluster = 999999", "cluster 999999 of a stored document"),
    ],
)
def test_a_damaged_row_is_a_store_error_naming_it(
    tmp_path: Path, damage: str, message: str
) -> None:
    # numpy's ValueError (an array's bytes no multiple of its items) or a KeyError (a cluster
    # no row holds) came out of placing bare, with nothing to say the file is at fault.
    db = tmp_path / "index.sqlite"
    words = [
        f"story{n} " + " ".join(f"{w}{n}" for w in ("alpha", "bravo", "delta")) * 9
        for n in range(3)
    ]
    with DedupIndex.open(db) as index:
        index.add_many(
            [Document(url=f"https://z.example/{n}", text=t) for n, t in enumerate(words)]
        )
    with closing(sqlite3.connect(db)) as conn, conn:
        conn.execute(damage)
    with DedupIndex.open(db) as index, pytest.raises(StoreError, match=re.escape(message)):
        index.add_many(
            [Document(url=f"https://y.example/{n}", text=f"{t} more") for n, t in enumerate(words)]
        )
