"""Where an export file goes: never over the crawl store or one of its companion files."""

from __future__ import annotations

import os
from pathlib import Path

from scraper.errors import ConfigError

__all__ = ["check_not_store"]

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
