"""``scraper dedup`` on hostile JSONL: every bad line is skipped with its reason, never a crash."""

from __future__ import annotations

import gzip
import json
import random
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from scraper.cli.app import app
from scraper.cli.outputs import refuse_output_over_inputs

runner = CliRunner()
FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "dedup" / "clusters.jsonl"
GOOD = FIXTURE.read_text(encoding="utf-8").splitlines()[:2]


def _run(tmp_path: Path, lines: list[str], *args: str) -> tuple[int, str, list[dict[str, object]]]:
    """Exit code, stderr and output records of ``scraper dedup`` on ``lines``."""
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["dedup", str(src), "-o", str(out), "--workers", "1", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    text = out.read_text(encoding="utf-8")  # strict: the output is valid UTF-8
    return result.exit_code, result.stderr, [json.loads(line) for line in text.splitlines()]


def _said(stderr: str | bytes) -> str:
    """``stderr`` as one line of words, out of the box (and line breaks) a usage error has."""
    text = stderr.decode() if isinstance(stderr, bytes) else stderr
    return " ".join(text.translate({ord(c): " " for c in "│╭╮╰╯─"}).split())


def _with(record: str, field: str) -> str:
    """``record`` (one JSON object) with ``field`` (``"name": value``) added."""
    return record[:-1] + ", " + field + "}"


def test_a_number_too_long_for_int_is_one_skipped_line(tmp_path: Path) -> None:
    digits = "9" * (sys.get_int_max_str_digits() + 1)
    code, err, records = _run(tmp_path, [GOOD[0], _with(GOOD[0], f'"n": {digits}'), GOOD[1]])
    assert code == 1
    assert f"in.jsonl:2: skipped: not JSON we can read: a number of over {len(digits) - 1}" in err
    assert len(records) == 2 and "2 documents" in err


def test_nesting_too_deep_is_one_skipped_line(tmp_path: Path) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    lines = [GOOD[0], deep, _with(GOOD[1], f'"x": {deep}'), GOOD[1]]
    code, err, records = _run(tmp_path, lines)
    assert code == 1
    assert "in.jsonl:2: skipped: not JSON we can read: nested too deeply" in err
    assert "in.jsonl:3: skipped: not JSON we can read: nested too deeply" in err
    assert len(records) == 2 and "2 bad line(s) skipped" in err


def test_a_record_read_at_any_depth_is_also_written(tmp_path: Path) -> None:
    # Around the recursion limit some records parse and some do not; each one read must be
    # written back (the writer must not be the one to run out of depth).
    limit = sys.getrecursionlimit()
    depths = range(limit - 200, limit + 10, 7)
    lines = [_with(GOOD[0], '"x": ' + "[" * d + "]" * d) for d in depths]
    code, err, records = _run(tmp_path, lines, "--batch", "5")
    skipped = err.count(": skipped: not JSON we can read: nested too deeply")
    assert 0 < skipped < len(lines) and code == 1
    assert len(records) + skipped == len(lines)


def test_a_lone_surrogate_becomes_u_fffd_in_the_output_and_the_url(tmp_path: Path) -> None:
    text_record = json.loads(GOOD[1])
    # As a JS producer writes a string cut inside an emoji: a "\ud83d" escape with no pair.
    cut = {"title": "Ferry \ud83d", "text": text_record["text"] + " \ud83d"}
    broken_text = json.dumps({**text_record, **cut, "url": "https://x.example/t"})
    broken_url = _with(
        GOOD[1].replace('"url": "', '"url": "https://y.example/\\udfff?from='), '"\\ud800k": 1'
    )
    whole = _with(GOOD[0], '"emoji": "\\ud83d\\ude00"')  # a pair stays the character it is
    code, err, records = _run(tmp_path, [whole, broken_text, broken_url])
    assert code == 0, err
    assert [r["url"] for r in records][1:] == [
        "https://x.example/t",
        "https://y.example/\ufffd?from=" + text_record["url"],
    ]
    assert records[0]["emoji"] == "\U0001f600"
    assert (
        records[1]["title"] == "Ferry \ufffd"
        and records[1]["text"] == text_record["text"] + " \ufffd"
    )
    assert records[2]["\ufffdk"] == 1
    # All three are copies of one article: the replaced url is the one duplicate_of names.
    assert len({r["cluster"] for r in records}) == 1
    lead = next(r["url"] for r in records if r["duplicate_of"] is None)
    assert all(r["duplicate_of"] in (None, lead) for r in records)
    assert "3 documents" in err


def _spellings(src: Path) -> list[Path]:
    """Other names of the file ``src``: itself, a symlink, a path through "..", a hard link."""
    link, hard = src.with_name("link.jsonl"), src.with_name("hard.jsonl")
    link.symlink_to(src.name)
    hard.hardlink_to(src)
    sub = src.parent / "sub"
    sub.mkdir()
    return [src, link, sub / ".." / src.name, hard]


def test_an_output_that_is_the_input_is_a_usage_error_and_the_input_is_kept(
    tmp_path: Path,
) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(GOOD) + "\n", encoding="utf-8")
    before = src.read_bytes()
    for output in _spellings(src):
        result = runner.invoke(app, ["dedup", str(src), "-o", str(output), "--workers", "1"])
        assert result.exit_code == 2, (output, result.output)
        assert "is the input file" in _said(result.stderr)
        assert src.read_bytes() == before
    other = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["dedup", str(src), "-o", str(other), "--workers", "1"])
    assert result.exit_code == 0 and len(other.read_text(encoding="utf-8").splitlines()) == 2


