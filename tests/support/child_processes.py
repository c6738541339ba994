"""The child processes of the test process, as /proc shows them (Linux): to check that a
process a test had started is gone, killed and reaped, rather than left running or a zombie."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Child", "children", "running"]


@dataclass(frozen=True, slots=True)
class Child:
    pid: int
    state: str  # "R", "S", "Z" (exited, not yet reaped), ...
    command: str  # empty for a zombie


def children() -> list[Child]:
    """The processes whose parent is this process."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:  # it ended meanwhile
            continue
        # The command's name, in parentheses, may hold spaces: the fields follow the last ")".
        state, ppid = stat.rsplit(")", 1)[1].split()[:2]
        if int(ppid) == os.getpid():
            found.append(Child(int(entry.name), state, command))
    return found


def running(module: str) -> list[int]:
    """The pids of the child processes running ``module`` (``python -m module``)."""
    return [child.pid for child in children() if f"-m {module}" in child.command]
