"""Fetcher throughput and memory versus a bare ``httpx.AsyncClient`` loop, on a local server.

A server process listens on ``--hosts`` ports of 127.0.0.1 (each port is a separate origin, so
a separate "site" for the fetcher) and serves the same HTML page. Each variant runs in a fresh
process so its peak RSS is its own, at the same concurrency:

- ``bare``: one ``httpx.AsyncClient``, a semaphore, ``client.get`` and ``response.content``;
- ``bare-per-host``: the same with one client per origin (sharing one SSL context), which is
  how the fetcher avoids httpx's pool scan over every host's connections;
- ``fetcher``: :class:`scraper.fetch.Fetcher` with robots.txt on (the server answers 404),
  the address guard on (127.0.0.0/8 allowed), no minimum interval, per-host limits high.

Imports happen before the clock starts (a crawl pays them once). The machine is shared, so
CPU ms per page is the steadier figure; pages/s moves with whatever else is running.

Run: ``.venv/bin/python benchmarks/fetch.py --pages 2000 --hosts 20 --concurrency 32``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Any

import httpx

from scraper.fetch import Fetcher, FetchOptions, Politeness, fetch_each

PAGE = (
    b"<!doctype html><html><head><meta charset='utf-8'><title>Bench</title></head><body>"
    + b"<p>"
    + b"A paragraph of a news article, long enough to look like one. " * 500
    + b"</p></body></html>"
)


async def _serve(ports: list[int], ready: Any) -> None:
    head = (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
        b"Content-Length: %d\r\n\r\n" % len(PAGE)
    )
    missing = b"HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 0\r\n\r\n"

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                request = await reader.readuntil(b"\r\n\r\n")
                if request.startswith(b"GET /robots.txt"):
                    writer.write(missing)
                else:
                    writer.write(head + PAGE)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    servers = [await asyncio.start_server(handle, "127.0.0.1", 0, backlog=512) for _ in ports]
    ready.send([s.sockets[0].getsockname()[1] for s in servers])
    await asyncio.Event().wait()


def _server_main(count: int, ready: Any) -> None:
    asyncio.run(_serve(list(range(count)), ready))


@dataclass(frozen=True, slots=True)
class Figures:
    """One run: pages per second, CPU ms per page, peak RSS in MB."""

    pages_per_s: float
    cpu_ms: float
    rss_mb: float


async def _bare(urls: list[str], concurrency: int) -> int:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    gate = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30.0) as client:

        async def one(url: str) -> int:
            async with gate:
                response = await client.get(url)
                return len(response.content)

        sizes = await asyncio.gather(*(one(u) for u in urls))
    return sum(1 for s in sizes if s == len(PAGE))


async def _bare_per_host(urls: list[str], concurrency: int) -> int:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    gate = asyncio.Semaphore(concurrency)
    context = httpx.create_ssl_context()
    clients: dict[str, httpx.AsyncClient] = {}

    async def one(url: str) -> int:
        origin = url.split("/", 3)[2]
        client = clients.get(origin)
        if client is None:
            client = clients[origin] = httpx.AsyncClient(
                limits=limits, timeout=30.0, verify=context
            )
        async with gate:
            response = await client.get(url)
            return len(response.content)

    try:
        sizes = await asyncio.gather(*(one(u) for u in urls))
    finally:
        for client in clients.values():
            await client.aclose()
    return sum(1 for s in sizes if s == len(PAGE))


async def _fetcher(urls: list[str], concurrency: int) -> int:
    options = FetchOptions(
        allow_networks=("127.0.0.0/8",),
        politeness=Politeness(
            min_interval=0.0, per_host_concurrency=concurrency, global_concurrency=concurrency
        ),
    )
    good = 0
    async with Fetcher(options) as fetcher:
        async for result in fetch_each(fetcher, urls):
            good += result.page is not None and len(result.page.body) == len(PAGE)
    return good


def _variant_main(variant: str, urls: list[str], concurrency: int) -> None:
    run = {"bare": _bare, "bare-per-host": _bare_per_host, "fetcher": _fetcher}[variant]
    began_wall, began_cpu = time.perf_counter(), time.process_time()
    good = asyncio.run(run(urls, concurrency))
    wall, cpu = time.perf_counter() - began_wall, time.process_time() - began_cpu
    if good != len(urls):
        raise SystemExit(f"{variant}: only {good} of {len(urls)} pages came back whole")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {"pages_per_s": len(urls) / wall, "cpu_ms": cpu * 1000 / len(urls), "rss_mb": rss}
        )
    )


def _run_variant(variant: str, urls: list[str], concurrency: int) -> Figures:
    child = subprocess.run(
        [sys.executable, __file__, "--variant", variant, "--concurrency", str(concurrency)],
        input="\n".join(urls),
        capture_output=True,
        text=True,
        check=True,
    )
    return Figures(**json.loads(child.stdout))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=3000)
    parser.add_argument("--hosts", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--repeat", type=int, default=3)
    variants = ["bare", "bare-per-host", "fetcher"]
    parser.add_argument("--variant", choices=variants, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.variant:
        _variant_main(args.variant, sys.stdin.read().split(), args.concurrency)
        return

    receive, send = multiprocessing.Pipe(duplex=False)
    server = multiprocessing.Process(target=_server_main, args=(args.hosts, send), daemon=True)
    server.start()
    try:
        ports: list[int] = receive.recv()
        urls = [f"http://127.0.0.1:{ports[n % len(ports)]}/a/{n}" for n in range(args.pages)]
        results: dict[str, list[Figures]] = {"bare": [], "bare-per-host": [], "fetcher": []}
        for _ in range(args.repeat):
            for variant in results:
                results[variant].append(_run_variant(variant, urls, args.concurrency))
    finally:
        server.terminate()
        server.join()
    print(
        f"{args.pages} pages of {len(PAGE) // 1024} KiB from {args.hosts} local hosts, "
        f"concurrency {args.concurrency}, median of {args.repeat} runs"
    )
    print(f"{'variant':<15}{'pages/s':>10}{'CPU ms/page':>14}{'peak RSS MB':>14}")
    medians = {}
    for variant, runs in results.items():
        speed = statistics.median(r.pages_per_s for r in runs)
        cpu = statistics.median(r.cpu_ms for r in runs)
        rss = statistics.median(r.rss_mb for r in runs)
        medians[variant] = speed
        print(f"{variant:<15}{speed:>10.0f}{cpu:>14.2f}{rss:>14.1f}")
    for bare in ("bare", "bare-per-host"):
        print(f"fetcher / {bare} throughput: {medians['fetcher'] / medians[bare]:.2f}")


if __name__ == "__main__":
    main()
