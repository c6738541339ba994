"""``scraper extract`` through typer's CliRunner: inputs, formats, failures, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import scraper.pagefile
from scraper.cli.app import app
from scraper.models import Page
from scraper.pagefile import save_page

runner = CliRunner()

PARA = (
    "Residents of the hill village of Orvanne gathered on Sunday to reopen the stone bridge "
    "that floods closed two winters ago, after volunteers rebuilt its three arches by hand."
)
HTML = (
    "<html><head><title>Orvanne reopens its bridge</title></head><body>"
    "<nav><a href='/'>Home</a></nav><article>"
    f"<p>{PARA}</p><p>{PARA.replace('Sunday', 'Monday')} More followed.</p>"
    "</article></body></html>"
)


def _write(tmp: Path, name: str, html: str = HTML) -> Path:
    path = tmp / name
    path.write_text(html, encoding="utf-8")
    return path


def test_jsonl_for_each_file_of_a_directory(tmp_path: Path) -> None:
    for name in ("a.html", "b.html", "c.htm"):
        _write(tmp_path, name)
    result = runner.invoke(app, ["extract", str(tmp_path), "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == 3
    fields = {"url", "canonical_url", "title", "authors", "published", "modified", "language"}
    fields |= {"site_name", "description", "image", "tags", "text", "blocks", "word_count"}
    assert fields <= set(records[0])
    assert records[0]["title"] == "Orvanne reopens its bridge"
    assert records[0]["text"].startswith(PARA)


def test_a_bad_file_is_reported_and_the_rest_continue(tmp_path: Path) -> None:
    good = _write(tmp_path, "good.html")
    bad = tmp_path / "bad.html"
    bad.write_bytes(bytes(range(256)) * 50)
    result = runner.invoke(app, ["extract", str(good), str(bad), "-f", "jsonl"])
    assert result.exit_code == 1
    assert len(result.stdout.splitlines()) == 1
    assert "bad.html: decode:" in result.stderr


def test_stdin_with_url_and_output_file(tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    result = runner.invoke(
        app,
        ["extract", "-", "--url", "https://news.example/b", "-f", "json", "-o", str(out)],
        input=HTML,
    )
    assert result.exit_code == 0, result.output
    (record,) = json.loads(out.read_text(encoding="utf-8"))
    assert record["url"] == "https://news.example/b"


def test_saved_page_with_sidecar_extracts_with_its_url(tmp_path: Path) -> None:
    page = Page(
        url="https://news.example/orvanne",
        body=HTML.encode("utf-8"),
        headers=(("content-type", "text/html; charset=utf-8"),),
    )
    path = save_page(page, tmp_path)
    result = runner.invoke(app, ["extract", str(path), "-f", "jsonl"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["url"] == "https://news.example/orvanne"


def test_markdown_and_text_formats(tmp_path: Path) -> None:
    path = _write(tmp_path, "a.html")
    md = runner.invoke(app, ["extract", str(path), "-f", "markdown"])
    assert md.stdout.startswith("# Orvanne reopens its bridge")
    text = runner.invoke(app, ["extract", str(path)])
    assert text.stdout.startswith(PARA) and "Home" not in text.stdout


def test_explain_lists_blocks_and_rules(tmp_path: Path) -> None:
    path = _write(tmp_path, "a.html")
    result = runner.invoke(app, ["extract", str(path), "--explain"])
    assert result.exit_code == 0
    assert "KEEP" in result.stdout and "<nav> element" in result.stdout


def test_many_files_with_workers(tmp_path: Path) -> None:
    for i in range(8):
        _write(tmp_path, f"p{i}.html")
    result = runner.invoke(app, ["extract", str(tmp_path), "-f", "jsonl", "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert len(result.stdout.splitlines()) == 8


def test_every_command_has_help_with_an_example() -> None:
    top = runner.invoke(app, ["--help"])
    assert top.exit_code == 0
    for command in app.registered_commands:
        name = command.name or ""
        result = runner.invoke(app, [name, "--help"])
        assert result.exit_code == 0, name
        assert "Example" in result.stdout, f"{name} --help has no example"


@pytest.mark.usefixtures("marked_worker")
def test_an_extractor_bug_on_one_file_loses_none_of_the_others(tmp_path: Path) -> None:
    good = [_write(tmp_path, "a.html"), _write(tmp_path, "c.html")]
    bad = tmp_path / "bad.html"
    bad.write_text(HTML + "<!-- bug -->", encoding="utf-8")  # the worker's extractor raises
    result = runner.invoke(app, ["extract", str(good[0]), str(bad), str(good[1]), "-f", "jsonl"])
    assert result.exit_code == 1
    assert len(result.stdout.splitlines()) == 2
    assert f"{bad}: internal: IndexError: list index out of range" in result.stderr


def test_explain_reports_a_bad_file_and_goes_on(tmp_path: Path) -> None:
    bad = tmp_path / "bad.html"
    bad.write_bytes(bytes(range(256)) * 50)
    good = _write(tmp_path, "good.html")
    result = runner.invoke(app, ["extract", str(bad), str(good), "--explain"])
    assert result.exit_code == 1
    assert "KEEP" in result.stdout
    assert f"scraper: {bad}: decode: " in result.stderr


def test_explain_reads_a_saved_page_with_its_sidecar_charset(tmp_path: Path) -> None:
    # The header's windows-1252 wins over the page's own <meta> (ISO-8859-7), as when fetched:
    # byte 0xE9 is "é" under the first and a Greek iota under the second.
    html = HTML.replace("<head>", '<head><meta charset="iso-8859-7">').replace(
        "Residents", "Caf\u00e9 owners"
    )
    page = Page(
        url="https://news.example/orvanne",
        body=html.encode("cp1252"),
        headers=(("content-type", "text/html; charset=windows-1252"),),
    )
    path = save_page(page, tmp_path)
    extracted = runner.invoke(app, ["extract", str(path)])
    assert extracted.stdout.startswith("Caf\u00e9 owners")
    explained = runner.invoke(app, ["extract", str(path), "--explain"])
    assert explained.exit_code == 0, explained.output
    assert "Caf\u00e9 owners" in explained.stdout


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full to make writes fail")
def test_an_output_write_that_fails_is_one_line_and_exit_1(tmp_path: Path) -> None:
    page = _write(tmp_path, "a.html")
    result = runner.invoke(app, ["extract", str(page), "-o", "/dev/full"])
    assert result.exit_code == 1
    assert "scraper: cannot write /dev/full: No space left on device" in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_path_that_cannot_be_looked_up_fails_alone(tmp_path: Path) -> None:
    page = _write(tmp_path, "a.html")
    too_long = tmp_path / ("b" * 300 + ".html")
    result = runner.invoke(app, ["extract", str(too_long), str(page)])
    assert result.exit_code == 1
    assert result.stdout.startswith(PARA)
    assert result.stderr.endswith(".html: input: cannot read: File name too long\n")
    assert "cannot write" not in result.stderr


def test_a_page_named_too_long_for_a_sidecar_extracts_as_a_bare_page(tmp_path: Path) -> None:
    # 255 characters: a legal name, but its sidecar's (5 more) is over the usual limit.
    page = _write(tmp_path, "c" * 250 + ".html")
    for args in ([], ["--workers", "2", str(page)], ["--explain"]):
        result = runner.invoke(app, ["extract", str(page), *args])
        assert result.exit_code == 0, result.output
        assert "Residents of the hill village" in result.stdout


def test_an_output_that_is_an_input_is_a_usage_error_and_the_page_is_kept(tmp_path: Path) -> None:
    page = _write(tmp_path, "page.html")
    link = tmp_path / "link.html"
    link.symlink_to(page)
    before = page.read_bytes()
    for inputs, output in (
        ([page], page),
        ([page], link),
        ([tmp_path / "sub" / ".." / "page.html"], page),
        ([tmp_path], page),  # found in a folder given
    ):
        (tmp_path / "sub").mkdir(exist_ok=True)
        args = ["extract", *map(str, inputs), "-o", str(output)]
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        assert "is the input file" in " ".join(result.stderr.replace("│", " ").split())
        assert page.read_bytes() == before
    other = tmp_path / "out.txt"
    result = runner.invoke(app, ["extract", str(page), "-o", str(other)])
    assert result.exit_code == 0, result.output
    assert other.read_text(encoding="utf-8").startswith(PARA)


def test_an_input_past_the_most_read_of_a_page_fails_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(scraper.pagefile, "MAX_PAGE_BYTES", 4096)
    page = _write(tmp_path, "page.html")
    big = _write(tmp_path, "big.html", HTML.replace("<nav>", "<!--" + "x" * 5000 + "--><nav>"))
    inputs = [big, page, *[Path("/dev/zero")] * Path("/dev/zero").exists()]
    result = runner.invoke(app, ["extract", *map(str, inputs), "-f", "jsonl"])
    assert result.exit_code == 1
    assert [json.loads(line)["url"] for line in result.stdout.splitlines()] == [page.as_uri()]
    reason = "input: larger than 4,096 bytes, the most read of a page"
    assert result.stderr.splitlines() == [f"scraper: {p}: {reason}" for p in inputs if p != page]
    piped = runner.invoke(app, ["extract", "-"], input=big.read_bytes())
    assert piped.exit_code == 1
    assert piped.stderr == f"scraper: -: {reason}\n"


def test_url_with_a_folder_of_many_pages_is_a_usage_error(tmp_path: Path) -> None:
    for name in ("a.html", "b.html"):
        _write(tmp_path, name)
    result = runner.invoke(app, ["extract", str(tmp_path), "--url", "https://news.example/a"])
    assert result.exit_code == 2, result.output
    assert "holds 2 pages" in " ".join(result.stderr.replace("│", " ").split())
    assert result.stdout == ""
    (tmp_path / "b.html").unlink()
    result = runner.invoke(app, ["extract", str(tmp_path), "--url", "https://news.example/a"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(PARA)


@pytest.mark.parametrize("url", ["foo", "example.com/x", "ftp://x/y", "http://", "/news/a"])
def test_a_url_that_is_no_absolute_http_url_is_a_usage_error(tmp_path: Path, url: str) -> None:
    page = _write(tmp_path, "page.html")
    for inputs, stdin in (([str(page)], None), (["-"], HTML)):
        result = runner.invoke(app, ["extract", *inputs, "--url", url, "-f", "json"], input=stdin)
        assert result.exit_code == 2, result.output
        message = " ".join(result.stderr.replace("│", " ").split())
        assert "'--url'" in message
        assert "not an absolute http(s) URL" in message
        assert result.stdout == ""


def test_output_dash_is_stdout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    page = _write(tmp_path, "page.html")
    result = runner.invoke(app, ["extract", str(page), "-o", "-"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(PARA)
    assert not (tmp_path / "-").exists()


def test_a_glob_over_saved_pages_gives_each_page_once(tmp_path: Path) -> None:
    page = Page(url="https://news.example/orvanne", body=HTML.encode(), status=200)
    saved = save_page(page, tmp_path / "saved")
    files = sorted(str(p) for p in saved.parent.iterdir())
    assert len(files) == 2
    result = runner.invoke(app, ["extract", *files, "-f", "jsonl"])
    assert result.exit_code == 0, result.output
    (record,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert record["url"] == "https://news.example/orvanne"
