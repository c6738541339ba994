"""Crawl benchmark: a local farm of news sites, crawled end to end, against extract-only.

The farm: ``--sites`` sites (default 20) on 127.0.0.1, served from a separate process so that
server CPU is not charged to the crawl. Each site serves ``--unique`` real pages from
``../shared/bench/extraction`` (third-party pages, read at run time, never copied here) and lists
100 links in its RSS feed: its unique articles, tracking-parameter and fragment variants of some
of them, and 5% syndicated copies (another site's page under this site's URL). Its sitemap
(found through robots.txt) lists every article again plus an ``.amp.html`` variant of each.

Reported: unique articles/s end to end, CPU ms per stored article (crawl process plus its
extraction workers), peak memory, URL variants fetched (should be 0), syndicated copies left
outside their original's cluster (should be 0), the incremental rerun (articles fetched, 304s),
and extract-only throughput of the same pages with the same number of processes.
``--seen N`` adds the memory check of a store holding N seen URLs.

    .venv/bin/python benchmarks/crawl.py [--sites 20] [--unique 70] [--workers 2] [--seen 1000000]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import resource
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench_dataset import shared_sets

from scraper.config import CrawlConfig, Politeness, RetryPolicy, Source, SourceKind
from scraper.crawl import run_crawl
from scraper.crawl.extraction import extract_or_reason
from scraper.crawl.identity import CurrentClusters
from scraper.demo.listings import Item, news_sitemap, robots_txt, rss_feed
from scraper.demo.server import Resource, SiteServer
from scraper.extract.options import ExtractOptions
from scraper.models import Page
from scraper.store.crawl_store import SQLiteCrawlStore
from scraper.store.protocol import ListingRecord, NewURL

LINKS_PER_SITE = 100
SYNDICATED_SHARE = 0.05
_STAMP = datetime(2026, 11, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class SitePlan:
    """What one farm site serves: its own pages and the copies it syndicates."""

    pages: tuple[Path, ...]
    copies: tuple[Path, ...]


@dataclass(slots=True)
class TreeSampler:
    """Samples CPU time and RSS of this process's descendants (the extraction workers)."""

    exclude: frozenset[int] = frozenset()
    cpu: dict[int, float] = field(default_factory=dict)
    peak_rss: int = 0
    own_cpu: float = 0.0  # the sampler's own CPU, not charged to the crawl
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        tick = os.sysconf("SC_CLK_TCK")
        page = os.sysconf("SC_PAGE_SIZE")
        while not self.stop.wait(0.05):
            total = 0
            for pid, ppid, cpu, rss in _processes(tick, page):
                if pid != os.getpid() and pid not in self.exclude and _descends(pid, ppid):
                    self.cpu[pid] = max(self.cpu.get(pid, 0.0), cpu)
                    total += rss
            self.peak_rss = max(self.peak_rss, total)
            self.own_cpu = time.thread_time()


_PARENTS: dict[int, int] = {}


def _processes(tick: int, page: int) -> list[tuple[int, int, float, int]]:
    out = []
    for folder in Path("/proc").iterdir():
        entry = folder.name
        if not entry.isdigit():
            continue
        try:
            raw = (folder / "stat").read_text()
        except OSError:
            continue
        fields = raw[raw.rfind(")") + 2 :].split()
        pid, ppid = int(entry), int(fields[1])
        _PARENTS[pid] = ppid
        out.append((pid, ppid, (int(fields[11]) + int(fields[12])) / tick, int(fields[21]) * page))
    return out


def _descends(pid: int, ppid: int) -> bool:
    me = os.getpid()
    seen = 0
    while ppid > 1 and seen < 32:
        if ppid == me:
            return True
        ppid = _PARENTS.get(ppid, 0)
        seen += 1
    return False


def plan_farm(sites: int, unique: int, seed: int = 7) -> list[SitePlan]:
    """Split the shared pages between sites; each site also carries copies of its neighbour's."""
    files = sorted(p for d in shared_sets() for p in (d / "html").glob("*.html"))
    if len(files) < sites * unique:
        sys.exit(f"need {sites * unique} pages, found {len(files)} in ../shared: lower --unique")
    rng = random.Random(seed)
    rng.shuffle(files)
    own = [tuple(files[i * unique : (i + 1) * unique]) for i in range(sites)]
    copies = max(1, round(LINKS_PER_SITE * SYNDICATED_SHARE))
    return [SitePlan(own[i], own[(i + 1) % sites][:copies]) for i in range(sites)]


def _site_pages(plan: SitePlan, base: str) -> dict[str, Resource]:
    pages: dict[str, Resource] = {}
    items: list[Item] = []
    for kind, files in (("a", plan.pages), ("syn", plan.copies)):
        for n, path in enumerate(files):
            url_path = f"/{kind}/{n}.html"
            pages[url_path] = Resource("text/html", path.read_bytes(), _STAMP)
            items.append(Item(base + url_path, path.stem, _STAMP + timedelta(minutes=n)))
    variants = LINKS_PER_SITE - len(items)
    marks = ("?utm_source=rss&utm_medium=feed", "#comments", "?fbclid=IwAR0x", "?utm_campaign=x")
    listed = items + [
        Item(items[i % len(plan.pages)].url + marks[i % len(marks)], "v", _STAMP)
        for i in range(max(0, variants))
    ]
    amp = [Item(i.url.replace(".html", ".amp.html"), i.title, i.published) for i in items]
    pages["/feed.xml"] = Resource("application/rss+xml", rss_feed("farm", base, listed), _STAMP)
    pages["/sitemap.xml"] = Resource("application/xml", news_sitemap(items + amp), _STAMP)
    pages["/robots.txt"] = Resource("text/plain", robots_txt([base + "/sitemap.xml"]), _STAMP)
    return pages


