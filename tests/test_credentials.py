"""Credentials in URLs: found, removed, put back and redacted as written."""

from __future__ import annotations

import pytest

from scraper.credentials import redact, userinfo_of, with_userinfo, without_userinfo


@pytest.mark.parametrize(
    ("url", "userinfo", "bare", "redacted"),
    [
        (
            "https://user:s3cret@h.example/p",
            "user:s3cret",
            "https://h.example/p",
            "https://user:***@h.example/p",
        ),
        ("HTTP://T0KEN@h.example", "T0KEN", "HTTP://h.example", "HTTP://***@h.example"),
        ("http://u:p@ss@h.example/x", "u:p@ss", "http://h.example/x", "http://u:***@h.example/x"),
        ("http://h.example/a@b?c=@", None, "http://h.example/a@b?c=@", "http://h.example/a@b?c=@"),
        (
            "http://h.example/?next=http://u:p@x/",
            None,
            "http://h.example/?next=http://u:p@x/",
            "http://h.example/?next=http://u:***@x/",
        ),
        ("mailto:u@h.example", None, "mailto:u@h.example", "mailto:u@h.example"),
    ],
)
def test_userinfo_as_written(url: str, userinfo: str | None, bare: str, redacted: str) -> None:
    assert userinfo_of(url) == userinfo
    assert without_userinfo(url) == bare
    assert redact(url) == redacted
    if userinfo is not None:
        assert with_userinfo(bare, userinfo) == url


def test_every_url_of_a_message_is_redacted() -> None:
    message = "HTTP 401 (https://user:s3cret@a.example/feed), via http://t0ken@b.example/"
    assert (
        redact(message) == "HTTP 401 (https://user:***@a.example/feed), via http://***@b.example/"
    )
