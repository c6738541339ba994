"""Crawl benchmark: a local farm of news sites, crawled end to end, against extract-only.

The farm (see ``crawl_farm.py``): ``--sites`` sites (default 20) on 127.0.0.1, served from a
separate process so that server CPU is not charged to the crawl, each with an RSS feed of 100
links (variants and 5% syndicated copies among them) and a sitemap with AMP variants.

Reported, for each crawl into a fresh store (``run_crawl``, as the CLI runs it): unique
articles/s end to end and CPU ms per stored article, counted with ``getrusage`` over the crawl
process and its extraction workers (``RUSAGE_SELF`` + ``RUSAGE_CHILDREN``; the farm is not
reaped until the end, so its CPU is in neither); peak memory. For the first: the incremental
rerun (articles fetched, 304s), in-process and then as cron runs it (``scraper crawl`` on the
farm's config written as TOML, in a fresh process, start-up included), URL variants fetched and
pages fetched twice (should be 0),
syndicated copies left outside their original's cluster (should be 0). Extract-only throughput
of the same pages with the same number of processes (the pure extraction call, returning only a
word count) is measured before, between and after the crawls (``--repeat``, default 3), and
each crawl's throughput is compared with the extract-only runs on either side of it, so that
both figures of a ratio saw the same load. Then one more crawl into a fresh store with
per-stage CPU meters (``crawl_meters.py``: fetch, discovery parsing, dedup, store, the rest of
the crawl process, the workers beyond pure extraction). ``--seen N`` adds the memory check of a
store holding N seen URLs. Last, the peer (``crawl_scrapy.py``): Scrapy + trafilatura on a farm
of its own, and with ``--peer-metadata`` also the peer whose items carry title, author and date.
With ``--paired`` the text-only peer runs before the first crawl and after each instead, and
each crawl's CPU is compared with the mean of the peer runs either side of it: this machine's
speed drifts by a fifth within minutes, and one peer run at the end compared all three crawls
with whatever speed it met.

    .venv/bin/python benchmarks/crawl.py [--sites 20] [--unique 70] [--workers N] [--repeat 3]
        [--seen 1000000] [--paired] [--peer-metadata]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from bench_dataset import shared_sets
from crawl_farm import LINKS_PER_SITE, SitePlan, plan_farm, serve_farm
from crawl_meters import Meters, metered_crawl, worker_startup_cpu
from crawl_scrapy import scrapy_crawl

from scraper.config import (
    CrawlConfig,
    Politeness,
    RetryPolicy,
    Source,
    SourceKind,
    default_workers,
)
from scraper.crawl import RunResult, run_crawl
from scraper.extract import extract
from scraper.store.crawl_store import SQLiteCrawlStore
from scraper.store.protocol import ListingRecord, NewURL


@dataclass(slots=True)
class RssSampler:
    """Samples the RSS of this process's descendants (the extraction workers)."""

    exclude: frozenset[int] = frozenset()
    peak_rss: int = 0
    own_peak_rss: int = 0  # this process's, during the action only
    own_cpu: float = 0.0  # the sampler's own CPU, not charged to the crawl
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        page = os.sysconf("SC_PAGE_SIZE")
        while True:  # one sample at once, so that a short action is sampled too
            parents = dict(_processes(page))
            total = sum(
                rss
                for pid, (_, rss) in parents.items()
                if pid not in self.exclude and _descends(pid, parents)
            )
            self.peak_rss = max(self.peak_rss, total)
            self.own_peak_rss = max(self.own_peak_rss, parents[os.getpid()][1])
            self.own_cpu = time.thread_time()
            if self.stop.wait(0.1):
                return


def _processes(page: int) -> list[tuple[int, tuple[int, int]]]:
    out = []
    for folder in Path("/proc").iterdir():
        if not folder.name.isdigit():
            continue
        try:
            raw = (folder / "stat").read_text()
        except OSError:
            continue
        fields = raw[raw.rfind(")") + 2 :].split()
        out.append((int(folder.name), (int(fields[1]), int(fields[21]) * page)))
    return out


def _descends(pid: int, parents: dict[int, tuple[int, int]]) -> bool:
    me = os.getpid()
    parent = parents.get(pid, (0, 0))[0]
    for _ in range(32):
        if parent == me:
            return True
        if parent <= 1:
            return False
        parent = parents.get(parent, (0, 0))[0]
    return False