def serve_farm(plans: list[SitePlan], ready: Any, done: Any) -> None:
    """Child process: serve every site until ``done`` is set; report base URLs on ``ready``."""
    servers = [SiteServer() for _ in plans]
    for server, plan in zip(servers, plans, strict=True):
        server.publish(_site_pages(plan, server.base_url))
        server.__enter__()
    ready.put([s.base_url for s in servers])
    done.wait()
    counts: dict[str, int] = {}
    for server in servers:
        for request in server.log:
            if request.path.startswith(("/a/", "/syn/")) and request.status == 200:
                counts[server.base_url + request.path] = (
                    counts.get(server.base_url + request.path, 0) + 1
                )
        server.__exit__(None, None, None)
    ready.put(counts)


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


def _cpu_self() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _measured(
    action: Callable[[], Any], exclude: frozenset[int] = frozenset()
) -> tuple[Any, float, float, TreeSampler]:
    """Run ``action``; (its result, wall s, CPU s of this process without the sampler, sampler).

    The sampler holds the CPU of the descendants (the extraction workers).
    """
    sampler = TreeSampler(exclude=exclude)
    thread = threading.Thread(target=sampler.run, daemon=True)
    cpu0, wall0 = _cpu_self(), time.perf_counter()
    thread.start()
    result = action()
    wall = time.perf_counter() - wall0
    sampler.stop.set()
    thread.join()
    cpu = _cpu_self() - cpu0 - sampler.own_cpu
    return result, wall, cpu, sampler


def extract_only(plans: list[SitePlan], workers: int) -> tuple[int, float, float]:
    """Extract the same unique pages in ``workers`` processes; (pages, wall s, CPU s)."""
    pages = [
        Page(
            url=f"http://farm.test/{i}/{p.name}",
            body=p.read_bytes(),
            headers=(("content-type", "text/html"),),
        )
        for i, plan in enumerate(plans)
        for p in (*plan.pages, *plan.copies)
    ]
    options = ExtractOptions()
    context = multiprocessing.get_context("spawn")

    def run() -> int:
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            return sum(
                1 for _ in pool.map(extract_or_reason, pages, [options] * len(pages), chunksize=8)
            )

    done, wall, cpu, sampler = _measured(run)
    return int(done), wall, cpu + sum(sampler.cpu.values())


def _rss_mb(field: str = "VmRSS") -> float:
    # VmHWM, not ru_maxrss: a spawned child's ru_maxrss starts at its parent's high-water mark.
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


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


def _crawl_report(label: str, result: Any, wall: float, cpu: float, sampler: TreeSampler) -> None:
    s = result.stats
    workers = sum(sampler.cpu.values())
    per = (cpu + workers) * 1000 / s.stored if s.stored else float("nan")
    own = cpu * 1000 / s.stored if s.stored else float("nan")
    print(
        f"{label}: {s.stored} stored ({s.duplicates} duplicates) in {wall:.2f}s ="
        f" {s.stored / wall:.1f} articles/s; CPU {cpu + workers:.2f}s = {per:.2f} ms/article"
        f" (crawl process {own:.2f}, extraction workers {per - own:.2f});"
        f" fetched {s.fetched}, 304 {s.not_modified}, failed {s.failed}, gave up {s.gave_up};"
        f" workers peak RSS {sampler.peak_rss / 2**20:.0f} MB"
    )


def _syndication_check(
    store_path: Path, plans: list[SitePlan], bases: list[str]
) -> tuple[int, int]:
    store = SQLiteCrawlStore(store_path)
    try:
        current = CurrentClusters(store)
        by_url = {a.article.url: current(a) for a in store.articles_since()}
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


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sites", type=int, default=20)
    parser.add_argument("--unique", type=int, default=70, help="unique pages per site")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seen", type=int, default=0, help="also measure a store of N seen URLs")
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
    config = farm_config(bases, folder / "farm.db", args.workers)
    links = args.sites * LINKS_PER_SITE
    copies = sum(len(p.copies) for p in plans)
    print(
        f"farm: {args.sites} sites, {links} feed links + {(args.sites * args.unique + copies) * 2}"
        f" sitemap links, {args.sites * args.unique} unique pages + {copies} syndicated copies;"
        f" {args.workers} extraction processes, {os.cpu_count()} CPUs"
    )
    first, wall, cpu, sampler = _measured(lambda: run_crawl(config), server)
    _crawl_report("crawl, first run", first, wall, cpu, sampler)
    second, wall2, cpu2, sampler2 = _measured(lambda: run_crawl(config), server)
    _crawl_report("crawl, rerun (nothing new)", second, wall2, cpu2, sampler2)
    done.set()
    counts: dict[str, int] = ready.get(timeout=60)
    farm.join(timeout=30)
    variants = sum(1 for url in counts if ".amp." in url)
    refetched = sum(n - 1 for n in counts.values() if n > 1)
    missed, pairs = _syndication_check(config.store, plans, bases)
    print(
        f"URL variants fetched: {variants}; pages fetched more than once: {refetched};"
        f" syndicated copies outside their original's cluster: {missed} of {pairs}"
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"crawl process peak RSS: {peak:.0f} MB")
    pages, ewall, ecpu = extract_only(plans, args.workers)
    rate = pages / ewall
    print(
        f"extract-only: {pages} pages in {ewall:.2f}s = {rate:.1f} pages/s,"
        f" CPU {ecpu * 1000 / pages:.2f} ms/page ({args.workers} processes)"
    )
    print(f"crawl / extract-only throughput: {first.stats.stored / wall / rate:.0%}")
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
