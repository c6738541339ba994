"""`scraper extract --workers N` stopped from outside: by SIGTERM (`timeout`, a service
manager, `kill`) as by Ctrl-C, and killed outright; its worker processes end with it."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/stat").exists(), reason="reads the process table from /proc (Linux)"
)


def _children(pid: int) -> set[int]:
    """The live (not zombie) processes whose parent is ``pid``."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # ended meanwhile
        # The command name, in parentheses, may hold spaces: the fields after it are fixed.
        state, ppid = stat.rsplit(")", 1)[1].split()[:2]
        if int(ppid) == pid and state != "Z":
            found.add(int(entry.name))
    return found


def _alive(pids: set[int]) -> set[int]:
    alive = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            alive.add(pid)
    return alive


def _started(tmp_path: Path) -> tuple[subprocess.Popen[bytes], Path, set[int]]:
    """A batch of some seconds' work under way with two workers, and the workers."""
    pages = tmp_path / "pages"
    pages.mkdir()
    fixtures = sorted(FIXTURES.glob("*.html"))
    for n in range(3000):
        source = fixtures[n % len(fixtures)]
        shutil.copy(source, pages / f"{n:04d}-{source.name}")
    out = tmp_path / "out.jsonl"
    command = [sys.executable, "-m", "scraper", "extract", str(pages), "--workers", "2"]
    process = subprocess.Popen(
        [*command, "--format", "jsonl", "--output", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    workers: set[int] = set()
    while len(workers) < 2 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
        workers = _children(process.pid)
    assert len(workers) >= 2, "the workers did not start"
    return process, out, workers


def _gone_within(pids: set[int], seconds: float) -> set[int]:
    """Those of ``pids`` still alive after ``seconds``."""
    deadline = time.monotonic() + seconds
    while _alive(pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    return _alive(pids)


def test_sigterm_stops_the_batch_as_ctrl_c_does_and_its_workers_end(tmp_path: Path) -> None:
    process, out, workers = _started(tmp_path)
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 143
    assert b"stopped (SIGTERM);" in err
    assert b"Traceback" not in err
    for line in out.read_text().splitlines():
        json.loads(line)  # what was written is whole
    assert _gone_within(workers, 10) == set()


def test_workers_end_when_the_command_is_killed(tmp_path: Path) -> None:
    # SIGKILL leaves no chance to stop them: they notice their parent is gone.
    process, _, workers = _started(tmp_path)
    os.kill(process.pid, signal.SIGKILL)
    process.communicate(timeout=60)
    assert _gone_within(workers, 10) == set()
