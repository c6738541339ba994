"""A request's URL read by ``parse_target`` exactly as httpx.URL reads it."""

from __future__ import annotations

import random

import httpcore
import httpx
import pytest

from scraper.fetch.target import Target, TargetReader, parse_target
from scraper.fetch.transport import Reply

# Plain and not so plain: case, default and odd ports, dot segments, escapes (valid or not),
# characters httpx escapes in a path but not in a query, fragments, IPv4 shapes that are not
# addresses, IPv6, IDNA, user info, no path.
CASES = [
    "http://example.com/news/2026/11/30/story.html",
    "https://Example.COM/A/b?Q=1&r=%2F#Top",
    "HTTP://example.com:80/x",
    "https://example.com:443/x",
    "https://example.com:0443/x",
    "http://example.com:8080/x?",
    "http://example.com:/x",
    "http://example.com:99999/x",
    "http://127.0.0.1:41234/a/b.html",
    "http://256.1.1.1/x",
    "http://01.2.3.4/x",
    "http://1.2.3/x",
    "http://0x7f.0.0.1/x",
    "http://[::1]:8080/x",
    "http://[fe80::1%25eth0]/x",
    "http://bücher.example/x",
    "http://xn--bcher-kva.example/x",
    "http://user:pw@example.com/x",
    "http://example.com",
    "http://example.com?q",
    "http://example.com/a/./b/../c",
    "http://example.com/.well-known/x",
    "http://example.com/a/..",
    "http://example.com/a%2",
    "http://example.com/a%zz?b%",
    "http://example.com/a b",
    "http://example.com/a?b c",
    'http://example.com/a"b?c"d',
    "http://example.com/a`b{c}?d`e{f}",
    "http://example.com/a?b?c/d",
    "http://example.com/é?ü=1",
    "http://example.com/a#frag ment",
    "http://example.com/a#fr\x7fag",
    "http://example.com/a\tb",
    "http://example.com/a#",
    "http://exa_mple.com/x",
    "http://example.com./x",
    "ftp://example.com/x",
    "//example.com/x",
    "/relative/path",
    "http://example.com/" + "a" * 70000,
]

ALPHABET = "abcXYZ019.-_~:/?#[]@!$&'()*+,;=% \"<>`{}|\\^\t\x7féü"


def expected(raw: str) -> Target | type[Exception]:
    try:
        return Target.of(httpx.URL(raw))
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        return type(exc)


def parsed(raw: str) -> Target | type[Exception]:
    try:
        return parse_target(raw)
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        return type(exc)


@pytest.mark.parametrize("raw", CASES)
def test_a_url_is_read_as_httpx_reads_it(raw: str) -> None:
    assert parsed(raw) == expected(raw)


def test_random_urls_are_read_as_httpx_reads_them() -> None:
    rng = random.Random(6)
    hosts = ["example.com", "EXAMPLE.org", "127.0.0.1", "300.2.3.4", "a-b.c", "[::1]", "x_y"]
    for _ in range(3000):
        scheme = rng.choice(["http", "https", "HTTPS", "ftp"])
        port = rng.choice(["", ":80", ":443", ":8080", ":0", ":", ":x1"])
        rest = "".join(rng.choice(ALPHABET) for _ in range(rng.randrange(0, 30)))
        raw = f"{scheme}://{rng.choice(hosts)}{port}/{rest}"
        assert parsed(raw) == expected(raw), raw


def test_the_parts_are_those_a_request_needs() -> None:
    found = parse_target("HTTP://News.Example:8080/a/b?c=1#d")
    assert found == Target(
        url="http://news.example:8080/a/b?c=1",
        scheme="http",
        host="news.example",
        port=8080,
        netloc="news.example:8080",
        path="/a/b?c=1",
    )
    assert found.origin == "http://news.example:8080"
    assert parse_target("http://[::1]:8080/").host == "::1"
    assert parse_target("http://[::1]:8080/").netloc == "[::1]:8080"


@pytest.mark.parametrize(
    "raw",
    [
        [(b"Content-Type", b"text/html"), (b"ETag", b'"a"'), (b"Set-Cookie", b"a=1")],
        [(b"X-Name", "caf\u00e9".encode()), (b"content-length", b"12")],
        [(b"X-Name", b"caf\xe9"), (b"X-Other", "\u00e9".encode())],
        [],
    ],
)
def test_reply_headers_are_decoded_as_httpx_decodes_them(raw: list[tuple[bytes, bytes]]) -> None:
    reply = Reply.of(httpcore.Response(200, headers=raw), lambda: None)
    assert reply.headers == tuple(httpx.Headers(raw).multi_items())


@pytest.mark.parametrize("most", [1, 3, 1024])
def test_the_reader_answers_as_parse_target_does_for_urls_read_before_or_not(most: int) -> None:
    read = TargetReader(most)
    for url in [*CASES[:8], CASES[0], CASES[0], CASES[1], *CASES[:8]]:
        try:
            expected: Target | str = parse_target(url)
        except (httpx.InvalidURL, TypeError, ValueError) as exc:
            expected = type(exc).__name__
        try:
            got: Target | str = read(url)
        except (httpx.InvalidURL, TypeError, ValueError) as exc:
            got = type(exc).__name__
        assert got == expected, url


def test_the_reader_raises_again_for_a_url_it_could_not_read() -> None:
    read = TargetReader()
    for _ in range(2):
        with pytest.raises(httpx.InvalidURL):
            read("http://example.com:abc/x")
