"""The metadata cascade on small inline pages: each source, the order between them, no mutation."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from selectolax.lexbor import LexborHTMLParser

from scraper.extract.metadata import Metadata, extract_metadata

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
URL = "https://www.example-news.com/world/2024/05/02/storm-hits-coast/"

ARC_STYLE = """<!doctype html><html lang="en-US"><head>
<title>Storm hits coast, thousands evacuated | Example News</title>
<meta property="og:title" content="Storm hits coast, thousands evacuated">
<meta property="og:site_name" content="Example News">
<meta property="og:image" content="/img/storm.jpg">
<meta name="description" content="A storm made landfall on Tuesday.">
<meta property="article:tag" content="Weather"><meta property="article:tag" content="Storms">
<meta property="article:published_time" content="2024-05-01T08:00:00Z">
<link rel="canonical" href="/world/storm-hits-coast/">
<script type="application/ld+json">
{"@context": "https://schema.org", "@graph": [
  {"@type": "WebSite", "@id": "#site", "name": "Example News"},
  {"@type": "Person", "@id": "#jane", "name": "Jane Doe"},
  {"@type": "NewsArticle", "headline": "Storm hits coast, thousands evacuated",
   "datePublished": "2024-05-02T09:15:00-04:00", "dateModified": "2024-05-03T10:00:00-04:00",
   "author": [{"@id": "#jane"}, {"@type": "Person", "name": "John Roe"},
              {"@type": "Organization", "name": "Example News"}],
   "publisher": {"@type": "Organization", "name": "Example News"},
   "articleBody": "A storm made landfall on Tuesday. Thousands left their homes."}
]}
</script></head><body><header><h1 class="logo">Example News</h1></header>
<article><h1>Storm hits coast, thousands evacuated</h1><p>Body text.</p></article>
</body></html>"""


def _meta(html: str, url: str | None = URL, text: str | None = None) -> Metadata:
    return extract_metadata(LexborHTMLParser(html), url, text=text, now=NOW)


def test_jsonld_graph_page_gives_every_field() -> None:
    meta = _meta(ARC_STYLE)
    assert meta.title == "Storm hits coast, thousands evacuated"
    assert meta.authors == ("Jane Doe", "John Roe")
    assert meta.published == datetime(2024, 5, 2, 9, 15, tzinfo=UTC) + timedelta(hours=4)
    assert meta.published is not None and meta.published.utcoffset() == timedelta(hours=-4)
    assert meta.modified is not None and meta.modified.day == 3
    assert meta.language == "en-US"
    assert meta.site_name == "Example News"
    assert meta.description == "A storm made landfall on Tuesday."
    assert meta.image == "https://www.example-news.com/img/storm.jpg"
    assert meta.tags == ("Weather", "Storms")
    assert meta.canonical_url == "https://www.example-news.com/world/storm-hits-coast/"
    assert meta.body_hint is not None and meta.body_hint.startswith("A storm made landfall")


def test_the_tree_is_not_modified() -> None:
    tree = LexborHTMLParser(ARC_STYLE)
    before = tree.html
    extract_metadata(tree, URL, now=NOW)
    assert tree.html == before


def test_meta_tags_when_there_is_no_jsonld() -> None:
    html = """<html><head><title>Budget passes - City Paper</title>
    <meta property="og:site_name" content="City Paper">
    <meta name="author" content="By Ann Lee">
    <meta itemprop="datePublished" content="2023-02-03">
    </head><body><h1>Budget passes</h1></body></html>"""
    meta = _meta(html, "https://citypaper.example/budget")
    assert meta.title == "Budget passes"
    assert meta.authors == ("Ann Lee",)
    assert meta.published is not None and meta.published.date().isoformat() == "2023-02-03"


def test_byline_and_time_element_when_nothing_is_declared() -> None:
    html = """<html><body><div class="comments"><span class="author">Troll</span></div>
    <article><h1>Budget passes after long night</h1>
    <div class="meta"><span class="byline">By <a rel="author" href="/a/ann">Ann Lee</a>
    and <a rel="author" href="/a/bo">Bo Chan</a></span>
    <time datetime="2023-02-03T21:00:00+01:00">3 Feb</time></div>
    <p>Text.</p></article></body></html>"""
    meta = _meta(html, None)
    assert meta.authors == ("Ann Lee", "Bo Chan")
    assert meta.published is not None and meta.published.utcoffset() == timedelta(hours=1)


def test_dateline_and_byline_written_beside_the_headline() -> None:
    html = """<html lang="en"><body><main><h1>How to repot a fern without tears</h1>
    <p>By Chris Potter · March 5, 2024</p><p>Ferns are fussy.</p></main></body></html>"""
    meta = _meta(html, None)
    assert meta.authors == ("Chris Potter",)
    assert meta.published == datetime(2024, 3, 5, tzinfo=UTC)


def test_future_dates_fall_through_to_the_url() -> None:
    html = """<html><head><meta property="article:published_time" content="2030-01-01">
    </head><body><h1>x</h1></body></html>"""
    meta = _meta(html)
    assert meta.published == datetime(2024, 5, 2, tzinfo=UTC)


def test_url_day_beats_a_utc_timestamp_one_day_off() -> None:
    html = """<html><head><meta property="article:published_time"
    content="2024-05-03T02:30:00+00:00"></head><body></body></html>"""
    meta = _meta(html)
    assert meta.published is not None and meta.published.date().isoformat() == "2024-05-02"


def test_url_day_loses_to_a_timestamp_no_time_zone_puts_on_that_day() -> None:
    # 20:00 UTC on the 3rd is the 3rd or the 4th everywhere on Earth: the URL's day (the 2nd)
    # is when the slug was made, not a time-zone reading of the publication.
    html = """<html><head><meta property="article:published_time"
    content="2024-05-03T20:00:00+00:00"></head><body></body></html>"""
    meta = _meta(html)
    assert meta.published == datetime(2024, 5, 3, 20, 0, tzinfo=UTC)


def test_update_date_only_when_no_publication_date_is_known() -> None:
    html = """<html><head><meta property="article:modified_time" content="2024-01-09T10:00:00Z">
    </head><body><h1>Evergreen guide to fern care at home</h1></body></html>"""
    meta = _meta(html, "https://ferns.example/guide")
    assert meta.modified == datetime(2024, 1, 9, 10, 0, tzinfo=UTC)
    assert meta.published == meta.modified


def test_an_organisation_is_not_preferred_over_a_person() -> None:
    html = """<html><head><meta property="og:site_name" content="City Paper">
    <meta name="author" content="City Paper"></head><body><h1>Budget passes in the end</h1>
    <p class="byline">By Ann Lee</p></body></html>"""
    assert _meta(html, "https://citypaper.example/b").authors == ("Ann Lee",)


def test_an_organisations_name_is_kept_whole() -> None:
    # A name joined with "&" or "and" is one firm, not two bylines.
    html = """<html><head><script type="application/ld+json">
    {"@type": "Article", "headline": "Firm wins appeal", "author": [{"@type": "Organization",
     "name": "Barton & Barton"}, {"@type": "Organization", "name": "Lee  and Sons"}]}
    </script></head><body></body></html>"""
    assert _meta(html, None).authors == ("Barton & Barton", "Lee and Sons")


def test_only_an_organisation_is_returned_when_no_person_is_named() -> None:
    html = """<html><head><script type="application/ld+json">
    {"@type": "Article", "headline": "Notice", "author": {"@type": "Organization",
     "name": "Reuters"}}</script></head><body></body></html>"""
    assert _meta(html, None).authors == ("Reuters",)


def test_malformed_jsonld_is_skipped_and_other_sources_still_apply() -> None:
    html = """<html><head><script type="application/ld+json">{"@type": "Article",,}</script>
    <script type="application/ld+json">[{"@type": "BlogPosting", "headline": "Fern diary",
    "author": "Ann Lee", "datePublished": "2022-07-01"}];</script>
    </head><body></body></html>"""
    meta = _meta(html, None)
    assert meta.title == "Fern diary"
    assert meta.authors == ("Ann Lee",)
    assert meta.published == datetime(2022, 7, 1, tzinfo=UTC)


def test_a_jsonld_number_python_will_not_read_skips_its_block_alone() -> None:
    # Valid JSON, but past the digits Python reads into an int (a ValueError, not json's).
    html = (
        '<html><head><script type="application/ld+json">{"@type": "Article", "wordCount": '
        + "9" * 5000
        + '}</script><meta name="author" content="Ann Lee"></head><body></body></html>'
    )
    assert _meta(html, None).authors == ("Ann Lee",)


def test_language_from_meta_then_from_text() -> None:
    declared = _meta('<html><head><meta http-equiv="content-language" content="de_DE"></head>')
    assert declared.language == "de-DE"
    text = "Le conseil a dit que le vote sur le plan pour le pont est prévu dans la semaine."
    assert _meta("<html><body><p>x</p></body></html>", text=text).language == "fr"
    assert _meta("<html><body></body></html>").language is None


def test_empty_page_gives_empty_metadata() -> None:
    meta = _meta("", None)
    assert meta == Metadata()


def test_a_shown_dateline_beats_a_declared_date_unless_it_is_an_update() -> None:
    head = '<html lang="en"><head><meta property="article:published_time" content="2024-04-30">'
    shown = head + "</head><body><h1>Ferns and you: a long story</h1><p>March 2, 2024</p></body>"
    assert _meta(shown, None).published == datetime(2024, 3, 2, tzinfo=UTC)
    update = head + "</head><body><h1>Ferns and you: a long story</h1><p>Updated May 9, 2024</p>"
    assert _meta(update, None).published == datetime(2024, 4, 30, tzinfo=UTC)
    both = (
        head + "</head><body><h1>Ferns and you: a long story</h1>"
        "<p>Updated May 9, 2024 · Originally published March 2, 2024</p>"
    )
    assert _meta(both, None).published == datetime(2024, 3, 2, tzinfo=UTC)


def test_a_dateline_showing_the_declared_update_day_does_not_replace_publication() -> None:
    html = """<html lang="en"><head>
    <meta property="article:published_time" content="2024-01-10T08:00:00Z">
    <meta property="article:modified_time" content="2024-04-02T08:00:00Z">
    </head><body><h1>Ferns and you: a long story</h1><p>April 2, 2024</p></body></html>"""
    meta = _meta(html, None)
    assert meta.published == datetime(2024, 1, 10, 8, 0, tzinfo=UTC)
    assert meta.modified == datetime(2024, 4, 2, 8, 0, tzinfo=UTC)


def test_embedded_state_date_before_the_update_fallback() -> None:
    html = """<html><body><h1>Framework page</h1><script id="__NEXT_DATA__">
    {"props": {"pageProps": {"publishedAt": "2023-08-01T10:00:00Z"}}}</script></body></html>"""
    assert _meta(html, None).published == datetime(2023, 8, 1, 10, 0, tzinfo=UTC)


def test_rdfa_date_and_a_same_day_time_element_keep_the_time() -> None:
    rdfa = """<html><body><h1>Library reopens with a seed bank</h1>
    <span property="schema:dateCreated" content="2024-02-11T14:05:00+00:00"></span>
    </body></html>"""
    assert _meta(rdfa, None).published == datetime(2024, 2, 11, 14, 5, tzinfo=UTC)
    shown = """<html lang="en"><body><h1>Library reopens with a seed bank</h1>
    <div><time datetime="2024-02-11T14:05:00Z">Sun, 02/11/2024 - 14:05</time></div>
    </body></html>"""
    assert _meta(shown, None).published == datetime(2024, 2, 11, 14, 5, tzinfo=UTC)


def test_hostile_pages_stay_fast_and_do_not_raise() -> None:
    pages = [
        '<script type="application/ld+json">' + "[" * 5000 + "]" * 5000 + "</script>",
        '<script type="application/ld+json">'
        + '{"@type": "Article", "author": ' * 3000
        + '"x"'
        + "}" * 3000
        + "</script>",
        '<meta name="author" content="' + "(" * 20000 + '">',
        '<meta property="article:published_time" content="' + "1 " * 50000 + '">',
        '<meta name="author" content="Jane Doe">' * 5000,
        "<title>" + "word - " * 20000 + "</title>",
    ]
    for html in pages:
        started = time.perf_counter()
        meta = _meta("<html><head>" + html + "</head><body></body></html>")
        assert time.perf_counter() - started < 1.0, html[:60]
        assert meta.published is None or meta.published.tzinfo is not None


def test_authority_and_menu_classes_are_no_bylines() -> None:
    html = """<html><body><h1>Legal help for tenants in the city</h1>
    <nav class="authorities-menu"><a href="/board">Governing Board</a></nav>
    <div class="authorization-tool">Authorization tool</div>
    <div class="authoring-information__author">Jason Bates</div></body></html>"""
    assert _meta(html, None).authors == ("Jason Bates",)


def test_a_long_date_classed_element_is_read_from_its_start() -> None:
    tags = " ".join(f"tag{n}" for n in range(60))
    html = f"""<html><body><h1>Guide to journal indexing for editors</h1><p>Intro.</p>
    <p>More text here.</p><p>Even more.</p><p>And more.</p><p>Last.</p>
    <footer><div class="meta date-section-header"><span>Posted on April 13, 2023</span>
    <div class="tags">Tags: {tags}</div></div></footer></body></html>"""
    assert _meta(html, None).published == datetime(2023, 4, 13, tzinfo=UTC)


def test_a_date_beside_the_author_link_and_update_wording() -> None:
    html = """<html lang="en"><body><header><h1>The best electric scooters</h1></header>
    <p>Intro.</p><p>More.</p><p>More.</p><p>More.</p>
    <div>By <a href="/author/chris-mac">Chris Mac</a> · <span>Updated May 6, 2025</span></div>
    </body></html>"""
    meta = _meta(html, None)
    assert meta.authors == ("Chris Mac",)
    assert meta.modified == datetime(2025, 5, 6, tzinfo=UTC)
    # Only an update is shown: it stands in for the publication date.
    assert meta.published == meta.modified


def test_a_page_of_many_siblings_stays_linear() -> None:
    # Sibling combinators that look back over every previous sibling go quadratic here.
    html = "<html><body><h1>Title of a long page</h1>" + "<div>x</div>" * 100_000 + "</body></html>"
    started = time.perf_counter()
    _meta(html, None)
    assert time.perf_counter() - started < 2.0


def test_a_hidden_headline_copy_is_passed_over_for_the_dateline() -> None:
    html = """<html lang="en"><body>
    <header><div>Friday, May 30, 2025</div><h1 class="sr-only">Seed libraries are back</h1></header>
    <main><article><h1>Seed libraries are back</h1><p>12 March 2025</p><p>Body.</p></article>
    </main></body></html>"""
    assert _meta(html, None).published == datetime(2025, 3, 12, tzinfo=UTC)


def test_a_numeric_date_read_the_other_way_round_than_the_url_follows_the_url() -> None:
    html = """<html lang="en"><body><h1>How many wine styles are there?</h1>
    <span class="post-date">03/10/2023</span><p>Body.</p></body></html>"""
    url = "https://wine.example/blog/2023/october/03/wine-styles/"
    assert _meta(html, url).published == datetime(2023, 10, 3, tzinfo=UTC)
    # Without the URL the page's language decides (month first in English).
    assert _meta(html, None).published == datetime(2023, 3, 10, tzinfo=UTC)


def test_a_marked_byline_beside_the_headline_beats_one_elsewhere_on_the_page() -> None:
    html = """<html><body><aside><span itemprop="author">Desk Team Writer</span></aside>
    <article><h1>Rivers rise after a week of rain</h1><div class="post-author">Jane Doe</div>
    <p>Body.</p></article></body></html>"""
    assert _meta(html, None).authors == ("Jane Doe",)


def test_the_dateline_beside_the_headline_beats_a_marked_date_elsewhere() -> None:
    html = """<html lang="en"><body><h1>Rivers rise after a week of rain</h1>
    <p>Published May 2, 2023 · Updated June 9, 2023</p><p>Body.</p>
    <aside><span itemprop="datePublished" content="2019-01-04">Related, Jan 4 2019</span></aside>
    </body></html>"""
    meta = _meta(html, None)
    assert meta.published == datetime(2023, 5, 2, tzinfo=UTC)
    assert meta.modified == datetime(2023, 6, 9, tzinfo=UTC)


def test_a_dateline_on_the_declared_moments_local_day_confirms_it() -> None:
    # 02:30 UTC on March 5 is still March 4 in New York: the same moment, not another date.
    html = """<html lang="en"><head>
    <meta property="article:published_time" content="2024-03-05T02:30:00Z">
    </head><body><h1>Ferns and you: a long story</h1><p>March 4, 2024</p></body></html>"""
    assert _meta(html, None).published == datetime(2024, 3, 5, 2, 30, tzinfo=UTC)
    # Two days off is no time zone: the shown date wins.
    shown = html.replace("March 4, 2024", "March 3, 2024")
    assert _meta(shown, None).published == datetime(2024, 3, 3, tzinfo=UTC)


def test_a_teaser_of_another_page_beside_the_headline_is_no_dateline() -> None:
    html = """<html lang="en"><head>
    <meta property="article:published_time" content="2024-06-11T12:00:00Z">
    </head><body><h1>Five ways to keep books</h1><div><h2>Related posts</h2>
    <a href="/other-story/"><h3>Ten more ways</h3><p>August 22, 2024</p></a></div>
    <p>Body.</p></body></html>"""
    assert _meta(html, None).published == datetime(2024, 6, 11, 12, 0, tzinfo=UTC)
    # An unlinked subheading beside the date is still the article's dateline.
    own = html.replace('<a href="/other-story/">', "<div>").replace("</a>", "</div>")
    assert _meta(own, None).published == datetime(2024, 8, 22, tzinfo=UTC)
    # A link inside the heading marks a teaser as well.
    linked = own.replace("<h3>Ten more ways</h3>", '<h3><a href="/other/">Ten more ways</a></h3>')
    assert _meta(linked, None).published == datetime(2024, 6, 11, 12, 0, tzinfo=UTC)


def test_one_time_declared_as_both_dates_yields_to_what_the_page_shows() -> None:
    head = """<html lang="en"><head>
    <meta property="article:published_time" content="2024-05-20T10:00:00Z">
    <meta property="article:modified_time" content="{modified}">
    </head><body><h1>Ferns and you: a long story</h1><p>Body.</p>{shown}</body></html>"""
    # Further down than the dateline search reads.
    marked = "<p>More.</p>" * 5 + (
        '<footer>Published <time pubdate datetime="2024-03-02">March 2, 2024</time></footer>'
    )
    stamp = head.format(modified="2024-05-20T10:00:00Z", shown=marked)
    assert _meta(stamp, None).published == datetime(2024, 3, 2, tzinfo=UTC)
    updated = head.format(modified="2024-05-20T10:00:00Z", shown="").replace(
        "<p>Body.</p>", "<p>Page updated: 12 May 2024</p><p>Body.</p>"
    )
    assert _meta(updated, None).published == datetime(2024, 5, 12, tzinfo=UTC)
    # A distinct modification time makes the declared publication credible.
    distinct = head.format(modified="2024-05-21T10:00:00Z", shown=marked)
    assert _meta(distinct, None).published == datetime(2024, 5, 20, 10, 0, tzinfo=UTC)


def test_a_date_only_a_script_declares_yields_to_the_shown_update() -> None:
    html = """<html lang="en"><head>{meta}<script type="application/ld+json">
    {{"@type": "Article", "headline": "Ferns and you",
      "datePublished": "2023-01-10T08:00:00Z", "dateModified": "2024-04-02T08:00:00Z"}}
    </script></head><body><h1>Ferns and you: a long story</h1>
    <p>Last updated: April 2, 2024</p><p>Body.</p></body></html>"""
    assert _meta(html.format(meta=""), None).published == datetime(2024, 4, 2, tzinfo=UTC)
    # A meta tag declaring the same publication date makes it credible.
    meta = '<meta property="article:published_time" content="2023-01-10T08:00:00Z">'
    assert _meta(html.format(meta=meta), None).published == datetime(2023, 1, 10, 8, tzinfo=UTC)
    # So does the URL's day.
    url = "https://ferns.example/2023/01/10/ferns-and-you/"
    assert _meta(html.format(meta=""), url).published == datetime(2023, 1, 10, 8, tzinfo=UTC)


def test_an_update_shown_away_from_the_headline_does_not_replace_a_script_date() -> None:
    # Beside the headline an update is what readers are told the article's date is; an
    # "updated" element further down only says when it last changed.
    html = """<html lang="en"><head><script type="application/ld+json">
    {"@type": "Article", "headline": "Ferns and you",
     "datePublished": "2023-01-10T08:00:00Z", "dateModified": "2024-04-02T08:00:00Z"}
    </script></head><body><h1>Ferns and you: a long story</h1>"""
    html += "<p>More about ferns.</p>" * 6
    html += '<div class="updated">April 2, 2024</div></body></html>'
    meta = _meta(html, None)
    assert meta.published == datetime(2023, 1, 10, 8, tzinfo=UTC)
    assert meta.modified == datetime(2024, 4, 2, 8, tzinfo=UTC)


def test_the_first_canonical_link_with_an_href_counts() -> None:
    html = """<html><head><link rel="canonical"><link rel="canonical" href="/a/story/">
    <link rel="canonical" href="/b/story/"></head><body><p>Text</p></body></html>"""
    assert _meta(html).canonical_url == "https://www.example-news.com/a/story/"


@pytest.mark.parametrize(
    "href", ["javascript:alert(1)", "JavaScript:void(0)", "data:text/html,x", "about:blank"]
)
def test_a_canonical_link_that_is_no_web_address_is_none(href: str) -> None:
    html = f'<html><head><link rel="canonical" href="{href}"></head><body></body></html>'
    assert _meta(html).canonical_url is None
    assert _meta(html, None).canonical_url is None


def test_a_canonical_link_in_capitals_or_relative_is_kept() -> None:
    shouting = '<html><head><link rel="canonical" href="HTTPS://www.example-news.com/a/">'
    assert _meta(shouting).canonical_url == "https://www.example-news.com/a/"
    relative = '<html><head><link rel="canonical" href="/a/story/">'
    assert _meta(relative).canonical_url == "https://www.example-news.com/a/story/"


def test_the_document_title_is_the_first_even_outside_head() -> None:
    icon = "<svg><title>Share icon</title></svg>"
    in_head = f"<html><head><title>Storm hits coast</title></head><body>{icon}</body></html>"
    assert _meta(in_head).title == "Storm hits coast"
    # An SVG label is all such a page has: it is still read as the title, as before.
    assert _meta(f"<html><body>{icon}</body></html>", url=None).title == "Share icon"


def test_a_stronger_byline_further_down_wins_over_a_weaker_one() -> None:
    html = """<html><body><p>Intro paragraph of the story that runs long enough.</p>
    <span class="author-name">Sam Poe</span><p>More text.</p>
    <span itemprop="author">Jane Doe</span></body></html>"""
    assert _meta(html, url=None).authors == ("Jane Doe",)


def test_meta_keys_are_read_whatever_attribute_names_them() -> None:
    html = """<html><head><meta itemprop="datePublished" content=" 2024-05-02 ">
    <meta http-equiv="content-language" content="de"><meta name="viewport" content="width=1">
    <meta name="Author" content="Ann Lee"></head><body><p>Text</p></body></html>"""
    meta = _meta(html, url=None)
    assert meta.published == datetime(2024, 5, 2, tzinfo=UTC)
    assert meta.language == "de"
    assert meta.authors == ("Ann Lee",)


def test_the_page_structure_lists_each_kind_as_one_query_would() -> None:
    from scraper.extract.metadata import _read_structure

    # <meta>, JSON-LD scripts and <h1> interleaved, in the head, the body and inline SVG, with
    # script types that differ in case or stand elsewhere, and more <h1> than are kept.
    html = (
        "<html><head><meta name='description' content='one'>"
        "<script type='application/ld+json'>{}</script><script>var a;</script>"
        "<meta property='og:title' content='two'></head><body><h1>First</h1>"
        "<script type='application/ld+json'>[]</script><meta name='description' content='three'>"
        "<svg><h1>In svg</h1><script type='application/ld+json'>1</script></svg>"
        "<script type='APPLICATION/LD+JSON'>2</script><script type='text/json'>3</script>"
        + "".join(f"<h1>Heading {n}</h1><meta name='keywords' content='k{n}'>" for n in range(7))
        + "</body></html>"
    )
    tree = LexborHTMLParser(html)
    combined = tree.css("meta, script[type='application/ld+json'], h1")
    structure = _read_structure(tree)
    ids = [n.mem_id for n in combined if n.tag == "script"]
    assert [n.mem_id for n in structure.scripts] == ids
    assert [n.mem_id for n in structure.headings] == [n.mem_id for n in combined if n.tag == "h1"][
        :5
    ]
    assert structure.meta["description"] == ["one", "three"]
    assert structure.meta["keywords"] == [f"k{n}" for n in range(7)]
