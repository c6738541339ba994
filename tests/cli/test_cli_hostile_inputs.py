"""Hostile inputs to the commands: each is one failure of its kind or a usage error, never a
bug's traceback."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from scraper.cli.app import app
from scraper.cli.source_option import check_source
from scraper.store.crawl_store import SQLiteCrawlStore
from scraper.store.protocol import FetchRecord, ListingRecord, NewURL

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


def _store_with_a_failure(path: Path, url: str) -> None:
    store = SQLiteCrawlStore(path)
    try:
        store.ensure_source("s", "feed")
        store.record_listing("s", ListingRecord(fetch=None, entries=[NewURL(url=url, raw=url)]), 1)
        (queued,) = store.due_urls(time.time(), 0, 10)
        failed = FetchRecord(url=url, status=404, error_kind="http_status", error="HTTP 404")
        store.record_failure(queued, failed, None, 1)
    finally:
        store.close()


@pytest.mark.parametrize("json_out", [False, True], ids=["table", "json"])
def test_status_lists_every_failure_under_a_limit_past_sqlites_integers(
    tmp_path: Path, json_out: bool
) -> None:
    # SQLite's integers stop at 2**63 - 1: a larger LIMIT was an OverflowError traceback.
    db = tmp_path / "s.sqlite"
    _store_with_a_failure(db, "https://n.test/gone")
    args = ["status", str(db), "--failed", "--limit", str(2**64), *(["--json"] if json_out else [])]
    result = runner.invoke(app, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code == 0, result.output
    if json_out:
        (failure,) = json.loads(result.stdout)["failed"]
        assert failure["url"] == "https://n.test/gone"
    else:
        assert "https://n.test/gone" in result.stdout


def test_an_unreadable_file_among_others_is_its_own_failure_not_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    locked = tmp_path / "locked.html"
    locked.write_text(HTML, encoding="utf-8")
    other = tmp_path / "other.html"
    other.write_text(HTML, encoding="utf-8")
    # As a file mode 000 answers a user other than root (these tests may run as root, whom
    # no mode stops): os.access says no, and opening it fails.
    real_access, real_open = os.access, Path.open

    def access(path: object, mode: int, *args: object, **kwargs: object) -> bool:
        return False if Path(str(path)) == locked else real_access(path, mode)  # type: ignore[arg-type]

    def open_(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self == locked:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(os, "access", access)
    monkeypatch.setattr(Path, "open", open_)
    result = runner.invoke(app, ["extract", str(locked), str(other), "-f", "jsonl"])
    assert result.exit_code == 1, result.output
    assert result.stderr.splitlines() == [
        f"scraper: {locked}: input: cannot read {locked}: Permission denied"
    ]
    (record,) = [json.loads(text) for text in result.stdout.splitlines()]
    assert record["text"].startswith(PARA)


def test_an_empty_argument_is_its_own_failure_not_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `scraper extract "$PAGE"` with PAGE unset: click's path type read "" as ".", and the
    # run extracted every page under the working directory.
    (tmp_path / "elsewhere.html").write_text(HTML, encoding="utf-8")
    page = tmp_path / "sub" / "page.html"
    page.parent.mkdir()
    page.write_text(HTML.replace("Orvanne", "Castellet"), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["extract", "", str(page), "-f", "jsonl"])
    assert result.exit_code == 1, result.output
    assert result.stderr.splitlines() == ["scraper: '': input: an empty argument names no file"]
    (record,) = [json.loads(text) for text in result.stdout.splitlines()]
    assert "Castellet" in record["text"]
    alone = runner.invoke(app, ["extract", ""])
    assert (alone.exit_code, alone.stdout) == (1, "")


def test_an_unknown_source_name_is_quoted_short() -> None:
    with pytest.raises(typer.BadParameter) as caught:
        check_source("x" * 100_000, Path("news.toml"), configured=["herald"], stored=["courier"])
    message = str(caught.value)
    assert len(message) < 400
    assert message.endswith("(sources: courier, herald)")
