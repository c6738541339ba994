"""Batch extraction: one page that breaks the extractor is that page's failure only."""

from __future__ import annotations

from pathlib import Path

import pytest

import scraper.batch
from scraper.batch import extract_files
from scraper.extract import ExtractOptions, extract_page
from scraper.models import Article, Failure, Page

HTML = (
    "<html><head><title>Weir repaired</title></head><body><article><p>"
    + "The weir above the mill pond was repaired by the parish over the long summer. " * 4
    + "</p></article></body></html>"
)


def _broken_on(name: str) -> object:
    def extract(page: Page, options: ExtractOptions | None = None) -> Article:
        if page.url.endswith(name):
            raise KeyError("missing-block")  # stands for an extractor bug met on one page
        return extract_page(page, options)

    return extract


def test_an_unexpected_exception_is_that_pages_internal_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = [tmp_path / name for name in ("a.html", "bad.html", "c.html")]
    for path in paths:
        path.write_text(HTML, encoding="utf-8")
    monkeypatch.setattr(scraper.batch, "extract_page", _broken_on("bad.html"))
    results = [item.result for item in extract_files(paths, ExtractOptions())]
    assert isinstance(results[0], Article) and isinstance(results[2], Article)
    assert results[1] == Failure(str(paths[1]), "internal", "KeyError: 'missing-block'")
