"""Where an export file goes and how it is written: never over the crawl store or one of its
companion files, named per run with placeholders, and whole or not at all."""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
import string
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Protocol, TextIO

from scraper.errors import ConfigError
from scraper.store.protocol import PendingFile

__all__ = [
    "PLACEHOLDERS",
    "ExportFile",
    "Journal",
    "check_not_store",
    "check_placeholders",
    "cut_back",
    "expand_path",
    "has_placeholders",
    "open_export",
    "own_stream",
]

#: SQLite's companion files of a store (WAL, shared memory, rollback journal) and the run lock.
_STORE_SUFFIXES = ("", "-wal", "-shm", "-journal", ".lock")


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.samefile(b)
    except OSError:  # one of them does not exist (yet): not the same file
        return False


def _store_files(store: Path) -> list[Path]:
    files: list[Path] = []
    # The store as spelled and as resolved: the lock is named after the one, a symlink's target
    # after the other.
    for base in (store, Path(os.path.realpath(store))):
        files.extend(base.with_name(base.name + suffix) for suffix in _STORE_SUFFIXES)
    return files


def check_not_store(
    path: Path,
    store: Path,
    *,
    key: str,
    store_is: str = "the crawl store",
    writing: str = "an export",
) -> None:
    """Refuse an export path that is the store or one of its files.

    Paths are compared resolved, and existing files by identity, so ``./news.db``, a symlink to
    it and a hard link all count: writing an export there would wipe the store.

    Raises:
        ConfigError: ``path`` is the store, its ``-wal``/``-shm``/``-journal`` file or its run
            lock (``key`` names the option or config key that gave it; the message says what
            the store is, ``store_is``, and what would be written, ``writing``).
    """
    resolved = os.path.realpath(path)
    for name in _store_files(store):
        if os.path.realpath(name) == resolved or _same_file(path, name):
            raise ConfigError(
                f"{path} is {store_is} {store} (or one of its files); refusing to write"
                f" {writing} over it",
                key=key,
            )


#: The placeholders an export path's file name may hold, each with what it stands for.
PLACEHOLDERS: Mapping[str, str] = MappingProxyType(
    {
        "time": "the run's start, UTC, as 20261130T174300Z",
        "date": "the run's start date, UTC, as 2026-11-30",
        "run": "the run's id in the store (1, 2, ...)",
    }
)


def check_placeholders(path: Path, *, key: str) -> None:
    """Refuse a path whose placeholders are unknown, malformed or outside its file name.

    Raises:
        ConfigError: naming ``key`` and the offending placeholder.
    """
    if _fields(str(path.parent), key):
        raise ConfigError("placeholders are allowed in the file name only", key=key)
    _fields(path.name, key)


def _fields(text: str, key: str) -> list[str]:
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:  # a lone { or }: write {{ or }} for the character itself
        raise ConfigError(f"{exc} in {text!r} (write {{{{ or }}}} for a brace)", key=key) from exc
    names = []
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in PLACEHOLDERS:
            known = ", ".join("{" + known + "}" for known in PLACEHOLDERS)
            raise ConfigError(f"unknown placeholder {{{name}}} (known: {known})", key=key)
        if spec or conversion:
            raise ConfigError(f"placeholder {{{name}}} takes no format or conversion", key=key)
        names.append(name)
    return names


def has_placeholders(path: Path) -> bool:
    """Whether ``path``'s file name holds placeholders (checked before): a name per run."""
    return bool(_fields(path.name, "path"))


def expand_path(path: Path, *, started: float, run_id: int) -> Path:
    """``path`` with its file name's placeholders filled in for a run (checked before)."""
    when = datetime.fromtimestamp(started, UTC)
    name = path.name.format(
        time=when.strftime("%Y%m%dT%H%M%SZ"), date=when.strftime("%Y-%m-%d"), run=run_id
    )
    return path.with_name(name)


@dataclass(frozen=True, slots=True)
class ExportFile:
    """An export file open for writing; ``fresh`` when it holds nothing yet (a CSV header is
    written only then), else ``first_line``, the first line it holds (when it can be read)."""

    stream: TextIO
    fresh: bool
    first_line: bytes | None = None


class Journal(Protocol):
    """Where an export file's progress is kept, so that a process killed at any moment leaves
    enough behind to land the file or undo it (see :mod:`scraper.export_journal`).

    :func:`open_export` calls ``begin`` before the file holds a byte of the export, ``landing``
    once it is written in full (and synced) but before a reader can see it (the rename), and
    then ``landed``; or ``abandoned`` when the export fails, once nothing is left to undo that a
    record of it would be needed for. ``abandoned`` says whether the record is gone: one that
    stays (the store could not be written) is settled by the next export, from what it finds
    on disk, so that must still be there.
    """

    def begin(self, file: PendingFile) -> None: ...

    def landing(self) -> None: ...

    def landed(self) -> None: ...

    def abandoned(self) -> bool: ...


