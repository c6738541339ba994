"""Near-duplicate benchmark: pair precision/recall, wall time and peak memory, scraper vs peers.

The corpus (see ``dedup_corpus.py``) is built from the real gold texts of the extraction sets
with syndication edits and hard negatives, at each size of ``--sizes``. Every method runs in its
own subprocess, reading the corpus as a stream of JSONL lines in chunks of 10k documents, so
its memory is the method's own footprint, not the corpus's. ``peak MB`` is the largest summed
RSS of the method's process and every process it started (its workers), sampled by the driver
(``dedup_memory.py``); ``main MB`` is the method's own process alone (its VmHWM). CPU s adds
the CPU of the worker processes (their whole life) to the method's own CPU while placing.

* ``scraper``: ``DedupIndex`` over a SQLite file (the persistent mode cron crawls use), with
  ``--workers`` analysis processes (default 2: the machine's cores; the peers run in one).
* ``datasketch``: MinHashLSH (128 permutations, threshold 0.3) over the same shingles, each
  candidate verified by the same containment check, union-find clusters (when installed).
* ``simhash``: 64-bit SimHash of the same shingles, candidates within Hamming distance 3 found
  with four 16-bit block tables, verified the same way (needs numpy).

Peers get the same template-line removal (lines on >= 3 pages of a site), so the comparison is
of the candidate generators. ``+1k`` adds 1000 further documents of the same corpus to the index
scraper persisted, in a fresh process.

Run: .venv/bin/python benchmarks/dedup.py --sizes 10000,100000
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from dedup_corpus import GOLD_ROOT, VERSION, build_corpus, load_bases
from dedup_memory import run_watched
from dedup_peers import PEERS, available_peers

from scraper.dedup import DedupIndex, DedupOptions, Document

RESULTS = Path(__file__).resolve().parent / "results"
CHUNK = 10_000
INCREMENT = 1000


def _stream(path: Path, skip: int, take: int) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines):
            if number < skip:
                continue
            if number >= skip + take:
                break
            chunk.append(json.loads(line))
            if len(chunk) == CHUNK:
                yield chunk
                chunk = []
    if chunk:
        yield chunk


def _run_scraper(
    corpus: Path, db: Path, span: tuple[int, int], workers: int
) -> tuple[float, float, list[str]]:
    skip, take = span
    keys: list[str] = []
    reading = _Clock()

    def batches() -> Iterator[list[Document]]:
        # Reading the corpus is not the method's work: its time is taken out of the figures.
        for chunk in reading.timed(_stream(corpus, skip, take)):
            with reading:
                docs = [Document(url=r["url"], text=r["text"]) for r in chunk]
                del chunk  # its texts are not the method's memory
            yield docs
            del docs

    with DedupIndex.open(db, DedupOptions(workers=workers)) as index:
        # Streamed, as a cron job feeding batches would: the analysis of each next batch
        # runs in the worker processes while this one is placed.
        started, used = time.perf_counter(), time.process_time()
        for placed in index.add_batches(batches()):
            keys.extend(a.key for a in placed)
        seconds = time.perf_counter() - started - reading.seconds
        cpu = time.process_time() - used - reading.cpu
        clusters = [index.cluster_of(key) or key for key in keys]
    # The analysis workers have been stopped and reaped by now: their CPU counts too.
    workers_cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    return seconds, cpu + workers_cpu.ru_utime + workers_cpu.ru_stime, clusters


class _Clock:
    """Wall and CPU seconds spent inside ``with`` blocks and in the iterators it times."""

    def __init__(self) -> None:
        self.seconds = self.cpu = 0.0
        self._marks = (0.0, 0.0)

    def __enter__(self) -> None:
        self._marks = (time.perf_counter(), time.process_time())

    def __exit__(self, *exc: object) -> None:
        self.seconds += time.perf_counter() - self._marks[0]
        self.cpu += time.process_time() - self._marks[1]

    def timed(self, items: Iterator[list[dict[str, Any]]]) -> Iterator[list[dict[str, Any]]]:
        """``items``, with the time spent producing each counted."""
        while True:
            with self:
                item = next(items, None)
            if item is None:
                return
            yield item


def worker(args: argparse.Namespace) -> None:
    """Run one method in this process and print its figures as JSON (reading not timed)."""
    corpus = Path(args.corpus)
    if args.worker == "scraper":
        span = (args.skip, args.take)
        seconds, cpu, clusters = _run_scraper(corpus, Path(args.db), span, args.workers)
    else:
        peer = PEERS[args.worker]()
        seconds = cpu = 0.0
        for chunk in _stream(corpus, args.skip, args.take):
            docs = [(r["url"], r["text"]) for r in chunk]
            started, used = time.perf_counter(), time.process_time()
            peer.add_many(docs)
            seconds += time.perf_counter() - started
            cpu += time.process_time() - used
            del chunk, docs
        clusters = peer.clusters()
    figures = {"seconds": seconds, "cpu": cpu, "peak_mb": _peak_mb(), "clusters": clusters}
    json.dump(figures, sys.stdout)


def _peak_mb() -> float:
    # VmHWM belongs to this program's memory map; ru_maxrss would include the parent's RSS at
    # fork time (Linux keeps the high-water mark across exec).
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text(encoding="ascii").splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(
    method: str, corpus: Path, db: Path, span: tuple[int, int], workers: int
) -> dict[str, Any]:
    command = [sys.executable, __file__, "--worker", method, "--corpus", str(corpus)]
    command += ["--db", str(db), "--skip", str(span[0]), "--take", str(span[1])]
    command += ["--workers", str(workers)]
    done, peak = run_watched(command)
    if done.returncode != 0:
        raise SystemExit(f"{method} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout)
    # The tree's sampled peak, never below what the method's own process reports.
    result["tree_mb"] = max(peak.rss / 2**20, result["peak_mb"])
    result["hwm_sum_mb"] = peak.hwm_sum / 2**20
    return result


def pair_scores(labels: list[int], clusters: list[str]) -> tuple[float, float, float]:
    """Pair precision, recall and F1 of predicted ``clusters`` against true ``labels``."""

    def pairs(counts: Counter[Any]) -> int:
        return sum(n * (n - 1) // 2 for n in counts.values())

    both = pairs(Counter(zip(labels, clusters, strict=True)))
    predicted, true = pairs(Counter(clusters)), pairs(Counter(labels))
    precision = both / predicted if predicted else 1.0
    recall = both / true if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def _corpus_file(size: int, seed: int) -> tuple[Path, list[int]]:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"dedup-corpus-v{VERSION}-{size}-{seed}.jsonl"
    labels_path = path.with_suffix(".labels.json")
    if not path.exists() or not labels_path.exists():
        docs = build_corpus(size + INCREMENT, seed=seed, bases=load_bases())
        with path.open("w", encoding="utf-8") as out:
            for doc in docs:
                out.write(json.dumps(asdict(doc), ensure_ascii=False) + "\n")
        labels_path.write_text(json.dumps([d.label for d in docs]), encoding="utf-8")
    labels: list[int] = json.loads(labels_path.read_text(encoding="utf-8"))
    return path, labels


def _row(method: str, size: int, result: dict[str, Any], labels: list[int]) -> dict[str, Any]:
    precision, recall, f1 = pair_scores(labels, result["clusters"])
    return {
        "method": method,
        "docs": size,
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "seconds": round(result["seconds"], 2),
        "cpu": round(result["cpu"], 2),
        "peak_mb": round(result["tree_mb"]),
        "own_peak_mb": round(result["peak_mb"]),
    }


@dataclass(frozen=True, slots=True, kw_only=True)
class Plan:
    """What to run at each size: corpus seed, peers (up to which size), scraper's workers."""

    seed: int
    peers: list[str]
    peer_limit: int
    workers: int


