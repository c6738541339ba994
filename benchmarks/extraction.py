"""scraper beside the installed peers on sets in the shared layout: quality, metadata, speed.

For each set and tool it prints the scrapinghub shingle P/R/F1 and exact-token accuracy
(``shingle_metric``: the same figure ``../shared/bench/eval_extractors.py`` gives for the same
output), title/author/date accuracy with the rules of ``../shared/bench/eval_metadata.py``
(imported from there when present; sets without gold metadata show "-"), and pages/s counting
only the extraction calls (one untimed warm-up call first, as the evaluator does). The metadata
call is separate and untimed.

    .venv/bin/python benchmarks/extraction.py ../shared/bench/extraction/scrapinghub \\
        --tools scraper,selectolax_text,trafilatura --json /tmp/extraction.json
    .venv/bin/python benchmarks/extraction.py --tools scraper --write-baseline \\
        benchmarks/quality_baseline.json
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import gc
import importlib.util
import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType, ModuleType
from typing import Any

from bench_dataset import SHARED_SETS, BenchPage, load_pages, shared_sets
from bench_tools import Tool, available_tools
from shingle_metric import score_pages

EVAL_METADATA = SHARED_SETS.parent / "eval_metadata.py"
BASELINE = Path(__file__).resolve().parent / "quality_baseline.json"


class _Timeout(Exception):
    pass


def _on_alarm(_sig: int, _frame: FrameType | None) -> None:
    raise _Timeout


def _load_eval_metadata() -> ModuleType | None:
    if not EVAL_METADATA.is_file():
        return None
    spec = importlib.util.spec_from_file_location("eval_metadata", EVAL_METADATA)
    if spec is None or spec.loader is None:
        return None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_text(
    tool: Tool, pages: list[BenchPage], timeout: float
) -> tuple[list[str], dict[str, Any]]:
    """Outputs of ``tool`` on ``pages`` and its timing, counting only the extraction calls."""
    gc.collect()
    with contextlib.suppress(Exception):  # the warm-up loads lazy state; failures count below
        tool.run(pages[0].html, pages[0].url)
    signal.signal(signal.SIGALRM, _on_alarm)
    outputs: list[str] = []
    seconds, crashes = 0.0, 0
    for page in pages:
        signal.setitimer(signal.ITIMER_REAL, timeout)
        start = time.perf_counter()
        try:
            text = tool.run(page.html, page.url)
        except Exception:  # a crash or a timeout is an empty output, counted
            text, crashes = "", crashes + 1
        finally:
            seconds += time.perf_counter() - start
            signal.setitimer(signal.ITIMER_REAL, 0)
        outputs.append(text)
    speed = len(pages) / seconds if seconds > 0 else float("inf")
    return outputs, {"seconds": seconds, "pages_per_s": speed, "crashes": crashes}


def run_meta(tool: Tool, directory: Path, limit: int | None, evaluator: ModuleType) -> Any:
    """Metadata scores of ``tool`` on one set, scored by the shared evaluator's own function."""
    if tool.meta is None:
        return None
    ds = evaluator.Dataset(directory, limit)
    counts = ds.counts()
    if not (counts["gold_title"] or counts["gold_author"] or counts["gold_date_day"]):
        return None
    preds: dict[str, dict[str, Any]] = {}
    for page_id in ds.ids:
        try:
            preds[page_id] = tool.meta(ds.html[page_id], ds.url[page_id])
        except Exception:  # a crash gives no metadata for the page, as in the evaluator
            preds[page_id] = {}
    return evaluator.score(ds, preds)["metrics"]


def _pct(value: Any) -> str:
    if value is None or value != value:
        return "-"
    return f"{100 * value:.1f}"


