"""The 4-gram shingle P/R/F1 of scrapinghub's article-extraction benchmark, computed our way.

Definition (the one ``../shared/bench/eval_extractors.py`` uses, so figures are comparable):
tokens are ``\\w+`` matches; the unit is a contiguous 4-token shingle (a text of 1-3 tokens has
one shorter shingle, an empty one none). Per page the shingle multisets of gold and output give
true/false positives and false negatives, scaled so that they sum to one. Page precision is 1
when nothing is wrong, 0 when nothing is right, else tp / (tp + fp); recall likewise. P is the
mean over pages with any output, R the mean over pages with any gold, and F1 combines the two
means. Means go through ``statistics.mean`` (exact rational sums) so the floats come out
bit-identical to the reference.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "PageCounts",
    "Scores",
    "combine",
    "exact_match",
    "page_counts",
    "score_pages",
    "shingles",
    "tokens",
]

_WORD = re.compile(r"\w+")
SHINGLE = 4


def tokens(text: str) -> list[str]:
    """The word tokens of ``text`` as the metric sees them (case kept, punctuation dropped)."""
    return _WORD.findall(text or "")


def shingles(text: str, size: int = SHINGLE) -> Counter[tuple[str, ...]]:
    """The multiset of ``size``-token shingles of ``text``."""
    toks = tokens(text)
    if not toks:
        return Counter()
    if len(toks) <= size:
        return Counter([tuple(toks)])
    return Counter(tuple(toks[i : i + size]) for i in range(len(toks) - size + 1))


@dataclass(frozen=True, slots=True)
class PageCounts:
    """True positive, false positive and false negative shares of one page (summing to 1)."""

    tp: float
    fp: float
    fn: float

    @property
    def precision(self) -> float:
        """Page precision under the benchmark's conventions for empty sides."""
        return _share(self.tp, self.fp, self.fn)

    @property
    def recall(self) -> float:
        """Page recall under the benchmark's conventions for empty sides."""
        return _share(self.tp, self.fn, self.fp)


def _share(tp: float, wrong: float, other_wrong: float) -> float:
    """tp / (tp + wrong); 1 when nothing at all is wrong, 0 when nothing on this side is right."""
    if wrong == 0 and other_wrong == 0:
        return 1.0
    if tp == 0 and wrong == 0:
        return 0.0
    return tp / (tp + wrong)


def page_counts(gold: str, output: str) -> PageCounts:
    """Shingle overlap of one page's output with its gold text."""
    want, got = shingles(gold), shingles(output)
    tp = sum((want & got).values())
    fp = sum((got - want).values())
    fn = sum((want - got).values())
    total = tp + fp + fn
    if total == 0:
        return PageCounts(0.0, 0.0, 0.0)
    return PageCounts(tp / total, fp / total, fn / total)


@dataclass(frozen=True, slots=True)
class Scores:
    """Corpus precision, recall and F1, plus exact-token accuracy and the number of pages."""

    precision: float
    recall: float
    f1: float
    accuracy: float
    pages: int

    def to_dict(self) -> dict[str, float | int]:
        return {
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "accuracy": self.accuracy,
            "pages": self.pages,
        }


def combine(counts: list[PageCounts], exact: list[bool]) -> Scores:
    """Corpus scores from per-page counts and exact-token flags (one of each per page)."""
    precisions = [c.precision for c in counts if c.tp + c.fp > 0]
    recalls = [c.recall for c in counts if c.tp + c.fn > 0]
    p = statistics.mean(precisions) if precisions else 0.0
    r = statistics.mean(recalls) if recalls else 0.0
    f1 = 2 * p * r / (p + r) if p + r > 0 else 0.0
    accuracy = statistics.mean(1.0 if e else 0.0 for e in exact) if exact else 0.0
    return Scores(precision=p, recall=r, f1=f1, accuracy=accuracy, pages=len(counts))


def exact_match(gold: str, output: str) -> bool:
    """Whether the output has exactly the gold's tokens (the benchmark's accuracy)."""
    return tokens(gold) == tokens(output)


def score_pages(pairs: Iterable[tuple[str, str]]) -> Scores:
    """Corpus scores of ``(gold, output)`` pairs, one pair per page."""
    counts: list[PageCounts] = []
    exact: list[bool] = []
    for gold, output in pairs:
        counts.append(page_counts(gold, output))
        exact.append(exact_match(gold, output))
    return combine(counts, exact)