@dataclass(frozen=True, slots=True)
class Measured:
    """A measured action: its result, wall seconds, CPU seconds of this process (without the
    sampler) and of the children reaped meanwhile, and the children's peak RSS."""

    result: Any
    wall: float
    own_cpu: float
    children_cpu: float
    children_rss: int
    own_rss: int


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def measured(action: Callable[[], Any], exclude: frozenset[int] = frozenset()) -> Measured:
    """Run ``action`` and measure it."""
    sampler = RssSampler(exclude=exclude)
    thread = threading.Thread(target=sampler.run, daemon=True)
    own0, kids0 = _cpu(resource.RUSAGE_SELF), _cpu(resource.RUSAGE_CHILDREN)
    wall0 = time.perf_counter()
    thread.start()
    result = action()
    wall = time.perf_counter() - wall0
    sampler.stop.set()
    thread.join()
    own = _cpu(resource.RUSAGE_SELF) - own0 - sampler.own_cpu
    kids = _cpu(resource.RUSAGE_CHILDREN) - kids0
    return Measured(result, wall, own, kids, sampler.peak_rss, sampler.own_peak_rss)


def farm_config(bases: list[str], store: Path, workers: int) -> CrawlConfig:
    """Feed and sitemap sources of every site, politeness limits set high."""
    sources: list[Source] = []
    for i, base in enumerate(bases):
        sources.append(Source(name=f"s{i}-feed", kind=SourceKind.FEED, urls=(base + "/feed.xml",)))
        sources.append(
            Source(name=f"s{i}-map", kind=SourceKind.SITEMAP, urls=(base + "/robots.txt",))
        )
    return CrawlConfig(
        sources=tuple(sources),
        store=store,
        politeness=Politeness(min_interval=0.0, per_host=8, concurrency=64),
        retry=RetryPolicy(per_request=1),
        workers=workers,
        allow_networks=("127.0.0.0/8",),
    )


def extract_words(item: tuple[str, Path]) -> tuple[int, float]:
    """In a worker: extract one page file; (its word count, the CPU seconds extraction took)."""
    body = item[1].read_bytes()
    started = time.thread_time()
    words = extract(body, url=item[0]).word_count
    return words, time.thread_time() - started


@dataclass(frozen=True, slots=True)
class ExtractOnly:
    """Extract-only figures: pages, wall s, CPU s of all processes, CPU s inside extraction."""

    pages: int
    wall: float
    cpu: float
    pure: float

    @property
    def rate(self) -> float:
        return self.pages / self.wall


def extract_only(plans: list[SitePlan], workers: int) -> ExtractOnly:
    """Extract the same unique pages in ``workers`` processes, as fast as a pool can (0: in
    this process, as a crawl with 0 workers does)."""
    # The workers read the files themselves: nothing to send but a path, and the bytes of
    # 1,500 pages never pass through (or stay in) this process.
    items = [
        (f"http://farm.test/{i}/{p.name}", p)
        for i, plan in enumerate(plans)
        for p in (*plan.pages, *plan.copies)
    ]
    context = multiprocessing.get_context("spawn")

    def run() -> list[tuple[int, float]]:
        if workers <= 0:  # as the crawl extracts with 0 workers: in this very process
            return [extract_words(item) for item in items]
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            return list(pool.map(extract_words, items, chunksize=8))

    m = measured(run)
    return ExtractOnly(
        len(m.result), m.wall, m.own_cpu + m.children_cpu, sum(c for _, c in m.result)
    )


