"""CPU per page of the crawl's fetcher against bare httpx loops, on the crawl benchmark's farm.

The farm (``crawl_farm.py``, in a spawned process, as ``crawl.py`` runs it) serves the shared
pages of ``--sites`` sites; every variant fetches each site's article pages (``/a/N.html`` and
``/syn/N.html``) ``--passes`` times, in a fresh process, at the crawl's concurrency (64 at once,
8 per host):

- ``bare``: one ``httpx.AsyncClient`` (keep-alive), ``client.get`` and ``response.content``;
- ``bare-per-host``: the same with one client per origin;
- ``fetcher``: :class:`scraper.fetch.Fetcher` configured as a crawl configures it
  (``fetch_options`` of the benchmark's crawl config: robots.txt, the address guard, pacing
  with no interval), each page through ``fetch_in_lane`` as the crawl fetches articles.

The gap between ``fetcher`` and the bare loops is the fetcher's own overhead. CPU is the
process's (``time.process_time``) from the first request to the last, imports excluded. The
machine is shared, so variants alternate within each repeat and medians are reported.
``--callgrind`` instead counts instructions per page (valgrind's callgrind; the difference
between a run of ``--passes`` passes and one of a single pass, so start-up cancels out).

    .venv/bin/python benchmarks/fetch_farm.py [--sites 20] [--unique 70] [--passes 2]
        [--repeat 3] [--variants fetcher,bare-per-host] [--callgrind]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from crawl_farm import plan_farm, serve_farm

from scraper.config import CrawlConfig, Politeness, RetryPolicy, Source, SourceKind
from scraper.crawl.fetching import fetch_options
from scraper.fetch import Fetcher

CONCURRENCY = 64
PER_HOST = 8


def _config(bases: list[str]) -> CrawlConfig:
    # As benchmarks/crawl.py's farm_config: the politeness the crawl benchmark runs with.
    sources = tuple(
        Source(name=f"s{i}", kind=SourceKind.FEED, urls=(base + "/feed.xml",))
        for i, base in enumerate(bases)
    )
    return CrawlConfig(
        sources=sources,
        store=Path(tempfile.gettempdir()) / "unused.db",
        politeness=Politeness(min_interval=0.0, per_host=PER_HOST, concurrency=CONCURRENCY),
        retry=RetryPolicy(per_request=1),
        workers=1,
        allow_networks=("127.0.0.0/8",),
    )


def _origin(url: str) -> str:
    return url.split("/", 3)[2]


async def _gated(urls: list[str], one: object) -> int:
    """``one(url)`` for every URL, 64 at once and 8 per host; the bytes received."""
    gate = asyncio.Semaphore(CONCURRENCY)
    hosts: dict[str, asyncio.Semaphore] = {}
    fetch = one  # a coroutine function of a URL returning a byte count
    assert callable(fetch)

    async def run(url: str) -> int:
        host = hosts.setdefault(_origin(url), asyncio.Semaphore(PER_HOST))
        async with gate, host:
            size: int = await fetch(url)
            return size

    return sum(await asyncio.gather(*(run(u) for u in urls)))


async def _bare(urls: list[str], bases: list[str]) -> int:
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    async with httpx.AsyncClient(limits=limits, timeout=30.0) as client:

        async def one(url: str) -> int:
            return len((await client.get(url)).content)

        return await _gated(urls, one)


async def _bare_per_host(urls: list[str], bases: list[str]) -> int:
    limits = httpx.Limits(max_connections=PER_HOST, max_keepalive_connections=PER_HOST)
    context = httpx.create_ssl_context()
    clients: dict[str, httpx.AsyncClient] = {}

    async def one(url: str) -> int:
        client = clients.get(_origin(url))
        if client is None:
            client = clients[_origin(url)] = httpx.AsyncClient(
                limits=limits, timeout=30.0, verify=context
            )
        return len((await client.get(url)).content)

    try:
        return await _gated(urls, one)
    finally:
        for client in clients.values():
            await client.aclose()


async def _fetcher(urls: list[str], bases: list[str]) -> int:
    async with Fetcher(fetch_options(_config(bases))) as fetcher:

        async def one(url: str) -> int:
            page = await fetcher.fetch_in_lane(url, fetcher.lane(url)[0])
            assert not isinstance(page, type(None))
            return len(getattr(page, "body", b""))

        return await _gated(urls, one)


_VARIANTS = {"bare": _bare, "bare-per-host": _bare_per_host, "fetcher": _fetcher}


def _child(variant: str, urls: list[str], bases: list[str], passes: int) -> None:
    run = _VARIANTS[variant]
    began_wall, began_cpu = time.perf_counter(), time.process_time()
    got = asyncio.run(run(urls * passes, bases))
    wall, cpu = time.perf_counter() - began_wall, time.process_time() - began_cpu
    pages = len(urls) * passes
    print(json.dumps({"cpu_ms": cpu * 1000 / pages, "pages_per_s": pages / wall, "bytes": got}))


def _spawn(
    variant: str, urls: list[str], bases: list[str], passes: int, callgrind: Path | None
) -> str:
    command = [sys.executable, __file__, "--child", variant, "--passes", str(passes)]
    if callgrind is not None:
        command = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={callgrind}", *command]
    child = subprocess.run(
        command,
        input=json.dumps([urls, bases]),
        capture_output=True,
        text=True,
        check=True,
    )
    return child.stderr if callgrind is not None else child.stdout


def _instructions(log: str) -> int:
    found = re.search(r"Collected : ([0-9]+)", log)
    if found is None:
        raise SystemExit(f"no instruction count in callgrind's output:\n{log}")
    return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sites", type=int, default=20)
    parser.add_argument("--unique", type=int, default=70)
    parser.add_argument("--passes", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--variants", default="bare,bare-per-host,fetcher")
    parser.add_argument("--callgrind", action="store_true")
    parser.add_argument("--child", choices=sorted(_VARIANTS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        given: tuple[list[str], list[str]] = json.loads(sys.stdin.read())
        _child(args.child, *given, args.passes)
        return
    variants = args.variants.split(",")
    plans = plan_farm(args.sites, args.unique)
    context = multiprocessing.get_context("spawn")
    ready, done = context.Queue(), context.Event()
    farm = context.Process(target=serve_farm, args=(plans, ready, done), daemon=True)
    farm.start()
    try:
        bases: list[str] = ready.get(timeout=120)
        urls = [
            f"{base}/{kind}/{n}.html"
            for base, plan in zip(bases, plans, strict=True)
            for kind, files in (("a", plan.pages), ("syn", plan.copies))
            for n in range(len(files))
        ]
        print(f"{len(urls)} pages from {len(bases)} farm sites, {args.passes} passes each")
        results: dict[str, list[float]] = {v: [] for v in variants}
        for _ in range(args.repeat):
            for variant in variants:
                if args.callgrind:
                    with tempfile.TemporaryDirectory() as folder:
                        out = Path(folder) / "callgrind.out"
                        many = _instructions(_spawn(variant, urls, bases, args.passes, out))
                        one = _instructions(_spawn(variant, urls, bases, 1, out))
                    figure = (many - one) / (len(urls) * (args.passes - 1)) / 1e6
                    print(f"{variant}: {figure:.3f}M instructions/page", flush=True)
                else:
                    line = json.loads(_spawn(variant, urls, bases, args.passes, None))
                    figure = line["cpu_ms"]
                    print(
                        f"{variant}: {figure:.3f} ms CPU/page, {line['pages_per_s']:.0f} pages/s",
                        flush=True,
                    )
                results[variant].append(figure)
    finally:
        done.set()
        farm.join(timeout=30)
        if farm.is_alive():
            farm.terminate()
    unit = "M instructions" if args.callgrind else "ms CPU"
    for variant, figures in results.items():
        print(f"{variant:<15} median {statistics.median(figures):.3f} {unit} per page")


if __name__ == "__main__":
    main()
