"""The crawl display: a live line on a terminal, JSON lines on request, nothing else otherwise."""

from __future__ import annotations

import io
import json

from scraper.cli.crawl_display import Display
from scraper.crawl import CrawlEvent

EVENTS = [
    CrawlEvent("source", {"source": "a", "new": 3}),
    CrawlEvent("article", {"url": "https://n.test/1", "duplicate_of": None}),
    CrawlEvent("article", {"url": "https://n.test/2", "duplicate_of": "https://n.test/1"}),
    CrawlEvent("failure", {"url": "https://n.test/3", "kind": "timeout"}),
    CrawlEvent("done", {"ok": False}),
]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_live_line_on_a_terminal() -> None:
    stream = _Terminal()
    display = Display(log_json=False, stream=stream)
    for event in EVENTS:
        display(event)
    final = stream.getvalue().split("\r\033[K")[-1]
    assert final == "sources 1 · new URLs 3 · stored 2 · duplicates 1 · failed 1\n"


def test_quiet_when_not_a_terminal() -> None:
    stream = io.StringIO()
    display = Display(log_json=False, stream=stream)
    for event in EVENTS:
        display(event)
    assert stream.getvalue() == ""


def test_json_lines() -> None:
    stream = io.StringIO()
    display = Display(log_json=True, stream=stream)
    for event in EVENTS:
        display(event)
    records = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [r["event"] for r in records] == ["source", "article", "article", "failure", "done"]
    assert records[2]["duplicate_of"] == "https://n.test/1"
    assert all(isinstance(r["time"], float) for r in records)


def test_a_json_log_event_stays_one_line_whatever_its_text_holds() -> None:
    # Python's str.splitlines() (and JavaScript's older JSON readers) break at these too.
    stream = io.StringIO()
    display = Display(log_json=True, stream=stream)
    reason = "parse: odd \u2028 page\u2029 \x85 text"
    display(CrawlEvent("failure", {"url": "https://n.test/3", "reason": reason}))
    (line,) = stream.getvalue().splitlines()
    assert json.loads(line)["reason"] == reason
