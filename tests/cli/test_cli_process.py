"""What the CLI does to its own process before any command runs."""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
from pathlib import Path

import pytest

from scraper.cli.app import COMMANDS

_THREADS = Path("/proc/self/task")

# Loads the CLI (whose package sets the variable) and numpy, as the crawl and dedup commands
# do, then reports the setting and how many threads the process has.
_PROBE = """
import importlib.metadata
import os
import scraper.cli.app
import numpy
print(os.environ.get("OPENBLAS_NUM_THREADS"), len(os.listdir("/proc/self/task")))
"""


def _probe(**extra: str) -> tuple[str, int]:
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"} | extra
    out = subprocess.run(
        [sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True, env=env
    ).stdout.split()
    return out[0], int(out[1])


@pytest.mark.skipif(not _THREADS.is_dir(), reason="the probe counts threads through Linux's /proc")
def test_numpy_starts_no_blas_threads_under_the_cli() -> None:
    setting, threads = _probe()
    assert setting == "1"
    assert threads == 1


@pytest.mark.skipif(not _THREADS.is_dir(), reason="the probe counts threads through Linux's /proc")
def test_a_setting_from_the_environment_is_kept() -> None:
    setting, _ = _probe(OPENBLAS_NUM_THREADS="2")
    assert setting == "2"


# Runs the console script's entry point with the arguments given, then reports which command
# modules the process loaded and how the command ended.
_LOADED = """
import sys
sys.argv = ["scraper", *sys.argv[1:]]
from scraper.cli.app import COMMANDS, main
try:
    main()
except SystemExit as exc:
    code = exc.code
print()
print(code, *sorted(n for n, (module, _) in COMMANDS.items() if module in sys.modules))
"""


def _loaded(*argv: str) -> tuple[str, list[str]]:
    run = subprocess.run(
        [sys.executable, "-c", _LOADED, *argv], capture_output=True, text=True, check=True
    )
    code, *names = run.stdout.splitlines()[-1].split()
    return code, names


def test_a_command_loads_only_its_own_module() -> None:
    # Loading every command cost each invocation about 0.8 s (the crawl's fetcher and store,
    # numpy): `scraper extract page.html` and `scraper status` need none of the others.
    assert _loaded("extract", "--help") == ("0", ["extract"])
    assert _loaded("status", "--help") == ("0", ["status"])


def test_the_command_list_and_a_mistyped_command_load_every_command() -> None:
    code, names = _loaded("--help")
    assert (code, sorted(names)) == ("0", sorted(COMMANDS))
    code, names = _loaded("extrct")
    assert code == "2"  # typer's usage error, after listing what there is
    assert sorted(names) == sorted(COMMANDS)


def test_version_names_the_release_and_loads_no_command() -> None:
    # The release as installed; the interpreter and the build ride along for bug reports.
    code, names = _loaded("--version")
    assert (code, names) == ("0", [])
    shown = subprocess.run(
        [sys.executable, "-m", "scraper", "--version"], capture_output=True, text=True, check=True
    ).stdout
    assert shown.startswith(f"scraper {importlib.metadata.version('scraper')} (Python 3.")
    assert "extraction compiled" in shown or "extraction pure Python" in shown
