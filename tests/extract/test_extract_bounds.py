"""Pages past the extractor's bounds: what the cap counts, where it cuts, and that it says so."""

from __future__ import annotations

import json

from scraper import ExtractOptions, extract
from scraper.extract import explain
from scraper.extract.bounds import _without_raw_text, cap_bytes, cap_text
from scraper.models import Article

PARAS = [
    "Councillors voted late on Tuesday to approve a budget that raises spending on schools.",
    "The mayor said the vote was a victory for families who had waited years for a library.",
    "Opposition members argued that road repairs in the north had again been postponed.",
]
ARTICLE = "<article><h1>Council approves budget</h1>" + "".join(f"<p>{p}</p>" for p in PARAS)
HEAD = "<html><head><meta charset=utf-8><title>Council approves budget</title>"
#: A cap small enough for test pages of a few hundred kilobytes.
SMALL = ExtractOptions(max_html_chars=100_000)


def _has_article(article: Article) -> bool:
    return [b.text for b in article.blocks if b.text in PARAS] == PARAS


def test_inline_styles_and_app_state_do_not_count_toward_the_cap() -> None:
    # The old cap cut these pages before their article: no text at all, nothing said.
    font = "<style>@font-face{src:url(data:font/woff2;base64," + "A" * 150_000 + ")}</style>"
    state = '<script id="__NEXT_DATA__" type="application/json">' + '{"x": 1}' * 30_000
    for html in (
        HEAD + font + "</head><body>" + ARTICLE + "</body></html>",
        HEAD + "</head><body>" + state + "</script><!-- " + "c" * 50_000 + " -->" + ARTICLE,
    ):
        article = extract(html, options=SMALL)
        assert _has_article(article)
        assert article.title == "Council approves budget"
        assert article.truncated is None


def test_json_ld_survives_the_emptying_of_scripts() -> None:
    ld = '{"@type": "NewsArticle", "datePublished": "2024-03-05T10:00:00Z"}'
    html = (
        HEAD + f'<script type="application/ld+json">{ld}</script>'
        "<script>" + "var x = 1;" * 20_000 + "</script></head><body>" + ARTICLE
    )
    article = extract(html, options=SMALL)
    assert article.published is not None and article.published.day == 5
    assert article.truncated is None


def test_a_page_still_over_the_cap_is_cut_and_says_so() -> None:
    filler = "<div class='promo'><span>Buy now</span></div>" * 4_000  # 180 KB of markup
    article = extract(HEAD + "</head><body>" + ARTICLE + filler, options=SMALL)
    assert _has_article(article)
    assert article.truncated is not None and "max_html_chars" in article.truncated
    assert json.loads(json.dumps(article.to_dict()))["truncated"] == article.truncated
    assert explain(HEAD + ARTICLE + filler, options=SMALL).truncated == article.truncated
    # Under the cap nothing is said.
    assert extract(HEAD + "</head><body>" + ARTICLE).truncated is None


def test_a_cut_inside_the_title_keeps_the_whole_title() -> None:
    metas = "".join(f'<meta name="m{i}" content="{i}">' for i in range(5_000))
    html = "<html><head>" + metas + "<title>Council approves budget</title></head><body>" + ARTICLE
    inside_title = html.index("<title>") + 12
    article = extract(html, options=ExtractOptions(max_html_chars=inside_title))
    assert article.title == "Council approves budget"
    assert article.truncated is not None


def test_bytes_far_past_the_cap_are_cut_before_decoding_at_a_tag() -> None:
    body = ("<p>" + "é" * 40 + "</p>").encode() * 100  # 8,700 bytes
    capped = cap_bytes(body, 1_000)
    assert capped is not None and len(capped) <= 4_000
    assert body[len(capped)] == ord("<")
    capped.decode("utf-8")  # no character split
    assert cap_bytes(body, 2_200) is None  # within four bytes a character
    # UTF-16 has '<' bytes inside characters: left to the decoder whole.
    assert cap_bytes("<p>x</p>".encode("utf-16") * 1_000, 100) is None
    article = extract(
        HEAD.encode() + ARTICLE.encode() + body * 10, options=ExtractOptions(max_html_chars=5_000)
    )
    assert _has_article(article)
    assert article.truncated is not None


def test_scripts_styles_and_comments_are_emptied_json_ld_and_tags_kept() -> None:
    text = (
        "<p>a</p><SCRIPT src=x>var a;</Script ><style>b{}</style><!-- c --><p>d</p>"
        '<script type="application/ld+json">{"e": 1}</script><template><p>f</p></template>'
    )
    assert _without_raw_text(text) == (
        "<p>a</p><SCRIPT src=x></Script ><style></style><p>d</p>"
        '<script type="application/ld+json">{"e": 1}</script><template></template>'
    )
    # A declarative shadow root is shown, and <noscript> may be read: both stay.
    shown = '<template shadowrootmode="open"><p>g</p></template><noscript><p>h</p></noscript>'
    assert _without_raw_text(shown) == shown
    # Unclosed, a script holds the rest of the page, as a browser reads it.
    assert _without_raw_text("<p>a</p><script>never closed<p>b</p>") == "<p>a</p>"


def test_the_cut_falls_at_a_tag_start() -> None:
    assert cap_text("<p>aaaa</p><p>bbbb</p>", 12) == ("<p>aaaa</p><p>bbbb", True)
    assert cap_text("<p>aaaa</p><p>bbbb</p><script>" + "x" * 50 + "</script>", 40) == (
        "<p>aaaa</p><p>bbbb</p><script></script>",
        False,
    )