def test_stdin_or_stdout_redirected_to_the_input_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # CliRunner's streams have no file descriptor, so the check is called with real files
    # standing for the redirected stdin (`- -o in.jsonl < in.jsonl`) and stdout (`>> in.jsonl`).
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(GOOD) + "\n", encoding="utf-8")
    with src.open("r", encoding="utf-8") as stdin, src.open("a", encoding="utf-8") as stdout:
        monkeypatch.setattr(sys, "stdin", stdin)
        monkeypatch.setattr(sys, "stdout", stdout)
        for input_path, output in ((Path("-"), src), (src, Path("-"))):
            with pytest.raises(typer.BadParameter, match="is the input file"):
                refuse_output_over_inputs([input_path], output)
        refuse_output_over_inputs([Path("-")], tmp_path / "new.jsonl")  # no such file yet
        refuse_output_over_inputs([src], tmp_path / "new.jsonl")


def test_a_byte_order_mark_opening_the_file_is_read_past(tmp_path: Path) -> None:
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    # As Windows tools write it: utf-8-sig with CRLF line ends.
    src.write_bytes(("\r\n".join(GOOD) + "\r\n").encode("utf-8-sig"))
    result = runner.invoke(app, ["dedup", str(src), "-o", str(out), "--workers", "1"])
    assert result.exit_code == 0, result.stderr
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["url"] for r in records] == [json.loads(line)["url"] for line in GOOD]
    # Only the stream's first line may carry one: elsewhere it is not JSON.
    src.write_bytes(("\n".join([GOOD[0], "\ufeff" + GOOD[1]]) + "\n").encode())
    result = runner.invoke(app, ["dedup", str(src), "-o", str(out), "--workers", "1"])
    assert result.exit_code == 1 and "in.jsonl:2: skipped: not JSON" in result.stderr


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_a_value_json_has_not_is_one_skipped_line(tmp_path: Path, constant: str) -> None:
    # Python reads NaN and wrote it back: a line no other JSON reader takes.
    code, err, records = _run(tmp_path, [GOOD[0], _with(GOOD[1], f'"score": {constant}')])
    assert code == 1
    assert f"in.jsonl:2: skipped: not JSON: {constant} is no JSON value" in err
    assert [r["url"] for r in records] == [json.loads(GOOD[0])["url"]]


def test_gzip_compressed_records_are_read_as_the_records(tmp_path: Path) -> None:
    src, out = tmp_path / "in.jsonl.gz", tmp_path / "out.jsonl"
    src.write_bytes(gzip.compress(("\n".join(GOOD) + "\n").encode()))
    result = runner.invoke(app, ["dedup", str(src), "-o", str(out), "--workers", "1"])
    assert result.exit_code == 0, result.stderr
    placed = [json.loads(line)["url"] for line in out.read_text().splitlines()]
    assert placed == [json.loads(line)["url"] for line in GOOD]


def test_corrupt_gzip_data_is_one_error_and_exit_1(tmp_path: Path) -> None:
    src, out = tmp_path / "in.jsonl.gz", tmp_path / "out.jsonl"
    packed = gzip.compress(("\n".join(GOOD * 200) + "\n").encode())
    src.write_bytes(packed[: len(packed) // 2])  # cut short in transfer
    result = runner.invoke(app, ["dedup", str(src), "-o", str(out), "--workers", "1"])
    assert result.exit_code == 1
    assert "in.jsonl.gz: cannot read the compressed input" in _said(result.stderr)
    assert "Traceback" not in result.output


def test_binary_input_stops_after_its_first_lines_with_one_reason(tmp_path: Path) -> None:
    # Each newline byte of random data made one more line of error: 52 for 13 KB.
    src, out = tmp_path / "in.dat", tmp_path / "out.jsonl"
    src.write_bytes(random.Random(7).randbytes(20_000) + b"\n" * 50)
    result = runner.invoke(app, ["dedup", str(src), "-o", str(out), "--workers", "1"])
    assert result.exit_code == 1
    assert "in.dat: not JSON Lines: its first 10 lines are no records; stopped" in result.stderr
    assert result.stderr.count("skipped:") == 10
    assert out.read_text() == ""
