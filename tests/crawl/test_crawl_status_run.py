"""What ``scraper status`` says of the last run."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from scraper.cli.app import app
from scraper.demo.server import SiteServer

runner = CliRunner()


def test_status_counts_the_source_errors_of_the_last_run(
    sites: dict[str, SiteServer], news_toml: Path
) -> None:
    sites["courier"].fail("/feed.json", 404)
    assert runner.invoke(app, ["crawl", str(news_toml)]).exit_code == 1
    shown = runner.invoke(app, ["status", str(news_toml)]).stdout.splitlines()
    (last,) = [line for line in shown if line.startswith("last run:")]
    assert last.startswith("last run: #1 ok") and last.endswith(", 1 source errors")
    data = json.loads(runner.invoke(app, ["status", str(news_toml), "--json"]).stdout)
    assert data["last_run"]["stats"]["source_errors"] == 1
    sites["courier"].restore("/feed.json")
    assert runner.invoke(app, ["crawl", str(news_toml)]).exit_code == 0
    again = runner.invoke(app, ["status", str(news_toml)]).stdout
    assert "last run: #2 ok" in again and "source errors" not in again


def test_status_refuses_an_unknown_source_as_retry_does(news_toml: Path) -> None:
    assert runner.invoke(app, ["crawl", str(news_toml)]).exit_code == 0
    store = news_toml.parent / "news.db"
    for target in (news_toml, store):
        shown = runner.invoke(app, ["status", str(target), "--failed", "--source", "nosuch"])
        assert shown.exit_code == 2, shown.output
        assert "no source 'nosuch'" in shown.stderr
        assert "(sources: courier, herald)" in shown.stderr
        assert shown.stdout == ""
        retried = runner.invoke(app, ["retry", str(target), "--source", "nosuch"])
        assert retried.exit_code == shown.exit_code
        known = runner.invoke(app, ["status", str(target), "--failed", "--source", "herald"])
        assert known.exit_code == 0 and "no failed URLs" in known.stdout
