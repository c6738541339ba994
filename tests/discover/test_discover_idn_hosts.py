"""One host, one key: the IDN and punycode spellings of a host name are one URL."""

from __future__ import annotations

import pytest

from scraper.discover.urls import canonical_url, normalise_url, site_of
from scraper.errors import InputError
from scraper.fetch.target import parse_target

KEY = "http://xn--bcher-kva.example/a"


@pytest.mark.parametrize(
    "url",
    [
        "http://bücher.example/a",
        "http://xn--bcher-kva.example/a",
        "http://BÜCHER.Example/a",
        "http://XN--BCHER-KVA.EXAMPLE/a",
        "http://bücher.example./a",
        "http://xn--bcher-kva.example.:80/a/",
        "http://bu\u0308cher.example/a",  # a decomposed ü
        "http://\uff42ücher.example/a",  # a full-width b
    ],
)
def test_every_spelling_of_a_host_is_one_key(url: str) -> None:
    assert normalise_url(url) == KEY


@pytest.mark.parametrize(
    "url", ["http://bücher.example/a", "https://faß.de/x?q=1", "http://παράδειγμα.δοκιμή:8080/"]
)
def test_the_key_names_the_host_the_request_goes_to(url: str) -> None:
    # The fetcher (httpx's reading of the URL) sends the same ASCII host for the URL as
    # listed and for its key.
    key = normalise_url(url)
    assert key.isascii()
    assert parse_target(key).host == parse_target(url).host
    assert parse_target(key).netloc == parse_target(url).netloc


@pytest.mark.parametrize(
    "url",
    ["http://\u2603.example/a", "http://bücher..example/a", f"http://{'ü' * 70}.example/"],
)
def test_a_host_without_an_idna_form_is_an_input_error(url: str) -> None:
    with pytest.raises(InputError, match="IDNA"):
        normalise_url(url)
    assert site_of(url)  # a site for dedup all the same, never an exception


def test_site_and_canonical_agree_across_spellings() -> None:
    assert site_of("https://www.bücher.example/a") == site_of("https://xn--bcher-kva.example/b")
    page = "https://xn--bcher-kva.example/a?utm_source=x"
    assert canonical_url(page, "https://bücher.example/b") == "https://xn--bcher-kva.example/b"
