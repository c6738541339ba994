"""How extractors cope with pages that render the article body twice.

Each real page of the given sets is rewritten so the body appears a second time, in the ways
real templates do it:

- ``exact``: an identical copy right after the body (desktop + mobile render);
- ``subtitle``: the headline and the lede repeated as a subtitle, then the copy;
- ``markup``: the copy with different markup (every block a ``<div><span>``);
- ``chrome``: share buttons, a related list, a newsletter box and an ad between the copies;
- ``template``: the copy inside a ``<template>`` element (an AMP/print copy kept for scripts);
- ``hidden``: the copy inside a ``display:none`` block;
- ``comments``: a comment section at the end of the page, then the copy.

The body is located with the gold text: starting at ``<body>``, the walk goes down into the child
holding the most gold 4-gram shingles as long as that child keeps at least 85% of what
``<body>`` holds; pages where ``<body>`` holds under half of the gold are skipped. ``once`` is the
page itself, re-serialised like the rewritten ones.

A page's output "holds the body twice" when, of the gold shingles that occur once in the gold and
at least once in the output (at least 10 of them), half or more occur at least twice. F1 is the
benchmark's shingle F1 against the single gold (``shingle_metric``).

    .venv/bin/python benchmarks/doubled.py --limit 150 --tools scraper,trafilatura
"""

from __future__ import annotations

import argparse
import html as htmlmod
import json
import re
import signal
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import FrameType
from typing import Any

from bench_dataset import BenchPage, load_pages, shared_sets
from bench_tools import Tool, available_tools
from selectolax.lexbor import LexborHTMLParser, LexborNode
from shingle_metric import PageCounts, combine, exact_match, page_counts, shingles

KINDS = ("once", "exact", "subtitle", "markup", "chrome", "template", "hidden", "comments")
_KEEP_SHARE = 0.85
_MIN_FOUND = 0.5
_MIN_PRESENT = 10
_MARK_AFTER = "@@doubled-after-body@@"
_MARK_END = "@@doubled-end-of-page@@"
_SKIP_TAGS = frozenset(
    {"script", "style", "noscript", "template", "svg", "head", "-text", "-comment"}
)
_INVISIBLE = ["script", "style", "noscript", "template", "svg", "iframe", "object", "embed"]
_BLOCKS = (
    "p, h1, h2, h3, h4, h5, h6, li, blockquote, pre, td, th, dd, dt, figcaption, div, br, tr, "
    "section, article, ul, ol, table, figure, hr"
)

CHROME = (
    '<div class="share-tools"><span>Share this post</span> <a href="#fb">Facebook</a> '
    '<a href="#x">X</a> <a href="#mail">Email</a></div>'
    '<section class="related-articles"><h3>Related articles</h3><ul>'
    '<li><a href="/r1">Council delays vote on harbour plan until spring</a></li>'
    '<li><a href="/r2">Five things to know before the weekend</a></li>'
    '<li><a href="/r3">Readers share their best winter walks</a></li></ul></section>'
    '<div class="newsletter-signup"><h3>Get the morning briefing</h3>'
    "<p>Sign up for our free newsletter and get the day's top stories every morning.</p>"
    '<form><input type="email" placeholder="Email address"><button>Sign up</button></form></div>'
    '<div class="ad-slot"><span>Advertisement</span></div>'
)
COMMENTS = (
    '<section id="comments" class="comments-area"><h3 class="comments-title">3 comments</h3>'
    '<ol class="comment-list">'
    '<li class="comment"><p class="comment-author">harbourwatcher</p>'
    "<p>Interesting piece, thanks for writing it up. I had no idea about most of this.</p></li>"
    '<li class="comment"><p class="comment-author">M. Okafor</p>'
    "<p>Would be good to see a follow-up in a few months once the dust settles.</p></li>"
    '<li class="comment"><p class="comment-author">jl_1987</p>'
    "<p>Same story every year, nothing ever changes.</p></li></ol>"
    '<div class="comment-respond"><h3>Leave a reply</h3><form><textarea></textarea>'
    "<button>Post comment</button></form></div></section>"
)


def _gold_overlap(text: str, gold: Any) -> int:
    return sum((shingles(text) & gold).values())


def locate_body(tree: LexborHTMLParser, gold: str) -> LexborNode | None:
    """The smallest element on the path down from <body> that holds most of the gold."""
    want = shingles(gold)
    body = tree.body
    if body is None or not want:
        return None
    base = _gold_overlap(body.text(deep=True, separator=" "), want)
    if base < _MIN_FOUND * sum(want.values()):
        return None
    node = body
    while True:
        best, best_overlap = None, -1
        for child in node.iter():
            if child.tag in _SKIP_TAGS:
                continue
            overlap = _gold_overlap(child.text(deep=True, separator=" "), want)
            if overlap > best_overlap:
                best, best_overlap = child, overlap
        if best is None or best_overlap < _KEEP_SHARE * base:
            break
        node = best
    return None if node.tag in ("body", "html") else node


