"""What the CLI does to its own process before any command runs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

_THREADS = Path("/proc/self/task")

# Loads every command (and so numpy, through the crawl and dedup), then reports the setting
# and how many threads the process has.
_PROBE = """
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
