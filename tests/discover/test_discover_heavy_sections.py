"""A section page whose markup leaves formatting elements open, to be copied at every later
block, is read in a process of its own with a memory cap; every other one in this process."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from child_processes import children

from scraper.crawl.lenient_feeds import LenientLimits, read_in_child
from scraper.discover.links import (
    MAX_FORMATTING_COPY_BYTES,
    HeavySection,
    parse_section,
    read_section,
)
from scraper.discover.reopened import UNREADABLE, copy_bytes_bound
from scraper.errors import ParseLimit

_BASE = "https://news.test/world/"
_FOLLOW = ("/world/20",)
_MODULE = "scraper.discover.lenient"

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")


def _reopening(opened: int, blocks: int) -> bytes:
    """``opened`` distinct formatting elements left open, then ``blocks`` linked paragraphs:
    the parser copies all of them into each paragraph (1,000 by 1,000 build some 400 MB)."""
    fonts = "".join(f"<font class=c{i}>" for i in range(opened))
    links = "".join(f'<p><a href="/world/2026/{i}">story {i}</a></p>' for i in range(blocks))
    return f"<html><body><p>{fonts}lede</p>{links}</body></html>".encode()


def _tidy(blocks: int) -> bytes:
    """A long section page whose formatting is closed where it opens."""
    links = "".join(
        f'<li><strong>Top</strong> <a href="/world/2026/{i}"><em>story</em> {i}</a></li>'
        for i in range(blocks)
    )
    return f"<html><body><nav><b>Menu</b></nav><ul>{links}</ul></body></html>".encode()


def _no_child_left() -> None:
    assert [c for c in children() if _MODULE in c.command or c.state == "Z"] == []


def test_formatting_reopened_at_every_block_is_counted_from_above() -> None:
    # 1,000 by 1,000: about a million copies of 300 bytes or more (lexbor: 378 MB).
    assert copy_bytes_bound(_reopening(1000, 1000).decode()) >= 378 << 20
    # End tags that close nothing (out of scope in a table cell) do not lower the count.
    cells = "<table><tr><td>" + "</font>" * 1000 + "</td></tr></table>"
    hostile = _reopening(1000, 1000).decode().replace("lede</p>", "lede</p>" + cells)
    assert copy_bytes_bound(hostile) >= 378 << 20
    # A page that opens nothing it leaves open costs no more than a copy of its link a tag.
    plain = "<p>" + "<a href=x>y</a></p><p>" * 5000 + "</p>"
    assert copy_bytes_bound(plain) <= 1024 * plain.count("<")


def test_every_attribute_of_a_copy_counts() -> None:
    # Copies carry their attributes: 100 formatting elements of eleven short attributes each,
    # then 2,000 paragraphs, made lexbor build 3.6 GB from 84 KB; the same with one attribute
    # costs a fifth of that, and the bound says so.
    def page(attributes: str) -> str:
        fonts = "".join(f"<font {attributes} c={i}>" for i in range(100))
        return f"<p>{fonts}</p>" + "<p>x" * 2000

    many = copy_bytes_bound(page("a0 a1 a2 a3 a4 a5 a6 a7 a8 a9"))
    one = copy_bytes_bound(page(""))
    assert many > 3 * one
    # A value hiding what looks like a tag end is still read to the tag's real end.
    hidden = copy_bytes_bound(page('title=">" a0 a1 a2 a3 a4 a5 a6 a7 a8 a9'))
    assert hidden >= many


def test_a_formatting_tag_the_reader_cannot_end_is_not_guessed() -> None:
    assert copy_bytes_bound("<p>x</p><p><font a=1 b=") >= UNREADABLE


@pytest.mark.parametrize("blocks", [10, 300])
def test_an_ordinary_section_page_is_read_here_with_the_same_links(blocks: int) -> None:
    page = _tidy(blocks)
    read = read_section(page, _BASE, _FOLLOW)
    assert not isinstance(read, HeavySection)
    assert read == parse_section(page, _BASE, _FOLLOW)
    assert len(read.entries) == blocks


def test_a_page_that_reopens_formatting_at_every_block_is_handed_back_unread() -> None:
    page = _reopening(1000, 1000)
    assert copy_bytes_bound(page.decode()) > MAX_FORMATTING_COPY_BYTES
    read = read_section(page, _BASE, _FOLLOW)
    assert read == HeavySection(page, _BASE, _FOLLOW)


def test_a_heavy_page_within_the_cap_lists_in_the_child_what_it_lists_here() -> None:
    page = _reopening(200, 4000)  # some 800,000 copies made, 300 MB or so to build
    read = read_section(page, _BASE, _FOLLOW)
    assert isinstance(read, HeavySection)
    in_child = asyncio.run(read_in_child(read))
    assert in_child == parse_section(page, _BASE, _FOLLOW)
    assert len(in_child.entries) == 4000
    _no_child_left()


def test_a_page_that_would_take_gigabytes_fails_at_the_memory_cap() -> None:
    # Nested under MAX_SECTION_DEPTH, which a page of more formatting elements would pass
    # (read up to there, it costs little); 1,800,000 copies, some 700 MB in this process.
    page = read_section(_reopening(900, 2000), _BASE, _FOLLOW)
    assert isinstance(page, HeavySection)
    started = time.monotonic()
    with pytest.raises(
        ParseLimit, match="section page needed more than 128 MB to parse in a process of its own"
    ):
        asyncio.run(read_in_child(page, LenientLimits(seconds=30.0, memory_mb=128)))
    assert time.monotonic() - started < 10
    _no_child_left()
