"""A page whose parse tree grows without bound fails alone under the memory cap, fast, instead
of taking gigabytes; the cap is set where extraction runs and lifted after a command."""

from __future__ import annotations

import asyncio
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scraper.cli.app import app
from scraper.config import load_config
from scraper.crawl.extraction import Extracted, ExtractFailed, Extractor, PageJob, extract_job
from scraper.errors import ConfigError
from scraper.memory import memory_cap
from scraper.models import Failure

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
#: Low enough to be met in a second or two, high enough for a worker to start.
CAP_MB = 192


def _runaway(n: int = 3000) -> bytes:
    # Formatting tags left open are reopened by the HTML5 tree builder in every later block:
    # n tags and n paragraphs make n * n elements (lexbor issue 340): gigabytes from 50 KB.
    opened = "".join(f"<font class=c{i}>" for i in range(n))
    return f"<html><body><p>{opened}lede</p>{'<p>x</p>' * n}</body></html>".encode()


def _fixture() -> PageJob:
    page = FIXTURES / "wordpress-news.html"
    return PageJob("https://n.test/a", page.read_bytes())


def test_a_runaway_page_fails_in_a_capped_worker_and_the_worker_goes_on() -> None:
    jobs = [PageJob("https://n.test/runaway", _runaway()), _fixture()]

    async def run() -> tuple[list[Extracted | ExtractFailed], int]:
        async with Extractor(1, timeout=60, memory_mb=CAP_MB) as pool:
            found = await asyncio.wait_for(asyncio.gather(*map(pool.extract, jobs)), 60)
            return list(found), pool.started

    (runaway, article), started = asyncio.run(run())
    assert isinstance(runaway, ExtractFailed)
    assert runaway.kind in {"parse", "out_of_memory"}
    assert article == extract_job(jobs[1])
    assert started == 1  # the same worker went on: nothing was killed


def test_the_cli_fails_a_runaway_page_under_its_cap_and_extracts_the_others(
    tmp_path: Path,
) -> None:
    page = tmp_path / "runaway.html"
    page.write_bytes(_runaway())
    other = FIXTURES / "wordpress-news.html"
    command = ["extract", "--memory-mb", str(CAP_MB), str(page), str(other), "--format", "jsonl"]
    done = subprocess.run(
        [sys.executable, "-m", "scraper", *command],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    assert "runaway.html: parse: the HTML parser could not build this page" in done.stderr
    assert len(done.stdout.splitlines()) == 1  # the other page's article


def test_a_command_run_in_process_leaves_no_cap_behind(tmp_path: Path) -> None:
    before = resource.getrlimit(resource.RLIMIT_DATA)
    page = FIXTURES / "wordpress-news.html"
    result = CliRunner().invoke(app, ["extract", "--memory-mb", "4096", str(page)])
    assert result.exit_code == 0, result.output
    assert resource.getrlimit(resource.RLIMIT_DATA) == before


def test_memory_cap_sets_and_restores_the_soft_limit() -> None:
    before = resource.getrlimit(resource.RLIMIT_DATA)
    with memory_cap(4096):
        soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
        assert hard == before[1]
        assert soft == (4096 << 20 if hard == resource.RLIM_INFINITY else min(4096 << 20, hard))
    assert resource.getrlimit(resource.RLIMIT_DATA) == before


@pytest.mark.parametrize("megabytes", ["64", "-5", "99999999999999999"])
def test_too_small_or_too_large_a_cap_is_a_usage_error(megabytes: str) -> None:
    # Past 2**43 MB no process takes the limit: every worker died at start.
    result = CliRunner().invoke(app, ["extract", "--memory-mb", megabytes, "x.html"])
    assert result.exit_code == 2
    assert "--memory-mb" in result.output


def test_the_help_gives_the_caps_taken() -> None:
    # It showed the range [x>=0], while 1 to 127 are refused.
    shown = " ".join(CliRunner().invoke(app, ["extract", "--help"]).output.replace("│", "").split())
    assert "0: no cap; else at least 128" in shown
    assert "x>=0" not in shown


def test_a_memory_error_is_its_own_failure_kind_not_a_bug() -> None:
    failure = Failure.from_error("p.html", MemoryError())
    assert (failure.kind, failure.reason) == (
        "out_of_memory",
        "extraction ran out of memory on this page",
    )


def _config(tmp_path: Path, line: str) -> Path:
    path = tmp_path / "crawl.toml"
    path.write_text(
        f'store = "news.db"\n{line}\n[[source]]\nname = "a"\nfeed = "https://a.test/feed"\n'
    )
    return path


def test_the_crawl_caps_its_workers_by_default_and_can_be_told_not_to(tmp_path: Path) -> None:
    assert load_config(_config(tmp_path, "")).extract_memory_mb == 1024
    assert load_config(_config(tmp_path, "extract_memory_mb = 0")).extract_memory_mb is None
    assert load_config(_config(tmp_path, "extract_memory_mb = 2048")).extract_memory_mb == 2048
    with pytest.raises(ConfigError) as caught:
        load_config(_config(tmp_path, "extract_memory_mb = 100"))
    assert caught.value.key == "extract_memory_mb"
