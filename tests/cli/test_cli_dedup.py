"""``scraper dedup`` through typer's CliRunner: output records, summary, bad lines, --db."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scraper.cli.app import app
from scraper.dedup import DedupIndex, DedupOptions
from scraper.errors import StoreError
from scraper.store.crawl_store import SQLiteCrawlStore

runner = CliRunner()
FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "dedup" / "clusters.jsonl"


def _records(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_dedup_marks_every_record_and_prints_a_summary(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["dedup", str(FIXTURE), "--output", str(out)])
    assert result.exit_code == 0, result.output
    records = _records(out)
    assert len(records) == len(FIXTURE.read_text(encoding="utf-8").splitlines())
    by_label: dict[object, set[object]] = {}
    for record in records:
        by_label.setdefault(record["expect"], set()).add(record["cluster"])
    assert all(len(ids) == 1 for ids in by_label.values())
    assert len({r["cluster"] for r in records}) == len(by_label)
    leads = [r for r in records if r["duplicate_of"] is None]
    assert {r["expect"] for r in leads} == set(by_label)
    assert "9 clusters" in result.stderr and "13 duplicates" in result.stderr


def test_bad_lines_are_reported_with_their_number_and_skipped(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    good = FIXTURE.read_text(encoding="utf-8").splitlines()[:2]
    src.write_text(
        "\n".join([good[0], "{not json", '{"url": "https://x.example/a"}', "[1, 2]", good[1]])
        + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["dedup", str(src), "-o", str(out)])
    assert result.exit_code == 1
    for number in (2, 3, 4):
        assert f"in.jsonl:{number}: skipped" in result.stderr
    records = _records(out)
    assert len(records) == 2 and records[0]["cluster"] == records[1]["cluster"]


def test_a_line_that_is_not_utf8_is_one_bad_line(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    good = FIXTURE.read_text(encoding="utf-8").splitlines()[:2]
    latin1 = '{"url": "https://x.example/a", "text": "Caf\u00e9 cr\u00e8me"}'.encode("latin-1")
    src.write_bytes(b"\n".join([good[0].encode(), latin1, good[1].encode()]) + b"\n")
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["dedup", str(src), "-o", str(out)])
    assert result.exit_code == 1
    skipped = [line for line in result.stderr.splitlines() if ": skipped: " in line]
    assert len(skipped) == 1 and "in.jsonl:2: skipped: not UTF-8" in skipped[0]
    assert "1 bad line(s) skipped" in result.stderr
    assert [r["url"] for r in _records(out)] == [json.loads(line)["url"] for line in good]


def test_records_are_read_from_stdin_and_written_to_stdout() -> None:
    lines = FIXTURE.read_bytes().splitlines()[:2]
    result = runner.invoke(app, ["dedup", "-", "--workers", "1"], input=b"\n".join(lines))
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["url"] for r in records] == [json.loads(line)["url"] for line in lines]
    assert records[0]["cluster"] == records[1]["cluster"]


def test_db_keeps_the_index_across_runs(tmp_path: Path) -> None:
    lines = FIXTURE.read_text(encoding="utf-8").splitlines()
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    first.write_text(lines[0] + "\n", encoding="utf-8")
    second.write_text(lines[6] + "\n", encoding="utf-8")  # the trimmed copy of lines[0]
    db = tmp_path / "index.sqlite"
    for src in (first, second):
        result = runner.invoke(app, ["dedup", str(src), "-o", str(src) + ".out", "--db", str(db)])
        assert result.exit_code == 0, result.output
    (lead,) = _records(Path(str(first) + ".out"))
    (copy,) = _records(Path(str(second) + ".out"))
    assert copy["cluster"] == lead["cluster"] and copy["duplicate_of"] == lead["url"]


def test_bad_option_is_a_usage_error() -> None:
    result = runner.invoke(app, ["dedup", str(FIXTURE), "--containment", "2"])
    assert result.exit_code == 2


def test_batches_are_placed_in_turn_and_written_in_input_order(tmp_path: Path) -> None:
    lines = FIXTURE.read_text(encoding="utf-8").splitlines()
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join([*lines[:3], "{bad", *lines[3:]]) + "\n", encoding="utf-8")
    whole, batched = tmp_path / "whole.jsonl", tmp_path / "batched.jsonl"
    one = runner.invoke(app, ["dedup", str(src), "-o", str(whole), "--workers", "1"])
    assert one.exit_code == 1 and "in.jsonl:4: skipped" in one.stderr
    # Batches of 4 with a worker process: each next batch is analysed while one is placed.
    args = ["dedup", str(src), "-o", str(batched), "--batch", "4", "--workers", "2"]
    streamed = runner.invoke(app, args)
    assert streamed.exit_code == 1 and "in.jsonl:4: skipped" in streamed.stderr
    first, second = _records(whole), _records(batched)
    assert [r["url"] for r in second] == [r["url"] for r in first]
    # Each batch is placed against everything placed before it, so these records get the
    # clusters one whole batch gives them.
    assert [r["cluster"] for r in second] == [r["cluster"] for r in first]
    assert "9 clusters" in streamed.stderr


def test_a_batch_past_sys_maxsize_is_the_whole_input_as_one_batch(tmp_path: Path) -> None:
    whole, batched = tmp_path / "whole.jsonl", tmp_path / "batched.jsonl"
    one = runner.invoke(app, ["dedup", str(FIXTURE), "-o", str(whole), "--workers", "1"])
    huge = str(sys.maxsize * 10)
    args = ["dedup", str(FIXTURE), "-o", str(batched), "--workers", "1", "--batch", huge]
    result = runner.invoke(app, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code == 0 and one.exit_code == 0, result.output
    assert _records(batched) == _records(whole)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full to make writes fail")
def test_an_output_write_that_fails_is_one_line_and_exit_1() -> None:
    result = runner.invoke(app, ["dedup", str(FIXTURE), "-o", "/dev/full", "--workers", "1"])
    assert result.stderr == "scraper: cannot write /dev/full: No space left on device\n"
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)


def test_an_output_that_is_the_index_is_a_usage_error_and_the_index_is_kept(
    tmp_path: Path,
) -> None:
    db = tmp_path / "index.sqlite"
    first = runner.invoke(app, ["dedup", str(FIXTURE), "--db", str(db), "-o", os.devnull])
    assert first.exit_code == 0, first.output
    before = db.read_bytes()
    link = tmp_path / "link.sqlite"
    link.symlink_to(db)
    for output in (db, link, tmp_path / "index.sqlite-wal"):
        result = runner.invoke(app, ["dedup", str(FIXTURE), "--db", str(db), "-o", str(output)])
        assert result.exit_code == 2, (output, result.output)
        assert result.stderr == (
            f"scraper: --output: {output} is the dedup index {db} (or one of its files);"
            " refusing to write the records over it\n"
        )
        assert db.read_bytes() == before


def test_each_record_stays_one_line_whatever_its_text_holds(tmp_path: Path) -> None:
    text = "A council vote\u2028on the harbour\u2029budget \x85 passed late on Tuesday night."
    given = tmp_path / "in.jsonl"
    given.write_text(json.dumps({"url": "https://a.test/1", "text": text}) + "\n", "utf-8")
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["dedup", str(given), "--output", str(out)])
    assert result.exit_code == 0, result.output
    (record,) = _records(out)
    assert record["text"] == text


def test_default_workers_are_the_cpus_this_process_may_use(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Under taskset or a container's CPU set the machine has more CPUs than the process may
    # run on; one worker per machine CPU would only make them contend.
    seen: list[int] = []
    real_open = DedupIndex.open

    def spy(path: Path | str, options: DedupOptions) -> DedupIndex:
        seen.append(options.workers)
        return real_open(path, options)

    monkeypatch.setattr("os.cpu_count", lambda: 8)
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: {0}, raising=False)
    monkeypatch.setattr(DedupIndex, "open", staticmethod(spy))
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["dedup", str(FIXTURE), "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert seen == [1]


def test_a_crawl_store_and_a_dedup_index_are_not_taken_for_each_other(tmp_path: Path) -> None:
    # Either way the clusters of one became the other's: crawl articles exported as
    # duplicates of file:// pages that were never crawled.
    store = tmp_path / "news.db"
    SQLiteCrawlStore(store).close()
    before = store.read_bytes()
    result = runner.invoke(app, ["dedup", str(FIXTURE), "--db", str(store), "-o", os.devnull])
    assert result.exit_code == 4, result.output
    assert f"{store} is a crawl store" in result.stderr
    assert store.read_bytes() == before
    index = tmp_path / "index.sqlite"
    made = runner.invoke(app, ["dedup", str(FIXTURE), "--db", str(index), "-o", os.devnull])
    assert made.exit_code == 0, made.output
    for create in (True, False):
        with pytest.raises(StoreError, match="made by `scraper dedup --db`, not a crawl store"):
            SQLiteCrawlStore(index, create=create)
