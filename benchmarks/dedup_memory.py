"""Peak memory of a process tree, sampled from outside: a method's process and its workers.

A method's own ``VmHWM`` leaves out the worker processes it starts (scraper's analysis workers,
multiprocessing's resource tracker), so the benchmark driver watches the whole tree while the
method runs: every few milliseconds it adds up the resident memory of the method's process
and of every descendant, and keeps the largest sum. The sampling runs in the driver, which is
otherwise idle, so it takes no CPU from the measured process. Resident pages shared between
processes (libraries) count once per process: the figure errs high, never low.
"""

from __future__ import annotations

import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["TreePeak", "run_watched"]

_SAMPLE_S = 0.01
_RESCAN_S = 0.2  # how often new descendants are looked for (a full /proc scan)


@dataclass(slots=True)
class TreePeak:
    """The largest summed RSS seen (bytes), and each process's own high-water mark (bytes)."""

    rss: int = 0
    hwm: dict[int, int] = field(default_factory=dict)

    @property
    def hwm_sum(self) -> int:
        """Every process's own peak added up: an upper bound on the tree's peak."""
        return sum(self.hwm.values())


def run_watched(command: list[str]) -> tuple[subprocess.CompletedProcess[str], TreePeak]:
    """Run ``command`` to completion (output captured) while sampling its tree's memory."""
    peak = TreePeak()
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as proc:
        stop = threading.Event()
        watcher = threading.Thread(target=_watch, args=(proc.pid, peak, stop), daemon=True)
        watcher.start()
        out, err = proc.communicate()
        stop.set()
        watcher.join()
    return subprocess.CompletedProcess(command, proc.returncode, out, err), peak


def _watch(root: int, peak: TreePeak, stop: threading.Event) -> None:
    tree = {root}
    scanned = 0.0
    while not stop.is_set():
        if time.monotonic() - scanned > _RESCAN_S:
            tree = _descendants(root)
            scanned = time.monotonic()
        total = 0
        for pid in list(tree):
            rss, hwm = _memory(pid)
            if rss is None:
                tree.discard(pid)
                continue
            total += rss
            peak.hwm[pid] = max(peak.hwm.get(pid, 0), hwm)
        peak.rss = max(peak.rss, total)
        stop.wait(_SAMPLE_S)


def _memory(pid: int) -> tuple[int | None, int]:
    """Current RSS and VmHWM of ``pid`` in bytes (RSS None once it has exited)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError):
        return None, 0
    rss = hwm = 0
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            rss = int(line.split()[1]) * 1024
        elif line.startswith("VmHWM:"):
            hwm = int(line.split()[1]) * 1024
    return (rss if rss else None), hwm


def _descendants(root: int) -> set[int]:
    parents: dict[int, int] = {}
    for folder in Path("/proc").iterdir():
        if not folder.name.isdigit():
            continue
        try:
            raw = (folder / "stat").read_text(encoding="ascii", errors="replace")
        except OSError:
            continue
        parents[int(folder.name)] = int(raw[raw.rfind(")") + 2 :].split()[1])
    tree = {root}
    grew = True
    while grew:
        grew = False
        for pid, parent in parents.items():
            if parent in tree and pid not in tree:
                tree.add(pid)
                grew = True
    return tree
