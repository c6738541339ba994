"""``scraper extract --explain``: the same inputs, failures and exit codes as extraction, a
line naming each file of several, and text only."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scraper.cli.app import app

runner = CliRunner()

PARA = (
    "The lighthouse on Carrow Point was lit again on Saturday for the first time since 1987, "
    "after the keepers' trust raised the money to repair its lens and clockwork."
)
HTML = (
    "<html><head><title>Carrow light shines again</title></head><body><article>"
    f"<p>{PARA}</p><p>{PARA.replace('Saturday', 'Sunday')}</p></article></body></html>"
)
NO_ARTICLE = (
    "<html><head><title>Home</title></head><body><nav><a href=/a>A</a><a href=/b>B</a></nav>"
    "</body></html>"
)
HEADER = "#    keep  score  kind"


def _write(folder: Path, name: str, html: str = HTML) -> Path:
    path = folder / name
    path.write_text(html, encoding="utf-8")
    return path


def test_a_page_without_article_is_explained_and_fails_as_without_explain(
    tmp_path: Path,
) -> None:
    bare = _write(tmp_path, "bare.html", NO_ARTICLE)
    for given, args, source in ((None, [str(bare)], str(bare)), (NO_ARTICLE, ["-"], "-")):
        extracted = runner.invoke(app, ["extract", *args], input=given)
        explained = runner.invoke(app, ["extract", *args, "--explain"], input=given)
        assert extracted.exit_code == explained.exit_code == 1
        failure = f"scraper: {source}: empty: no article text found\n"
        assert extracted.stderr == explained.stderr == failure
        # Shown all the same: why nothing was kept is what the explanation is for.
        assert explained.stdout.startswith(HEADER) and "<nav> element" in explained.stdout


def test_a_line_names_each_file_when_there_are_several(tmp_path: Path) -> None:
    a = _write(tmp_path, "a.html")
    b = _write(tmp_path, "b.html", NO_ARTICLE)
    missing = tmp_path / "missing.html"
    result = runner.invoke(app, ["extract", str(a), str(missing), str(b), "--explain"])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("==> ")]
    assert [lines[i] for i in starts] == [f"==> {a} <==", f"==> {b} <=="]
    # Each names the table under it, a blank line before all but the first, as head prints.
    assert [lines[i + 1].startswith(HEADER) for i in starts] == [True, True]
    assert starts[0] == 0 and lines[starts[1] - 1] == ""
    assert PARA[:40] in "\n".join(lines[: starts[1]])
    assert result.stderr.splitlines() == [
        f"scraper: {missing}: input: no such file or directory",
        f"scraper: {b}: empty: no article text found",
    ]
    one = runner.invoke(app, ["extract", str(a), "--explain"])
    assert one.exit_code == 0 and one.stdout.startswith(HEADER)


def test_a_file_name_that_is_no_utf8_is_named_by_its_escapes(tmp_path: Path) -> None:
    # The name holds a lone surrogate for its 0xE9 byte, which no UTF-8 file takes: writing
    # its line ended the run in a UnicodeEncodeError.
    try:
        odd = _write(tmp_path, os.fsdecode(b"caf\xe9.html"))
    except OSError:  # a file system that keeps names UTF-8 (macOS's)
        pytest.skip("file names must be UTF-8 here")
    other = _write(tmp_path, "other.html")
    out = tmp_path / "explained.txt"
    result = runner.invoke(app, ["extract", str(odd), str(other), "--explain", "-o", str(out)])
    assert result.exit_code == 0, result.output
    lines = out.read_text(encoding="utf-8").splitlines()
    assert [line for line in lines if line.startswith("==> ")] == [
        f"==> {tmp_path}/caf\\udce9.html <==",
        f"==> {other} <==",
    ]


@pytest.mark.parametrize("fmt", ["json", "jsonl", "markdown", "html"])
def test_explain_with_a_format_other_than_text_is_a_usage_error(tmp_path: Path, fmt: str) -> None:
    page = _write(tmp_path, "a.html")
    result = runner.invoke(app, ["extract", str(page), "--explain", "-f", fmt])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "--explain writes text only" in result.stderr
    text = runner.invoke(app, ["extract", str(page), "--explain", "-f", "text"])
    assert text.exit_code == 0 and text.stdout.startswith(HEADER)
