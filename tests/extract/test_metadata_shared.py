"""The metadata cascade over every real page in ../shared: no exception, only sane values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from selectolax.lexbor import LexborHTMLParser

from scraper.extract.dates import EARLIEST
from scraper.extract.metadata import extract_metadata

SETS = Path(__file__).resolve().parents[2].parent / "shared" / "bench" / "extraction"


@pytest.mark.shared
@pytest.mark.parametrize("name", ["scrapinghub", "l3s-gn1", "wcxb-dev-article"])
def test_metadata_on_every_shared_page(name: str) -> None:
    folder = SETS / name / "html"
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent (the shared benchmark pages are not on this machine)")
    now = datetime.now(UTC)
    pages = sorted(folder.glob("*.html"))
    titled = 0
    for path in pages:
        meta = extract_metadata(LexborHTMLParser(path.read_text("utf-8")), None, now=now)
        titled += meta.title is not None
        for value in (meta.published, meta.modified):
            assert value is None or (
                value.tzinfo is not None and EARLIEST <= value <= now + timedelta(days=1)
            )
        assert all(name.strip() == name and name for name in meta.authors), path.name
    # Every set is made of article pages: nearly all have a findable title (the 2008 pages of
    # l3s-gn1 include some whose <title> is missing or swallowed by broken markup).
    assert titled >= 0.9 * len(pages)
