"""``scraper scrape`` through CliRunner against the local server."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from fetch_server import STORY, LocalServer, Request, html_page, respond
from typer.testing import CliRunner

from scraper.cli.app import app
from scraper.cli.scrape import request_timeouts
from scraper.fetch import Timeouts

runner = CliRunner()
LOCAL = ["--allow-network", "127.0.0.0/8", "--interval", "0", "--timeout", "5"]


def test_good_urls_print_and_a_failed_one_is_reported_with_exit_1(server: LocalServer) -> None:
    good = [server.url("/page/a"), server.url("/page/b")]
    bad = [server.url("/status/404"), "http://10.0.0.1/private"]
    result = runner.invoke(app, ["scrape", good[0], bad[0], good[1], bad[1], "-f", "jsonl", *LOCAL])
    assert result.exit_code == 1
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["url"] for r in records] == good
    assert [r["title"] for r in records] == ["/page/a", "/page/b"]
    errors = result.stderr.splitlines()
    assert errors == [
        f"scraper: {bad[0]}: http_status: HTTP 404 ({bad[0]})",
        f"scraper: {bad[1]}: address: refused to connect to 10.0.0.1: 10.0.0.1 is private"
        f" ({bad[1]})",
    ]
    assert not [r for r in server.log if r.host != "127.0.0.1"]


def test_input_file_save_html_and_extract_give_the_same_article(
    server: LocalServer, tmp_path: Path
) -> None:
    listing = tmp_path / "urls.txt"
    listing.write_text(f"# today's pages\n\n{server.url('/story')}\n", encoding="utf-8")
    saved = tmp_path / "pages"
    out = tmp_path / "out.json"
    result = runner.invoke(
        app,
        [
            "scrape",
            "--input",
            str(listing),
            "--save-html",
            str(saved),
            "-f",
            "json",
            "-o",
            str(out),
            *LOCAL,
        ],
    )
    assert result.exit_code == 0, result.output
    (scraped,) = json.loads(out.read_text(encoding="utf-8"))
    assert "night ferry" in scraped["text"]
    (html_file,) = saved.glob("*.html")
    assert html_file.read_bytes() == html_page("Ferry stays", STORY)
    again = runner.invoke(app, ["extract", str(html_file), "-f", "json"])
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout) == [scraped]


def test_robots_are_obeyed_unless_ignored(server: LocalServer) -> None:
    server.robots["127.0.0.1"] = (200, "User-agent: *\nDisallow: /page/\n")
    url = server.url("/page/x")
    blocked = runner.invoke(app, ["scrape", url, *LOCAL])
    assert blocked.exit_code == 1
    assert "robots: blocked by robots.txt" in blocked.stderr
    assert server.requests(path="/page/x") == []
    allowed = runner.invoke(app, ["scrape", url, "--ignore-robots", *LOCAL])
    assert allowed.exit_code == 0, allowed.output
    assert len(server.requests(path="/page/x")) == 1


def test_no_urls_is_a_usage_error() -> None:
    result = runner.invoke(app, ["scrape"])
    assert result.exit_code == 2
    assert "give at least one URL" in result.output


def test_a_bad_network_is_a_usage_error() -> None:
    result = runner.invoke(app, ["scrape", "http://example.org/", "--allow-network", "nonsense"])
    assert result.exit_code == 2
    # Named by the option given, not by the field of the fetch options it became.
    assert "--allow-network: not a network" in result.output
    assert "allow_networks" not in result.output


def test_an_empty_user_agent_is_a_usage_error_not_the_default() -> None:
    result = runner.invoke(app, ["scrape", "http://example.org/", "--user-agent", " "])
    assert result.exit_code == 2
    assert "--user-agent" in result.output and "must not be empty" in result.output


def test_a_contact_that_cannot_go_in_a_header_is_a_usage_error() -> None:
    result = runner.invoke(app, ["scrape", "http://example.org/", "--contact", "b\u00f6t@a.test"])
    assert result.exit_code == 2
    assert "printable ASCII" in result.output


def test_help_ends_with_an_example() -> None:
    result = runner.invoke(app, ["scrape", "--help"])
    assert result.exit_code == 0
    assert "Example: scraper scrape https://" in result.output


def test_many_urls_from_stdin_keep_their_order(server: LocalServer) -> None:
    urls = [server.url(f"/page/n{n}") for n in range(7)]  # enough for the progress bar
    result = runner.invoke(
        app, ["scrape", "--input", "-", "-f", "jsonl", *LOCAL], input="\n".join(urls)
    )
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["url"] for line in result.stdout.splitlines()] == urls


def test_a_page_that_extraction_cannot_handle_is_its_failure_only(server: LocalServer) -> None:
    # Formatting tags left open are reopened in every later block: the parser's tree grows as
    # n * n elements (gigabytes from 50 KB). The worker's memory cap makes it fail alone.
    opened = "".join(f"<font class=c{i}>" for i in range(3000))
    runaway = f"<html><body><p>{opened}lede</p>{'<p>x</p>' * 3000}</body></html>".encode()

    @server.route("/runaway")
    async def serve(request: Request, writer: asyncio.StreamWriter) -> bool:
        return await respond(writer, 200, runaway)

    good, bad = server.url("/page/a"), server.url("/runaway")
    result = runner.invoke(app, ["scrape", bad, good, "-f", "jsonl", "--memory-mb", "192", *LOCAL])
    assert result.exit_code == 1
    assert [json.loads(line)["url"] for line in result.stdout.splitlines()] == [good]
    assert result.stderr.splitlines() == [
        f"scraper: {bad}: parse: the HTML parser could not build this page (Can't parse HTML.)"
    ]


def test_a_page_that_cannot_be_saved_is_a_store_failure(
    server: LocalServer, tmp_path: Path
) -> None:
    a_file = tmp_path / "pages"
    a_file.write_text("a file where the directory should be", encoding="utf-8")
    under_a_file = a_file / "saved"  # no such folder, and none can be made
    url = server.url("/page/a")
    result = runner.invoke(app, ["scrape", url, "--save-html", str(under_a_file), *LOCAL])
    assert result.exit_code == 1
    assert result.stderr.startswith(
        f"scraper: {url}: store: cannot save the page under {under_a_file}"
    )


def test_a_save_folder_that_is_a_file_is_a_usage_error_before_any_fetch(
    server: LocalServer, tmp_path: Path
) -> None:
    # Every page failed on its own before: no article printed, exit 1.
    a_file = tmp_path / "page.html"
    a_file.write_text("kept", encoding="utf-8")
    url = server.url("/page/a")
    result = runner.invoke(app, ["scrape", url, "--save-html", str(a_file), *LOCAL])
    assert result.exit_code == 2
    assert result.stderr == f"scraper: --save-html: {a_file} is a file, not a folder\n"
    assert not [r for r in server.log if r.path == "/page/a"]
    assert a_file.read_text(encoding="utf-8") == "kept"


def test_an_output_that_is_the_url_list_is_a_usage_error_and_the_list_is_kept(
    tmp_path: Path,
) -> None:
    listing = tmp_path / "urls.txt"
    listing.write_text("http://127.0.0.1:9/story\n", encoding="utf-8")
    result = runner.invoke(app, ["scrape", "-i", str(listing), "-o", str(listing)])
    assert result.exit_code == 2, result.output
    assert "is the input file" in " ".join(result.stderr.replace("│", " ").split())
    assert listing.read_text(encoding="utf-8") == "http://127.0.0.1:9/story\n"


def test_a_urls_credentials_are_sent_but_never_written(server: LocalServer, tmp_path: Path) -> None:
    plain = server.url("/story")
    secret_url = plain.replace("http://", "http://reader:s3cret@")
    saved = tmp_path / "pages"
    args = ["scrape", secret_url, "-f", "jsonl", "--save-html", str(saved), *LOCAL]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert [r.headers.get("authorization") for r in server.log if r.path == "/story"] == [
        "Basic cmVhZGVyOnMzY3JldA=="
    ]
    assert json.loads(result.stdout)["url"] == plain
    assert "s3cret" not in result.stdout + result.stderr
    (html_file,) = saved.glob("*.html")
    for written in saved.iterdir():
        assert "s3cret" not in written.name
        assert b"s3cret" not in written.read_bytes()
    again = runner.invoke(app, ["extract", str(html_file), "-f", "jsonl"])
    assert json.loads(again.stdout)["url"] == plain


def test_an_input_listing_no_urls_is_nothing_to_do(tmp_path: Path) -> None:
    listing = tmp_path / "today.txt"
    listing.write_text("# nothing new today\n\n", encoding="utf-8")
    result = runner.invoke(app, ["scrape", "-i", str(listing), "-f", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == []
    assert result.stderr == f"scraper: {listing} lists no URLs\n"


def test_timeout_is_the_wait_for_data_too() -> None:
    # --timeout 300 still failed a server that answered after 30 s: the wait between two reads
    # stayed at 20 s whatever --timeout said.
    assert request_timeouts(300.0) == Timeouts(connect=10.0, read=300.0, total=300.0)
    assert request_timeouts(2.0) == Timeouts(connect=2.0, read=2.0, total=2.0)
