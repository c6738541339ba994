"""``scraper crawl CONFIG --check``: the config validated and summed up, nothing else done."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from scraper.cli.app import app
from scraper.crawl.lock import RunLock

runner = CliRunner()

# Hosts under .invalid (RFC 2606): a check that fetched anything would fail, not reach a site.
_CONFIG = """
store = "{store}"
max_run_seconds = 240

[politeness]
min_interval = 2.5
per_host = 1

[[source]]
name = "wire"
feed = "https://wire.invalid/feed.xml"

[[source]]
name = "paper"
sitemap = "https://paper.invalid/robots.txt"

[[source]]
name = "front"
section = "https://paper.invalid/news/"
follow = ['/news/\\\\d{{4}}/']

[sites."paper.invalid"]
drop = [".promo"]

[export]
format = "csv"
path = "new-{{run}}.csv"
"""


def _config(folder: Path, store: str = "data/news.db", text: str = _CONFIG) -> Path:
    path = folder / "news.toml"
    path.write_text(text.format(store=store), encoding="utf-8")
    return path


def test_a_valid_config_is_summed_up_and_nothing_is_made(tmp_path: Path) -> None:
    config = _config(tmp_path)
    result = runner.invoke(app, ["crawl", str(config), "--check"])
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"{config}: config valid"
    assert f"store: {tmp_path / 'data' / 'news.db'} (to be created, with its folder)" in lines[1]
    assert lines[2] == "  sources: 3 (1 feed, 1 section, 1 sitemap)"
    assert "    front: section, 1 URL, follows 1 pattern" in lines
    assert "2.5 s between requests to a host, 1 at once per host" in result.stdout
    assert "site rules: paper.invalid" in result.stdout
    assert "time budget: 240 s a run" in result.stdout
    assert "export after each run: csv to " in result.stdout
    # No store, no folder for it, no lock file: a check changes nothing a run would read.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["news.toml"]


def test_options_of_the_run_are_checked_with_it(tmp_path: Path) -> None:
    config = _config(tmp_path)
    result = runner.invoke(
        app,
        [
            "crawl",
            str(config),
            "--check",
            "--max-run-seconds",
            "60",
            "--export",
            "jsonl",
            "-o",
            str(tmp_path / "out.jsonl"),
        ],
    )
    assert result.exit_code == 0, result.stderr
    assert "time budget: 60 s a run" in result.stdout
    assert f"export after each run: jsonl to {tmp_path / 'out.jsonl'}" in result.stdout
    over_config = runner.invoke(app, ["crawl", str(config), "--check", "-o", str(config)])
    assert over_config.exit_code == 2


def test_an_invalid_key_is_named_with_exit_2(tmp_path: Path) -> None:
    config = _config(tmp_path, text=_CONFIG.replace("per_host = 1", "per_host = 0"))
    result = runner.invoke(app, ["crawl", str(config), "--check"])
    assert result.exit_code == 2
    assert "politeness.per_host" in result.stderr
    assert result.stdout == ""


def test_a_store_that_could_not_be_created_is_a_store_error(tmp_path: Path) -> None:
    (tmp_path / "data").write_text("a file where the store's folder should be", encoding="utf-8")
    config = _config(tmp_path)
    result = runner.invoke(app, ["crawl", str(config), "--check"])
    assert result.exit_code == 4
    assert f"{tmp_path / 'data'} is not a folder" in result.stderr
    folder_store = _config(tmp_path, store="data2")
    (tmp_path / "data2").mkdir()
    result = runner.invoke(app, ["crawl", str(folder_store), "--check"])
    assert result.exit_code == 4
    assert "is not a file" in result.stderr


def test_a_check_runs_beside_a_crawl_holding_the_lock(tmp_path: Path) -> None:
    config = _config(tmp_path, store="news.db")
    (tmp_path / "news.db").touch()
    with RunLock(tmp_path / "news.db"):
        result = runner.invoke(app, ["crawl", str(config), "--check"])
    assert result.exit_code == 0, result.stderr
    assert "(exists)" in result.stdout
