"""``open_export``: an export file lands whole or not at all; placeholders name one per run."""

from __future__ import annotations

import errno
import os
import socket
from datetime import UTC, datetime
from pathlib import Path

import pytest

from scraper.errors import ConfigError
from scraper.export_file import check_placeholders, expand_path, open_export


def test_a_failed_export_leaves_the_previous_file_and_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "new.jsonl"
    target.write_text("the previous run's export\n", encoding="utf-8")
    with pytest.raises(OSError, match="disk full"), open_export(target) as sink:
        sink.stream.write("half of a record")
        sink.stream.flush()
        assert target.read_text("utf-8") == "the previous run's export\n"  # not yet replaced
        raise OSError(28, "disk full")
    assert target.read_text("utf-8") == "the previous run's export\n"
    assert [p.name for p in tmp_path.iterdir()] == ["new.jsonl"]


def test_a_complete_export_replaces_the_file_with_a_normal_new_one(tmp_path: Path) -> None:
    old_umask = os.umask(0o027)
    try:
        (tmp_path / "plain.txt").write_text("x", encoding="utf-8")
        real = tmp_path / "real.jsonl"
        real.write_text("old\n", encoding="utf-8")
        real.chmod(0o600)
        link = tmp_path / "link.jsonl"
        link.symlink_to(real.name)
        with open_export(link) as sink:
            assert sink.fresh
            sink.stream.write("new\n")
    finally:
        os.umask(old_umask)
    assert link.is_symlink()  # the link still points at the file it named
    assert real.read_text("utf-8") == "new\n"
    assert real.stat().st_mode & 0o777 == (tmp_path / "plain.txt").stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.jsonl", "plain.txt", "real.jsonl"]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("new-{bogus}.jsonl", "unknown placeholder {bogus} (known: {time}, {date}, {run})"),
        ("new-{}.jsonl", "unknown placeholder {}"),
        ("new-{time:%Y}.jsonl", "placeholder {time} takes no format"),
        ("new-{time.year}.jsonl", "unknown placeholder {time.year}"),
        ("new-{time.jsonl", "write {{ or }} for a brace"),
        ("{date}/new.jsonl", "placeholders are allowed in the file name only"),
    ],
)
def test_a_bad_placeholder_is_an_error_naming_the_key(name: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        check_placeholders(Path("out", name), key="export.path")
    assert str(caught.value).startswith("export.path: ")
    assert message in str(caught.value)


def test_placeholders_name_a_file_per_run() -> None:
    started = datetime(2026, 11, 30, 17, 43, 5, 900000, tzinfo=UTC).timestamp()
    template = Path("out/new-{time}-{run}.{date}.{{x}}.jsonl")
    check_placeholders(template, key="export.path")
    assert expand_path(template, started=started, run_id=42) == Path(
        "out/new-20261130T174305Z-42.2026-11-30.{x}.jsonl"
    )


def test_an_append_that_fails_is_cut_off_again(tmp_path: Path) -> None:
    target = tmp_path / "all.jsonl"
    with open_export(target, append=True) as sink:
        assert sink.fresh
        sink.stream.write("one\n")
    with pytest.raises(OSError, match="disk full"), open_export(target, append=True) as sink:
        assert not sink.fresh
        sink.stream.write("two, cut short")
        sink.stream.flush()
        raise OSError(28, "disk full")
    with open_export(target, append=True) as sink:
        sink.stream.write("three\n")
    assert target.read_text("utf-8") == "one\nthree\n"


def test_an_append_to_an_unfinished_last_line_starts_a_line_of_its_own(tmp_path: Path) -> None:
    # Glued to "partial", the first record was lost to every line reader.
    target = tmp_path / "all.jsonl"
    target.write_text("partial", encoding="utf-8")
    with open_export(target, append=True) as sink:
        sink.stream.write('{"n": 1}\n')
    with open_export(target, append=True) as sink:
        sink.stream.write('{"n": 2}\n')
    assert target.read_text("utf-8") == 'partial\n{"n": 1}\n{"n": 2}\n'
    with pytest.raises(OSError, match="disk full"), open_export(target, append=True) as sink:
        sink.stream.write("cut short")
        sink.stream.flush()
        raise OSError(28, "disk full")
    assert target.read_text("utf-8") == 'partial\n{"n": 1}\n{"n": 2}\n'


def test_a_name_kept_for_one_export_is_never_replaced(tmp_path: Path) -> None:
    target = tmp_path / "new-20261130T174305Z.jsonl"
    target.write_text("an earlier export, not read yet\n", encoding="utf-8")
    kept = open_export(target, keep_existing=True)
    taken = r"never replaces a file.*use \{time\} and \{run\} together, or append"
    with pytest.raises(FileExistsError, match=taken) as caught, kept as sink:
        sink.stream.write("same second, other export\n")
    assert caught.value.filename == str(target)
    assert target.read_text("utf-8") == "an earlier export, not read yet\n"
    fresh = tmp_path / "new-20261130T174306Z.jsonl"
    with pytest.raises(FileExistsError), open_export(fresh, keep_existing=True) as sink:
        sink.stream.write("mine\n")
        # Made by another process while this export was written: still not replaced.
        fresh.write_text("theirs\n", encoding="utf-8")
    assert fresh.read_text("utf-8") == "theirs\n"
    with open_export(tmp_path / "new-20261130T174307Z.jsonl", keep_existing=True) as sink:
        sink.stream.write("a new name\n")
    assert (tmp_path / "new-20261130T174307Z.jsonl").read_text("utf-8") == "a new name\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "new-20261130T174305Z.jsonl",
        "new-20261130T174306Z.jsonl",
        "new-20261130T174307Z.jsonl",
    ]


def test_an_append_that_fails_on_a_new_file_leaves_no_file(tmp_path: Path) -> None:
    target = tmp_path / "all.csv"
    link = tmp_path / "link.csv"
    link.symlink_to(target.name)  # dangling: the append would create all.csv
    for path in (target, link):
        with pytest.raises(OSError, match="disk full"), open_export(path, append=True) as sink:
            assert sink.fresh
            sink.stream.write("id,url\r\n1,https://n.test/a\r\n")
            sink.stream.flush()
            raise OSError(28, "disk full")
        assert not target.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.csv"]
    target.write_text("", encoding="utf-8")  # there, empty: left as it was
    with pytest.raises(OSError, match="disk full"), open_export(target, append=True) as sink:
        sink.stream.write("id,url\r\n")
        raise OSError(28, "disk full")
    assert target.read_text("utf-8") == ""


def test_a_socket_is_refused_for_what_it_is_not_as_a_pipe_without_reader(tmp_path: Path) -> None:
    path = tmp_path / "s"
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(path))
        with pytest.raises(OSError) as raised, open_export(path):
            pass
    assert raised.value.errno == errno.ENXIO
    assert "named pipe" not in str(raised.value)
    pipe = tmp_path / "p"
    os.mkfifo(pipe)
    with pytest.raises(OSError, match="a named pipe that no process reads"), open_export(pipe):
        pass
