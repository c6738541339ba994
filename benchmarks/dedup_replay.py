"""Replay the crawl benchmark's near-duplicate placement without the crawl: the dedup CPU alone.

The farm's pages (``crawl_farm.plan_farm``: its own pages and syndicated copies of each site) are
extracted once, as a crawl worker extracts them (``extract_job``), and kept in a pickle
(``--articles``, made when missing). Each replay builds the ``Document`` the crawl's commit step
builds for each article (``page_identity``, key and identity as ``commit._document`` gives
them) and adds them, in batches of the crawl's size and in a fixed order that interleaves the
sites as the crawl's arrivals do, to a fresh index on a temporary SQLite file, each batch in an
enclosing write transaction as the crawl's store holds one. Only ``add_many`` is timed
(``time.process_time``, this process has no workers).

    python benchmarks/dedup_replay.py --runs 5 --out assignments.json

``--out`` writes every assignment (key, url, cluster, duplicate_of) in replay order, so two
trees can be compared for identical results; ``--profile`` writes a cProfile of one replay.
Farm URLs use fixed ports (``127.0.0.1:41000`` and up) so the keys do not change between runs.
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import json
import os
import pickle
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

from crawl_farm import plan_farm

from scraper.crawl.commit import BATCH
from scraper.crawl.identity import open_index, page_identity
from scraper.crawl.jobs import Extracted, PageJob, extract_job
from scraper.dedup import Document
from scraper.store.crawl_store import SQLiteCrawlStore

_PORT = 41000


def capture(sites: int, unique: int) -> list[tuple[str, Extracted]]:
    """Every farm page a crawl stores (own pages and syndicated copies), extracted, in an
    order that takes one page of each site in turn."""
    per_site: list[list[tuple[str, Path]]] = []
    for number, plan in enumerate(plan_farm(sites, unique)):
        base = f"http://127.0.0.1:{_PORT + number}"
        pages = [(f"{base}/a/{n}.html", p) for n, p in enumerate(plan.pages)]
        pages += [(f"{base}/syn/{n}.html", p) for n, p in enumerate(plan.copies)]
        per_site.append(pages)
    out = []
    for turn in range(max(len(p) for p in per_site)):
        for pages in per_site:
            if turn < len(pages):
                url, path = pages[turn]
                found = extract_job(PageJob(url, path.read_bytes(), content_type="text/html"))
                if isinstance(found, Extracted) and found.text_utf8:
                    out.append((url, found))
    return out


def documents(articles: Sequence[tuple[str, Extracted]]) -> list[Document]:
    """The documents the crawl's commit step gives the index for these articles."""
    out = []
    for url, extracted in articles:
        found = page_identity(url, None, extracted.canonical_url)
        out.append(
            Document(
                url=url,
                text=extracted.text_utf8,
                title=extracted.title,
                published=extracted.published,
                canonical=extracted.canonical_url,
                key=found.key or url,
                identity=found,
            )
        )
    return out


def replay(
    docs: Sequence[Document],
    batch: int,
    folder: Path,
    *,
    start: Callable[[], object] = lambda: None,
    stop: Callable[[], object] = lambda: None,
) -> tuple[float, list[list[str]]]:
    """CPU seconds spent in ``add_many`` over the whole replay, and what it gave: every
    assignment as returned, every document's final placement, and each dedup table's rows.

    ``start`` and ``stop`` are called around each ``add_many`` (a profiler's switch).
    """
    store = SQLiteCrawlStore(folder / "replay.db")
    try:
        index = open_index(store)
        spent = 0.0
        out: list[list[str]] = []
        for first in range(0, len(docs), batch):
            part = docs[first : first + batch]
            with store.transaction():
                start()
                begun = time.process_time()
                placed = index.add_many(part)
                spent += time.process_time() - begun
                stop()
            out += [[a.key, a.url, a.cluster, a.duplicate_of or ""] for a in placed]
        for doc in docs:
            final = index.placement(doc.key or "", doc.url)
            out.append(
                ["final", *([] if final is None else [final.cluster, final.duplicate_of or ""])]
            )
        for (table,) in store.conn.execute(
            "SELECT name FROM sqlite_master"
            " WHERE type = 'table' AND name LIKE 'dedup%' ORDER BY name"
        ).fetchall():
            rows = store.conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
            out.append([table, hashlib.sha256(repr(rows).encode()).hexdigest(), str(len(rows))])
        return spent, out
    finally:
        store.close()


def _instrument(state: str) -> None:
    """Switch callgrind's instrumentation of this process ``state`` (on, off)."""
    subprocess.run(
        ["callgrind_control", "--instr=" + state, str(os.getpid())],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sites", type=int, default=20)
    parser.add_argument("--unique", type=int, default=70)
    parser.add_argument("--batch", type=int, default=BATCH - 2)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--articles", type=Path, default=Path("/tmp/dedup_replay_articles.pickle"))
    parser.add_argument("--out", type=Path, help="write every assignment (JSON) here")
    parser.add_argument(
        "--callgrind",
        action="store_true",
        help="under valgrind --tool=callgrind --instr-atstart=no: instrument add_many only,"
        " in one replay after the warm-up one",
    )
    parser.add_argument("--profile", type=Path, help="write a cProfile of one replay here")
    args = parser.parse_args(argv)
    if not args.articles.exists():
        articles = capture(args.sites, args.unique)
        args.articles.write_bytes(pickle.dumps(articles))
    articles = pickle.loads(args.articles.read_bytes())
    docs = documents(articles)
    # One replay first, untimed: imports and first-use costs (numpy.ma, statement parsing).
    with tempfile.TemporaryDirectory() as folder:
        _, placed = replay(docs, args.batch, Path(folder))
    if args.out:
        args.out.write_text(json.dumps(placed, indent=0))
    if args.profile:
        with tempfile.TemporaryDirectory() as folder:
            profiler = cProfile.Profile()
            replay(docs, args.batch, Path(folder), start=profiler.enable, stop=profiler.disable)
            profiler.dump_stats(args.profile)
    if args.callgrind:
        with tempfile.TemporaryDirectory() as folder:
            on, off = partial(_instrument, "on"), partial(_instrument, "off")
            _, again = replay(docs, args.batch, Path(folder), start=on, stop=off)
        if again != placed:
            sys.exit("a replay placed the documents differently from the first")
        return 0
    spent = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as folder:
            seconds, again = replay(docs, args.batch, Path(folder))
        if again != placed:
            sys.exit("a replay placed the documents differently from the first")
        spent.append(seconds)
    if not spent:
        return 0
    per_doc = [1000 * s / len(docs) for s in spent]
    duplicates = sum(1 for a in placed[: len(docs)] if a[3])
    print(
        f"{len(docs)} documents in batches of {args.batch}: {duplicates} duplicates when placed;"
        f" ms CPU a document: min {min(per_doc):.3f} median {statistics.median(per_doc):.3f}"
        f" ({' '.join(f'{x:.3f}' for x in per_doc)})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
