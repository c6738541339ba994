"""One DedupIndex shared by threads: each call places its documents whole, as if alone.

The index's SQLite connection is shared by every thread that uses it, and a second thread's
call nested its writes in the first one's transaction: both read the same next document id,
and one failed with "UNIQUE constraint failed: dedup_docs.id" (a StoreError), its batch lost.
"""

from __future__ import annotations

import threading
from pathlib import Path

from scraper.dedup import DedupIndex, Document

WORDS = [
    "harbour",
    "council",
    "solar",
    "trial",
    "floating",
    "panels",
    "approved",
    "tuesday",
    "meeting",
    "residents",
]


def _text(thread: int, number: int) -> str:
    # A story of its own per document: different content words in a different order.
    words = [f"{word}{thread}x{number}" for word in WORDS]
    return " ".join(words * 3)


def test_threads_adding_to_one_index_all_land(tmp_path: Path) -> None:
    threads, each = 6, 8
    failures: list[BaseException] = []
    start = threading.Barrier(threads)

    with DedupIndex.open(tmp_path / "dedup.sqlite") as index:

        def work(thread: int) -> None:
            start.wait()
            try:
                for number in range(each):
                    doc = Document(
                        url=f"https://t{thread}.example/{number}", text=_text(thread, number)
                    )
                    assert index.add(doc).duplicate_of is None
            except BaseException as exc:  # reported by the main thread
                failures.append(exc)

        workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        assert failures == []
        assert sorted(index.cluster_sizes()) == [1] * (threads * each)
        for thread in range(threads):
            found = index.placement(f"https://t{thread}.example/0")
            assert found is not None and found.duplicate_of is None
