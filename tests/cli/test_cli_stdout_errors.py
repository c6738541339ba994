"""A stdout that cannot take the output (a full disk, a reader gone: ``| head -1``), in a real
process: the interpreter's own flush at exit is where a buffered failure used to surface. And
a standard stream closed from the start ('>&-', '<&-'), which Python gives as None."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from scraper.store.crawl_store import SQLiteCrawlStore

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
PAGE = FIXTURES / "seed-doubled.html"
RECORDS = FIXTURES / "dedup" / "clusters.jsonl"

#: Each command with a small output: it fits in stdout's buffer, so nothing fails before exit
#: unless the command flushes it.
COMMANDS = [
    ["extract", str(PAGE)],
    ["extract", "-"],
    ["extract", str(PAGE), "--explain"],
    ["dedup", "-", "--workers", "1"],
]
NAMES = ["extract", "extract-stdin", "explain", "dedup"]
RUN = "import sys; from scraper.cli.app import main; sys.argv[0] = 'scraper'; main()"


def _run(args: list[str], stdout: int | None, stdin: Path) -> subprocess.CompletedProcess[str]:
    """``scraper ARGS`` in a process of its own; ``stdout`` None: started with it closed."""
    # Buffered as stdout is by default: PYTHONUNBUFFERED (set on some machines) would hide it.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    command = [sys.executable, "-c", RUN, *args]
    if stdout is None:
        command = ["sh", "-c", 'exec "$@" >&-', "sh", *command]
    with stdin.open("rb") as given:
        return subprocess.run(
            command,
            stdin=given,
            stdout=stdout,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )


def _stdin_for(args: list[str]) -> Path:
    return RECORDS if args[0] == "dedup" else PAGE


def _full_disk() -> int:
    if not Path("/dev/full").exists():
        pytest.skip("needs /dev/full to make writes fail")
    return os.open("/dev/full", os.O_WRONLY)


def _closed_pipe() -> int:
    read, write = os.pipe()
    os.close(read)  # the reader is gone before the first byte, as `| head -c 0` leaves it
    return write


#: What stdout is, and the reason the failed write gives.
STDOUTS = {
    "full-disk": (_full_disk, "No space left on device"),
    "closed-pipe": (_closed_pipe, "Broken pipe"),
}


@pytest.mark.parametrize("stdout", sorted(STDOUTS))
@pytest.mark.parametrize("args", COMMANDS, ids=NAMES)
def test_a_stdout_that_fails_is_one_line_and_exit_1(args: list[str], stdout: str) -> None:
    opener, reason = STDOUTS[stdout]
    fd = opener()
    try:
        done = _run(args, fd, _stdin_for(args))
    finally:
        os.close(fd)
    assert done.stderr == f"scraper: cannot write stdout: {reason}\n"
    assert done.returncode == 1


@pytest.mark.parametrize("args", COMMANDS, ids=NAMES)
def test_a_stdout_closed_from_the_start_is_one_line_and_exit_1(args: list[str]) -> None:
    done = _run(args, None, _stdin_for(args))
    assert done.stderr == "scraper: cannot write stdout: it is closed\n"
    assert done.returncode == 1


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["extract", "-"], "scraper: -: input: cannot read: stdin is closed\n"),
        (["scrape", "-i", "-"], "cannot read -: stdin is closed"),
        (["dedup", "-"], "cannot open -: stdin is closed"),
    ],
    ids=["extract", "scrape", "dedup"],
)
def test_a_stdin_closed_from_the_start_is_said(args: list[str], said: str) -> None:
    done = subprocess.run(
        ["sh", "-c", 'exec "$@" <&-', "sh", sys.executable, "-c", RUN, *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert said in done.stderr
    assert "Traceback" not in done.stderr
    assert done.returncode == (1 if args[0] == "extract" else 2)


@pytest.mark.parametrize("since", ["ALL", "LAST"])
def test_an_export_to_a_stdout_closed_from_the_start_is_one_line_and_exit_1(
    tmp_path: Path, since: str
) -> None:
    store = tmp_path / "crawl.db"
    SQLiteCrawlStore(store).close()
    done = _run(["export", str(store), "--since", since], None, PAGE)
    assert done.stderr == "scraper: cannot write stdout: it is closed\n"
    assert done.returncode == 1
