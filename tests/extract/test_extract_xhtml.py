"""XHTML pages read as a browser shows them as XHTML: self-closed elements are empty.

The HTML parser ignores the slash of ``<script src="x.js"/>``, so without care a script near the
top of an XHTML page swallows the article as its text.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

from typer.testing import CliRunner

from scraper import extract
from scraper.cli.app import app
from scraper.crawl.jobs import Extracted, PageJob, extract_job, jobs_from, jobs_message
from scraper.crawl.wire import read
from scraper.extract import explain, extract_page
from scraper.extract.xhtml import as_html, is_xhtml
from scraper.models import Page

XHTML = "application/xhtml+xml; charset=utf-8"
STORY = (
    "The harbour committee voted on Tuesday to dredge the inner basin before the autumn "
    "storms, after two fishing boats grounded there at low water in a single week."
)
SECOND = (
    "Dredging will close the slipway for about a fortnight, and the committee has asked the "
    "boatyard to move its moorings to the outer wall for the duration of the work."
)


def _page(head: str = "", before: str = "") -> bytes:
    return (
        '<html xmlns="http://www.w3.org/1999/xhtml">'
        f"<head><title>Harbour to be dredged</title>{head}</head><body>{before}"
        f"<div class='story'><h1>Harbour to be dredged</h1><p>{STORY}</p><p>{SECOND}</p></div>"
        "</body></html>"
    ).encode()


def test_a_self_closed_script_in_the_head_leaves_the_article() -> None:
    body = _page('<script type="text/javascript" src="/site.js"/>')
    article = extract(body, content_type=XHTML)
    assert STORY in article.text and SECOND in article.text


def test_the_same_page_served_as_html_reads_as_html() -> None:
    # A browser shows a page served as text/html as HTML: the script swallows the page there.
    body = _page('<script type="text/javascript" src="/site.js"/>')
    assert STORY not in extract(body, content_type="text/html; charset=utf-8").text


def test_a_page_without_a_content_type_is_xhtml_by_its_xml_declaration() -> None:
    body = _page('<script src="/site.js"/>')
    declared = b'<?xml version="1.0" encoding="utf-8"?>\n' + body
    assert STORY in extract(declared).text
    assert STORY in extract(declared.decode()).text
    # The namespace alone is no sign: pages served as text/html carry it too.
    assert STORY not in extract(body).text


def test_self_closed_elements_in_the_body_are_empty() -> None:
    before = '<a name="top"/><div class="clear"/><iframe src="/map"/><title/>'
    article = extract(_page(before=before), content_type=XHTML)
    assert STORY in article.text and SECOND in article.text
    assert article.title == "Harbour to be dredged"


def test_slashes_inside_quotes_comments_and_scripts_close_nothing() -> None:
    text = (
        '<p title="a/>b"/><!-- <div/> --><script>var s = "<div/>";</script>'
        "<style>a{}</style><span class='x/>'>y</span><br/><img src='i.png'/>"
    )
    assert as_html(text) == (
        '<p title="a/>b"></p><!-- <div/> --><script>var s = "<div/>";</script>'
        "<style>a{}</style><span class='x/>'>y</span><br/><img src='i.png'/>"
    )


def test_cdata_outside_scripts_is_text() -> None:
    text = "<p><![CDATA[a < b & c]]></p><script>//<![CDATA[\nx<y\n//]]></script>"
    assert as_html(text) == "<p>a &lt; b &amp; c</p><script>//<![CDATA[\nx<y\n//]]></script>"


def test_markup_left_open_is_left_as_it_is() -> None:
    assert as_html("<div/><!-- open <p/>") == "<div></div><!-- open <p/>"
    assert as_html('<div/><a title="open/>') == '<div></div><a title="open/>'


def test_content_type_decides_over_the_markers() -> None:
    declared = '\ufeff <?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml">'
    assert is_xhtml(None, declared)
    assert not is_xhtml("text/html", declared)
    assert is_xhtml("application/xhtml+xml", "<html>")
    assert not is_xhtml(None, "<!DOCTYPE html><html lang='en'>")


def test_a_fetched_page_carries_its_content_type_to_extraction() -> None:
    page = Page(
        url="https://h.test/a",
        body=_page('<script src="/site.js"/>'),
        headers=(("Content-Type", XHTML),),
    )
    assert STORY in extract_page(page).text
    # The crawl's and scrape's workers get it across the pipe.
    message = read(io.BytesIO(b"".join(jobs_message([PageJob.of(page)]))))
    assert message is not None
    (job,) = jobs_from(message)
    outcome = extract_job(job)
    assert isinstance(outcome, Extracted)
    assert STORY in outcome.text_utf8.decode()


def test_explain_reads_xhtml_too() -> None:
    body = _page('<script src="/site.js"/>')
    explanation = explain(body, content_type=XHTML)
    assert any(d.keep and STORY in d.block.text for d in explanation.decisions)


def test_cli_extract_reads_a_saved_xhtml_page_with_its_sidecar(tmp_path: Path) -> None:
    html = tmp_path / "story.html"
    html.write_bytes(_page('<script src="/site.js"/>'))
    sidecar = {"url": "https://h.test/story", "headers": [["Content-Type", XHTML]]}
    (tmp_path / "story.page.json").write_text(json.dumps(sidecar))
    for extra in ([], ["--explain"]):
        result = CliRunner().invoke(app, ["extract", str(html), *extra])
        assert result.exit_code == 0, result.output
        # --explain shows the start of each block.
        assert STORY[:60] in result.stdout


def test_an_xhtml_page_declaring_its_language_in_xml_lang_gets_it() -> None:
    # XHTML declares the language in xml:lang; an English text with a German declaration
    # shows the declaration is what was read, not the stopword vote.
    body = _page().replace(b"<html ", b'<html xml:lang="de-DE" ', 1)
    assert extract(body, content_type=XHTML).language == "de-DE"
    # Both given: lang is the one HTML reads (the two must agree on a valid page).
    both = _page().replace(b"<html ", b'<html lang="fr" xml:lang="de-DE" ', 1)
    assert extract(both, content_type=XHTML).language == "fr"


def test_xml_lang_tells_how_the_page_writes_its_dates() -> None:
    # 03/04/2019 is 4 March in US English and 3 April nearly everywhere else.
    shown = b"<p class='date'>03/04/2019</p><div class='story'>"
    us = _page().replace(b"<html ", b'<html xml:lang="en-US" ', 1)
    uk = _page().replace(b"<html ", b'<html xml:lang="en-GB" ', 1)
    dates = [
        extract(page.replace(b"<div class='story'>", shown, 1), content_type=XHTML).published
        for page in (us, uk)
    ]
    assert [(d.month, d.day) if d else None for d in dates] == [(3, 4), (4, 3)]