def _cpu_of(pid: int) -> float:
    raw = Path(f"/proc/{pid}/stat").read_text()
    fields = raw[raw.rfind(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rss_mb(field: str = "VmRSS") -> float:
    # VmHWM, not ru_maxrss: a spawned child's ru_maxrss starts at its parent's high-water mark.
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def config_toml(config: CrawlConfig) -> str:
    """``config`` as the TOML file a cron user would write for it (sources, pace, store)."""
    p, names = config.politeness, ", ".join(f'"{n}"' for n in config.allow_networks)
    lines = [
        f'store = "{config.store}"',
        f"workers = {config.workers}",
        f"allow_networks = [{names}]",
        "[politeness]",
        f"min_interval = {p.min_interval}",
        f"per_host = {p.per_host}",
        f"concurrency = {p.concurrency}",
        "[retry]",
        f"per_request = {config.retry.per_request}",
    ]
    for source in config.sources:
        urls = ", ".join(f'"{u}"' for u in source.urls)
        lines += ["[[source]]", f'name = "{source.name}"', f"{source.kind.value} = [{urls}]"]
    return "\n".join(lines) + "\n"


def cli_rerun(config: CrawlConfig) -> tuple[float, float, str]:
    """Run ``scraper crawl`` on ``config`` as cron runs it, in a fresh process: (CPU s of that
    process and its children, wall s, its summary line)."""
    path = config.store.with_suffix(".toml")
    path.write_text(config_toml(config))
    before = _cpu(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "scraper", "crawl", str(path)], capture_output=True, text=True
    )
    wall = time.perf_counter() - began
    lines = (done.stdout + done.stderr).strip().splitlines()
    return _cpu(resource.RUSAGE_CHILDREN) - before, wall, lines[-1] if lines else ""


def seen_urls_memory(count: int, folder: Path, out: Any) -> None:
    """Child process: RSS (MB) at start, after storing ``count`` seen URLs, after re-listing.

    Puts (start, filled, relisted, peak, seconds) on ``out``.
    """
    start = _rss_mb()
    began = time.perf_counter()
    store = SQLiteCrawlStore(folder / "seen.db")
    store.ensure_source("big", "feed")
    batch = 20_000
    for first in range(0, count, batch):
        rows = [
            NewURL(url=f"https://site{n % 500}.test/a/{n}", raw=f"https://site{n % 500}.test/a/{n}")
            for n in range(first, min(count, first + batch))
        ]
        store.record_listing("big", ListingRecord(fetch=None, entries=rows), 1)
    filled = _rss_mb()
    again = [NewURL(url=f"https://site{n % 500}.test/a/{n}", raw="x") for n in range(10_000)]
    assert store.record_listing("big", ListingRecord(fetch=None, entries=again), 2) == 0
    store.close()
    out.put((start, filled, _rss_mb(), _rss_mb("VmHWM"), time.perf_counter() - began))


def _crawl_report(label: str, m: Measured) -> None:
    result: RunResult = m.result
    s = result.stats
    total = m.own_cpu + m.children_cpu
    per = total * 1000 / s.stored if s.stored else float("nan")
    own = m.own_cpu * 1000 / s.stored if s.stored else float("nan")
    print(
        f"{label}: {s.stored} stored ({result.duplicates} duplicates; {s.duplicates} when"
        f" placed) in {m.wall:.2f}s ="
        f" {s.stored / m.wall:.1f} articles/s; CPU {total:.2f}s = {per:.2f} ms/article"
        f" (crawl process {own:.2f}, extraction workers {per - own:.2f});"
        f" fetched {s.fetched}, 304 {s.not_modified}, failed {s.failed}, gave up {s.gave_up};"
        f" peak RSS: crawl process {m.own_rss / 2**20:.0f} MB,"
        f" workers {m.children_rss / 2**20:.0f} MB"
    )


def _syndication_check(
    store_path: Path, plans: list[SitePlan], bases: list[str]
) -> tuple[int, int]:
    store = SQLiteCrawlStore(store_path)
    try:
        by_url = {a.article.url: a for a in store.articles_since()}
    finally:
        store.close()
    missed = total = 0
    for i, plan in enumerate(plans):
        source = (i + 1) % len(plans)
        for n in range(len(plan.copies)):
            copy = by_url.get(f"{bases[i]}/syn/{n}.html")
            original = by_url.get(f"{bases[source]}/a/{n}.html")
            if copy is None or original is None:
                continue
            total += 1
            missed += copy.cluster != original.cluster
    return missed, total


def _breakdown(m: Measured, meters: Meters, startup: float, pure_per_page: float) -> None:
    result: RunResult = m.result
    per = 1000 / result.stats.stored
    stages = meters.seconds
    rest = m.own_cpu - sum(stages.values())
    tasks = m.children_cpu - startup
    parts = [f"{name} {sec * per:.2f}" for name, sec in stages.items()]
    parts.append(f"rest of crawl process (event loop, worker pipes) {rest * per:.2f}")
    parts.append(f"worker start-up {startup * per:.2f}")
    parts.append(
        f"workers' tasks (extraction, receiving pages, the record's JSON) {tasks * per:.2f}"
    )
    total = (m.own_cpu + m.children_cpu) * per
    print(f"breakdown, ms of CPU per stored article (metered run, {total:.2f} in all):")
    print("  " + "; ".join(parts))
    print(
        f"  everything but the workers' tasks: {total - tasks * per:.2f} ms/article"
        f" (extract-only spends {pure_per_page * 1000:.2f} ms a page inside extraction)"
    )


def _peer_installed() -> bool:
    try:
        import scrapy  # noqa: F401
        import trafilatura  # noqa: F401
    except ImportError:
        print(
            "Scrapy + trafilatura: not installed"
            " (pip install -U pip && pip install -e '.[bench]'), not measured"
        )
        return False
    return True


def _peer_run(plans: list[SitePlan], context: Any, metadata: bool) -> float:
    """One crawl of Scrapy + trafilatura over a farm of its own (the first one's fetch counts
    stay ours); its CPU ms per item, printed with the rest of what it did."""
    ready, done = context.Queue(), context.Event()
    farm = context.Process(target=serve_farm, args=(plans, ready, done), daemon=True)
    farm.start()
    peer = scrapy_crawl(ready.get(timeout=120), metadata)
    done.set()
    # The farm hands its request counts back before it ends: a process whose queue still
    # holds them does not exit, and with --paired it would live on through the next crawl
    # (its memory counted as the crawl's workers').
    ready.get(timeout=60)
    farm.join(timeout=30)
    label = "Scrapy + trafilatura" + (" with title, author, date" if metadata else "")
    per_item = peer.cpu * 1000 / peer.items
    print(
        f"{label}, same farm, this run: {peer.items} items ({peer.unique} distinct"
        f" after URL normalisation, {peer.texts} with text) in {peer.wall:.2f}s ="
        f" {peer.unique / peer.wall:.1f} distinct articles/s; CPU {per_item:.1f} ms/item,"
        f" {peer.cpu * 1000 / peer.unique:.1f} ms per distinct article; peak RSS"
        f" {peer.peak_mb:.0f} MB"
    )
    return per_item


def _cpu_per_article(crawl: Measured) -> float:
    stored: int = crawl.result.stats.stored
    return (crawl.own_cpu + crawl.children_cpu) * 1000 / stored


def _against_peer(crawls: list[Measured], peers: list[float]) -> None:
    """Each crawl's CPU per stored article against the text-only peer: with a peer run before
    the first crawl and after each (``--paired``), against the mean of the two either side of
    it, so that both figures of a ratio saw the machine at the same speed; else against the one
    peer run."""
    ours = [_cpu_per_article(c) for c in crawls]
    if len(peers) == len(crawls) + 1:
        ratios = [o / ((peers[i] + peers[i + 1]) / 2) for i, o in enumerate(ours)]
        how = "each crawl against the peer runs either side"
    else:
        ratios = [o / peers[-1] for o in ours]
        how = "against the one peer run"
    print(
        f"scraper's CPU per stored article / the peer's per item (Scrapy + trafilatura, {how}):"
        f" {', '.join(f'{r:.1%}' for r in ratios)}; median {statistics.median(ratios):.1%}"
        " (goal: at most 10%)"
    )


def _metadata_peer(plans: list[SitePlan], crawls: list[Measured], context: Any) -> None:
    """The peer whose items carry title, author and date, as scraper's do (not the goal's)."""
    per_item = _peer_run(plans, context, True)
    print(
        "scraper's CPU per stored article / the peer's per item (Scrapy + trafilatura with"
        " title, author, date):"
        f" {', '.join(f'{_cpu_per_article(c) / per_item:.1%}' for c in crawls)}"
        " (not the goal's peer: see crawl_scrapy.py)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sites", type=int, default=20)
    parser.add_argument("--unique", type=int, default=70, help="unique pages per site")
    parser.add_argument(
        "--workers",
        type=int,
        default=default_workers(),
        help="extraction processes (default: the crawl's, one per CPU less one; 0: extract in"
        " the crawl process)",
    )
    parser.add_argument("--seen", type=int, default=0, help="also measure a store of N seen URLs")
    parser.add_argument("--repeat", type=int, default=3, help="crawls measured for throughput")
    parser.add_argument(
        "--no-peer", action="store_true", help="skip Scrapy + trafilatura on a farm of its own"
    )
    parser.add_argument(
        "--paired",
        action="store_true",
        help="run the text-only peer before the first crawl and after each, and compare each"
        " crawl with the peer runs either side of it (the machine's speed drifts)",
    )
    parser.add_argument(
        "--peer-metadata",
        action="store_true",
        help="also run the peer with items that carry title, author and date, as scraper's do",
    )
    args = parser.parse_args()
    if not shared_sets():
        sys.exit("../shared/bench/extraction is absent: nothing to serve")
    plans = plan_farm(args.sites, args.unique)
    context = multiprocessing.get_context("spawn")
    ready, done = context.Queue(), context.Event()
    farm = context.Process(target=serve_farm, args=(plans, ready, done), daemon=True)
    farm.start()
    bases: list[str] = ready.get(timeout=120)
    server = frozenset({farm.pid or 0})  # the farm's CPU is not the crawl's
    folder = Path(tempfile.mkdtemp(prefix="crawl-bench-"))
    links = args.sites * LINKS_PER_SITE
    copies = sum(len(p.copies) for p in plans)
    print(
        f"farm: {args.sites} sites, {links} feed links + {(args.sites * args.unique + copies) * 2}"
        f" sitemap links, {args.sites * args.unique} unique pages + {copies} syndicated copies;"
        f" {args.workers} extraction processes, {os.cpu_count()} CPUs"
    )
    peer = not args.no_peer and _peer_installed()
    peers = [_peer_run(plans, context, False)] if peer and args.paired else []
    extracts = [extract_only(plans, args.workers)]
    crawls: list[Measured] = []
    for i in range(args.repeat):  # extract-only and crawls alternate, under the same load
        config = farm_config(bases, folder / f"farm{i}.db", args.workers)
        farm_cpu = _cpu_of(farm.pid or 0)
        crawls.append(measured(partial(run_crawl, config), server))
        farm_cpu = _cpu_of(farm.pid or 0) - farm_cpu
        _crawl_report(f"crawl {i + 1}, first run", crawls[-1])
        if i == 0:
            fetched = max(1, crawls[0].result.stats.fetched)
            print(
                f"  the farm's server meanwhile (not charged to the crawl):"
                f" {farm_cpu * 1000 / fetched:.2f} ms CPU per page"
            )
            again = measured(partial(run_crawl, config), server)
            _crawl_report("crawl 1, rerun (nothing new)", again)
            cpu, wall, summary = cli_rerun(config)
            print(
                f"crawl 1, rerun from the command line as cron runs it (a fresh process):"
                f" CPU {cpu:.2f}s, wall {wall:.2f}s; {summary}"
            )
        extracts.append(extract_only(plans, args.workers))
        if peers:
            peers.append(_peer_run(plans, context, False))
    meters = Meters()
    fresh = farm_config(bases, folder / "metered.db", args.workers)
    metered = measured(lambda: metered_crawl(fresh, meters), server)
    done.set()
    counts: dict[str, int] = ready.get(timeout=60)
    farm.join(timeout=30)
    stores = args.repeat + 1  # every crawl into a fresh store fetches each page once
    variants = sum(1 for url in counts if ".amp." in url)
    refetched = sum(n - stores for n in counts.values() if n > stores)
    missed, pairs = _syndication_check(folder / "farm0.db", plans, bases)
    print(
        f"URL variants fetched: {variants}; pages fetched more than once per store: {refetched};"
        f" syndicated copies outside their original's cluster: {missed} of {pairs}"
    )
    for e in extracts:
        print(
            f"extract-only: {e.pages} pages in {e.wall:.2f}s = {e.rate:.1f} pages/s,"
            f" CPU {e.cpu * 1000 / e.pages:.2f} ms/page"
            f" ({e.pure * 1000 / e.pages:.2f} inside extraction;"
            f" {args.workers or 'no'} worker processes)"
        )
    ratios = [
        c.result.stats.stored / c.wall / ((extracts[i].rate + extracts[i + 1].rate) / 2)
        for i, c in enumerate(crawls)
    ]
    print(
        "crawl / extract-only throughput (each crawl against the extract-only runs either side):"
        f" {', '.join(f'{r:.0%}' for r in ratios)}; median {statistics.median(ratios):.0%}"
    )
    # When both saturate the CPUs, throughput follows CPU per item: this ratio is what the
    # throughput ratio tends to, and it moves far less with the machine's other load.
    per_page = sum(e.cpu for e in extracts) / sum(e.pages for e in extracts)
    cpu_ratios = [per_page * c.result.stats.stored / (c.own_cpu + c.children_cpu) for c in crawls]
    print(
        "extract-only CPU per page / crawl CPU per stored article:"
        f" {', '.join(f'{r:.0%}' for r in cpu_ratios)}"
    )
    _crawl_report("crawl, metered run (fresh store)", metered)
    pure = sum(e.pure for e in extracts) / sum(e.pages for e in extracts)
    _breakdown(metered, meters, worker_startup_cpu(args.workers), pure)
    if peer:
        if not peers:
            peers.append(_peer_run(plans, context, False))
        _against_peer(crawls, peers)
        if args.peer_metadata:
            _metadata_peer(plans, crawls, context)
    if args.seen:
        out = context.Queue()
        child = context.Process(target=seen_urls_memory, args=(args.seen, folder, out))
        child.start()
        start, filled, relisted, peak, seconds = out.get(timeout=1800)
        child.join()
        print(
            f"store of {args.seen} seen URLs (fresh process, {seconds:.0f}s to fill): RSS"
            f" {start:.0f} MB at start, {filled:.0f} MB filled, {relisted:.0f} MB after"
            f" re-listing 10k seen URLs; peak {peak:.0f} MB"
        )


if __name__ == "__main__":
    main()
