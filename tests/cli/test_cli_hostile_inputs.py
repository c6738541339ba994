"""``scraper extract`` on hostile saved pages: each is one failure of its kind, never a bug's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scraper.cli.app import app

runner = CliRunner()

PARA = (
    "Residents of the hill village of Orvanne gathered on Sunday to reopen the stone bridge "
    "that floods closed two winters ago, after volunteers rebuilt its three arches by hand."
)
HTML = f"<html><body><article><p>{PARA}</p><p>{PARA}</p></article></body></html>"


@pytest.mark.parametrize(
    "sidecar",
    [
        # json reads nested arrays by recursion: a RecursionError, not a ValueError
        "[" * 100_000 + "]" * 100_000,
        '{"url": "https://n.test/a", "headers": [["a", ' + "[" * 5_000 + "]" * 5_000 + "]]}",
        # JSON reads 1e400 as infinity, which int() refuses with an OverflowError
        '{"url": "https://n.test/a", "status": 1e400}',
        '{"url": "https://n.test/a", "status": -1e400}',
    ],
    ids=["nested", "nested-header", "status-infinity", "status-minus-infinity"],
)
@pytest.mark.parametrize("explain", [False, True], ids=["extract", "explain"])
def test_a_hostile_sidecar_fails_its_page_as_a_bad_record(
    tmp_path: Path, sidecar: str, explain: bool
) -> None:
    page = tmp_path / "p.html"
    page.write_text(HTML, encoding="utf-8")
    (tmp_path / "p.page.json").write_text(sidecar, encoding="utf-8")
    other = tmp_path / "other.html"
    other.write_text(HTML, encoding="utf-8")
    args = ["--explain"] if explain else ["-f", "jsonl"]
    result = runner.invoke(app, ["extract", str(page), str(other), *args])
    assert result.exit_code == 1, result.output
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"scraper: {page}: record: "), line
    assert "Error" not in line  # no Python exception's name: the reason is the record's
    if not explain:
        (record,) = [json.loads(text) for text in result.stdout.splitlines()]
        assert record["text"].startswith(PARA)  # the other page goes on