def _visible_blocks(node: LexborNode) -> list[str]:
    """The visible text under ``node`` cut into blocks at block-element boundaries."""
    fragment = LexborHTMLParser(node.html or "")
    fragment.strip_tags(_INVISIBLE)
    if fragment.body is None:
        return []
    for block in fragment.body.css(_BLOCKS):
        block.insert_after("\n")
    text = fragment.body.text(deep=True, separator="")
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def _remarked(node: LexborNode) -> str:
    blocks = "".join(
        f'<div class="m-block"><span>{htmlmod.escape(t, quote=False)}</span></div>'
        for t in _visible_blocks(node)
    )
    return f'<div class="mobile-article">{blocks}</div>'


def _title(tree: LexborHTMLParser, page: BenchPage) -> str:
    title = page.meta.get("title")
    if isinstance(title, str) and title.strip():
        return title.strip()
    for selector in ("h1", "title"):
        found = tree.css_first(selector)
        if found is not None and found.text(strip=True):
            return re.split(r"\s+[|\-–—]\s+", found.text(strip=True))[0]
    return ""


def _lede(gold: str) -> str:
    first = next((line.strip() for line in gold.splitlines() if line.strip()), "")
    sentence = re.split(r"(?<=[.!?])\s+", first)[0]
    return " ".join(sentence.split()[:40])


def build_variants(page: BenchPage) -> dict[str, str] | None:
    """The page once and in every doubled kind, or None when the body cannot be located."""
    tree = LexborHTMLParser(page.html)
    node = locate_body(tree, page.gold)
    if node is None or tree.body is None:
        return None
    copy = node.html or ""
    remarked = _remarked(node)
    esc = htmlmod.escape
    subtitle = (
        f'<div class="article-summary"><h2 class="subtitle">{esc(_title(tree, page))}</h2>'
        f'<p class="dek">{esc(_lede(page.gold))}</p></div>'
    )
    node.insert_after(_MARK_AFTER)
    tree.body.insert_child(_MARK_END)
    doc = tree.html or ""
    after = {
        "once": "",
        "exact": copy,
        "subtitle": subtitle + copy,
        "markup": remarked,
        "chrome": CHROME + copy,
        "template": f'<template id="print-copy">{copy}</template>',
        "hidden": f'<div class="print-version" style="display:none">{copy}</div>',
        "comments": "",
    }
    out = {}
    for kind in KINDS:
        end = COMMENTS + copy if kind == "comments" else ""
        out[kind] = doc.replace(_MARK_AFTER, after[kind], 1).replace(_MARK_END, end, 1)
    return out


def holds_twice(gold: str, output: str) -> bool:
    """Whether ``output`` holds the gold body twice (see the module docstring)."""
    want = shingles(gold)
    got = shingles(output)
    present = [s for s, n in want.items() if n == 1 and got[s] >= 1]
    if len(present) < _MIN_PRESENT:
        return False
    return sum(1 for s in present if got[s] >= 2) >= 0.5 * len(present)


@dataclass(frozen=True, slots=True)
class Outcome:
    """One tool on one variant of one page."""

    page: str
    kind: str
    tool: str
    counts: PageCounts
    exact: bool
    twice: bool
    failed: bool


class _Timeout(Exception):
    pass


def _on_alarm(_sig: int, _frame: FrameType | None) -> None:
    raise _Timeout


def _call(run: Callable[[str, str | None], str], html: str, url: str | None, limit: float) -> str:
    signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, limit)
    try:
        return run(html, url)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


@cache
def _tools(names: tuple[str, ...]) -> tuple[Tool, ...]:
    return tuple(available_tools(list(names))[0])


def run_page(page: BenchPage, names: tuple[str, ...], timeout: float) -> list[Outcome] | None:
    """Every tool on every variant of one page; None when the body cannot be located."""
    variants = build_variants(page)
    if variants is None:
        return None
    outcomes = []
    for tool in _tools(names):
        for kind, html in variants.items():
            failed = False
            try:
                text = _call(tool.run, html, page.url, timeout)
            except Exception:  # any failure of a tool is an empty output, counted
                text, failed = "", True
            outcomes.append(
                Outcome(
                    page=f"{page.set_name}/{page.id}",
                    kind=kind,
                    tool=tool.name,
                    counts=page_counts(page.gold, text),
                    exact=exact_match(page.gold, text),
                    twice=holds_twice(page.gold, text),
                    failed=failed,
                )
            )
    return outcomes


def _run_one(args: tuple[BenchPage, tuple[str, ...], float]) -> list[Outcome] | None:
    return run_page(*args)


def _pages(dirs: list[Path], limit: int | None) -> Iterator[BenchPage]:
    for directory in dirs:
        yield from load_pages(directory, limit)


