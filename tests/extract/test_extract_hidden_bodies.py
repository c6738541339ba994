"""Article bodies a browser shows from outside the plain tree: declarative shadow roots, and
<noscript> fallbacks of pages built by scripts."""

from __future__ import annotations

import pytest
from selectolax.lexbor import LexborHTMLParser

from scraper.extract import explain, extract
from scraper.extract.shadow import render_templates

_PARAGRAPHS = (
    "The harbour board of Lindqvist Bay agreed on Monday to dredge the eastern channel before "
    "the autumn storms, after two ferries ran aground there in a single week.",
    "Board members said the work would take eleven weeks and close the channel to sailing "
    "boats at night, while the ferries keep their timetable through the western approach.",
    "Fishermen who moor in the eastern basin asked for a temporary pontoon near the fish "
    "market, and the board promised an answer at its next meeting in three weeks.",
    "The dredged sand will be pumped onto the north beach, which lost most of its dunes in "
    "last winter's floods, the board's engineer told the meeting.",
)
_HEAD = (
    "<!DOCTYPE html><html><head><meta charset=utf-8>"
    "<title>Harbour board orders dredging</title></head><body>"
)
_END = "</body></html>"


def _article(paragraphs: tuple[str, ...] = _PARAGRAPHS) -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return f"<article><h1>Harbour board orders dredging</h1>{body}</article>"


def _page(body: str) -> str:
    return _HEAD + body + _END


def _found(text: str, paragraphs: tuple[str, ...] = _PARAGRAPHS) -> int:
    return sum(p in text for p in paragraphs)


# --- declarative shadow roots ------------------------------------------------------------


@pytest.mark.parametrize(
    "attribute",
    ['shadowrootmode="open"', "shadowrootmode=closed", "shadowrootmode=OPEN", "shadowroot=open"],
)
def test_a_body_in_a_declarative_shadow_root_is_read(attribute: str) -> None:
    story = f"<news-story><template {attribute}>{_article()}</template></news-story>"
    html = _page(f'<div id="app"></div>{story}')
    article = extract(html)
    assert _found(article.text) == len(_PARAGRAPHS)


def test_a_plain_template_is_inert_and_not_read() -> None:
    html = _page(f'<div id="app"></div><template id="story">{_article()}</template>')
    assert extract(html).text == ""


@pytest.mark.parametrize(
    "body",
    [
        # Not a valid shadow host: the template stays inert.
        "<ul><template shadowrootmode=open>{a}</template></ul>",
        # Not a mode: the template stays inert.
        "<news-story><template shadowrootmode=none>{a}</template></news-story>",
        # A host has one shadow root: the second template is an unslotted inert child.
        "<news-story><template shadowrootmode=open><p>Short.</p></template>"
        "<template shadowrootmode=open>{a}</template></news-story>",
        # ... and stays inert when a slot takes it into an element that could host one.
        "<news-story><template shadowrootmode=open><div><slot></slot></div></template>"
        "<template shadowrootmode=open>{a}</template></news-story>",
    ],
)
def test_a_template_that_cannot_be_a_shadow_root_stays_inert(body: str) -> None:
    html = _page(body.format(a=_article()))
    assert _found(extract(html).text) == 0


def test_the_hosts_children_show_in_their_slots_only() -> None:
    first, second, third, fourth = _PARAGRAPHS
    html = _page(
        "<news-story>"
        f'<p slot="lead">{first}</p>'
        f"<p>{third}</p>"
        f'<p slot="nowhere">{fourth}</p>'
        "<template shadowrootmode=open><article><h1>Harbour board orders dredging</h1>"
        '<slot name="lead"><p>Fallback lead that is replaced.</p></slot>'
        f"<p>{second}</p><slot></slot>"
        '<slot name="credit"><p>Reporting by the harbour desk of the Bay Courier.</p></slot>'
        "</article></template></news-story>"
    )
    text = extract(html).text
    # Slotted children take their slot's place, in the shadow tree's order.
    assert text.index(first) < text.index(second) < text.index(third)
    # A child no slot takes is not shown, nor a filled slot's own content.
    assert fourth not in text
    assert "Fallback lead" not in text
    # An empty slot shows its own content.
    assert "Reporting by the harbour desk" in text


def test_nested_shadow_roots_are_read() -> None:
    html = _page(
        "<news-page><template shadowrootmode=open><main>"
        "<news-story><template shadowrootmode=closed>"
        f"{_article()}"
        "</template></news-story></main></template></news-page>"
    )
    assert _found(extract(html).text) == len(_PARAGRAPHS)


def _nested(levels: int) -> str:
    html = "<p>innermost</p>"
    for _ in range(levels):
        html = f"<x-level><template shadowrootmode=open>{html}</template></x-level>"
    return html


def test_shadow_roots_are_attached_down_to_a_bounded_depth() -> None:
    shallow = LexborHTMLParser(_page(_nested(3)))
    render_templates(shallow)
    assert shallow.css_first("p") is not None
    assert shallow.tags("template") == []
    assert len(shallow.css("x-level")) == 3
    # Each level is a walk of the tree: a page nesting them without end stops being
    # attached, and its deepest levels are left as inert templates (removed).
    deep = LexborHTMLParser(_page(_nested(200)))
    render_templates(deep)
    assert deep.css_first("p") is None
    assert len(deep.css("x-level")) == 33
    assert deep.tags("template") == []


def test_metadata_reads_the_shadow_root_too() -> None:
    html = _page(
        "<news-story><template shadowrootmode=open>"
        '<time datetime="2026-03-14T09:30:00Z">14 March</time>'
        f"{_article()}</template></news-story>"
    )
    published = extract(html).published
    assert published is not None
    assert published.date().isoformat() == "2026-03-14"


# --- <noscript> fallbacks ------------------------------------------------------------------


def test_a_body_only_in_noscript_is_read() -> None:
    html = _page(f'<div id="root"></div><noscript>{_article()}</noscript><script>boot()</script>')
    article = extract(html)
    assert _found(article.text) == len(_PARAGRAPHS)
    assert article.word_count > 80


def test_noscript_is_not_read_when_the_page_has_a_body() -> None:
    aside = (
        "Readers without scripts see the printable edition of this report, which the harbour "
        "board publishes every Friday with the minutes of its meetings attached."
    )
    html = _page(f"{_article()}<noscript><div><p>{aside}</p></div></noscript>")
    text = extract(html).text
    assert _found(text) == len(_PARAGRAPHS)
    assert aside not in text


def test_a_script_notice_in_noscript_is_no_article() -> None:
    html = _page(
        '<div id="root"></div><noscript>You need to enable JavaScript to run this app.</noscript>'
    )
    assert extract(html).text == ""


def test_the_explanation_shows_the_noscript_reading() -> None:
    html = _page(f"<noscript>{_article()}</noscript>")
    explanation = explain(html)
    kept = [d.block.text for d in explanation.decisions if d.keep]
    assert _found("\n".join(kept)) == len(_PARAGRAPHS)
