"""feedparser's reading of a feed in a child process: the same listing as in this process, and
a hostile feed stopped at the time limit or the memory cap, the process killed and reaped."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

import pytest
from child_processes import children, running

from scraper.crawl.lenient_feeds import LenientLimits, read_in_child
from scraper.discover.feeds import LenientFeed, parse_fast, parse_feed
from scraper.errors import InputError, ParseError, ParseLimit

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")

_BASE = "https://news.test/feeds/main.xml"
_MODULE = "scraper.discover.lenient"
#: Unclosed tags by the hundred thousand: seconds of feedparser's CPU (and a minute for 4 MB).
_SLOW = b"<rss><channel><item><title>" + b"<b>" * 200_000
#: Items opened by the hundred thousand: feedparser's memory grows by some 50 MB a second.
_GREEDY = b"<rss><channel>" + b"<item>" * 200_000


def _lenient(body: bytes) -> LenientFeed:
    feed = parse_fast(body, _BASE)
    assert isinstance(feed, LenientFeed)  # it does need feedparser
    return feed


def _no_child_left() -> None:
    # Neither running nor a zombie: killed and reaped.
    assert [c for c in children() if _MODULE in c.command or c.state == "Z"] == []


@pytest.mark.parametrize(
    "body",
    [
        # Not well-formed (a bare "&"): relative links, dates with and without a time or zone,
        # a guid for a link, a link beyond ASCII.
        b'<rss version="2.0"><channel><title>Q & A</title>'
        b"<item><link>/news/a</link><pubDate>Sun, 29 Nov 2026 10:00:00 GMT</pubDate></item>"
        b"<item><link>b?x=1&amp;y=2</link><pubDate>Sun, 29 Nov 2026</pubDate></item>"
        b"<item><guid>https://news.test/c</guid><pubDate>29 Nov 2026 10:00 -0000</pubDate></item>"
        b"<item><link>https://news.test/caf\xc3\xa9</link></item>"
        b"</channel></rss>",
        # Atom 0.3, with an xml:base.
        b'<feed version="0.3" xmlns="http://purl.org/atom/ns#" xml:base="https://other.test/x/">'
        b'<entry><link rel="alternate" type="text/html" href="e"/>'
        b"<issued>2026-11-29T10:00:00+01:00</issued></entry></feed>",
    ],
    ids=["rss", "atom 0.3"],
)
def test_the_child_lists_what_feedparser_lists_in_this_process(
    body: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    in_process = parse_feed(body, _BASE)
    assert in_process.entries

    def not_here(body: bytes, base_url: str) -> None:
        raise AssertionError("feedparser ran in this process")

    monkeypatch.setattr("scraper.discover.feeds.read_with_feedparser", not_here)
    in_child = asyncio.run(read_in_child(_lenient(body)))
    assert in_child == in_process
    assert repr(in_child) == repr(in_process)  # the dates' zones too
    _no_child_left()


def test_what_is_no_feed_is_an_input_error_as_in_this_process() -> None:
    page = b"<!DOCTYPE html><html><head><title>Not found</title></head><body>gone</body></html>"
    with pytest.raises(InputError, match="not a feed: an HTML page") as in_process:
        parse_feed(page, _BASE)
    with pytest.raises(InputError) as in_child:
        asyncio.run(read_in_child(LenientFeed(page, _BASE)))
    assert type(in_child.value) is InputError and str(in_child.value) == str(in_process.value)


def test_a_hostile_feed_is_stopped_at_the_time_limit() -> None:
    # Prepared before the clock starts: this process's own look at the feed costs more than
    # half a second of CPU on a loaded machine, and is no part of the child's time limit.
    feed = _lenient(_SLOW)
    started = time.monotonic()
    with pytest.raises(ParseLimit, match=r"feed took longer than 0\.5 s to parse in the lenient"):
        asyncio.run(read_in_child(feed, LenientLimits(seconds=0.5)))
    assert time.monotonic() - started < 2.5
    _no_child_left()


def test_a_hostile_feed_is_stopped_at_the_memory_cap() -> None:
    limits = LenientLimits(seconds=30.0, memory_mb=48)
    feed = _lenient(_GREEDY)  # before the clock starts, as above
    started = time.monotonic()
    with pytest.raises(ParseLimit, match="feed needed more than 48 MB to parse in the lenient"):
        asyncio.run(read_in_child(feed, limits))
    assert time.monotonic() - started < 10
    _no_child_left()


def test_cancelling_the_read_kills_the_process() -> None:
    feed = _lenient(_SLOW)  # before the clock starts, as above

    async def cancel_while_it_parses() -> int:
        read = asyncio.create_task(read_in_child(feed, LenientLimits(seconds=60.0)))
        deadline = time.monotonic() + 10
        while not (pids := running(_MODULE)):
            assert time.monotonic() < deadline, "no process reads the feed"
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.2)  # well into the parse
        read.cancel()
        with pytest.raises(asyncio.CancelledError):
            await read
        return pids[0]

    started = time.monotonic()
    pid = asyncio.run(cancel_while_it_parses())
    assert time.monotonic() - started < 5
    assert not Path(f"/proc/{pid}").exists()
    _no_child_left()


def test_a_process_that_dies_is_a_parse_error_that_quotes_it() -> None:
    command = (sys.executable, "-c", "import sys; sys.exit('lenient parser broke')")
    with pytest.raises(ParseError, match=r"process died \(exit status 1\): lenient parser broke"):
        asyncio.run(read_in_child(LenientFeed(b"<rss>", _BASE), command=command))
    _no_child_left()
