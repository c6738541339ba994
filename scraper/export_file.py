"""Where an export file goes and how it is written: never over the crawl store or one of its
companion files, and whole or not at all."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from scraper.errors import ConfigError

__all__ = [
    "ExportFile",
    "check_not_store",
    "open_export",
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


def check_not_store(path: Path, store: Path, *, key: str) -> None:
    """Refuse an export path that is the store or one of its files.

    Paths are compared resolved, and existing files by identity, so ``./news.db``, a symlink to
    it and a hard link all count: writing an export there would wipe the store.

    Raises:
        ConfigError: ``path`` is the store, its ``-wal``/``-shm``/``-journal`` file or its run
            lock (``key`` names the option or config key that gave it).
    """
    resolved = os.path.realpath(path)
    for name in _store_files(store):
        if os.path.realpath(name) == resolved or _same_file(path, name):
            raise ConfigError(
                f"{path} is the crawl store {store} (or one of its files); refusing to write"
                " an export over it",
                key=key,
            )


@dataclass(frozen=True, slots=True)
class ExportFile:
    """An export file open for writing; ``fresh`` when it holds nothing yet (a CSV header is
    written only then)."""

    stream: TextIO
    fresh: bool


@contextmanager
def open_export(path: Path) -> Iterator[ExportFile]:
    """``path`` open for an export that lands whole or not at all.

    The export is written to a temporary file in the same folder and renamed over ``path`` only
    when the block ends without an error (removed otherwise): a reader never sees half a file,
    and a failed export leaves the previous one as it was. A path that is not a regular file
    (``/dev/stdout``, a pipe) is written in place.

    Raises:
        OSError: the file cannot be created or written; the error of the block, re-raised.
    """
    if path.exists() and not path.is_file():
        with path.open("w", encoding="utf-8") as stream:
            yield ExportFile(stream, fresh=True)
    else:
        with _replaced(path) as sink:
            yield sink


@contextmanager
def _replaced(path: Path) -> Iterator[ExportFile]:
    # Beside the real file, so that the rename stays in one file system and a symlink named by
    # ``path`` keeps pointing at the new export.
    target = Path(os.path.realpath(path))
    fd, temp = _temp_beside(target)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            yield ExportFile(stream, fresh=True)
            stream.flush()
            os.fsync(stream.fileno())
        temp.replace(target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def _temp_beside(target: Path) -> tuple[int, Path]:
    """A new, hidden temporary file next to ``target``: its descriptor and path.

    Created with mode 0666 less the umask, as any new file, where ``tempfile`` would make it
    0600 and the export would reach its consumers unreadable.
    """
    while True:
        temp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
        try:
            return os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), temp
        except FileExistsError:
            continue
