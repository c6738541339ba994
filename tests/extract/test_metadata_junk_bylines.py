"""Texts that byline markup holds without naming the writer: weekdays, sections, reviewers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from selectolax.lexbor import LexborHTMLParser

from scraper.extract.authors import byline_in_text, clean_authors
from scraper.extract.metadata import extract_metadata

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def _authors(html: str) -> tuple[str, ...]:
    return extract_metadata(LexborHTMLParser(html), None, now=NOW).authors


@pytest.mark.parametrize(
    "raw",
    [
        # The split cuts a weekday off the date it opens.
        "Sat, 20 Dec, 2025 - 06:36",
        "Donnerstag",
        # Sentence case: a section's label or a headline, not a name.
        "Personal finance",
        "Fighting back",
        "Health news",
        # Copyright notices name an owner.
        "Example State University © 2025",
        "© Jane Roe / Example Agency",
        "Copyright Example Media Group",
        # Interface labels a byline's markup may hold.
        "About Us",
        "Meet the team",
        "Become an Author",
        "E-mail",
    ],
)
def test_no_name_in(raw: str) -> None:
    assert clean_authors([raw]) == ()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # Lower case throughout, a desk, a job title alone: kept as before.
        ("jane doe", ("jane doe",)),
        ("The Example editors", ("The Example editors",)),
        ("Example News wire services", ("Example News wire services",)),
        ("Mary Sunday", ("Mary Sunday",)),
        # One-word fragments after a full name are labels, whatever came first.
        ("Acme\nJane Doe\nResearch & Development", ("Acme", "Jane Doe")),
    ],
)
def test_names_kept(raw: str, expected: tuple[str, ...]) -> None:
    assert clean_authors([raw]) == expected


@pytest.mark.parametrize(
    "text",
    [
        # A headline in title case, in a "previous article" box beside the headline.
        "Previous article:\nShare Memory By Communicating\nBlog Index",
        # The words after "By" are no name: a name further on belongs to another line.
        "By using this site you accept our cookies.\nOk",
    ],
)
def test_no_byline_in(text: str) -> None:
    assert byline_in_text(text) == ()


def test_a_line_that_starts_with_by_still_credits() -> None:
    assert byline_in_text("Jan 5, 2024\nBy: Jane Doe") == ("Jane Doe",)
    assert byline_in_text("Written By Jane Doe") == ("Jane Doe",)


def test_a_title_case_by_in_a_teaser_does_not_hide_the_marked_byline() -> None:
    html = """<html><body><main><h1>Deferred calls, explained</h1>
    <p class="author">Ann Lee<br>4 August 2010</p><p>Body text of the article.</p>
    <div class="prevnext">Previous article: Share Memory By Communicating</div>
    </main></body></html>"""
    assert _authors(html) == ("Ann Lee",)


def test_an_experts_slot_beside_the_writers_is_no_author() -> None:
    html = """<html><body><h1>The best routers of the year</h1>
    <div class="meta"><span class="author-meta"><a href="/author/ann-lee">Ann Lee</a></span>
    <span class="author-meta expert"><a href="/author/bo-chan">Bo Chan</a></span>
    <span class="reviewer-author"><a href="/author/cy-dee">Cy Dee</a></span></div>
    <p>Body.</p></body></html>"""
    assert _authors(html) == ("Ann Lee",)


def test_an_author_link_in_a_menu_is_no_byline() -> None:
    html = """<html><body><header><ul class="site-links"><li class="menu-item">
    <a href="/author/example-travel/">Example Travel Desk</a></li></ul></header>
    <h1>Ten quiet beaches</h1><p>Body.</p></body></html>"""
    assert _authors(html) == ()


def test_a_category_in_the_byline_is_no_author() -> None:
    html = """<html><body><h1>Common food myths</h1>
    <section class="byline">March 20, 2023 | <span class="byline__category">Wellness &amp;
    Prevention</span></section><p>Body.</p></body></html>"""
    assert _authors(html) == ()


def test_a_tag_link_in_the_byline_is_no_author() -> None:
    html = """<html><body><h1>Tax season is here</h1>
    <div class="post__byline"><a class="chip" href="/blog/tag/money">Money Matters</a>
    <span>January 27, 2025</span></div><p>Body.</p></body></html>"""
    assert _authors(html) == ()


def test_a_dated_author_element_is_no_label_for_the_next_one() -> None:
    # A blog index card marked as the author holds a headline with digits; the element after
    # it is the site's address, not a name that a label introduces.
    html = """<html><body><h1>Five ideas</h1><p>Intro.</p><p>More.</p><p>More.</p>
    <div><div itemprop="author"><a>5 Great Ideas For 2022</a></div>
    <div><a>exampleblog</a></div></div></body></html>"""
    assert _authors(html) == ()
