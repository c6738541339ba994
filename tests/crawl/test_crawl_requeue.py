"""Failed URLs listed by ``scraper status --failed`` and given another chance by ``retry``."""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

import scraper.crawl
import scraper.errors
import scraper.models
from scraper.cli.app import app
from scraper.crawl.lock import RunLock
from scraper.crawl.requeue import requeue_failed
from scraper.crawl.run import PERMANENT_KINDS
from scraper.demo.server import SiteServer
from scraper.demo.site import load_sites, render_site
from scraper.errors import FAILURE_KINDS, ConfigError

SITE = next(site for site in load_sites() if site.slug == "herald")
runner = CliRunner()


@pytest.fixture
def site() -> Iterator[SiteServer]:
    with SiteServer() as server:
        server.publish(render_site(SITE, server.base_url))
        yield server


def _paths() -> list[str]:
    return [f"/news/2026/{a.slug}" for a in SITE.articles]


def _toml(site: SiteServer, folder: Path) -> Path:
    urls = ", ".join(f'"{site.base_url}{p}"' for p in _paths())
    path = folder / "crawl.toml"
    path.write_text(
        'store = "crawl.db"\nworkers = 0\nallow_networks = ["127.0.0.0/8"]\n'
        "[politeness]\nmin_interval = 0.0\n"
        # A 503 waits an hour for its retry; a 404 is given up at once.
        "[retry]\nbackoff = 3600\nper_request = 1\n"
        f'[[source]]\nname = "herald"\nurls = [{urls}]\n',
        encoding="utf-8",
    )
    return path


@pytest.fixture
def failed_crawl(site: SiteServer, tmp_path: Path) -> tuple[SiteServer, Path]:
    gone, down = _paths()[:2]
    site.fail(gone, 404)
    site.fail(down, 503)
    toml = _toml(site, tmp_path)
    # Exported, so that the next exports hold only what later runs store.
    result = runner.invoke(app, ["crawl", str(toml), "--export", "jsonl"])
    assert result.exit_code == 1, result.output  # two URLs failed
    return site, toml


def test_status_lists_the_failed_urls_with_their_state_and_error(
    failed_crawl: tuple[SiteServer, Path],
) -> None:
    site, toml = failed_crawl
    gone, down = (site.base_url + p for p in _paths()[:2])
    shown = runner.invoke(app, ["status", str(toml), "--failed"])
    assert shown.exit_code == 0, shown.output
    lines = shown.stdout.splitlines()
    at = lines.index("failed URLs (2 of 2 shown):")
    first, second = lines[at + 1 : at + 3]
    # Given up first, then waiting for a retry.
    assert first.startswith(gone) and "given up" in first and "404" in first
    assert second.startswith(down) and "retry after" in second and "503" in second
    data = json.loads(runner.invoke(app, ["status", str(toml), "--json", "--failed"]).stdout)
    assert [(f["url"], f["state"]) for f in data["failed"]] == [
        (gone, "gave_up"),
        (down, "retry"),
    ]
    assert "failed" not in json.loads(runner.invoke(app, ["status", str(toml), "--json"]).stdout)
    first_only = runner.invoke(app, ["status", str(toml), "--failed", "--limit", "1"]).stdout
    assert "failed URLs (1 of 2 shown):" in first_only
    mine = runner.invoke(app, ["status", str(toml), "--failed", "--source", "herald"]).stdout
    assert "failed URLs (2 of 2 shown):" in mine
    other = runner.invoke(app, ["status", str(toml), "--failed", "--source", "elsewhere"])
    assert other.exit_code == 2 and gone not in other.stdout  # no such source: not "no failures"


def test_retry_makes_given_up_urls_due_and_the_next_run_stores_them(
    failed_crawl: tuple[SiteServer, Path],
) -> None:
    site, toml = failed_crawl
    gone, down = _paths()[:2]
    for path in (gone, down):  # the site is back
        site.restore(path)
    # Another kind matches nothing; the 503 waits for its hour without --waiting.
    assert "0 URLs" in runner.invoke(app, ["retry", str(toml), "--kind", "timeout"]).stderr
    done = runner.invoke(app, ["retry", str(toml), "--kind", "http_status"])
    assert done.exit_code == 0 and "1 URL due again" in done.stderr
    rerun = runner.invoke(app, ["crawl", str(toml), "--export", "jsonl"])
    assert rerun.exit_code == 0, rerun.output
    stored = [json.loads(line)["url"] for line in rerun.stdout.splitlines()]
    assert stored == [site.base_url + gone]
    assert "1 URL due again" in runner.invoke(app, ["retry", str(toml), "--waiting"]).stderr
    last = runner.invoke(app, ["crawl", str(toml), "--export", "jsonl"])
    assert [json.loads(line)["url"] for line in last.stdout.splitlines()] == [site.base_url + down]
    asked = [r.path for r in site.log]
    assert asked.count(gone) == 2 and asked.count(down) == 2  # each failed once, then stored


