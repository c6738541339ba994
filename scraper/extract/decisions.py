"""Why each block was kept or dropped: the record behind ``scraper extract --explain``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from scraper.extract.segment import Dropped, RawBlock

__all__ = ["Decision", "Explanation", "render_explanation"]

_PREVIEW: Final = 90


@dataclass(frozen=True, slots=True)
class Decision:
    """One candidate block, its content score, and the rule that kept or dropped it.

    A rule that quotes a figure (a score, a link density) keeps it apart from its ``wording``,
    which has ``{}`` where it goes: formatting numbers for every block cost more than most
    rules, and only an explanation reads them.
    """

    block: RawBlock
    score: float
    keep: bool
    wording: str
    figure: float | None = None

    def __init__(
        self, block: RawBlock, score: float, keep: bool, wording: str, figure: float | None = None
    ) -> None:
        # Written out (the frozen dataclass way): under mypyc the generated __init__ stays
        # interpreted Python, several times slower, and a page makes one decision per block.
        object.__setattr__(self, "block", block)
        object.__setattr__(self, "score", score)
        object.__setattr__(self, "keep", keep)
        object.__setattr__(self, "wording", wording)
        object.__setattr__(self, "figure", figure)

    @property
    def rule(self) -> str:
        """The rule that decided, in words."""
        return self.wording if self.figure is None else self.wording.format(self.figure)


@dataclass(frozen=True, slots=True)
class Explanation:
    """Every decision in reading order, the subtrees skipped whole, the container chosen, and
    why only the first part of a huge page was read (None: it was read whole)."""

    decisions: tuple[Decision, ...]
    dropped: tuple[Dropped, ...]
    container: int | None
    truncated: str | None = None


def _preview(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= _PREVIEW else flat[: _PREVIEW - 1] + "…"


def render_explanation(explanation: Explanation) -> str:
    """A human-readable report: one line per block, then the skipped subtrees."""
    lines = ["#    keep  score  kind        rule                               text"]
    for d in explanation.decisions:
        b = d.block
        mark = "KEEP" if d.keep else "drop"
        lines.append(
            f"{b.index:<4} {mark}  {d.score:5.0f}  {b.kind.value:<11} {d.rule[:34]:<34} "
            f"{_preview(b.text)}"
        )
    if explanation.truncated:
        lines.append("")
        lines.append(explanation.truncated)
    if explanation.dropped:
        lines.append("")
        lines.append("subtrees skipped before scoring:")
        for s in explanation.dropped:
            lines.append(f"  <{s.tag}> {s.reason}: {_preview(s.text) or '(no text)'}")
    return "\n".join(lines) + "\n"