@contextmanager
def open_export(
    path: Path,
    *,
    append: bool = False,
    keep_existing: bool = False,
    journal: Journal | None = None,
) -> Iterator[ExportFile]:
    """``path`` open for an export that lands whole or not at all.

    Replacing (the default), the export is written to a temporary file in the same folder and
    renamed over ``path`` only when the block ends without an error (removed otherwise): a
    reader never sees half a file, and a failed export leaves the previous one as it was.
    With ``keep_existing`` (a name made with placeholders, meant for one export only) a file
    already at ``path`` is never replaced: the export fails instead, and that file stays.
    Appending, what a failed export added is cut off again. A path that is not a regular file
    (a pipe) or that names this process's stdout or stderr (``/dev/stdout``, whatever it was
    redirected to) is written in place, and nothing of it is kept in ``journal`` (there is
    nothing to undo there): its ``begin`` is never called.

    Raises:
        FileExistsError: ``keep_existing``, and ``path`` exists when the export is complete.
        OSError: the file cannot be created or written; the error of the block, re-raised.
    """
    own = own_stream(path)
    if own is not None:
        # Written through the descriptor, as stdout is: opened again, the file it was
        # redirected to would be emptied, or replaced by a rename, wiping what cron's
        # `>> log` kept there (and what stderr writes to it after).
        info = os.fstat(own)
        with os.fdopen(os.dup(own), "w", encoding="utf-8") as stream:
            kept = append and stat.S_ISREG(info.st_mode) and info.st_size > 0
            yield ExportFile(stream, fresh=not kept)
    elif path.exists() and not path.is_file():
        with _in_place(path) as stream:
            yield ExportFile(stream, fresh=True)
    elif append:
        with _appended(path, journal or _NO_JOURNAL) as sink:
            yield sink
    else:
        with _replaced(path, keep_existing=keep_existing, journal=journal or _NO_JOURNAL) as sink:
            yield sink


