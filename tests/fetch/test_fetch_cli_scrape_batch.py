"""``scraper scrape`` batches: pages without article, unreadable --input lines, and articles
written as they come (a Ctrl-C keeps those done)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from fetch_server import LocalServer, Request, respond
from typer.testing import CliRunner

from scraper.cli.app import app
from scraper.crawl.extraction import Extractor, PageJob
from scraper.crawl.jobs import Outcome

runner = CliRunner()
real_extract = Extractor.extract
LOCAL = ["--allow-network", "127.0.0.0/8", "--interval", "0", "--timeout", "5"]
NO_ARTICLE = (
    b"<html><head><title>Home</title></head><body><nav><a href=/a>A</a></nav></body></html>"
)


def _empty_routes(server: LocalServer) -> None:
    @server.route("/blank")
    async def blank(request: Request, writer: asyncio.StreamWriter) -> bool:
        return await respond(writer, 200, b"")

    @server.route("/nocontent")
    async def nocontent(request: Request, writer: asyncio.StreamWriter) -> bool:
        writer.write(b"HTTP/1.1 204 No Content\r\n\r\n")
        await writer.drain()
        return True

    @server.route("/home")
    async def home(request: Request, writer: asyncio.StreamWriter) -> bool:
        return await respond(writer, 200, NO_ARTICLE)


def test_a_page_without_article_is_an_empty_failure_as_in_a_crawl(server: LocalServer) -> None:
    _empty_routes(server)
    good = server.url("/page/a")
    empty = [server.url(path) for path in ("/blank", "/nocontent", "/home")]
    result = runner.invoke(
        app, ["scrape", empty[0], good, empty[1], empty[2], "-f", "jsonl", *LOCAL]
    )
    assert result.exit_code == 1
    assert [json.loads(line)["url"] for line in result.stdout.splitlines()] == [good]
    assert result.stderr.splitlines() == [
        f"scraper: {url}: empty: no article text found" for url in empty
    ]


def test_a_listing_line_that_is_not_utf8_is_reported_and_the_others_go_on(
    server: LocalServer, tmp_path: Path
) -> None:
    urls = [server.url("/page/a"), server.url("/page/b")]
    listing = tmp_path / "urls.txt"
    listing.write_bytes(f"{urls[0]}\n\xff\xfe bad\n{urls[1]}\n".encode("latin-1"))
    result = runner.invoke(app, ["scrape", "--input", str(listing), "-f", "jsonl", *LOCAL])
    assert result.exit_code == 1
    assert [json.loads(line)["url"] for line in result.stdout.splitlines()] == urls
    assert result.stderr == f"scraper: {listing}:2: input: not UTF-8 text: invalid start byte\n"


def test_ctrl_c_keeps_the_articles_already_written(
    server: LocalServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    urls = [server.url(f"/page/{name}") for name in "abcd"]

    async def extract(self: Extractor, job: PageJob) -> Outcome:
        if (job.url or "").endswith("/c"):
            raise KeyboardInterrupt  # the user's Ctrl-C while this page is extracted
        return await real_extract(self, job)

    monkeypatch.setattr(Extractor, "extract", extract)
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["scrape", *urls, "-f", "jsonl", "-o", str(out), *LOCAL])
    assert result.exit_code == 130
    assert result.stderr.splitlines()[-1] == "scraper: interrupted; 2 articles written"
    lines = out.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["url"] for line in lines] == urls[:2]


def test_a_failure_line_stays_short_for_a_huge_url(server: LocalServer) -> None:
    huge = server.url("/page/" + "a" * 100_000)
    good = server.url("/page/b")
    result = runner.invoke(app, ["scrape", huge, good, "-f", "jsonl", *LOCAL])
    assert result.exit_code == 1
    assert [json.loads(line)["url"] for line in result.stdout.splitlines()] == [good]
    (line,) = result.stderr.splitlines()
    assert len(line) < 1500
    assert line.startswith(f"scraper: {server.url('/page/aaa')}")
    assert "characters]..." in line
