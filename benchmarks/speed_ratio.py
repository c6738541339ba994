"""scraper's extraction speed as a share of selectolax's all-text dump, steady under load.

Issue 3's speed goal is the ratio of scraper's pages/s to the shared evaluator's
``selectolax_text`` in the same run. One wall-clock pass of each moves a lot on this shared
2-core machine (five runs within a minute gave 0.39 to 0.64). This script alternates the two
over several rounds in one process, times process CPU, and reports the best round of each and
the median, which is steady enough to judge a change by.

    .venv/bin/python benchmarks/speed_ratio.py                 # the three shared sets
    .venv/bin/python benchmarks/speed_ratio.py ../shared/bench/extraction/scrapinghub --rounds 9

The baseline is the evaluator's own recipe, imported from ``../shared/bench/eval_extractors.py``
when it is there, else this project's copy of it (``bench_tools.selectolax_text``).
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from bench_dataset import SHARED_SETS, load_pages, shared_sets
from bench_tools import make_tool

import scraper

Run = Callable[[str, str | None], object]
_EVALUATOR = SHARED_SETS.parent / "eval_extractors.py"


def _baseline() -> tuple[str, Run]:
    """The shared evaluator's selectolax_text runner, or ours when the evaluator is absent."""
    if _EVALUATOR.is_file():
        spec = importlib.util.spec_from_file_location("eval_extractors", _EVALUATOR)
        if spec is not None and spec.loader is not None:
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            run, _version = module.make_selectolax_text()
            return "evaluator's selectolax_text", run
    return "bench_tools selectolax_text", make_tool("selectolax_text").run


def _scraper(html: str, url: str | None) -> object:
    return scraper.extract(html, url=url).text


def _round(run: Run, pages: list[tuple[str, str | None]]) -> float:
    """CPU seconds per page for one pass over ``pages``."""
    start = time.process_time()
    for html, url in pages:
        run(html, url)
    return (time.process_time() - start) / len(pages)


def measure(directory: Path, rounds: int, baseline: Run) -> dict[str, float]:
    """Per-page CPU ms of scraper and the baseline (best and median round) and their ratios."""
    pages = [(p.html, p.url) for p in load_pages(directory)]
    for html, url in pages[:3]:
        _scraper(html, url)
        baseline(html, url)
    ours: list[float] = []
    theirs: list[float] = []
    for _ in range(rounds):
        theirs.append(_round(baseline, pages))
        ours.append(_round(_scraper, pages))
    return {
        "pages": len(pages),
        "scraper_best": min(ours) * 1000,
        "scraper_median": statistics.median(ours) * 1000,
        "base_best": min(theirs) * 1000,
        "base_median": statistics.median(theirs) * 1000,
        "ratio_best": min(theirs) / min(ours),
        "ratio_median": statistics.median(theirs) / statistics.median(ours),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="*", type=Path, help="set directories (default: shared)")
    parser.add_argument("--rounds", type=int, default=7, help="alternating rounds per set")
    args = parser.parse_args()
    directories = args.sets or shared_sets()
    if not directories:
        raise SystemExit("no benchmark sets: pass a directory or put ../shared beside the repo")
    name, baseline = _baseline()
    print(f"baseline: {name}; process CPU per page over {args.rounds} alternating rounds\n")
    print("| set | pages | scraper ms (best / median) | baseline ms | ratio (best / median) |")
    print("|---|---|---|---|---|")
    for directory in directories:
        m = measure(directory, args.rounds, baseline)
        print(
            f"| {directory.name} | {m['pages']:.0f} "
            f"| {m['scraper_best']:.2f} / {m['scraper_median']:.2f} "
            f"| {m['base_best']:.2f} / {m['base_median']:.2f} "
            f"| {m['ratio_best']:.3f} / {m['ratio_median']:.3f} |"
        )


if __name__ == "__main__":
    main()
