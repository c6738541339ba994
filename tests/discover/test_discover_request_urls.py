"""What is fetched (the URL as listed) and what is the key (the normalised URL): keys stay
distinct for distinct requests, session ids leave both."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

import pytest

from scraper.discover.urls import normalise_url, request_url


@pytest.mark.parametrize(
    ("listed", "key"),
    [
        # A parameter without "=" stays without: "?/news/x" is not "?%2Fnews%2Fx=".
        ("http://a.example/index.php?/news/x", "http://a.example/index.php?%2Fnews%2Fx"),
        ("http://a.example/story.php?12345", "http://a.example/story.php?12345"),
        ("http://a.example/s?print&id=3", "http://a.example/s?id=3&print"),
        ("http://a.example/s?id=3&amp&utm_source=x", "http://a.example/s?id=3"),
        # Escapes that are no UTF-8 (a Latin-1 site) stay escapes, upper-cased.
        ("http://a.example/lire.php?titre=%E9t%E9", "http://a.example/lire.php?titre=%E9t%E9"),
        ("http://a.example/lire.php?titre=%e8t%e8", "http://a.example/lire.php?titre=%E8t%E8"),
        ("http://a.example/s?q=caf%C3%A9+noir", "http://a.example/s?q=caf%C3%A9+noir"),
        ("http://a.example/s?q=a%20b&p=%41", "http://a.example/s?p=A&q=a+b"),
    ],
)
def test_query_keys_keep_what_tells_requests_apart(listed: str, key: str) -> None:
    assert normalise_url(listed) == key
    assert normalise_url(key) == key


def test_non_utf8_escapes_give_distinct_keys() -> None:
    assert normalise_url("http://a.example/l?t=%E9t%E9") != normalise_url(
        "http://a.example/l?t=%E8t%E8"
    )


@pytest.mark.parametrize(
    "query",
    ["b=2&a=1", "q=caf%C3%A9&x=%2F", "a=1&a=0", "q=a+b&r=%7E", "k=", "x=é&y=%e2%82%ac", "=v&a=1"],
)
def test_name_value_queries_keep_their_keys(query: str) -> None:
    # A store's existing keys of such URLs stay valid: the rule before, urlencode(parse_qsl).
    before = urlencode(sorted(parse_qsl(query, keep_blank_values=True), key=lambda kv: kv[0]))
    assert normalise_url(f"http://a.example/p?{query}") == f"http://a.example/p?{before}"


@pytest.mark.parametrize(
    ("listed", "key"),
    [
        ("http://a.example/news/story-1;jsessionid=ABC0", "http://a.example/news/story-1"),
        ("http://a.example/n/s;JSESSIONID=A.b-1?id=2", "http://a.example/n/s?id=2"),
        ("http://a.example/s.php?id=1&PHPSESSID=f00", "http://a.example/s.php?id=1"),
        ("http://a.example/s.cfm?CFID=12&CFTOKEN=34&id=5", "http://a.example/s.cfm?id=5"),
        ("http://a.example/(S(lit3py55t21z5v55vlm25s55))/a.aspx", "http://a.example/a.aspx"),
        ("http://a.example/s?sid=7", "http://a.example/s?sid=7"),  # a story id, perhaps
        ("http://a.example/a;v=2", "http://a.example/a;v=2"),
    ],
)
def test_session_ids_are_no_part_of_the_key(listed: str, key: str) -> None:
    assert normalise_url(listed) == key


@pytest.mark.parametrize(
    ("listed", "fetched"),
    [
        ("http://a.example/2026/11/30/story/", "http://a.example/2026/11/30/story/"),
        ("http://a.example/index.php?/news/x", "http://a.example/index.php?/news/x"),
        ("http://a.example/l?titre=%e9t%e9&b=1", "http://a.example/l?titre=%e9t%e9&b=1"),
        ("http://a.example/a?utm_source=rss&b=%e9&&x", "http://a.example/a?b=%e9&&x"),
        ("http://a.example/a?utm_source=rss&fbclid=1", "http://a.example/a"),
        ("http://a.example/a?UTM%5FSOURCE=rss&PHPSESSID&id=1", "http://a.example/a?id=1"),
        (" HTTP://User:pw@A.Example:80/x/#top ", "http://a.example/x/"),
        ("https://a.example", "https://a.example/"),
        ("http://a.example/s;jsessionid=ABC?id=1&PHPSESSID=f0", "http://a.example/s?id=1"),
        ("http://a.example/(S(lit3py55t21z5v55vlm25s55))/a.aspx", "http://a.example/a.aspx"),
        ("http://bücher.example/ä", "http://xn--bcher-kva.example/ä"),
        (
            "https://a-example.cdn.ampproject.org/c/s/a.example/news/story/?x=1",
            "https://a.example/news/story/?x=1",
        ),
    ],
)
def test_the_listed_url_is_fetched_without_what_must_not_be_sent(listed: str, fetched: str) -> None:
    assert request_url(listed) == fetched
    assert normalise_url(fetched) == normalise_url(listed)
