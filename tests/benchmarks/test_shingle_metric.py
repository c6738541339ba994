"""The benchmarks' shingle metric: hand-checked values, and bit-for-bit equality with the
shared reference evaluator (``../shared/bench/eval_extractors.py``) when it is present."""

from __future__ import annotations

import importlib.util
import random
import sys
from pathlib import Path
from types import ModuleType, SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT.parent / "shared" / "bench" / "eval_extractors.py"
SCRAPINGHUB = ROOT.parent / "shared" / "bench" / "extraction" / "scrapinghub"


def _load(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # dataclasses look their module up in sys.modules while the class is being built
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


metric = _load(ROOT / "benchmarks" / "shingle_metric.py", "shingle_metric_under_test")


def test_shingles_of_short_and_empty_texts() -> None:
    assert metric.shingles("") == {}
    assert metric.shingles("one, two!") == {("one", "two"): 1}
    assert sum(metric.shingles("a b c d e f").values()) == 3


def test_page_counts_by_hand() -> None:
    # gold has 3 shingles; the output repeats the first 4 tokens: 2 shared, 1 extra, 1 missing
    counts = metric.page_counts("a b c d e f", "a b c d e x")
    assert (counts.tp, counts.fp, counts.fn) == pytest.approx((0.5, 0.25, 0.25))
    assert counts.precision == pytest.approx(2 / 3)
    assert counts.recall == pytest.approx(2 / 3)


def test_empty_output_counts_against_recall_only() -> None:
    scores = metric.score_pages([("a b c d e", ""), ("a b c d e", "a b c d e")])
    assert scores.precision == 1.0
    assert scores.recall == 0.5
    assert scores.f1 == pytest.approx(2 * 0.5 / 1.5)
    assert scores.accuracy == 0.5


def _variants(gold: str, rnd: random.Random) -> list[str]:
    words = gold.split()
    half = " ".join(words[: len(words) // 2])
    noisy = " ".join(w for w in words if rnd.random() > 0.1)
    return ["", gold, gold + "\n\n" + gold, half, noisy, "Share this post " + gold, "x y"]


@pytest.mark.shared
def test_equal_to_the_reference_evaluator() -> None:
    if not REFERENCE.is_file() or not (SCRAPINGHUB / "gold").is_dir():
        pytest.skip("../shared/bench (reference evaluator and pages) is absent")
    reference = _load(REFERENCE, "eval_extractors_reference")
    rnd = random.Random(7)
    golds = [p.read_text("utf-8") for p in sorted((SCRAPINGHUB / "gold").glob("*.txt"))[:25]]
    pairs = [(g, out) for g in golds for out in _variants(g, rnd)]
    pairs += [("", ""), ("", "text only in output"), ("a b", "a b"), ("é ü ß 1", "é ü ß")]
    for gold, out in pairs:
        ours = metric.page_counts(gold, out)
        assert (ours.tp, ours.fp, ours.fn) == reference.sh_tp_fp_fn(gold, out)
    ids = [str(i) for i in range(len(pairs))]
    ds = SimpleNamespace(ids=ids, gold_text={i: g for i, (g, _) in zip(ids, pairs, strict=True)})
    preds = {i: out for i, (_, out) in zip(ids, pairs, strict=True)}
    expected = reference.score_text(ds, preds, 0)
    got = metric.score_pages(pairs)
    assert (got.precision, got.recall, got.f1, got.accuracy) == (
        expected["precision"],
        expected["recall"],
        expected["f1"],
        expected["accuracy"],
    )
