"""A failure line on stderr: bounded, and without a URL's password."""

from __future__ import annotations

import pytest

from scraper.cli.outputs import report_failure
from scraper.models import Failure


def test_a_failure_line_shows_no_password(capsys: pytest.CaptureFixture[str]) -> None:
    report_failure(Failure("https://desk:s3cret@feeds.example/private", "http_status", "HTTP 404"))
    line = capsys.readouterr().err
    assert "s3cret" not in line
    assert line == "scraper: https://desk:***@feeds.example/private: http_status: HTTP 404\n"


def test_a_huge_input_name_is_cut_to_a_bounded_line(capsys: pytest.CaptureFixture[str]) -> None:
    report_failure(Failure("https://example.com/" + "a" * 100_000, "network", "reset"))
    line = capsys.readouterr().err
    assert len(line) < 400 and line.endswith(": network: reset\n")


def test_a_failure_line_stays_one_line_whatever_the_name(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # A file name may hold a newline; a URL or a reason, a terminal's escape sequence.
    report_failure(Failure("saved/bad\nname.html", "decode", "not HTML\x1b[2J\u2028"))
    line = capsys.readouterr().err
    assert line == "scraper: saved/bad\\nname.html: decode: not HTML\\x1b[2J\\u2028\n"
    assert len(line.splitlines()) == 1
