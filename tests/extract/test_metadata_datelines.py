"""Bylines: a site-name <h1> before the headline, unlabelled names on the dateline, credits."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from selectolax.lexbor import LexborHTMLParser

from scraper.extract.authors import (
    clean_authors,
    full_names,
    is_organisation,
    names_beside_date,
    uninverted,
)
from scraper.extract.metadata import Metadata, extract_metadata

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
URL = "https://www.example-news.com/world/storm-hits-coast/"


def _meta(html: str, url: str | None = URL) -> Metadata:
    return extract_metadata(LexborHTMLParser(html), url, now=NOW)


def _page(line: str, head: str = "") -> str:
    """A page whose only byline-ish text is ``line``, right under the headline."""
    return f"""<html><head><title>Storm hits coast | Example News</title>{head}</head><body>
<article><h1>Storm hits coast</h1><div class="meta">{line}</div>
<p>The storm made landfall on Tuesday morning and thousands of people left their homes for
shelters further inland, officials said, while roads along the coast stayed closed.</p>
</article></body></html>"""


def test_a_site_name_heading_before_the_headline_is_not_the_headline() -> None:
    html = """<html><head><title>Storm hits coast | Example News</title>
<meta property="og:site_name" content="Example News"></head><body>
<header><h1 class="logo"><a href="/">Example News</a></h1>
<nav><a href="/world">World</a> <a href="/sport">Sport</a></nav></header>
<main><article><h1>Storm hits coast</h1>
<p class="meta">By <a href="/people/jane-doe">Jane Doe</a></p>
<p>The storm made landfall on Tuesday morning, officials said.</p></article></main>
</body></html>"""
    meta = _meta(html)
    assert meta.title == "Storm hits coast"
    assert meta.authors == ("Jane Doe",)


def test_a_lone_site_name_heading_still_anchors_the_headline_area() -> None:
    html = """<html><head><title>Example News</title></head><body>
