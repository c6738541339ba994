"""``scraper crawl``, ``export``, ``status`` and ``demo`` through CliRunner: output, exit codes."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scraper.cli.app import app
from scraper.crawl.lock import RunLock
from scraper.demo.server import SiteServer
from scraper.demo.site import load_sites, render_site
from scraper.store.crawl_store import SQLiteCrawlStore
from scraper.store.sketches import SketchStore

_DEV_FULL = Path("/dev/full")
SITES = {site.slug: site for site in load_sites()}

runner = CliRunner()


def test_crawl_exports_then_export_hands_each_article_on_once(
    news_toml: Path, tmp_path: Path
) -> None:
    config = news_toml
    out = tmp_path / "new.jsonl"
    result = runner.invoke(app, ["crawl", str(config), "--export", "jsonl", "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    assert "8 stored (1 duplicate; " in result.stderr  # the final clusters, then as placed
    records = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert len(records) == 8
    assert all(r["cluster"] and r["text"] and r["source"] in ("herald", "courier") for r in records)
    again = runner.invoke(app, ["export", str(config), "--since", "LAST"])
    assert again.exit_code == 0
    assert again.stdout == ""
    assert "exported 0 articles" in again.stderr
    table = runner.invoke(app, ["export", str(tmp_path / "news.db"), "--since", "ALL", "-f", "csv"])
    rows = list(csv.DictReader(io.StringIO(table.stdout)))
    assert len(rows) == 8
    assert {r["url"] for r in rows} == {r["url"] for r in records}
    unique = runner.invoke(app, ["export", str(config), "--since", "ALL", "--unique"])
    kept = [json.loads(line) for line in unique.stdout.splitlines()]
    assert len(kept) == 7  # the syndicated copy's pair is exported once
    assert all(r["duplicate_of"] is None for r in kept)
    dated = runner.invoke(app, ["export", str(config), "--since", "2999-01-01", "-f", "markdown"])
    assert (dated.exit_code, dated.stdout) == (0, "")
    md = runner.invoke(app, ["export", str(config), "--since", "2000-01-01", "-f", "markdown"])
    assert md.stdout.count("\n# ") + md.stdout.startswith("# ") == 8
    assert "*cluster " in md.stdout


def test_status_shows_sources_and_last_run(news_toml: Path) -> None:
    config = news_toml
    assert runner.invoke(app, ["crawl", str(config)]).exit_code == 0
    result = runner.invoke(app, ["status", str(config)])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    herald = next(line for line in lines if line.startswith("herald"))
    assert herald.split()[1:3] == ["5", "5"]  # urls, stored
    assert any(line.startswith("last run: #1 ok") for line in lines)
    data = json.loads(runner.invoke(app, ["status", str(config), "--json"]).stdout)
    by_name = {s["name"]: s for s in data["sources"]}
    assert (by_name["herald"]["urls"], by_name["herald"]["stored"]) == (5, 5)
    assert data["last_run"]["status"] == "ok"
    assert data["last_run"]["stats"]["stored"] == 8


def test_exit_codes(sites: dict[str, SiteServer], news_toml: Path, tmp_path: Path) -> None:
    config = news_toml
    bad = tmp_path / "bad.toml"
    bad.write_text('store = "x.db"\n[[source]]\nfeed = "not a url"\n', encoding="utf-8")
    result = runner.invoke(app, ["crawl", str(bad)])
    assert result.exit_code == 2
    assert "source[0].feed" in result.stderr
    with RunLock(tmp_path / "news.db"):
        locked = runner.invoke(app, ["crawl", str(config)])
    assert locked.exit_code == 3
    assert "another crawl" in locked.stderr
    sites["courier"].fail("/feed.json", 500)
    failed = runner.invoke(app, ["crawl", str(config)])
    assert failed.exit_code == 1
    assert "1 source error" in failed.stderr
    assert runner.invoke(app, ["export", str(config), "--since", "yesterday"]).exit_code == 2


def test_json_logs(news_toml: Path) -> None:
    result = runner.invoke(app, ["crawl", str(news_toml), "--log-json"])
    assert result.exit_code == 0
    events = [json.loads(line) for line in result.stderr.splitlines()]
    kinds = [e["event"] for e in events]
    assert kinds.count("article") == 8
    assert kinds.count("source") == 2
    assert kinds[-1] == "done"
    assert events[-1]["duplicates"] == 1


def test_demo_command(tmp_path: Path) -> None:
    result = runner.invoke(app, ["demo", "--db", str(tmp_path / "demo.db"), "--workers", "0"])
    assert result.exit_code == 0, result.stderr
    assert "8 distinct articles" in result.stdout
    assert "Stored 8 articles" in result.stdout
    assert "Second run: 0 articles fetched, 7 feeds/sitemaps/sections answered 304" in result.stdout
    # Again into the same file: refused, as its sites would be new addresses in an old store.
    before = (tmp_path / "demo.db").read_bytes()
    again = runner.invoke(app, ["demo", "--db", str(tmp_path / "demo.db"), "--workers", "0"])
    assert again.exit_code == 2
    assert "already exists; the demo crawls into a new file" in again.stderr
    assert (tmp_path / "demo.db").read_bytes() == before


def test_only_a_last_export_moves_the_cursor(news_toml: Path) -> None:
    config = news_toml
    assert runner.invoke(app, ["crawl", str(config)]).exit_code == 0
    dump = runner.invoke(app, ["export", str(config), "--since", "ALL"])
    dated = runner.invoke(app, ["export", str(config), "--since", "2000-01-01"])
    assert len(dump.stdout.splitlines()) == len(dated.stdout.splitlines()) == 8
    # The one-off exports took nothing away from the cron job's next LAST export.
    first = runner.invoke(app, ["export", str(config), "--since", "LAST"])
    assert len(first.stdout.splitlines()) == 8
    assert runner.invoke(app, ["export", str(config), "--since", "LAST"]).stdout == ""


def test_a_dedup_index_of_another_sketch_scheme_is_a_store_error(
    sites: dict[str, SiteServer], news_toml: Path, tmp_path: Path
) -> None:
    config = news_toml
    store = SQLiteCrawlStore(tmp_path / "news.db")
    try:
        SketchStore(store.conn, fingerprint="an-older-scheme")
    finally:
        store.close()
    result = runner.invoke(app, ["crawl", str(config)])
    assert result.exit_code == 4, result.output
    (line,) = result.stderr.splitlines()
    assert line.startswith("scraper: store error: ")
    assert "sketched with an-older-scheme" in line
    assert not sites["herald"].log and not sites["courier"].log  # refused before any fetch


def test_output_without_export_takes_the_format_of_the_config_export_table(
    news_toml: Path, tmp_path: Path
) -> None:
    config = news_toml
    with config.open("a", encoding="utf-8") as toml:
        toml.write('\n[export]\nformat = "csv"\npath = "elsewhere.csv"\n')
    out = tmp_path / "new.csv"
    result = runner.invoke(app, ["crawl", str(config), "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text("utf-8"))))
    assert len(rows) == 8
    assert not (tmp_path / "elsewhere.csv").exists()


def test_output_dash_is_stdout_for_the_crawls_export_and_export(
    news_toml: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As for extract, scrape and dedup: "-" is stdout, not a file named "-" in the working
    # folder (where a cron job would leave it, unread, replaced every run).
    monkeypatch.chdir(tmp_path)
    with news_toml.open("a", encoding="utf-8") as toml:
        toml.write('\n[export]\nformat = "csv"\npath = "elsewhere.csv"\n')
    crawled = runner.invoke(app, ["crawl", str(news_toml), "-o", "-"])
    assert crawled.exit_code == 0, crawled.stderr
    assert len(list(csv.DictReader(io.StringIO(crawled.stdout)))) == 8  # the table's format
    exported = runner.invoke(app, ["export", str(news_toml), "--since", "ALL", "-o", "-"])
    assert exported.exit_code == 0, exported.stderr
    assert len(exported.stdout.splitlines()) == 8
    assert not (tmp_path / "-").exists() and not (tmp_path / "elsewhere.csv").exists()
    appended = runner.invoke(app, ["export", str(news_toml), "-o", "-", "--append"])
    assert appended.exit_code == 2 and "give -o FILE" in appended.stderr


def test_output_without_export_or_an_export_table_is_a_usage_error(
    news_toml: Path, tmp_path: Path
) -> None:
    config = news_toml
    result = runner.invoke(app, ["crawl", str(config), "-o", str(tmp_path / "new.jsonl")])
    assert result.exit_code == 2
    assert "--export" in result.stderr
    assert not (tmp_path / "news.db").exists()  # nothing was crawled


def test_an_output_file_that_cannot_be_opened_is_a_usage_error_before_the_work(
    news_toml: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = news_toml
    monkeypatch.chdir(tmp_path)  # a short path, which the usage error's box does not wrap
    missing = Path("no-such-dir", "new.jsonl")
    crawled = runner.invoke(app, ["crawl", str(config), "--export", "jsonl", "-o", str(missing)])
    assert crawled.exit_code == 2
    assert crawled.stderr.startswith(f"scraper: config error: --output: cannot write {missing}:")
    assert not (tmp_path / "news.db").exists()  # the crawl never started
    # The config's [export] path: one line naming its key, however long the path.
    deep = tmp_path / ("a-long-folder-name-" * 6) / "new.jsonl"
    config.write_text(
        config.read_text(encoding="utf-8") + f"\n[export]\npath = '{deep}'\n", encoding="utf-8"
    )
    crawled = runner.invoke(app, ["crawl", str(config)])
    assert crawled.exit_code == 2
    assert crawled.stderr == (
        f"scraper: config error: export.path: cannot write {deep}: no folder {deep.parent}\n"
    )
    assert not (tmp_path / "news.db").exists()
    SQLiteCrawlStore(tmp_path / "news.db").close()  # export needs a store (it makes none)
    exported = runner.invoke(app, ["export", str(config), "-o", str(missing)])
    assert exported.exit_code == 2
    assert f"cannot write {missing}" in exported.stderr


@pytest.mark.skipif(not _DEV_FULL.exists(), reason="needs /dev/full to make writes fail")
def test_an_export_write_that_fails_keeps_the_articles_for_the_next_export(news_toml: Path) -> None:
    config = news_toml
    crawled = runner.invoke(app, ["crawl", str(config), "--export", "jsonl", "-o", str(_DEV_FULL)])
    assert crawled.exit_code == 1
    assert "8 stored" in crawled.stderr
    assert "the export to /dev/full failed: No space left on device" in crawled.stderr
    assert "the articles are stored all the same" in crawled.stderr
    exported = runner.invoke(app, ["export", str(config), "-o", str(_DEV_FULL)])
    assert exported.exit_code == 1
    assert "cannot write /dev/full: No space left on device" in exported.stderr
    again = runner.invoke(app, ["export", str(config), "--since", "LAST"])
    assert again.exit_code == 0
    assert len(again.stdout.splitlines()) == 8  # neither failed export moved the cursor


def test_a_run_that_finds_the_lock_held_leaves_the_export_files_alone(
    news_toml: Path, tmp_path: Path
) -> None:
    config = news_toml
    earlier = tmp_path / "earlier.jsonl"
    earlier.write_text('{"url": "not yet read by the next step"}\n', encoding="utf-8")
    fresh = tmp_path / "fresh.jsonl"
    with RunLock(tmp_path / "news.db"):
        for out in (earlier, fresh):
            locked = runner.invoke(app, ["crawl", str(config), "--export", "jsonl", "-o", str(out)])
            assert locked.exit_code == 3
    assert earlier.read_text("utf-8") == '{"url": "not yet read by the next step"}\n'
    assert not fresh.exists()
    crawled = runner.invoke(app, ["crawl", str(config), "--export", "jsonl", "-o", str(earlier)])
    assert crawled.exit_code == 0
    assert len(earlier.read_text("utf-8").splitlines()) == 8


def test_an_export_on_stdout_is_utf8_under_a_locale_of_another_encoding(
    news_toml: Path, sites: dict[str, SiteServer]
) -> None:
    herald = sites["herald"]
    served = "Council approves northern tram line"
    title = "Council approves “northern” tram line to Łódź"
    pages = render_site(SITES["herald"], herald.base_url)
    # The article and the feed that lists it, as the site serves them.
    herald.publish(
        {
            path: replace(page, body=page.body.replace(served.encode(), title.encode()))
            for path, page in pages.items()
            if served.encode() in page.body
        }
    )
    # Its stdout in Latin-1, as under LANG=de_DE@euro or PYTHONIOENCODING=latin-1.
    latin = CliRunner(charset="latin-1")
    crawled = latin.invoke(app, ["crawl", str(news_toml), "--export", "jsonl"])
    assert crawled.exit_code == 0, crawled.exception
    records = [json.loads(line) for line in crawled.stdout_bytes.decode("utf-8").splitlines()]
    assert title in [r["title"] for r in records]
    assert len(records) == 8
    table = latin.invoke(app, ["export", str(news_toml), "--since", "ALL", "-f", "csv"])
    assert table.exit_code == 0, table.exception
    rows = list(csv.DictReader(io.StringIO(table.stdout_bytes.decode("utf-8"))))
    assert title in [row["title"] for row in rows]
    # As the crawl's export: it handed every article on, so LAST has none left.
    last = latin.invoke(app, ["export", str(news_toml), "--since", "LAST", "-f", "markdown"])
    assert (last.exit_code, last.stdout_bytes) == (0, b"")


def test_an_export_over_the_config_file_is_refused_before_the_work(
    news_toml: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = news_toml
    before = config.read_bytes()
    monkeypatch.chdir(tmp_path)
    crawled = runner.invoke(app, ["crawl", str(config), "--export", "jsonl", "-o", "news.toml"])
    assert crawled.exit_code == 2
    assert crawled.stderr == (
        f"scraper: config error: --output: news.toml is the crawl config {config};"
        " refusing to write an export over it\n"
    )
    assert not (tmp_path / "news.db").exists()  # the crawl never started
    SQLiteCrawlStore(tmp_path / "news.db").close()
    exported = runner.invoke(app, ["export", str(config), "-o", "./news.toml"])
    assert exported.exit_code == 2
    assert "refusing to write an export over it" in exported.stderr
    assert config.read_bytes() == before


def test_a_bad_since_names_the_option_given(news_toml: Path) -> None:
    result = runner.invoke(app, ["export", str(news_toml), "--since", "yesterday"])
    assert result.exit_code == 2
    assert result.stderr == (
        "scraper: --since: expected LAST, ALL or an ISO date, not 'yesterday'\n"
    )


def test_demo_into_a_reader_that_goes_away_says_so(tmp_path: Path) -> None:
    # `scraper demo | head -1`: exit 1 and no word of why, before. `true` reads nothing and
    # is gone long before the report is written.
    done = subprocess.run(
        f"{sys.executable} -m scraper demo --workers 0 --db {tmp_path / 'demo.db'} | true",
        shell=True,
        capture_output=True,
        text=True,
        timeout=120,
        executable="/bin/bash",
    )
    assert done.stderr.strip().endswith("scraper: cannot write stdout: Broken pipe")