def summarise(results: list[list[Outcome]]) -> dict[str, dict[str, dict[str, float]]]:
    """Per kind and tool: pages, share holding the body twice, F1/P/R, failures."""
    grouped: dict[tuple[str, str], list[Outcome]] = defaultdict(list)
    for page in results:
        for outcome in page:
            grouped[(outcome.kind, outcome.tool)].append(outcome)
    table: dict[str, dict[str, dict[str, float]]] = defaultdict(dict)
    for (kind, tool), items in grouped.items():
        scores = combine([o.counts for o in items], [o.exact for o in items])
        table[kind][tool] = {
            "pages": len(items),
            "twice": sum(o.twice for o in items) / len(items),
            "f1": scores.f1,
            "precision": scores.precision,
            "recall": scores.recall,
            "failed": sum(o.failed for o in items),
        }
    return dict(table)


def _page_f1(counts: PageCounts) -> float:
    p, r = counts.precision, counts.recall
    return 2 * p * r / (p + r) if p + r > 0 else 0.0


def worst_pages(results: list[list[Outcome]], count: int) -> list[str]:
    """Per kind and tool, the ``count`` pages whose F1 fell most from ``once`` (for debugging)."""
    once = {(o.page, o.tool): _page_f1(o.counts) for r in results for o in r if o.kind == "once"}
    drops: dict[tuple[str, str], list[tuple[float, str, bool]]] = defaultdict(list)
    for r in results:
        for o in r:
            if o.kind != "once":
                drop = once[(o.page, o.tool)] - _page_f1(o.counts)
                drops[(o.kind, o.tool)].append((drop, o.page, o.twice))
    lines = []
    for (kind, tool), items in sorted(drops.items()):
        worst = sorted(items, reverse=True)[:count]
        shown = ", ".join(
            f"{page} -{drop:.2f}{' twice' if twice else ''}" for drop, page, twice in worst
        )
        lines.append(f"{kind} / {tool}: {shown}")
    return lines


def render(table: dict[str, dict[str, dict[str, float]]], tools: list[str]) -> str:
    """A Markdown table: per kind, each tool's twice share, F1 and F1 change from ``once``."""
    head = "| kind | pages | " + " | ".join(f"{t} twice | {t} F1 | {t} ΔF1" for t in tools) + " |"
    lines = [head, "|" + "---|" * (2 + 3 * len(tools))]
    for kind in KINDS:
        row = table.get(kind, {})
        if not row:
            continue
        pages = next(iter(row.values()))["pages"]
        cells = []
        for tool in tools:
            cell = row.get(tool)
            once = table.get("once", {}).get(tool)
            if cell is None or once is None:
                cells.append("- | - | -")
                continue
            delta = cell["f1"] - once["f1"]
            cells.append(f"{100 * cell['twice']:.1f}% | {cell['f1']:.3f} | {delta:+.3f}")
        lines.append(f"| {kind} | {pages:.0f} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the doubled-body benchmark and print the table (and write JSON when asked)."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("datasets", nargs="*", type=Path, help="set directories (default: shared)")
    ap.add_argument("--limit", type=int, help="at most N pages per set (sorted ids)")
    ap.add_argument("--tools", default="scraper,trafilatura", help="comma-separated tools")
    ap.add_argument("--workers", type=int, default=2, help="processes (1 = in this process)")
    ap.add_argument("--timeout", type=float, default=30.0, help="seconds per extraction call")
    ap.add_argument("--json", type=Path, help="write the figures as JSON")
    ap.add_argument("--show", type=int, default=0, help="list the N worst pages per kind/tool")
    args = ap.parse_args(argv)
    dirs = args.datasets or shared_sets()
    if not dirs:
        ap.error("no dataset given and ../shared/bench/extraction is absent")
    tools, missing = available_tools([t for t in args.tools.split(",") if t])
    for name in missing:
        print(f"{name}: not installed, skipped", file=sys.stderr)
    names = tuple(t.name for t in tools)
    jobs = [(page, names, args.timeout) for page in _pages(dirs, args.limit)]
    started = time.perf_counter()
    if args.workers > 1:
        with ProcessPoolExecutor(args.workers) as pool:
            raw = list(pool.map(_run_one, jobs, chunksize=4))
    else:
        raw = [_run_one(job) for job in jobs]
    located = [r for r in raw if r is not None]
    table = summarise(located)
    versions = ", ".join(f"{t.name} {t.version}" for t in tools)
    print(
        f"\n{len(located)} of {len(jobs)} pages with a located body ({versions}); "
        f"sets: {', '.join(d.name for d in dirs)}; {time.perf_counter() - started:.0f} s\n"
    )
    print(render(table, list(names)))
    if args.show:
        print("\nlargest F1 drops from once (page -drop [twice]):")
        print("\n".join(worst_pages(located, args.show)))
    if args.json:
        payload = {"pages": len(jobs), "located": len(located), "tools": versions, "kinds": table}
        args.json.write_text(json.dumps(payload, indent=1), "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