<h1>Example News</h1><p>By Jane Doe</p><p>Short notes from the newsroom.</p></body></html>"""
    assert _meta(html).authors == ("Jane Doe",)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("May 2, 2024 · Jane Doe", ("Jane Doe",)),
        ("Dec. 19, 2024 · Jane Doe\n on behalf of\nthe research group", ("Jane Doe",)),
        ("2024-05-02\n·\nJane Doe", ("Jane Doe",)),
        ("May 2, 2024\n•\nJane Doe in\nClimate", ("Jane Doe",)),
        ("Jane Doe\nSenior Reporter\nUpdated on 2 May 2024", ("Jane Doe",)),
        ("JANE DOE\nMay 2, 2024", ("Jane Doe",)),
        ("Jane Doe and John Roe\nMay 2, 2024", ("Jane Doe", "John Roe")),
        # Not a full name, or a label with its value: nobody.
        ("May 2, 2024 · News", ()),
        ("May 2, 2024 · 5 min read", ()),
        ("PROJECT: Storm Watch\nDATE: 2024-05-02", ()),
        ("May 2, 2024 · the editors", ()),
        # A trail of sections after the date ("May 2 / Living Well / Health").
        ("May 2, 2024\n/\nLiving Well\n/\nHealth", ()),
    ],
)
def test_names_beside_date(line: str, expected: tuple[str, ...]) -> None:
    assert names_beside_date(line) == expected


def test_names_beside_date_skips_the_lines_labels() -> None:
    line = "Mental Health\nMay 2, 2024\nJane Doe"
    assert names_beside_date(line) == ("Mental Health", "Jane Doe")
    assert names_beside_date(line, frozenset({"mental health"})) == ("Jane Doe",)


@pytest.mark.parametrize(
    "line",
    [
        "<time datetime='2024-05-02'>May 2, 2024</time> · Jane Doe",
        "<span>Jane Doe</span><br>Thursday, May 2, 2024<br><a href='https://paper.example/'>The "
        "Daily Paper</a>",
        "<a href='/category/world/'>World News</a> · Jane Doe · May 2, 2024",
    ],
)
def test_an_unlabelled_name_on_the_dateline_is_the_author(line: str) -> None:
    assert _meta(_page(line)).authors == ("Jane Doe",)


@pytest.mark.parametrize(
    "line",
    [
        # Section and tag links carry labels, not names.
        "<a href='/category/mental-health/'>Mental Health</a> · May 2, 2024",
        "May 2, 2024 · <a href='/blog/?t=1' rel='tag'>Nonessential Thoughts</a>",
        "May 2, 2024 · <a class='post-category' href='/mental'>Mental Health</a>",
        # A toolbar beside the date: a search box, not a byline.
        "Thursday, May 2, 2024 <form><input name='q'><p>Advanced Search</p></form>",
    ],
)
def test_labels_and_toolbars_on_the_dateline_name_nobody(line: str) -> None:
    assert _meta(_page(line)).authors == ()


def test_a_marked_byline_wins_over_a_name_on_the_dateline() -> None:
    line = "May 2, 2024 · Jane Doe <span class='byline'>By John Roe</span>"
    assert _meta(_page(line)).authors == ("John Roe",)


def test_a_credited_desk_on_the_dateline_keeps_its_place_name_out() -> None:
    head = '<meta name="author" content="Example News Bureau">'
    line = "New Delhi, <a href='/byline/bureau'>Example News Bureau</a> | Updated: May 2, 2024"
    assert _meta(_page(line, head)).authors == ("Example News Bureau",)


def _ld_page(author: str) -> str:
    ld = (
        '{"@type": "NewsArticle", "headline": "Storm hits coast", '
        f'"author": {{"@type": "Person", "name": "{author}"}}}}'
    )
    head = (
        '<meta property="og:site_name" content="Example News">'
        f'<script type="application/ld+json">{ld}</script>'
    )
    return _page("<span class='byline'>By Jane Doe</span>", head)


def test_a_person_named_as_the_site_waits_for_the_shown_byline() -> None:
    assert _meta(_ld_page("Example News")).authors == ("Jane Doe",)


def test_a_desk_named_after_the_site_still_signs() -> None:
    assert _meta(_ld_page("The Example News Team")).authors == ("The Example News Team",)


@pytest.mark.parametrize(
    "raw",
    [
        "By Jane Doe. Reviewed by John Roe",
        "By\nJane Doe, MD\n. Reviewed by\nJohn Roe, MD",
        "Jane Doe; medically reviewed by John Roe",
        "Jane Doe | Fact checked by John Roe",
    ],
)
def test_a_review_credit_inside_the_byline_is_no_author(raw: str) -> None:
    assert clean_authors([raw]) == ("Jane Doe",)


def test_citation_tags_name_one_author_each_surname_first() -> None:
    head = (
        '<meta name="citation_author" content="Doe, Jane">'
        '<meta name="citation_author" content="van der Berg, Anna">'
        '<meta name="citation_authors" content="Roe, John">'
    )
    assert _meta(_page("", head)).authors == ("Jane Doe", "Anna van der Berg", "John Roe")


def test_the_plural_citation_key_is_read() -> None:
    head = (
        '<meta name="citation_authors" content="Jane Doe">'
        '<meta name="citation_authors" content="John Roe">'
    )
    assert _meta(_page("", head)).authors == ("Jane Doe", "John Roe")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Doe, Jane", "Jane Doe"),
        ("Jane Doe", "Jane Doe"),
        ("Jane Doe, MD", "Jane Doe, MD"),
        ("Doe, Jane, Roe, John", "Doe, Jane, Roe, John"),
    ],
)
def test_uninverted(name: str, expected: str) -> None:
    assert uninverted(name) == expected


def test_an_unfilled_template_expression_is_no_author() -> None:
    head = '<meta name="author" content="page.head.extra.author">'
    assert _meta(_page("<span class='author'>Jane Doe</span>", head)).authors == ("Jane Doe",)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("page.head.extra.author", ()),
        ("post.author.name", ()),
        ("sara.r.peter", ("sara.r.peter",)),
        ("jane.doe", ("jane.doe",)),
    ],
)
def test_template_paths_and_user_names(raw: str, expected: tuple[str, ...]) -> None:
    assert clean_authors([raw]) == expected


@pytest.mark.parametrize(
    "byline",
    [
        "<span>Dec 17, 2024</span><span>Jane K. Doe</span>",
        "16th Dec 2024, 09:28am by <a class='username' href='/users/jd'>Jane K. Doe</a>.",
    ],
)
def test_a_marked_byline_that_starts_with_its_date(byline: str) -> None:
    body = "<p>The storm made landfall on Tuesday morning, officials said.</p>" * 6
    html = f"""<html><head><title>Storm hits coast</title></head><body>
<article><h1>Storm hits coast</h1><div><div><div>{body}</div></div></div></article>
<footer><div><div><p class="post-author">{byline}</p></div></div></footer></body></html>"""
    assert _meta(html).authors == ("Jane K. Doe",)


_BIO = (
    "Jane Doe has covered storms and the coast for a decade, first for a local weekly and now "
    "for the regional desk, and lives by the sea with two dogs."
)


_MORE = "<p>Officials said the coast road would reopen once the water had gone down.</p>"


def _foot_page(foot: str, head: str = "") -> str:
    """A page that names nobody beside its headline: ``foot`` follows the article's text."""
    return f"""<html><head><title>Storm hits coast | Example News</title>{head}</head><body>
<article><h1>Storm hits coast</h1><p class="meta">May 2, 2024</p>
<p>The storm made landfall on Tuesday morning and thousands of people left their homes for
shelters further inland, officials said, while roads along the coast stayed closed.</p>
{_MORE * 4}{foot}</article>
<footer><p>Example News, 1 Harbour Road</p></footer></body></html>"""


