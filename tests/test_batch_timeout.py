"""Batch extraction in worker processes: a page that takes too long fails alone."""

from __future__ import annotations

import json
import time
from pathlib import Path

from typer.testing import CliRunner

from scraper.batch import extract_files
from scraper.cli.app import app
from scraper.extract import ExtractOptions, extract_page
from scraper.models import Article, Failure, Page

HTML = (
    "<html><head><title>Weir repaired</title></head><body><article><p>"
    + "The weir above the mill pond was repaired by the parish over the long summer. " * 4
    + "</p></article></body></html>"
)
STALL = "<!-- stall -->"


def _stalling(page: Page, options: ExtractOptions) -> Article:
    """Extraction that never ends on a marked page, as a quadratic corner or a hung C call."""
    if STALL.encode() in page.body:
        time.sleep(600)
    return extract_page(page, options)


def test_a_page_that_takes_too_long_is_that_inputs_failure(tmp_path: Path) -> None:
    names = [f"p{n:02}.html" for n in range(20)]
    paths = [tmp_path / name for name in names]
    for path in paths:
        path.write_text(HTML, encoding="utf-8")
    paths[5].write_text(HTML + STALL, encoding="utf-8")
    begun = time.monotonic()
    items = list(extract_files(paths, ExtractOptions(), workers=2, timeout=0.3, extract=_stalling))
    assert time.monotonic() - begun < 30  # not the stall's 600 s
    assert [item.path for item in items] == paths
    results = [item.result for item in items]
    assert results[5] == Failure(
        str(paths[5]), "extract_timeout", "extraction took longer than 0.3 s"
    )
    others = results[:5] + results[6:]
    assert all(isinstance(r, Article) and r.title == "Weir repaired" for r in others)


def test_the_cli_takes_a_positive_timeout(tmp_path: Path) -> None:
    path = tmp_path / "a.html"
    path.write_text(HTML, encoding="utf-8")
    runner = CliRunner()
    args = ["extract", str(path), str(path), "-f", "jsonl", "--workers", "2", "--timeout", "5"]
    ok = runner.invoke(app, args)
    assert ok.exit_code == 0, ok.output
    assert [json.loads(line)["title"] for line in ok.output.splitlines()] == ["Weir repaired"] * 2
    ok = runner.invoke(app, ["extract", str(path), "--extract-timeout", "5"])
    assert ok.exit_code == 0, ok.output
    bad = runner.invoke(app, ["extract", str(path), "--extract-timeout", "0"])
    assert bad.exit_code == 2
    assert "--extract-timeout" in bad.output
