"""The last resort of the date cascade: a short date text read in document order."""

from __future__ import annotations

from datetime import UTC, datetime

from selectolax.lexbor import LexborHTMLParser

from scraper.extract.metadata import extract_metadata
from scraper.extract.textdates import date_in_text

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)

# The date sits deep in a card below the headline, beyond the elements read as its dateline.
PAGE = """<html lang="en"><body><nav><span>Archive 12 May 2001</span></nav>
<main><div><div><h1>How seed libraries work</h1></div></div>
<div class="hero"><div><div><div><span>Share</span></div></div></div></div>
<section><ul><li>Intro</li><li>Why</li></ul></section>
<section><p>Seed libraries lend seeds to gardeners, who return seeds from the plants they grow at
the end of the season. It started on March 3, 2019 in a small town and spread from there.</p>
<script>var built = "April 9, 2024";</script>
<div><div><div><div><p class="c9">Nov 21, 2018</p></div></div></div></div>
<p>More text.</p></section></main></body></html>"""


def test_a_bare_date_below_the_headline_is_the_last_resort() -> None:
    meta = extract_metadata(LexborHTMLParser(PAGE), None, now=NOW)
    # Prose and script text are passed over; the navigation above the headline is not read.
    assert meta.published == datetime(2018, 11, 21, tzinfo=UTC)


def test_without_a_headline_the_body_is_read_from_its_top() -> None:
    tree = LexborHTMLParser(PAGE.replace("h1>", "div>"))
    assert date_in_text(tree, None, NOW, False) == datetime(2001, 5, 12, tzinfo=UTC)


def test_any_other_source_comes_first() -> None:
    declared = PAGE.replace(
        '<html lang="en">',
        '<html lang="en"><head><meta name="date" content="2020-02-02"></head>',
    )
    meta = extract_metadata(LexborHTMLParser(declared), None, now=NOW)
    assert meta.published == datetime(2020, 2, 2, tzinfo=UTC)
