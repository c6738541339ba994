"""Listings are parsed off the event loop, in threads a run's end does not wait for."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import pytest

from scraper.config import Source, SourceKind
from scraper.crawl import discovery as discovery_module
from scraper.crawl.discovery import Discovery
from scraper.crawl.offloop import off_loop
from scraper.discover.entry import Discovered, Listing
from scraper.discover.feeds import parse_fast
from scraper.discover.urls import normalise_url
from scraper.models import Page
from scraper.store.crawl_store import SQLiteCrawlStore


class OneFeed:
    """Serves one body for every URL."""

    async def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        document: bool = False,
    ) -> Page:
        return Page(url=url, body=b"<rss/>", headers=(("Content-Type", "application/rss+xml"),))


def test_the_loop_runs_on_while_a_listing_is_parsed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    released = threading.Event()
    seen: list[bool] = []

    def slow_parse(
        source: Source, body: bytes, url: str, charset: str | None, max_children: int
    ) -> Listing:
        # Only the loop can release it: a parse run on the loop waits out the timeout.
        seen.append(released.wait(timeout=2.0))
        return Listing(entries=(Discovered("https://n.test/a"),))

    monkeypatch.setattr(discovery_module, "_parse", slow_parse)
    store = SQLiteCrawlStore(tmp_path / "d.db")
    source = Source(name="f", kind=SourceKind.FEED, urls=("https://n.test/feed",))

    async def run() -> int:
        async def release() -> None:
            await asyncio.sleep(0.01)
            released.set()

        discovery = Discovery(OneFeed(), store, normalise_url, run_id=1)
        report, _ = await asyncio.gather(discovery.discover(source, None), release())
        return report.new

    try:
        assert asyncio.run(run()) == 1
    finally:
        store.close()
    assert seen == [True]


def test_an_error_comes_back_to_the_awaiting_task() -> None:
    def fail() -> int:
        raise ValueError("bad listing")

    with pytest.raises(ValueError, match="bad listing"):
        asyncio.run(off_loop(fail))
    assert asyncio.run(off_loop(lambda: 6 * 7)) == 42


def test_an_abandoned_work_finishes_quietly_after_the_loop_closed() -> None:
    release = threading.Event()
    finished = threading.Event()

    def work() -> int:
        release.wait(timeout=5.0)
        finished.set()
        return 1

    async def cut_short() -> None:
        async with asyncio.timeout(0.01):  # as the run's time budget cuts discovery
            await off_loop(work, "abandoned")

    with pytest.raises(TimeoutError):
        asyncio.run(cut_short())  # returns at once: the loop does not wait for the thread
    (thread,) = [t for t in threading.enumerate() if t.name == "abandoned"]
    assert thread.daemon and not finished.is_set()
    release.set()
    thread.join(timeout=5.0)
    # Its result has nowhere to go, and is dropped without an error (pytest reports an
    # exception raised in a thread as a warning, which fails the test).
    assert finished.is_set()


def test_a_hostile_feed_parsed_off_the_loop_leaves_it_running() -> None:
    # The XML parser holds the interpreter for the whole of one call: the feed must reach it
    # in pieces, or the loop (fetches, timeouts, the time budget, stop signals) stands still
    # until the parse ends.
    body = (b"<rss><channel><item><title>" + b"<b>" * 200_000) * 3

    async def gaps() -> tuple[float, float]:
        loop = asyncio.get_running_loop()
        started = loop.time()
        parse = asyncio.ensure_future(off_loop(lambda: parse_fast(body, "https://n.test/f.xml")))
        longest, last = 0.0, started
        while not parse.done():
            await asyncio.sleep(0.005)
            now = loop.time()
            longest, last = max(longest, now - last), now
        await parse
        return longest, loop.time() - started

    longest, took = asyncio.run(gaps())

    assert longest < took / 2, f"the loop stood still {longest:.2f} s of a {took:.2f} s parse"


def test_a_feed_with_one_huge_token_is_read_in_few_pieces() -> None:
    # expat before 2.6 reads a token spanning pieces again from its start at each piece: in
    # 64 KiB pieces this 16 MB attribute value cost some 1.5 s of CPU, whole 0.1 s.
    link = b'<link href="https://n.test/a" data="' + b"a" * (16 << 20) + b'">x</link>'
    body = (
        b"<rss><channel><title>t</title><item><title>t</title>" + link + b"</item></channel></rss>"
    )
    began = time.process_time()
    parse_fast(body, "https://n.test/f.xml")
    assert time.process_time() - began < 0.75