def render(name: str, pages: int, rows: list[dict[str, Any]]) -> str:
    """One set's rows as a Markdown table."""
    lines = [
        f"\n## {name}: {pages} pages\n",
        "| tool | version | P | R | F1 | acc | title exact | date | authors exact | pages/s "
        "| crash |",
        "|" + "---|" * 11,
    ]
    for r in rows:
        m = r.get("metadata") or {}
        lines.append(
            f"| {r['tool']} | {r['version']} | {r['precision']:.3f} | {r['recall']:.3f} | "
            f"{r['f1']:.3f} | {r['accuracy']:.3f} | {_pct(m.get('title_exact'))} | "
            f"{_pct(m.get('date_acc'))} | {_pct(m.get('author_exact'))} | "
            f"{r['pages_per_s']:.1f} | {r['crashes']} |"
        )
    speed = {r["tool"]: r["pages_per_s"] for r in rows}
    if "scraper" in speed and "selectolax_text" in speed:
        ratio = speed["scraper"] / speed["selectolax_text"]
        lines.append(f"\nscraper / selectolax_text speed: {ratio:.2f} (issue 3 asks >= 0.5)")
    return "\n".join(lines)


def _commit() -> str:
    """The checkout's short commit id (the figures describe that code plus any local change)."""
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return done.stdout.strip()


def write_baseline(path: Path, results: dict[str, Any]) -> None:
    """Record scraper's F1 per set, the figures the quality gate in the tests holds it to."""
    data: dict[str, Any] = json.loads(path.read_text("utf-8")) if path.is_file() else {}
    sets = data.setdefault("sets", {})
    for name, result in results.items():
        for row in result["rows"]:
            if row["tool"] == "scraper" and not result["limited"]:
                sets[name] = {"f1": round(row["f1"], 4), "pages": result["pages"]}
    data["measured"] = dt.date.today().isoformat()
    data["command"] = "benchmarks/extraction.py --tools scraper --no-metadata --write-baseline"
    data["commit"] = _commit()
    data["tolerance"] = 0.005
    path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", "utf-8")


def main(argv: list[str] | None = None) -> int:
    """Run every tool over every set and print the tables (and JSON / baseline when asked)."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("datasets", nargs="*", type=Path, help="set directories (default: shared)")
    ap.add_argument("--tools", help="comma-separated (default: scraper and installed peers)")
    ap.add_argument("--limit", type=int, help="only the first N pages of each set")
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds per extraction call")
    ap.add_argument("--no-metadata", action="store_true", help="skip title/author/date")
    ap.add_argument("--json", type=Path, help="write all figures as JSON")
    ap.add_argument("--write-baseline", type=Path, nargs="?", const=BASELINE, default=None)
    args = ap.parse_args(argv)
    dirs = args.datasets or shared_sets()
    if not dirs:
        ap.error("no dataset given and ../shared/bench/extraction is absent")
    tools, missing = available_tools(args.tools.split(",") if args.tools else None)
    for name in missing:
        print(f"{name}: not installed, skipped", file=sys.stderr)
    evaluator = None if args.no_metadata else _load_eval_metadata()
    results: dict[str, Any] = {}
    for directory in dirs:
        pages = list(load_pages(directory, args.limit))
        if not pages:
            continue
        rows = []
        for tool in tools:
            outputs, timing = run_text(tool, pages, args.timeout)
            scores = score_pages((p.gold, out) for p, out in zip(pages, outputs, strict=True))
            row: dict[str, Any] = {"tool": tool.name, "version": tool.version, **timing}
            row.update(scores.to_dict())
            if evaluator is not None:
                row["metadata"] = run_meta(tool, directory, args.limit, evaluator)
            rows.append(row)
            print(
                f"  {directory.name}: {tool.name} F1={scores.f1:.3f} "
                f"{timing['pages_per_s']:.1f} p/s",
                file=sys.stderr,
                flush=True,
            )
        results[directory.name] = {"pages": len(pages), "limited": bool(args.limit), "rows": rows}
        print(render(directory.name, len(pages), rows), flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=str), "utf-8")
    if args.write_baseline:
        write_baseline(args.write_baseline, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
