"""``scraper extract`` bounds each page's extraction in time, as ``scrape`` and ``crawl`` do:
a page that keeps the HTML parser busy fails alone, fast, and the others are written."""

from __future__ import annotations

import json
import time
from pathlib import Path

from typer.testing import CliRunner

from scraper.cli.app import app

runner = CliRunner()

PARA = (
    "The county's last working watermill ground its first flour in six years on Saturday, "
    "after volunteers replaced the oak shaft that cracked in the drought summer."
)
HTML = (
    "<html><head><title>Watermill grinds again</title></head><body><article>"
    f"<p>{PARA}</p><p>{PARA.replace('Saturday', 'Sunday')}</p></article></body></html>"
)
#: One element with 150,000 attributes: lexbor checks each against those before it for a
#: duplicate, so its time grows with the square of their number (40,000 took 4.8 s here), and
#: a call into C cannot be stopped within its own process. (Deep nesting, which is quadratic
#: too, is cut before the parse: scraper.extract.nesting.)
STUCK = (
    "<html><body><div "
    + " ".join(f"a{n}" for n in range(150_000))
    + f"><p>{PARA}</p></div></body></html>"
)
#: Far below what the stuck page takes, far above what the others do.
LIMIT = "1"
#: What the command may take in all: the limit, finding the stuck page, a new worker.
WITHIN = 12.0


def _write(folder: Path, name: str, html: str) -> Path:
    path = folder / name
    path.write_text(html, encoding="utf-8")
    return path


def test_a_page_that_outlasts_the_limit_fails_alone(tmp_path: Path) -> None:
    first = _write(tmp_path, "a.html", HTML)
    stuck = _write(tmp_path, "stuck.html", STUCK)
    last = _write(tmp_path, "c.html", HTML.replace("Watermill", "The watermill"))
    args = ["extract", str(first), str(stuck), str(last), "-f", "jsonl"]
    begun = time.monotonic()
    result = runner.invoke(app, [*args, "--extract-timeout", LIMIT])
    took = time.monotonic() - begun
    assert result.exit_code == 1, result.output
    assert result.stderr.splitlines() == [
        f"scraper: {stuck}: extract_timeout: extraction took longer than 1 s"
        " (its worker was killed)"
    ]
    titles = [json.loads(line)["title"] for line in result.stdout.splitlines()]
    assert titles == ["Watermill grinds again", "The watermill grinds again"]
    assert took < WITHIN


def test_a_single_file_and_stdin_have_the_limit_too(tmp_path: Path) -> None:
    stuck = _write(tmp_path, "stuck.html", STUCK)
    for args, source, given in (([str(stuck)], str(stuck), None), (["-"], "-", STUCK)):
        begun = time.monotonic()
        result = runner.invoke(app, ["extract", *args, "--extract-timeout", LIMIT], input=given)
        assert time.monotonic() - begun < WITHIN
        assert result.exit_code == 1, result.output
        assert result.stdout == ""
        assert result.stderr.startswith(f"scraper: {source}: extract_timeout: ")


def test_the_option_and_the_output_are_as_before(tmp_path: Path) -> None:
    page = _write(tmp_path, "a.html", HTML)
    result = runner.invoke(app, ["extract", "--help"])
    assert "--extract-timeout" in result.stdout
    assert "60.0" in result.stdout
    stdin = runner.invoke(app, ["extract", "-", "-f", "json"], input=HTML)
    assert stdin.exit_code == 0, stdin.output
    (from_stdin,) = json.loads(stdin.stdout)  # an array, as for files
    assert from_stdin["url"] is None  # a page from nowhere, as in this process
    one = runner.invoke(app, ["extract", str(page), "-f", "json"])
    (article,) = json.loads(one.stdout)
    assert article["text"] == from_stdin["text"]
