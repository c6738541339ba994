"""A JSON-LD string escape of half a character (a lone surrogate) reaches no Article field.

A CMS that cuts a headline or a name inside an emoji writes ``"\\ud83d"`` with no partner;
``json`` reads that into a ``str`` no UTF-8 writer, SQLite or strict JSON reader accepts, so
the article could not be printed, stored or read back. It is read as U+FFFD, as a browser
shows broken text.
"""

from __future__ import annotations

import json

import orjson

import scraper
from scraper import Article

PAGE = """<html><head><title>Storm</title>
<script type="application/ld+json">{"@type": "NewsArticle",
 "headline": "Storm \\ud83d hits the coast",
 "author": {"@type": "Person", "name": "Ann \\udc00Lee"},
 "description": "Cut mid-emoji \\ud83d", "keywords": ["weather\\ud800"],
 "datePublished": "2024-05-02T09:15:00Z"}</script></head>
<body><article><p>The storm made landfall on Tuesday, and thousands were evacuated from the
low-lying districts along the coast before the water rose.</p></article></body></html>"""


def test_lone_surrogates_from_json_ld_are_replacement_characters() -> None:
    article = scraper.extract(PAGE, url="https://news.example/storm")
    assert article.title == "Storm \ufffd hits the coast"
    assert article.authors == ("Ann \ufffdLee",)
    assert article.description == "Cut mid-emoji \ufffd"
    assert article.tags == ("weather\ufffd",)
    record = json.dumps(article.to_dict(), ensure_ascii=False).encode("utf-8")
    assert Article.from_dict(orjson.loads(record)) == article


def test_a_whole_character_escaped_as_a_pair_is_kept() -> None:
    page = PAGE.replace("\\ud83d hits", "\\ud83c\\udf0a hits")
    assert scraper.extract(page).title == "Storm \U0001f30a hits the coast"
