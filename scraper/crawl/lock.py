"""The run lock: one crawl at a time per store, held with an OS file lock.

``flock`` on ``<store>.lock`` is released by the kernel when the holding process dies, so a run
killed with SIGKILL never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType

from scraper.errors import StoreError, StoreLocked

__all__ = ["RunLock", "holder_alive", "lock_holder"]


class RunLock:
    """An exclusive lock on a store; use as a context manager."""

    def __init__(self, store: Path, *, wait: bool = False) -> None:
        # The file itself, however its path is spelled (a symlink to it or to a folder on
        # the way, a relative path): two runs reaching one store by two names take one lock.
        real = store.resolve()
        self.path = real.with_name(real.name + ".lock")
        self.wait = wait
        self._fd: int | None = None

    def __enter__(self) -> RunLock:
        """Take the lock.

        Raises:
            StoreLocked: another process holds it and ``wait`` is false.
            StoreError: the lock file cannot be created.
        """
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            except PermissionError:
                # Made by another user (a reader's export): flock needs no write access, so
                # the lock works all the same, without this run's pid in it.
                fd = os.open(self.path, os.O_RDONLY)
        except OSError as exc:
            verb = "open" if self.path.exists() else "create"
            raise StoreError(f"cannot {verb} lock file {self.path}: {exc}") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if self.wait else fcntl.LOCK_NB))
        except BlockingIOError as exc:
            holder = _holder_pid(fd)
            os.close(fd)
            raise StoreLocked(
                f"another crawl{holder} is running on this store ({self.path});"
                " run again later or pass --wait"
            ) from exc
        except OSError as exc:
            os.close(fd)
            raise StoreError(f"cannot lock {self.path}: {exc}") from exc
        try:
            os.ftruncate(fd, 0)
            os.write(fd, str(os.getpid()).encode())
        except OSError:
            # The pid is a hint for readers where the kernel's lock table cannot be read; the
            # flock is the lock. A full disk (or a file opened read-only above) leaves the hint
            # out, and the store's own writes report the disk.
            pass
        self._fd = fd
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def _holder_pid(fd: int) -> str:
    """`` (pid N)`` of the process holding the lock file ``fd`` names, or nothing when unknown.

    The kernel's lock table says who holds it; the pid in the file is only the last run's that
    took it, which names a dead run's pid when another program holds the lock (``flock
    news.db.lock command``, as docs/crawl.md suggests to those reading the store).
    """
    holders = _kernel_holders(os.fstat(fd))
    if holders is not None:
        # No holder this pid namespace can see (none listed, or pid 0): unknown, for the pid
        # in the file is no better.
        seen = _visible_pid(holders)
        return "" if seen is None else f" (pid {seen})"
    try:
        pid = os.pread(fd, 32, 0).decode().strip()
    except (OSError, UnicodeDecodeError):
        return ""
    return f" (pid {pid})" if pid.isdigit() else ""


def holder_alive(store: Path) -> bool:
    """Whether a process holds ``store``'s lock now: a run the store records as unfinished is
    going on then, and was killed (SIGKILL, a crash, a reboot) otherwise (see
    :func:`lock_holder`)."""
    return lock_holder(store)[0]


def lock_holder(store: Path) -> tuple[bool, int | None]:
    """Whether a process holds ``store``'s lock now, and its pid when that can be known (None
    when none holds it, or none this pid namespace can see does).

    Asking the lock itself would mean taking it, if only for a moment, and a crawl starting in
    that moment would exit as if another were running. On Linux the kernel's table of file
    locks (``/proc/locks``) says whether one is held on the file, whichever process and pid
    namespace holds it; elsewhere, whether the process whose pid the file keeps (the run that
    last took the lock) lives, which a pid reused since can mistake.
    """
    path = _lock_path(store)
    try:
        found = path.stat()
    except OSError:
        return False, None
    holders = _kernel_holders(found)
    if holders is not None:
        return bool(holders), _visible_pid(holders)
    pid = _recorded_pid(path)
    if pid is not None and _alive(pid):
        return True, pid
    return False, None


def _visible_pid(holders: list[str]) -> int | None:
    """The first holder's pid the kernel's table shows in this namespace (0: one it cannot)."""
    seen = [pid for pid in holders if pid.isdigit() and pid != "0"]
    return int(seen[0]) if seen else None


def _lock_path(store: Path) -> Path:
    real = store.resolve()
    return real.with_name(real.name + ".lock")


def _recorded_pid(path: Path) -> int | None:
    """The pid the lock file keeps (the run that last took the lock), if it keeps one."""
    try:
        text = path.read_text("ascii")[:32].strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() and int(text) > 0 else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, another user's
    return True


def _kernel_holders(found: os.stat_result) -> list[str] | None:
    """The pids the kernel's lock table gives for flocks on the file ``found`` describes (a
    holder in another pid namespace may show as 0 or not at all: the list is then empty, or
    holds "0"); None when there is no such table to read (not Linux)."""
    try:
        table = Path("/proc/locks").read_text("ascii")
    except (OSError, UnicodeDecodeError):
        return None
    # A lock's file as the table names it: major and minor device numbers in hex, the inode.
    # A line: "1: FLOCK  ADVISORY  WRITE 4242 08:01:1234 0 EOF" (a waiter's has "->" first).
    device = f"{os.major(found.st_dev):02x}:{os.minor(found.st_dev):02x}:{found.st_ino}"
    return [
        fields[fields.index(device) - 1]
        for fields in (line.split() for line in table.splitlines())
        if "FLOCK" in fields and device in fields and "->" not in fields
    ]
