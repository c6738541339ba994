"""The compiled extraction modules (setup.py builds them with mypyc) must match their sources.

An editable install compiles the modules in place, and Python then imports the compiled file
before the ``.py`` beside it: an edit to a source is invisible until the next
``pip install -e .``. This test makes such a stale build fail loudly instead of testing old code.
"""

from __future__ import annotations

import importlib
import os
import shutil
import sysconfig
from pathlib import Path

import pytest

import scraper

_EXTRACT = Path(scraper.__file__).parent / "extract"


def _compiled() -> list[Path]:
    return sorted(p for p in _EXTRACT.glob("*.so") if p.name.split(".")[0] != "__init__")


def test_every_compiled_module_is_newer_than_its_source() -> None:
    compiled = _compiled()
    if not compiled:
        if os.environ.get("SCRAPER_PURE_PYTHON"):
            pytest.skip("pure-Python install asked for (SCRAPER_PURE_PYTHON=1): nothing built")
        if not _compiler():
            pytest.skip("no C compiler on this machine: the install fell back to pure Python")
        # setup.py falls back to pure Python when mypyc fails (it type-checks the compiled
        # modules against every package they import, so one missing from the build
        # requirements is enough), and every other test passes on pure Python.
        pytest.fail("a C compiler is here but nothing was built: see `pip install -v -e .`")
    stale = [
        p.name
        for p in compiled
        if (_EXTRACT / f"{p.name.split('.')[0]}.py").stat().st_mtime > p.stat().st_mtime
    ]
    assert not stale, f"rebuild with `pip install -e .`: sources changed after compiling {stale}"


def test_imported_extraction_modules_are_the_compiled_ones_when_built() -> None:
    for path in _compiled():
        module = importlib.import_module(f"scraper.extract.{path.name.split('.')[0]}")
        assert module.__file__ is not None
        assert Path(module.__file__).resolve() == path.resolve()


def _compiler() -> bool:
    command = (sysconfig.get_config_var("CC") or "cc").split()
    return bool(command) and shutil.which(command[0]) is not None
