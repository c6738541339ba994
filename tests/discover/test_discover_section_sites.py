"""Section pages keep the links of their own site: its host with or without ``www.``, a
default port written or not; never another site's, nor another port's."""

from __future__ import annotations

import pytest

from scraper.discover.links import parse_section

PAGE = b"""<html><body>
<a href="/world/2026/11/30/a">relative</a>
<a href="https://www.news.example/world/2026/11/30/b">www host</a>
<a href="https://news.example:443/world/2026/11/30/c">explicit default port</a>
<a href="https://NEWS.example/world/2026/11/30/d">host case</a>
<a href="http://news.example:80/world/2026/11/30/e">http, its default port</a>
<a href="https://news.example:8443/world/2026/11/30/x">another port</a>
<a href="https://other.example/world/2026/11/30/y">another site</a>
<a href="https://www.news.example.evil/world/2026/11/30/z">a lookalike</a>
<a href="https://news.example:99999/world/2026/11/30/w">a bad port</a>
</body></html>"""


@pytest.mark.parametrize(
    ("page", "own"),
    [
        ("https://news.example/world/", "https://news.example"),
        ("https://www.news.example/world/", "https://www.news.example"),
        ("https://www.news.example:443/world/", "https://www.news.example:443"),
    ],
)
def test_links_on_variants_of_the_pages_own_site_are_kept(page: str, own: str) -> None:
    listing = parse_section(PAGE, page, [r"/world/\d{4}/"])
    assert [e.url.rsplit("/", 1)[1] for e in listing.entries] == ["a", "b", "c", "d", "e"]
    assert listing.entries[0].url == f"{own}/world/2026/11/30/a"