def run_size(size: int, plan: Plan) -> list[dict[str, Any]]:
    """Every method at one corpus size, plus the +1k increment for scraper."""
    corpus, labels = _corpus_file(size, plan.seed)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "dedup.sqlite"
        first = _child("scraper", corpus, db, (0, size), plan.workers)
        rows.append(_row("scraper", size, first, labels[:size]))
        print(rows[-1], file=sys.stderr)
        grown = _child("scraper", corpus, db, (size, INCREMENT), plan.workers)
        rows.append(
            {
                "method": "scraper +1k into persisted index",
                "docs": size,
                "seconds": round(grown["seconds"], 2),
                "cpu": round(grown["cpu"], 2),
                "peak_mb": round(grown["tree_mb"]),
                "own_peak_mb": round(grown["peak_mb"]),
            }
        )
        print(rows[-1], file=sys.stderr)
    for method in plan.peers if size <= plan.peer_limit else []:
        alone = _child(method, corpus, Path(os.devnull), (0, size), 1)
        rows.append(_row(method, size, alone, labels[:size]))
        print(rows[-1], file=sys.stderr)
    return rows


def _table(rows: list[dict[str, Any]]) -> str:
    head = "| method | docs | precision | recall | F1 | wall s | CPU s | peak MB | main MB |"
    lines = [head, "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        cells = [
            r["method"],
            r["docs"],
            r.get("precision", "-"),
            r.get("recall", "-"),
            r.get("f1", "-"),
            r["seconds"],
            r["cpu"],
            r["peak_mb"],
            r["own_peak_mb"],
        ]
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    return "\n".join(lines)


def main() -> None:
    """Parse arguments; run as a worker or as the driver that prints the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--sizes", default="10000,100000", help="Corpus sizes, comma-separated.")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--peers",
        default=",".join(available_peers()),
        help="Peers to run (default: every installed one).",
    )
    parser.add_argument(
        "--peer-limit", type=int, default=100_000, help="Run peers only at sizes up to this."
    )
    parser.add_argument(
        "--workers", type=int, default=2, help="scraper's analysis processes (DedupOptions)."
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--corpus", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--skip", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--take", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    if not GOLD_ROOT.is_dir():
        raise SystemExit(f"no benchmark texts at {GOLD_ROOT}")
    peers = [p for p in args.peers.split(",") if p]
    plan = Plan(seed=args.seed, peers=peers, peer_limit=args.peer_limit, workers=args.workers)
    rows: list[dict[str, Any]] = []
    for size in (int(s) for s in args.sizes.split(",")):
        rows += run_size(size, plan)
    print(_table(rows))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "dedup.json").write_text(json.dumps(rows, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