def test_retry_refuses_an_unknown_source_and_a_store_in_use(
    failed_crawl: tuple[SiteServer, Path],
) -> None:
    _, toml = failed_crawl
    unknown = runner.invoke(app, ["retry", str(toml), "--source", "nope"])
    assert unknown.exit_code == 2 and "herald" in unknown.output
    with RunLock(toml.parent / "crawl.db"):
        locked = runner.invoke(app, ["retry", str(toml)])
    assert locked.exit_code == 3
    shown = runner.invoke(app, ["status", str(toml), "--failed"]).stdout
    assert "failed URLs (2 of 2 shown):" in shown  # nothing changed under the lock


def test_retry_refuses_a_kind_no_failure_is_recorded_under(
    failed_crawl: tuple[SiteServer, Path],
) -> None:
    _, toml = failed_crawl
    # A typo of http_status used to match no URL: "0 URLs due again", exit 0.
    typo = runner.invoke(app, ["retry", str(toml), "--kind", "http-status"])
    assert typo.exit_code == 2, typo.output
    said = re.sub(r"[\s│]+", " ", typo.output)  # as the error's box wraps it
    assert f"no failure kind 'http-status' (kinds: {', '.join(FAILURE_KINDS)})" in said
    assert "kind: no failure kind" not in said  # the option names the key, not the message
    data = json.loads(runner.invoke(app, ["status", str(toml), "--json", "--failed"]).stdout)
    assert [f["state"] for f in data["failed"]] == ["gave_up", "retry"]  # nothing requeued
    recorded = {f["error"].split(":", 1)[0] for f in data["failed"]}
    assert recorded == {"http_status"} and recorded <= set(FAILURE_KINDS)


def test_requeue_failed_refuses_an_unknown_kind_before_touching_the_store(tmp_path: Path) -> None:
    # Called from code, as from the CLI: a typo is an error, not "0 URLs due again".
    missing = tmp_path / "no-such.db"
    with pytest.raises(ConfigError, match="no failure kind 'http-status'") as caught:
        requeue_failed(missing, kind="http-status")
    assert caught.value.key == "kind"
    assert str(caught.value) == f"kind: {caught.value.detail}"
    assert caught.value.detail.startswith("no failure kind 'http-status'")
    assert not missing.exists() and list(tmp_path.iterdir()) == []


#: The calls through which a failure is recorded, and which argument holds its kind.
_KIND_ARGUMENT = {"ExtractFailed": 0, "_fail": 1, "failed": 1, "_unplaced": 1, "Failure": 1}


def _kind_arguments(tree: ast.AST) -> list[ast.expr]:
    given: list[ast.expr] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            at = _KIND_ARGUMENT.get(name)
            given += [node.args[at]] if at is not None and len(node.args) > at else []
            given += [k.value for k in node.keywords if k.arg == "kind"]
        elif isinstance(node, ast.FunctionDef) and node.name == "why_empty":  # (kind, reason)
            given += [
                r.value.elts[0]
                for r in ast.walk(node)
                if isinstance(r, ast.Return) and isinstance(r.value, ast.Tuple)
            ]
    return given


def test_failure_kinds_are_recorded_by_name_and_all_listed() -> None:
    # A kind written out as a string where it is recorded could be misspelt unseen, and one
    # missing from FAILURE_KINDS would be refused by retry --kind: every kind recorded is a
    # named constant of scraper.errors or an error class's own.
    package = Path(scraper.crawl.__file__).parent
    sources = [*package.glob("*.py"), package.parent / "models.py", package.parent / "batch.py"]
    given = [g for p in sources for g in _kind_arguments(ast.parse(p.read_text("utf-8")))]
    assert len(given) >= 12  # the scan finds the calls
    literals = [ast.unparse(g) for g in given if isinstance(g, ast.Constant)]
    assert literals == []
    named = {g.id for g in given if isinstance(g, ast.Name) and g.id.startswith("KIND_")}
    assert {"KIND_EMPTY", "KIND_EMPTY_BODY", "KIND_INTERNAL", "KIND_WORKER_DIED"} <= named
    assert {getattr(scraper.errors, name) for name in named} <= set(FAILURE_KINDS)
    assert PERMANENT_KINDS.issubset(FAILURE_KINDS), PERMANENT_KINDS - set(FAILURE_KINDS)
