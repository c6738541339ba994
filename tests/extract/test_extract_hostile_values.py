"""Values no real page holds, met by fuzzing: each is read as no value, never an exception
outside scraper's errors, and never kept where it would stop the article being written."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

import scraper

BODY = """<article><p>The harbour authority closed the northern pier on Tuesday after
inspectors found cracks in three of its concrete supports.</p></article>"""


@pytest.mark.parametrize(
    ("value", "published"),
    [
        # No date: the last-updated date stands in for it.
        ("1, 1 Jan 99999999999999999999 00:00:00", datetime(2024, 5, 2, 9, 15, tzinfo=UTC)),
        # The day is still read; the zone is not.
        ("Mon, 1 Jan 2019 00:00:00 +99999999999999999999", datetime(2019, 1, 1, tzinfo=UTC)),
        # .NET's DateTime.MinValue, no date (read as 2001 by the two-digit-year rule).
        ("Mon, 01 Jan 0001 00:00:00 GMT", datetime(2024, 5, 2, 9, 15, tzinfo=UTC)),
    ],
)
def test_mail_style_date_with_an_overlong_year_or_zone(value: str, published: datetime) -> None:
    page = f"""<html><head><meta property="article:published_time" content="{value}">
    <meta property="article:modified_time" content="2024-05-02T09:15:00Z"></head>
    <body>{BODY}</body></html>"""
    assert scraper.extract(page, url="https://news.example/pier").published == published


def test_lone_surrogate_in_the_callers_url_is_a_replacement_character() -> None:
    page = f"""<html><head><link rel="canonical" href="pier">
    <meta property="og:image" content="pier.jpg"></head><body>{BODY}</body></html>"""
    article = scraper.extract(page, url="https://news.example/a/\ud800/")
    assert article.url == "https://news.example/a/\ufffd/"
    assert article.canonical_url is not None and "\ud800" not in article.canonical_url
    # The article can be written as UTF-8 JSON.
    json.dumps(article.to_dict(), ensure_ascii=False).encode("utf-8")


def test_author_named_by_id_among_thousands_of_nodes_is_read_from_its_node() -> None:
    others = [{"@type": "Thing", "@id": f"#thing-{n}", "name": f"T{n}"} for n in range(3000)]
    graph = [
        {"@type": "NewsArticle", "headline": "Pier closed", "author": [{"@id": "#ann"}]},
        *others,
        {"@type": "Person", "@id": "#ann", "name": "Ann Lee"},
    ]
    script = json.dumps({"@context": "https://schema.org", "@graph": graph})
    page = f"""<html><head><script type="application/ld+json">{script}</script></head>
    <body>{BODY}</body></html>"""
    assert scraper.extract(page, url="https://news.example/pier").authors == ("Ann Lee",)
