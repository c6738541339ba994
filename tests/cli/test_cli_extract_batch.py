"""``scraper extract`` on batches with bad inputs: each is its own failure, and the articles
already extracted are written as they come."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scraper.cli.app import app
from scraper.crawl.extraction import CHUNK

runner = CliRunner()

PARA = (
    "The ferry between Quillan and the outer isles will run twice a day from May, the harbour "
    "board said on Thursday, after a winter in which storms cancelled one crossing in three."
)
HTML = (
    "<html><head><title>Ferry to run twice a day</title></head><body><article>"
    f"<p>{PARA}</p><p>{PARA.replace('Thursday', 'Friday')}</p></article></body></html>"
)
NO_ARTICLE = (
    "<html><head><title>Home</title></head><body><nav><a href=/a>A</a><a href=/b>B</a></nav>"
    "<footer>(c) 2026</footer></body></html>"
)


def _pages(folder: Path, *names: str, html: str = HTML) -> list[Path]:
    paths = [folder / name for name in names]
    for path in paths:
        path.write_text(html, encoding="utf-8")
    return paths


def test_a_missing_path_is_its_inputs_failure_and_the_others_are_done(tmp_path: Path) -> None:
    a, b = _pages(tmp_path, "a.html", "b.html")
    missing = tmp_path / "missing.html"
    result = runner.invoke(app, ["extract", str(a), str(missing), str(b), "-f", "jsonl"])
    assert result.exit_code == 1
    assert len(result.stdout.splitlines()) == 2
    assert result.stderr.splitlines() == [f"scraper: {missing}: input: no such file or directory"]


def test_a_dangling_link_is_its_inputs_failure(tmp_path: Path) -> None:
    (good,) = _pages(tmp_path, "good.html")
    link = tmp_path / "link.html"
    link.symlink_to(tmp_path / "gone.html")
    result = runner.invoke(app, ["extract", str(good), str(link), "-f", "jsonl"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["title"] == "Ferry to run twice a day"
    assert f"scraper: {link}: input: dangling symbolic link to " in result.stderr


def test_an_empty_directory_says_so_and_exits_1(tmp_path: Path) -> None:
    result = runner.invoke(app, ["extract", str(tmp_path)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == f"scraper: {tmp_path}: input: no HTML files found in {tmp_path}\n"


@pytest.mark.parametrize("fmt", ["text", "jsonl"])
def test_a_page_without_article_is_an_empty_failure_as_in_a_crawl(tmp_path: Path, fmt: str) -> None:
    (good,) = _pages(tmp_path, "good.html")
    (bare,) = _pages(tmp_path, "bare.html", html=NO_ARTICLE)
    (blank,) = _pages(tmp_path, "blank.html", html="")
    result = runner.invoke(app, ["extract", str(bare), str(good), str(blank), "-f", fmt])
    assert result.exit_code == 1
    assert result.stdout.startswith(PARA) or json.loads(result.stdout)["text"].startswith(PARA)
    assert result.stderr.splitlines() == [
        f"scraper: {bare}: empty: no article text found",
        f"scraper: {blank}: empty: no article text found",
    ]


def test_an_empty_stdin_is_an_empty_failure() -> None:
    result = runner.invoke(app, ["extract", "-"], input="")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == "scraper: -: empty: no article text found\n"


def test_stdin_in_json_is_an_array_as_a_file_is(tmp_path: Path) -> None:
    (good,) = _pages(tmp_path, "good.html")
    (bare,) = _pages(tmp_path, "bare.html", html=NO_ARTICLE)
    for path, html, code in ((good, HTML, 0), (bare, NO_ARTICLE, 1)):
        args = ["-f", "json", "--url", "https://news.example/ferry"]
        from_file = runner.invoke(app, ["extract", str(path), *args])
        from_stdin = runner.invoke(app, ["extract", "-", *args], input=html)
        assert from_file.exit_code == from_stdin.exit_code == code
        assert json.loads(from_stdin.stdout) == json.loads(from_file.stdout)
    assert json.loads(from_stdin.stdout) == []
    assert from_stdin.stderr == "scraper: -: empty: no article text found\n"


def test_stdin_mixed_with_files_is_a_usage_error(tmp_path: Path) -> None:
    (good,) = _pages(tmp_path, "good.html")
    result = runner.invoke(app, ["extract", "-", str(good)], input=HTML)
    assert result.exit_code == 2
    assert "- (stdin) cannot be mixed with files" in result.stderr
    assert result.stdout == ""


@pytest.mark.usefixtures("marked_worker", "python_sigint")
@pytest.mark.parametrize("fmt", ["jsonl", "json"])
def test_ctrl_c_keeps_the_articles_already_extracted(
    tmp_path: Path, fmt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The user's Ctrl-C while the first page of the third chunk sent to the worker is extracted:
    # the two chunks before it came back and were written.
    names = [f"{n:02}.html" for n in range(3 * CHUNK)]
    paths = _pages(tmp_path, *names)
    _pages(tmp_path, names[2 * CHUNK], html=HTML + "<!-- interrupt -->")
    out = tmp_path / "out.txt"
    monkeypatch.setenv("MARKED_WORKER_OUTPUT", str(out))
    result = runner.invoke(app, ["extract", *map(str, paths), "-f", fmt, "-o", str(out)])
    # Exit 1 (the page's extract_timeout) when SIGINT was ignored: see python_sigint.
    assert result.exit_code == 130, (result.stderr, result.exception)
    written = 2 * CHUNK
    assert result.stderr.splitlines()[-1] == f"scraper: interrupted; {written} articles written"
    text = out.read_text(encoding="utf-8")
    records = json.loads(text) if fmt == "json" else [json.loads(x) for x in text.splitlines()]
    assert [r["url"] for r in records] == [p.resolve().as_uri() for p in paths[:written]]


@pytest.mark.usefixtures("marked_worker")
def test_articles_are_written_as_their_pages_come_back_from_the_worker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # While a page of the third chunk is extracted, the two chunks before it are in the file.
    names = [f"{n:02}.html" for n in range(3 * CHUNK)]
    paths = _pages(tmp_path, *names)
    look = _pages(tmp_path, names[2 * CHUNK + 1], html=HTML + "<!-- lines -->")[0]
    out = tmp_path / "out.jsonl"
    monkeypatch.setenv("MARKED_WORKER_OUTPUT", str(out))
    result = runner.invoke(app, ["extract", *map(str, paths), "-f", "jsonl", "-o", str(out)])
    assert result.exit_code == 1, result.output
    assert result.stderr.splitlines()[-1] == (
        f"scraper: {look}: internal: ValueError: {2 * CHUNK} lines written"
    )
    assert len(out.read_text(encoding="utf-8").splitlines()) == len(paths) - 1


#: Past the walk's 60,000-element budget: empty inline elements, then the article.
_PAST_BUDGET = "<html><body>" + "<i></i>" * 61_000


def test_a_page_cut_before_its_article_is_too_large_and_one_cut_after_it_warns() -> None:
    result = runner.invoke(app, ["extract", "-"], input=_PAST_BUDGET + HTML)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("scraper: -: too_large: no article text in the part read: ")
    assert "max_nodes" in result.stderr
    result = runner.invoke(
        app, ["extract", "-", "-f", "jsonl"], input=HTML.replace("</body>", "") + _PAST_BUDGET
    )
    assert result.exit_code == 0
    assert json.loads(result.stdout)["text"].startswith(PARA)
    assert "max_nodes" in json.loads(result.stdout)["truncated"]
    assert result.stderr.startswith("scraper: -: warning: the page has more than 60,000 elements")
