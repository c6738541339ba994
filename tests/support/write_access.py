"""A file or folder that this user may not write, as ``os.access`` answers (tests run as root,
who may write anything, and a read-only mount or another user's file needs that answer)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def deny_writes(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    """``os.access(..., W_OK)`` is false for ``path``, and for a link to it (the system call
    follows links); every other answer is the real one."""
    real = os.access
    denied = path.resolve()

    def access(target: object, mode: int, **kwargs: object) -> bool:
        if mode & os.W_OK and Path(str(target)).resolve() == denied:
            return False
        return real(target, mode)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "access", access)
