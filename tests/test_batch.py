"""Batch extraction: one page that breaks the extractor is that page's failure only."""

from __future__ import annotations

import multiprocessing
import os
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


def _dies_on(name: str) -> object:
    def extract(page: Page, options: ExtractOptions | None = None) -> Article:
        if page.url.endswith(name):
            os._exit(70)  # stands for a crash in a C library, or the OOM killer
        return extract_page(page, options)

    return extract


@pytest.mark.skipif(
    multiprocessing.get_start_method() != "fork",
    reason="the patched extractor reaches the worker processes only when they are forked",
)
def test_a_page_that_kills_its_process_fails_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = [f"p{n:02}.html" for n in range(40)]
    paths = [tmp_path / name for name in names]
    for path in paths:
        path.write_text(HTML, encoding="utf-8")
    monkeypatch.setattr(scraper.batch, "extract_page", _dies_on("p05.html"))
    results = [item.result for item in extract_files(paths, ExtractOptions(), workers=2)]
    assert len(results) == 40
    failed = [n for n, r in zip(names, results, strict=True) if isinstance(r, Failure)]
    assert failed == ["p05.html"]
    assert isinstance(results[5], Failure) and results[5].kind == "internal"
    assert "died" in results[5].reason
