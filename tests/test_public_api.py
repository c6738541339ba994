"""The public API is exactly what ``__all__`` lists, sorted, and every name resolves."""

from __future__ import annotations

import scraper
from scraper import errors


def test_all_is_sorted_and_resolves() -> None:
    assert list(scraper.__all__) == sorted(scraper.__all__)
    for name in scraper.__all__:
        assert getattr(scraper, name) is not None


def test_public_names_are_listed() -> None:
    public = {n for n in dir(scraper) if not n.startswith("_")}
    modules = {n for n in public if type(getattr(scraper, n)).__name__ == "module"}
    assert public - modules == set(scraper.__all__)


def test_every_error_derives_from_the_one_base() -> None:
    for name in errors.__all__:
        cls = getattr(errors, name)
        assert issubclass(cls, errors.ScraperError)
