"""find_inputs: every path given is an input; those that give no file are failures, not errors."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from scraper.batch import find_inputs
from scraper.models import Failure


def test_files_and_directories_give_their_html_files_in_order(tmp_path: Path) -> None:
    folder = tmp_path / "pages"
    (folder / "sub").mkdir(parents=True)
    for name in ("b.html", "a.htm", "sub/c.html", "notes.txt", "a.page.json"):
        (folder / name).write_text("<p>x</p>", encoding="utf-8")
    single = tmp_path / "single.txt"
    single.write_text("<p>x</p>", encoding="utf-8")
    files, failures = find_inputs([single, folder])
    assert files == [single, folder / "a.htm", folder / "b.html", folder / "sub/c.html"]
    assert failures == []


def test_missing_dangling_and_empty_are_each_their_inputs_failure(tmp_path: Path) -> None:
    good = tmp_path / "good.html"
    good.write_text("<p>x</p>", encoding="utf-8")
    missing = tmp_path / "missing.html"
    dangling = tmp_path / "dangling.html"
    dangling.symlink_to(tmp_path / "gone.html")
    empty = tmp_path / "empty"
    empty.mkdir()
    files, failures = find_inputs([missing, good, dangling, empty])
    assert files == [good]
    assert failures == [
        Failure(str(missing), "input", "no such file or directory"),
        Failure(str(dangling), "input", f"dangling symbolic link to {tmp_path / 'gone.html'}"),
        Failure(str(empty), "input", f"no HTML files found in {empty}"),
    ]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes (POSIX)")
def test_a_named_pipe_is_read_as_a_file(tmp_path: Path) -> None:
    # What `scraper extract <(curl ...)` hands over: not a regular file, but readable.
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    assert find_inputs([pipe]) == ([pipe], [])


def test_a_name_too_long_to_look_up_is_its_inputs_failure(tmp_path: Path) -> None:
    good = tmp_path / "good.html"
    good.write_text("<p>x</p>", encoding="utf-8")
    too_long = tmp_path / ("a" * 300 + ".html")
    files, failures = find_inputs([too_long, good])
    assert files == [good]
    assert failures == [Failure(str(too_long), "input", "cannot read: File name too long")]


def test_a_sidecar_named_beside_its_page_is_read_with_it_and_one_alone_fails(
    tmp_path: Path,
) -> None:
    # What `scraper extract saved/*` gives: every page and every sidecar.
    saved = tmp_path / "saved"
    saved.mkdir()
    for name in ("a.html", "a.page.json", "b.page.json"):
        (saved / name).write_text("{}" if name.endswith(".json") else "<p>x</p>", encoding="utf-8")
    files, failures = find_inputs(sorted(saved.iterdir()))
    assert files == [saved / "a.html"]
    reason = "a saved page's sidecar, not a page: give the page beside it"
    assert failures == [Failure(str(saved / "b.page.json"), "input", reason)]


def test_a_folder_gives_no_html_from_its_hidden_folders_or_files(tmp_path: Path) -> None:
    # A checkout of saved pages: .git and .venv hold HTML (installed packages' docs) that is
    # nobody's article.
    saved = tmp_path / ".saved"  # a hidden folder given by name is read
    for name in ("a.html", "sub/b.htm", ".draft.html", ".git/c.html", ".venv/lib/d.html"):
        (saved / name).parent.mkdir(parents=True, exist_ok=True)
        (saved / name).write_text("<p>x</p>", encoding="utf-8")
    (saved / "linked").symlink_to(saved / "sub")  # a folder's link is not followed
    files, failures = find_inputs([saved])
    assert files == [saved / "a.html", saved / "sub" / "b.htm"]
    assert failures == []
