"""A store in a read-only folder (a backup, a read-only mount) can still be read."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from small_stores import store_with_a_url
from write_access import deny_writes

from scraper.errors import StoreError
from scraper.store.crawl_store import SQLiteCrawlStore


def _folder_read_only(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """``folder`` as a read-only mount answers os.access (root may write a 0555 folder)."""
    deny_writes(monkeypatch, folder)


def test_a_store_in_a_read_only_folder_is_read_without_side_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "news.db"
    store_with_a_url(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["news.db"]
    _folder_read_only(monkeypatch, tmp_path)
    store = SQLiteCrawlStore(path, create=False)
    try:
        assert [s.urls for s in store.source_stats()] == [1]
        with pytest.raises(StoreError):  # read only: nothing can change it
            store.set_cursor("export", 1)
    finally:
        store.close()
    # A WAL store opened as usual gets its -shm and -wal files, which a read-only folder
    # cannot take.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["news.db"]


_ROOT_WITH_UNSHARE = (
    sys.platform == "linux" and os.geteuid() == 0 and shutil.which("unshare") is not None
)


# Run inside the mount namespace: the store read through the read-only mount, then again
# once a write-ahead log (its writer killed) lies beside it, which can only be read by writing.
_CHECK = """
import sys
from pathlib import Path
from scraper.errors import StoreError
from scraper.store.crawl_store import SQLiteCrawlStore
folder, mount = Path(sys.argv[1]), Path(sys.argv[2])
store = SQLiteCrawlStore(mount / "news.db", create=False)
print("urls", [s.urls for s in store.source_stats()])
store.close()
(folder / "news.db-wal").write_bytes(bytes(32))
try:
    SQLiteCrawlStore(mount / "news.db", create=False)
except StoreError as exc:
    print("refused", exc)
"""


@pytest.mark.skipif(not _ROOT_WITH_UNSHARE, reason="a read-only bind mount needs root and unshare")
def test_a_store_on_a_read_only_mount(tmp_path: Path) -> None:
    folder, mount = tmp_path / "d", tmp_path / "ro"
    folder.mkdir()
    mount.mkdir()
    store_with_a_url(folder / "news.db")
    script = (
        f"mount --bind {folder} {mount} && mount -o remount,ro,bind {mount}"
        f' && {sys.executable} -c "$0" {folder} {mount}'
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    done = subprocess.run(
        ["unshare", "-m", "sh", "-c", script, _CHECK],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    if done.returncode and "mount" in done.stderr and "Traceback" not in done.stderr:
        pytest.skip(f"no read-only mount here: {done.stderr.strip()}")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "urls [1]"
    assert lines[1].startswith("refused") and "its folder is read-only" in lines[1]