def _panel_page(panel: str, head: str = "") -> str:
    """A page whose date sits in a details panel after the article's text, ``panel`` beside
    it, away from the headline."""
    return f"""<html><head><title>Storm hits coast | Example News</title>{head}</head><body>
<header><a href="/">Example News</a></header><main><article><h1>Storm hits coast</h1>
<p>The storm made landfall on Tuesday morning and thousands of people left their homes for
shelters further inland, officials said, while roads along the coast stayed closed.</p>
{_MORE * 6}<aside class="details"><div><div><span class="date">May 2, 2024</span></div></div>
{panel}</aside></article></main><footer><p>Example News, 1 Harbour Road</p></footer></body>
</html>"""


@pytest.mark.parametrize(
    "foot",
    [
        # An author-classed box too long for a byline: its first text, after a label.
        f"<div class='post-author-box'><img src='/jd.jpg' alt=''><h4>Jane Doe</h4><p>{_BIO}</p>"
        "</div>",
        f"<section class='author-bio'><h3>About the author</h3><div><strong>Jane Doe</strong>"
        f"</div><p>{_BIO}</p></section>",
    ],
)
def test_an_author_box_after_the_article_names_the_author(foot: str) -> None:
    assert _meta(_foot_page(foot)).authors == ("Jane Doe",)


@pytest.mark.parametrize(
    "panel",
    [
        # No class: the label says it, in the name's line or in an element of its own.
        "<div><p>Written by Jane Doe</p></div>",
        "<div><h2>Article by</h2><div>Jane Doe</div></div>",
        "<h3>Author</h3><p> Jane Doe</p>",
        "<div class='tags'><div><strong>Contributors:</strong> Jane Doe</div></div>",
    ],
)
def test_a_label_beside_the_date_names_the_author(panel: str) -> None:
    assert _meta(_panel_page(panel)).authors == ("Jane Doe",)


def test_a_labelled_list_names_every_author() -> None:
    panel = (
        "<div><h4>Authors</h4><ul><li><a href='/library/?a=jd'>Jane Doe</a></li>"
        "<li><a href='/library/?a=jr'>John Roe</a></li></ul></div>"
    )
    assert _meta(_panel_page(panel)).authors == ("Jane Doe", "John Roe")


@pytest.mark.parametrize(
    "panel",
    [
        # A brand's or a caption's "By ...", a year inside the name's line.
        "<div><h4>By Example Harbour Hotels</h4><p>Stay with us.</p></div>",
        "<div class='caption'>Written by Jane Doe, 1721.</div>",
        # Words of a sentence, not a label's line.
        "<p>The report was written by Jane Doe for the council.</p>",
        # A menu's and a comment's labels.
        "<nav class='site-menu'><ul><li>Author</li><li>Contact Us</li></ul></nav>",
        "<div class='comments'><div class='comment'><span>Posted by</span><span>John Roe</span>"
        "</div></div>",
    ],
)
def test_other_credits_beside_the_date_name_nobody(panel: str) -> None:
    assert _meta(_panel_page(panel)).authors == ()


def test_a_box_that_opens_with_its_bio_names_nobody() -> None:
    foot = f"<div class='author-box'><p>{_BIO}</p><p>Jane Doe</p></div>"
    assert _meta(_foot_page(foot)).authors == ()


def test_a_label_away_from_the_date_is_not_looked_for() -> None:
    # Finding it would take a walk over all the page's texts, too dear for every page.
    foot = "<div><p>Written by Jane Doe</p></div>"
    html = _panel_page("").replace("</aside>", f"</aside>{_MORE * 30}{foot}")
    assert _meta(html).authors == ()


def test_an_author_box_waits_behind_the_sites_own_declared_name() -> None:
    head = (
        '<meta property="og:site_name" content="Jane Doe"><meta name="author" content="Jane Doe">'
    )
    panel = "<div><p>Written by John Roe</p></div>"
    assert _meta(_panel_page(panel, head)).authors == ("Jane Doe",)


def test_an_author_box_names_a_person_where_the_page_declares_an_organisation() -> None:
    ld = '{"@type": "Article", "author": {"@type": "Organization", "name": "Example Clinic"}}'
    head = f'<script type="application/ld+json">{ld}</script>'
    foot = f"<div class='author-box'><h4>Jane Doe</h4><p>{_BIO}</p></div>"
    assert _meta(_foot_page(foot, head)).authors == ("Jane Doe",)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Jane Doe", ("Jane Doe",)),
        ("Jane Doe and John Roe", ("Jane Doe", "John Roe")),
        ("Jane", ()),
        ("jane doe", ()),
        ("Jane Doe, Staff Writer", ("Jane Doe",)),
        ("Read More Stories Like This One", ()),
    ],
)
def test_full_names(text: str, expected: tuple[str, ...]) -> None:
    assert full_names(text) == expected


def test_a_newswire_is_an_organisation() -> None:
    assert is_organisation("About PR Newswire")
