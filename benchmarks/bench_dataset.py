"""Reading a benchmark set in the shared layout (html/<id>.html, gold/<id>.txt, meta.jsonl).

Pages are UTF-8 (the sets were re-encoded when staged); ``meta.jsonl`` holds one JSON object per
page with ``id``, ``url`` and, for some sets, gold ``title``/``author``/``publish_date``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["DEFAULT_SETS", "SHARED_SETS", "BenchPage", "load_pages", "shared_sets"]

SHARED_SETS = Path(__file__).resolve().parents[2] / "shared" / "bench" / "extraction"
DEFAULT_SETS = ("scrapinghub", "l3s-gn1", "wcxb-dev-article")


@dataclass(frozen=True, slots=True)
class BenchPage:
    """One page of a set: its HTML, gold body text, URL (when known) and gold metadata."""

    set_name: str
    id: str
    html: str
    gold: str
    url: str | None
    meta: dict[str, Any] = field(default_factory=dict)


def shared_sets() -> list[Path]:
    """The shared set directories that exist on this machine, in the default order."""
    return [SHARED_SETS / name for name in DEFAULT_SETS if (SHARED_SETS / name / "html").is_dir()]


def _meta(directory: Path) -> dict[str, dict[str, Any]]:
    path = directory / "meta.jsonl"
    if not path.is_file():
        return {}
    out: dict[str, dict[str, Any]] = {}
    for line in path.read_text("utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            out[str(record["id"])] = record
    return out


def load_pages(directory: Path, limit: int | None = None) -> Iterator[BenchPage]:
    """The pages of one set that have a text gold, sorted by id, at most ``limit`` of them."""
    meta = _meta(directory)
    ids = sorted(p.stem for p in (directory / "html").glob("*.html"))
    if limit:
        ids = ids[:limit]
    for page_id in ids:
        gold_path = directory / "gold" / f"{page_id}.txt"
        if not gold_path.is_file():
            continue
        record = meta.get(page_id, {})
        url = record.get("url")
        yield BenchPage(
            set_name=directory.name,
            id=page_id,
            html=(directory / "html" / f"{page_id}.html").read_text("utf-8", errors="replace"),
            gold=gold_path.read_text("utf-8"),
            url=url if isinstance(url, str) and url.startswith("http") else None,
            meta=record,
        )