def _in_place(path: Path) -> TextIO:
    """``path``, not a regular file (a named pipe, a device), open for writing as it is.

    A named pipe is opened only if a process reads it now: opened for writing, one that none
    reads waits for a reader for ever, and the export with it, holding the run lock (every
    crawl meanwhile exits 3) and, exporting ``LAST``, deaf to SIGTERM and Ctrl-C.

    Raises:
        OSError: ``path`` cannot be opened; ENXIO for a named pipe that no process reads.
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
    except OSError as exc:
        # ENXIO is also a Unix socket's answer, which no export can be written to at all.
        if exc.errno != errno.ENXIO or not stat.S_ISFIFO(path.stat().st_mode):
            raise
        raise OSError(errno.ENXIO, "a named pipe that no process reads", str(path)) from exc
    os.set_blocking(fd, True)  # the reader takes its time: writes wait for it, as usual
    return os.fdopen(fd, "w", encoding="utf-8")


def own_stream(path: Path) -> int | None:
    """The descriptor of this process's stdout or stderr if ``path`` names the file it writes
    to (``/dev/stdout``, ``/proc/self/fd/2``, the log file cron's ``>>`` sends it to), else
    None."""
    try:
        there = path.stat()
    except OSError:
        return None
    for fd in (1, 2):
        try:
            mine = os.fstat(fd)
        except OSError:  # closed
            continue
        if (mine.st_dev, mine.st_ino) == (there.st_dev, there.st_ino):
            return fd
    return None


class _NoJournal:
    """The journal of an export that keeps none (nothing depends on its landing)."""

    def begin(self, file: PendingFile) -> None:
        del file

    def landing(self) -> None:
        pass

    def landed(self) -> None:
        pass

    def abandoned(self) -> bool:
        return True


_NO_JOURNAL = _NoJournal()


@contextmanager
def _replaced(path: Path, *, keep_existing: bool, journal: Journal) -> Iterator[ExportFile]:
    # Beside the real file, so that the rename stays in one file system and a symlink named by
    # ``path`` keeps pointing at the new export.
    target = Path(os.path.realpath(path))
    fd, temp = _temp_beside(target, journal)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            yield ExportFile(stream, fresh=True)
            stream.flush()
            os.fsync(stream.fileno())
        journal.landing()
        if keep_existing:
            _move_to_new(temp, target, path)
        else:
            temp.replace(target)
    except BaseException:
        # The record first: one that says "written in full" while its temporary file is gone
        # would read as landed. A record that stays keeps the file, for the next export to
        # find unlanded and remove.
        if journal.abandoned():
            temp.unlink(missing_ok=True)
        raise
    journal.landed()


#: Why an export named with placeholders refuses a file that is there already.
_NAME_TAKEN = (
    "it exists already, and an export named with placeholders never replaces a file (another"
    " export got the same name: {time} repeats within a second, {date} within a day, {run}"
    " in every scraper export until the next crawl; use {time} and {run} together, or append"
    " to one file)"
)
#: A file system without hard links answers ``link`` with one of these.
_NO_LINKS = frozenset({errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS})


def _move_to_new(temp: Path, target: Path, path: Path) -> None:
    """``temp`` renamed to ``target`` only if no file is there: a hard link, which the kernel
    refuses to make over an existing name (no other process can slip one in between)."""
    try:
        os.link(temp, target)
    except FileExistsError:
        raise FileExistsError(errno.EEXIST, _NAME_TAKEN, str(path)) from None
    except OSError as exc:
        if exc.errno not in _NO_LINKS:
            raise
        # No hard links here (a FAT or SMB mount): checked first, then renamed.
        if os.path.lexists(target):
            raise FileExistsError(errno.EEXIST, _NAME_TAKEN, str(path)) from None
        temp.replace(target)
        return
    temp.unlink()


def _temp_beside(target: Path, journal: Journal) -> tuple[int, Path]:
    """A new, hidden temporary file next to ``target``: its descriptor and path.

    Created with mode 0666 less the umask, as any new file, where ``tempfile`` would make it
    0600 and the export would reach its consumers unreadable. Its name is in ``journal``
    before the file exists, so that one left by a killed process is found and removed.
    """
    while True:
        temp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
        journal.begin(PendingFile(target=os.fsencode(target), temp=os.fsencode(temp)))
        try:
            return os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), temp
        except FileExistsError:
            continue


@contextmanager
def _appended(path: Path, journal: Journal) -> Iterator[ExportFile]:
    # The file a symlink names: the one created, and removed again, is the real one.
    target = Path(os.path.realpath(path))
    fd, created = _open_appending(target)
    stream = os.fdopen(fd, "a", encoding="utf-8")
    size = stream.tell()
    # A descriptor of its own to cut the file with once the stream is closed: closing flushes
    # what is still buffered, which must not land after the cut.
    keep = os.dup(stream.fileno())
    try:
        info = os.fstat(keep)
        regular = stat.S_ISREG(info.st_mode)
        if not regular:
            journal = _NO_JOURNAL  # a pipe, say: nothing could be undone there
        try:
            journal.begin(
                PendingFile(
                    target=os.fsencode(target),
                    size=size,
                    created=created,
                    device=info.st_dev,
                    inode=info.st_ino,
                )
            )
            if regular and size and _last_byte(target, size) not in (b"\n", None):
                # Its last line unfinished (another program wrote it, or was cut short):
                # the first record would be glued to it, and both lost to a line reader.
                stream.write("\n")
            first = _first_line(target) if regular and size else None
            yield ExportFile(stream, fresh=size == 0, first_line=first)
            stream.close()
            if regular:
                # On disk before the cursor moves past it, as a renamed export is.
                os.fsync(keep)
            journal.landing()
        except BaseException:
            with contextlib.suppress(OSError):
                stream.close()
            cut_back(target, keep, size=size, created=created)
            journal.abandoned()
            raise
    finally:
        os.close(keep)
    journal.landed()


def cut_back(target: Path, fd: int, *, size: int, created: bool) -> None:
    """Undo an append to ``target`` (open as ``fd``): cut it back to ``size``, and remove it
    if the append ``created`` it."""
    with contextlib.suppress(OSError):  # not a regular file, say: nothing to cut
        os.ftruncate(fd, size)
    if created:
        # There was no file: a failed export leaves none, not an empty one that a consumer
        # waiting for the file would take for an export of nothing.
        _remove_if_same(target, fd)


#: Bytes read of an appended file's first line (a CSV header is some 120).
_FIRST_LINE_BYTES = 4096


def _first_line(target: Path) -> bytes | None:
    """The first line of ``target`` (opened for appending only), None when it cannot be read."""
    try:
        with target.open("rb") as existing:
            return existing.readline(_FIRST_LINE_BYTES)
    except OSError:
        return None


def _last_byte(target: Path, size: int) -> bytes | None:
    """The byte before ``size`` in ``target`` (opened for appending only), None when the file
    cannot be read (a write-only one: it is appended to as it is)."""
    try:
        with target.open("rb") as existing:
            existing.seek(size - 1)
            return existing.read(1)
    except OSError:
        return None


def _open_appending(target: Path) -> tuple[int, bool]:
    """A descriptor appending to ``target``, and whether this call created the file."""
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT
    try:
        return os.open(target, flags | os.O_EXCL, 0o666), True
    except FileExistsError:
        return os.open(target, flags, 0o666), False


def _remove_if_same(target: Path, fd: int) -> None:
    """Remove ``target`` if it is still the file open as ``fd`` (not one put in its place)."""
    with contextlib.suppress(OSError):
        mine, there = os.fstat(fd), target.stat()
        if (mine.st_dev, mine.st_ino) == (there.st_dev, there.st_ino):
            target.unlink()
