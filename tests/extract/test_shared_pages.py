"""scraper over every real page in ``../shared/bench/extraction/*``: no exception, no quality loss.

The quality gate holds the 4-gram shingle F1 on each shared set (computed by
``benchmarks/shingle_metric.py``, equal to the shared evaluator's) to the figure recorded in
``benchmarks/quality_baseline.json``: a change that costs more than the recorded tolerance
(0.005) fails. When quality improves, record the new figures with
``.venv/bin/python benchmarks/extraction.py --tools scraper --no-metadata --write-baseline``.
Everything here skips when ``../shared`` is absent (a clean clone on another machine).
"""

from __future__ import annotations

import importlib.util
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from scraper import extract

ROOT = Path(__file__).resolve().parents[2]
SETS_DIR = ROOT.parent / "shared" / "bench" / "extraction"
SET_NAMES = ("scrapinghub", "l3s-gn1", "wcxb-dev-article")
BASELINE = ROOT / "benchmarks" / "quality_baseline.json"

pytestmark = pytest.mark.shared


def _load(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while building classes
    spec.loader.exec_module(module)
    return module


@dataclass(frozen=True, slots=True)
class SetRun:
    """scraper's outputs on one shared set, and the pages that raised."""

    golds: list[str]
    outputs: list[str]
    errors: list[str]


def _present(name: str) -> bool:
    return (SETS_DIR / name / "html").is_dir() and (SETS_DIR / name / "gold").is_dir()


def _urls(directory: Path) -> dict[str, str]:
    """Page URLs from ``meta.jsonl``, handed to the extractor as the evaluators do."""
    path = directory / "meta.jsonl"
    lines = path.read_text("utf-8").splitlines() if path.is_file() else []
    records = [json.loads(line) for line in lines if line.strip()]
    return {
        str(r["id"]): r["url"]
        for r in records
        if isinstance(r.get("url"), str) and r["url"].startswith("http")
    }


def _run_set(directory: Path) -> SetRun:
    golds, outputs, errors = [], [], []
    urls = _urls(directory)
    for html_path in sorted((directory / "html").glob("*.html")):
        gold_path = directory / "gold" / f"{html_path.stem}.txt"
        if not gold_path.is_file():
            continue
        text = ""
        try:
            html = html_path.read_text("utf-8", errors="replace")
            text = extract(html, url=urls.get(html_path.stem)).text
        except Exception as exc:  # every failure is collected and reported, not just the first
            errors.append(f"{directory.name}/{html_path.name}: {type(exc).__name__}: {exc}")
        golds.append(gold_path.read_text("utf-8"))
        outputs.append(text)
    return SetRun(golds, outputs, errors)


@pytest.fixture(scope="module")
def runs() -> dict[str, SetRun]:
    """One pass of the extractor over every shared set (shared by the tests below)."""
    if not any(_present(name) for name in SET_NAMES):
        pytest.skip("../shared/bench/extraction is absent: no real pages to run on")
    return {name: _run_set(SETS_DIR / name) for name in SET_NAMES if _present(name)}


def test_every_shared_page_extracts_without_exception(runs: dict[str, SetRun]) -> None:
    errors = [e for run in runs.values() for e in run.errors]
    assert not errors, f"{len(errors)} pages raised:\n" + "\n".join(errors[:20])
    assert sum(len(run.outputs) for run in runs.values()) > 0


@pytest.mark.parametrize("name", SET_NAMES)
def test_quality_gate(runs: dict[str, SetRun], name: str) -> None:
    if name not in runs:
        pytest.skip(f"../shared/bench/extraction/{name} is absent")
    recorded: dict[str, Any] = json.loads(BASELINE.read_text("utf-8"))
    figure = recorded["sets"].get(name)
    assert figure is not None, f"no F1 recorded for {name} in {BASELINE.name}"
    metric = _load(ROOT / "benchmarks" / "shingle_metric.py", "shingle_metric_gate")
    run = runs[name]
    f1 = float(metric.score_pages(zip(run.golds, run.outputs, strict=True)).f1)
    floor = float(figure["f1"]) - float(recorded["tolerance"])
    assert f1 >= floor, f"{name}: F1 {f1:.4f} fell below {floor:.4f} (recorded {figure['f1']})"
