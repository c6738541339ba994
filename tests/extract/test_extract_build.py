"""The compiled extraction modules (setup.py builds them with mypyc) must match their sources.

An editable install compiles the modules in place, and Python then imports the compiled file
before the ``.py`` beside it: an edit to a source is invisible until the next
``pip install -e .``. This test makes such a stale build fail loudly instead of testing old code.
"""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import sys
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


def test_a_pure_build_removes_the_compiled_modules_an_earlier_build_left(tmp_path: Path) -> None:
    # Left beside the sources by a compiled editable install, they ran instead of the edited
    # sources after `SCRAPER_PURE_PYTHON=1 pip install -e .`.
    root = Path(__file__).resolve().parents[2]
    for name in ("setup.py", "pyproject.toml", "README.md"):
        shutil.copy(root / name, tmp_path / name)
    extract = tmp_path / "scraper" / "extract"
    extract.mkdir(parents=True)
    suffix = sysconfig.get_config_var("EXT_SUFFIX") or ".so"
    compiled = [extract / f"pipeline{suffix}", extract / f"segment{suffix}"]
    group = tmp_path / f"0123abcd__mypyc{suffix}"
    not_ours = extract / f"chrome{suffix}"  # a data module setup.py never compiles
    for path in [*compiled, group, not_ours, extract / "pipeline.py"]:
        path.write_bytes(b"")
    env = {**os.environ, "SCRAPER_PURE_PYTHON": "1"}
    done = subprocess.run(
        [sys.executable, "setup.py", "--name"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert [p.name for p in [*compiled, group] if p.exists()] == []
    assert not_ours.exists() and (extract / "pipeline.py").exists()
