"""What a nested sitemap's URL says of it before it is read: the period it names, or that it
is a site's current listing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from scraper.discover.child_names import named_until, names_current


def _ts(year: int, month: int, day: int, hour: int = 0) -> float:
    return datetime(year, month, day, hour, tzinfo=UTC).timestamp()


@pytest.mark.parametrize(
    ("url", "until"),
    [
        # The end of the named period in UTC-12, where it ends last.
        ("https://n.test/sitemap-2019-02.xml", _ts(2019, 3, 1, 12)),
        ("https://n.test/sitemaps/2026/11/30/index.xml", _ts(2026, 12, 1, 12)),
        ("https://n.test/sitemap-20261130.xml.gz", _ts(2026, 12, 1, 12)),
        ("https://n.test/sitemap_2019.xml", _ts(2020, 1, 1, 12)),
        ("https://n.test/sitemap.xml?yyyy=2019&mm=03", _ts(2020, 1, 1, 12)),
        # Two dates: the later one counts.
        ("https://n.test/2019/sitemap-2026-11.xml", _ts(2026, 12, 1, 12)),
        # Page numbers and ids are no years.
        ("https://n.test/post-sitemap2.xml", None),
        ("https://n.test/article-sitemap-12345.xml", None),
        ("https://n.test/sitemap-2019-1.xml", _ts(2020, 1, 1, 12)),
        # The host is the site's, not the sitemap's.
        ("https://news2019.test/sitemap.xml", None),
    ],
)
def test_the_period_a_sitemap_s_url_names(url: str, until: float | None) -> None:
    assert named_until(url) == until


@pytest.mark.parametrize(
    ("url", "current"),
    [
        ("https://n.test/sitemap-news.xml", True),
        ("https://n.test/googlenews.xml", True),
        ("https://n.test/sitemaps/Latest.xml", True),
        ("https://n.test/archive.xml", False),
        ("https://n.test/sitemap-3.xml", False),
        # A date decides over a word: an archive of a news sitemap.
        ("https://n.test/news-2019-02.xml", False),
        ("https://n.test/news-2026-11.xml", True),
        # Only the file's own name counts, not its folder's or host's.
        ("https://news.n.test/news/sitemap-3.xml", False),
    ],
)
def test_a_sitemap_s_url_says_whether_it_is_current(url: str, current: bool) -> None:
    assert names_current(url, _ts(2026, 11, 28)) is current
