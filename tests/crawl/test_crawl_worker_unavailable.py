"""Extraction workers the system will not start: the run stops with its own exit code, and no
page is counted as failed for it."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from functools import partial
from pathlib import Path

import pytest
from typer.testing import CliRunner

import scraper.cli.isolated
import scraper.crawl.runner
from scraper.cli.app import app
from scraper.cli.exits import EXIT_UNAVAILABLE
from scraper.crawl.extraction import Extractor, PageJob
from scraper.demo.server import SiteServer
from scraper.errors import WorkerUnavailable

runner = CliRunner()
#: An interpreter that is not there (removed by an upgrade while cron still runs the crawl).
_GONE = ("/nonexistent/python3",)


def _states(store: Path) -> dict[str, int]:
    conn = sqlite3.connect(store)
    try:
        rows = conn.execute("SELECT state, count(*) FROM urls GROUP BY state").fetchall()
    finally:
        conn.close()
    return dict(rows)


def test_a_crawl_whose_workers_cannot_start_stops_and_leaves_its_urls_due(
    sites: dict[str, SiteServer], news_toml: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One worker process, as crawls run by default (the other tests extract inline).
    news_toml.write_text(news_toml.read_text().replace("workers = 0", "workers = 1"))
    with monkeypatch.context() as patched:
        patched.setattr(scraper.crawl.runner, "Extractor", partial(Extractor, command=_GONE))
        stopped = runner.invoke(app, ["crawl", str(news_toml)])
    assert stopped.exit_code == EXIT_UNAVAILABLE, stopped.output
    assert "cannot start an extraction worker (/nonexistent/python3)" in stopped.stderr
    store = news_toml.parent / "news.db"
    states = _states(store)
    # Every page fetched stays due: none failed, none spent an attempt.
    assert set(states) == {"pending"}, states
    status = json.loads(runner.invoke(app, ["status", str(news_toml), "--json"]).stdout)
    assert status["last_run"]["status"] == "failed"
    rerun = runner.invoke(app, ["crawl", str(news_toml)])
    assert rerun.exit_code == 0, rerun.output
    assert set(_states(store)) == {"done"}


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_extract_whose_worker_cannot_start_exits_with_its_code_and_closed_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    page = tmp_path / "page.html"
    page.write_text("<html><body><article><p>Text.</p></article></body></html>")
    monkeypatch.setattr(scraper.cli.isolated, "COMMAND", _GONE)
    result = runner.invoke(app, ["extract", str(page), "-f", fmt])
    assert result.exit_code == EXIT_UNAVAILABLE, result.output
    assert result.stderr == (
        "scraper: cannot start an extraction worker (/nonexistent/python3): "
        "No such file or directory\n"
    )
    # No input is blamed, and the output is what a run with no article writes.
    assert result.stdout == ("[]\n" if fmt == "json" else "")


def test_the_demo_whose_workers_cannot_start_exits_with_their_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(scraper.crawl.runner, "Extractor", partial(Extractor, command=_GONE))
    result = runner.invoke(app, ["demo", "--db", str(tmp_path / "demo.db"), "--workers", "1"])
    assert result.exit_code == EXIT_UNAVAILABLE, result.output
    assert result.stderr.startswith("scraper: cannot start an extraction worker")
    assert "Traceback" not in result.output


def test_pages_waiting_for_a_replacement_that_cannot_start_get_the_refusal(
    tmp_path: Path,
) -> None:
    # A worker that removes its own program and dies before reading a page: its pages are sent
    # again, to a replacement the system cannot start. They waited forever for it.
    program = tmp_path / "vanishing-worker"
    program.write_text('#!/bin/sh\nrm -f "$0"\nexit 3\n')
    program.chmod(0o755)
    jobs = [PageJob(f"https://n.test/{n}", b"<p>Text.</p>") for n in range(3)]

    async def run() -> list[object]:
        async with Extractor(1, command=(str(program),)) as pool:
            pages = (pool.extract(job) for job in jobs)
            return await asyncio.wait_for(asyncio.gather(*pages, return_exceptions=True), 30)

    outcomes = asyncio.run(run())
    assert all(isinstance(outcome, WorkerUnavailable) for outcome in outcomes), outcomes
    assert "No such file or directory" in str(outcomes[0])
