"""The extractor on small hand-written pages: chrome, repeats, purity, bad input, limits."""

from __future__ import annotations

import json
import time

import pytest

from scraper import ExtractOptions, extract
from scraper.errors import ConfigError, DecodeError
from scraper.extract import explain
from scraper.models import BlockKind

PARAS = [
    "The harbour council of Velmora voted on Tuesday to rebuild the old breakwater, ending a "
    "dispute that had divided fishermen and ferry operators for most of the decade.",
    "Council leader Ines Carvalho said the vote reflected months of consultation, and that the "
    "first stones would be laid before the autumn storms arrive on the coast.",
    "Opponents argued that the cost, estimated at forty million crowns, would fall on small "
    "boat owners who already pay the highest mooring fees in the region.",
    "The ferry company welcomed the decision and promised to keep its timetable unchanged "
    "while the work goes on, though some crossings may be moved to the northern quay.",
]

CHROME = """
<a class="skip-link" href="#main">Skip to main content</a>
<header class="site-header"><nav><a href="/">Home</a> <a href="/news">News</a></nav></header>
<aside class="sidebar"><h3>Latest news</h3><ul><li><a href="/a">Other story one</a></li>
<li><a href="/b">Other story two</a></li></ul></aside>
"""
FOOTER = """
<div class="share-buttons"><a href="#">Share this post</a> <a href="#">Tweet</a></div>
<section class="comments"><p>I think this is a terrible idea and the council should resign
immediately, everyone in town agrees with me on this point.</p></section>
<footer><p>Copyright 2024 Velmora Daily. All rights reserved.</p></footer>
"""


def page(body: str, title: str = "Velmora votes to rebuild its breakwater") -> str:
    return (
        f"<html lang='en'><head><title>{title}</title>"
        f"<meta property='og:title' content='{title}'></head><body>{body}</body></html>"
    )


def article_html(paras: list[str] = PARAS) -> str:
    return (
        "<article><div class='entry-content'>"
        + "".join(f"<p>{p}</p>" for p in paras)
        + ("</div></article>")
    )


def test_chrome_is_removed_and_body_kept() -> None:
    art = extract(page(CHROME + article_html() + FOOTER))
    assert [b.text for b in art.blocks] == PARAS
    for junk in ("Skip to main content", "Latest news", "Share this post", "terrible idea"):
        assert junk not in art.text
    assert art.text == "\n\n".join(PARAS)
    assert art.word_count == sum(len(p.split()) for p in PARAS)


def test_body_rendered_twice_comes_out_once() -> None:
    title = "Velmora votes to rebuild its breakwater"
    second = (
        f"<div class='amp-copy'><h2>{title}</h2><p class='lede'>{PARAS[0][:80]}</p>"
        "<figure><figcaption>Thumbnail</figcaption></figure>"
        + "".join(f"<p>{p}</p>" for p in PARAS)
        + "</div>"
    )
    art = extract(page(CHROME + article_html() + second + FOOTER, title))
    assert [b.text for b in art.blocks] == PARAS
    assert title not in art.text and "Thumbnail" not in art.text


def test_near_identical_second_copy_with_small_edits_is_collapsed() -> None:
    edited = [p.replace("Tuesday", "Tuesday evening").replace("  ", " ") for p in PARAS[:3]]
    second = "<section><div>" + "".join(f"<div>{p}</div>" for p in edited) + "</div></section>"
    art = extract(page("<main>" + article_html() + second + "</main>"))
    texts = [b.text for b in art.blocks]
    assert texts == PARAS


def test_refrain_and_short_list_lines_survive() -> None:
    refrain = "“We will not be moved,” the crowd sang."
    body = (
        f"<article><p>{PARAS[0]}</p><blockquote>{refrain}</blockquote><p>{PARAS[1]}</p>"
        f"<ul><li>Yes, for the plan</li><li>No, against it</li><li>Yes, for the plan</li></ul>"
        f"<p>{PARAS[2]}</p><blockquote>{refrain}</blockquote><p>{PARAS[3]}</p></article>"
    )
    art = extract(page(body))
    assert art.text.count(refrain) == 2
    assert art.text.count("Yes, for the plan") == 2
    assert [b.kind for b in art.blocks].count(BlockKind.QUOTE) == 2


TEASERS = [
    (
        "Ferry fares to rise in spring",
        "The ferry company said on Monday that fares on the "
        "northern crossing will rise by a tenth from April, blaming the price of fu...",
    ),
    (
        "Fishermen plan a protest at the quay",
        "Members of the fishermen's union will gather "
        "at the old quay on Saturday to protest against the new mooring fees, their lead…",
    ),
    (
        "Storm warning for the coast",
        "Forecasters expect the first autumn storm to reach the "
        "coast of Velmora late on Thursday, with gusts of up to ninety kilometres an...",
    ),
]


def teaser_cards(teasers: list[tuple[str, str]]) -> str:
    return "".join(
        f"<div class='card'><h3><a href='/s/{n}'>{headline}</a></h3><p>{excerpt}</p></div>"
        for n, (headline, excerpt) in enumerate(teasers)
    )


def test_teaser_excerpts_under_linked_headlines_are_dropped() -> None:
    body = "<main>" + "".join(f"<p>{p}</p>" for p in PARAS) + teaser_cards(TEASERS) + "</main>"
    art = extract(page(body))
    assert [b.text for b in art.blocks] == PARAS
    reasons = {d.block.text: d.rule for d in explain(page(body)).decisions}
    assert reasons[TEASERS[0][1]] == "teaser excerpt"


def test_one_paragraph_trailing_off_under_a_linked_heading_stays() -> None:
    # A single "..." after a linked heading is the writer's own, not a list of teasers.
    body = "<main>" + "".join(f"<p>{p}</p>" for p in PARAS) + teaser_cards(TEASERS[:1]) + "</main>"
    assert TEASERS[0][1] in extract(page(body)).text


OTHER_STORIES = [
    (
        "Ferry fares to rise in spring",
        "The island ferry company will raise its fares by a tenth from April, blaming fuel.",
    ),
    (
        "Mill owners plan to reopen",
        "The owners of the old mill at Port Elphinstone said they hope to reopen it next year.",
    ),
    (
        "School vans to be replaced",
        "Three schools in the district will stop using their large vans after the crash.",
    ),
]


def headline_list(stories: list[tuple[str, str]]) -> str:
    """A section's list of other stories: a linked headline and its standfirst each."""
    rows = "".join(
        f"<dt><a href='/s{n}'>{headline}</a></dt><dd>{standfirst}</dd>"
        for n, (headline, standfirst) in enumerate(stories)
    )
    return f"<div class='section-list'><h3>Coast headlines</h3><dl>{rows}</dl></div>"


def test_other_stories_listed_with_their_standfirsts_after_the_article_go() -> None:
    # The headlines went as links and their standfirsts, prose each, stayed as the article's.
    story = "".join(f"<p>{p}</p>" for p in PARAS)
    body = f"<main><div class='story'>{story}</div>{headline_list(OTHER_STORIES)}</main>"
    assert [b.text for b in extract(page(body)).blocks if b.kind is BlockKind.PARAGRAPH] == PARAS
    reasons = {d.block.text: d.rule for d in explain(page(body)).decisions}
    assert reasons[OTHER_STORIES[0][1]] == "teaser standfirst"


def test_linked_items_described_in_the_articles_own_wrapper_stay() -> None:
    # A guide's list of places, each a link and a paragraph, set among its own paragraphs.
    items = "".join(
        f"<p><a href='/s{n}'>{headline}</a></p><p>{standfirst}</p>"
        for n, (headline, standfirst) in enumerate(OTHER_STORIES)
    )
    body = f"<main><div class='story'><p>{PARAS[0]}</p>{items}<p>{PARAS[1]}</p></div></main>"
    text = extract(page(body)).text
    assert all(standfirst in text for _, standfirst in OTHER_STORIES)
    # An FAQ among the article's parts: each answer sits inside its linked question's item.
    answers = [
        "Yes: the council expects the new breakwater to cut the cost of repairs to the quay, "
        "which it puts at two million crowns in a bad winter, by more than half.",
        "The first stones go in before the autumn storms, and the work should take two years, "
        "though the council warned that a hard winter could add a season to that.",
        "Only boats moored inside the old harbour pay the new levy, at a rate set each spring "
        "by the harbour board after it has heard from the fishermen's association.",
    ]
    faq = "".join(
        f"<li><a href='#q{n}'>{headline}?</a><div><p>{answers[n]}</p></div></li>"
        for n, (headline, _) in enumerate(OTHER_STORIES)
    )
    body = f"<main><div class='story'>{''.join(f'<p>{p}</p>' for p in PARAS[:2])}</div>"
    body += f"<div class='faq'><ul>{faq}</ul></div>"
    body += f"<div class='story'>{''.join(f'<p>{p}</p>' for p in PARAS[2:])}</div></main>"
    text = extract(page(body)).text
    assert all(answer in text for answer in answers)


PLACES = [
    ("The Old Quay Café", "Fishermen queue here before dawn for rye bread and strong coffee."),
    ("Harbour Baths", "The open-air pool is filled by the tide and warmed by nothing at all."),
    ("Lighthouse Hill", "A steep path leads to the best view of the breakwater and the ferries."),
]


def test_linked_headings_of_a_list_articles_items_are_kept() -> None:
    # Each item's heading links to the place, and its text follows in the article's wrapper.
    items = "".join(
        f"<h3><a href='/p{n}'>{name}</a></h3><p>{PARAS[n + 1]} {about}</p>"
        for n, (name, about) in enumerate(PLACES)
    )
    body = f"<main><div class='story'><p>{PARAS[0]}</p>{items}</div></main>"
    art = extract(page(body))
    assert [b.text for b in art.blocks if b.kind is BlockKind.HEADING] == [n for n, _ in PLACES]
    reasons = {d.block.text: d.rule for d in explain(page(body)).decisions}
    assert reasons[PLACES[0][0]] == "linked heading over prose"


def test_linked_headlines_of_cards_after_the_article_still_go() -> None:
    # Other stories' cards, each its own wrapper: their headlines are links elsewhere.
    cards = "".join(
        f"<div class='card'><h3><a href='/s/{n}'>{headline}</a></h3><p>{standfirst}</p></div>"
        for n, (headline, standfirst) in enumerate(OTHER_STORIES)
    )
    body = f"<main><div class='story'>{''.join(f'<p>{p}</p>' for p in PARAS)}</div>{cards}</main>"
    text = extract(page(body)).text
    assert PARAS[-1] in text
    assert not any(headline in text for headline, _ in OTHER_STORIES)


def test_a_page_builders_widgets_holding_the_paragraphs_are_the_article() -> None:
    # Each paragraph in its own small "widget": every one went as chrome, and the article
    # with them.
    widgets = "".join(
        "<div class='builder-element builder-widget builder-widget-text-editor'>"
        f"<div class='builder-widget-container'><p>{p}</p></div></div>"
        for p in PARAS
    )
    body = CHROME + f"<main><div class='builder-widget-wrap'>{widgets}</div></main>" + FOOTER
    assert [b.text for b in extract(page(body)).blocks] == PARAS


def test_body_split_into_sections_marked_with_a_navigation_word_is_kept() -> None:
    # Jump-link targets: each part of the body has its own id and a "skip" class word.
    sections = "".join(
        f"<div id='topic{n}' class='skip-item'><h2>Part {n}</h2><p>{p}</p></div>"
        for n, p in enumerate(PARAS)
    )
    body = CHROME + f"<main><p class='lede'>{PARAS[0][:60]}</p>{sections}</main>" + FOOTER
    assert [b.text for b in extract(page(body)).blocks if b.kind is BlockKind.PARAGRAPH][
        -len(PARAS) :
    ] == PARAS


def test_embedded_post_inside_a_social_wrapper_is_kept() -> None:
    tweet = "The breakwater vote is the best news this harbour has had in ten years."
    embed = (
        "<div class='social-media-embed'><blockquote class='twitter-tweet'>"
        f"<p>{tweet}</p>— Harbour Watch (@harbourwatch)</blockquote></div>"
    )
    share = "<div class='social-share'><a href='#'>Share on Facebook</a></div>"
    paras = "".join(f"<p>{p}</p>" for p in PARAS)
    art = extract(page(f"<article>{paras[:200]}{embed}{paras[200:]}{share}</article>"))
    assert tweet in art.text
    assert "Share on Facebook" not in art.text


def test_the_same_feature_list_under_each_product_is_kept() -> None:
    features = "".join(
        f"<li>{f}</li>"
        for f in (
            "Automatic pairing with every phone in the house",
            "Twelve hours of listening on one charge",
            "A case that charges in under an hour",
        )
    )
    products = "".join(
        f"<h2>Model {n}</h2><p>{p}</p><ul>{features}</ul>" for n, p in enumerate(PARAS[:3])
    )
    art = extract(page(f"<article>{products}</article>"))
    assert art.text.count("Twelve hours of listening on one charge") == 3


def test_roundup_sentences_that_are_mostly_links_are_kept() -> None:
    item = (
        "<li><a href='/a'>The harbour council of Velmora voted on Tuesday to rebuild the old "
        "breakwater</a>, ending a long dispute between fishermen and ferries.</li>"
    )
    links = "".join(f"<li><a href='/r{n}'>Related story {n}</a></li>" for n in range(3))
    body = (
        f"<article>{''.join(f'<p>{p}</p>' for p in PARAS)}<ul>{item}</ul><ul>{links}</ul></article>"
    )
    art = extract(page(body))
    assert "ending a long dispute between fishermen and ferries." in art.text
    assert "Related story" not in art.text


@pytest.mark.parametrize("heading", ["You may also like", "Читайте также", "Lees ook"])
def test_box_of_other_stories_after_the_article_is_dropped(heading: str) -> None:
    others = (
        "The ferry company has ordered two new boats for the northern crossing, to be "
        "delivered next year.",
        "Fishermen in the southern bay report the best herring season in a decade, and prices "
        "have fallen.",
    )
    box = f"<div><h3>{heading}</h3>" + "".join(f"<p>{o}</p>" for o in others) + "</div>"
    body = f"<article><div>{''.join(f'<p>{p}</p>' for p in PARAS)}</div>{box}</article>"
    art = extract(page(body))
    assert [b.text for b in art.blocks] == PARAS


def test_title_and_byline_in_body_are_dropped_as_metadata() -> None:
    body = (
        "<article><h1>Velmora votes to rebuild its breakwater</h1>"
        "<p class='x'>By Marta Ruiz</p><p>March 3, 2024 10:15 am</p>"
        + "".join(f"<p>{p}</p>" for p in PARAS)
        + "</article>"
    )
    art = extract(page(body))
    assert art.blocks[0].text == PARAS[0]
    assert len(art.blocks) == len(PARAS)


def test_headings_lists_and_tables_are_typed() -> None:
    body = (
        f"<article><p>{PARAS[0]}</p><h2>What happens next</h2><p>{PARAS[1]}</p>"
        "<ul><li>Stones are laid in spring, before the storms come.</li></ul>"
        "<table><tr><th>Year</th><th>Cost</th></tr><tr><td>2025</td><td>12m</td></tr></table>"
        f"<pre>  code  kept</pre><p>{PARAS[2]}</p></article>"
    )
    kinds = {b.kind: b for b in extract(page(body)).blocks}
    assert kinds[BlockKind.HEADING].text == "What happens next"
    assert kinds[BlockKind.HEADING].level == 2
    assert kinds[BlockKind.LIST_ITEM].text.startswith("Stones are laid")
    assert kinds[BlockKind.TABLE].text == "Year | Cost\n2025 | 12m"
    assert kinds[BlockKind.PREFORMATTED].text == "  code  kept"


def test_hidden_copies_are_ignored() -> None:
    hidden = "<div style='display: none'><p>" + "Hidden copy text repeated. " * 20 + "</p></div>"
    template = "<template><p>" + "Template copy text. " * 20 + "</p></template>"
    art = extract(page(article_html() + hidden + template))
    assert "Hidden copy" not in art.text and "Template copy" not in art.text


def test_extraction_is_a_pure_function_of_the_page() -> None:
    html = page(CHROME + article_html() + FOOTER)
    first = extract(html)
    extract(page(article_html(PARAS[::-1])))
    assert extract(html) == first


def test_bytes_record_the_encoding() -> None:
    html = page("<meta charset='iso-8859-1'>" + article_html([p + " Café." for p in PARAS]))
    art = extract(html.encode("latin-1"))
    assert art.encoding == "cp1252"
    assert "Café." in art.text


UTF8_PARAS = [p + " Café — naïve." for p in PARAS]


@pytest.mark.parametrize(
    "html",
    [
        page(CHROME + article_html(UTF8_PARAS) + FOOTER),
        # Overruled: the bytes are valid multi-byte UTF-8.
        page("<meta charset='windows-1252'>" + article_html(UTF8_PARAS)),
        # An unclosed <title> swallows the page, which is then read again from the text.
        "<html><head><title>Velmora — runaway</head><body>"
        + article_html(UTF8_PARAS * 4)
        + "</body></html>",
    ],
)
def test_utf8_bytes_and_their_text_give_the_same_article(html: str) -> None:
    from_bytes = extract(html.encode("utf-8"))
    from_text = extract(html)
    assert from_bytes.encoding == "utf-8"
    assert UTF8_PARAS[0] in from_bytes.text
    assert from_bytes.text == from_text.text
    assert from_bytes.title == from_text.title
    assert from_bytes.blocks == from_text.blocks


def test_binary_input_is_a_decode_error() -> None:
    with pytest.raises(DecodeError):
        extract(bytes(range(256)) * 100)


def test_empty_and_malformed_pages_give_empty_articles() -> None:
    assert extract("").text == ""
    assert extract("<html><body><div><p>unclosed <b>tags").text == "unclosed tags"
    assert extract("<html><body><nav><a href='/'>Home</a></nav></body></html>").text == ""


def test_site_rules_keep_and_drop_selectors() -> None:
    html = page(article_html() + "<div class='note'><p>" + PARAS[0] + " Extra.</p></div>")
    only = extract(html, options=ExtractOptions(keep_selectors=(".note",)))
    assert only.text == PARAS[0] + " Extra."
    dropped = extract(html, options=ExtractOptions(drop_selectors=("p:first-child",)))
    assert PARAS[0] not in dropped.text


@pytest.mark.parametrize("rule", ["html", ":root", "*", "html, body"])
def test_a_drop_rule_matching_the_root_element_drops_the_whole_page(rule: str) -> None:
    # lexbor refuses to remove its root element: its own SelectolaxError escaped.
    for html in (page(article_html()), "<p>" + PARAS[0] + "</p>"):
        dropped = extract(html, options=ExtractOptions(drop_selectors=(rule,)))
        assert (dropped.text, dropped.word_count) == ("", 0)
        assert explain(html, options=ExtractOptions(drop_selectors=(rule,))).decisions == ()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("keep_selectors", "article"),  # one string, read as one-letter selectors
        ("drop_selectors", ("p", 3)),
        ("max_nodes", 1.5),  # a float bound read no element at all
        ("max_depth", float("nan")),
        ("max_html_chars", True),
        ("include_tables", "no"),
        ("collapse_repeats", None),
    ],
)
def test_options_of_the_wrong_type_are_a_config_error_naming_the_field(
    field: str, value: object
) -> None:
    with pytest.raises(ConfigError) as raised:
        ExtractOptions(**{field: value})  # type: ignore[arg-type]
    assert raised.value.key == field


def test_selectors_given_as_a_list_are_kept_as_a_tuple() -> None:
    options = ExtractOptions(keep_selectors=[".note"])  # type: ignore[arg-type]
    assert options.keep_selectors == (".note",)
    assert hash(options) == hash(ExtractOptions(keep_selectors=(".note",)))


def test_options_that_are_no_extract_options_are_refused_not_taken_for_the_defaults() -> None:
    # An empty dict is falsy: it was read as "no options", silently, by the interpreted build.
    for given in ({}, {"max_nodes": 5}, ExtractOptions):
        with pytest.raises(TypeError):
            extract(page(article_html()), options=given)  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            explain(page(article_html()), options=given)  # type: ignore[arg-type]


def test_explain_reads_bytes_in_the_declared_charset_as_extract_does() -> None:
    # Only the transport declares the charset: explain read the page as UTF-8 (mojibake).
    html = page(
        "<article><p>" + "Город принял новый бюджет на следующий год. " * 8 + "</p></article>"
    )
    data = html.encode("iso-8859-5")
    article = extract(data, encoding="iso-8859-5")
    report = explain(data, encoding="iso-8859-5")
    assert "Город принял" in article.text
    assert [d.block.text for d in report.decisions if d.keep] == [article.text]


def _scripted(article_body: str, shown: str = "<div class='loading'>Loading…</div>") -> str:
    """A page built by scripts: its markup a shell, its story in the JSON-LD's articleBody."""
    declared = json.dumps({"@type": "NewsArticle", "headline": "Breakwater vote",
                           "articleBody": article_body})  # fmt: skip
    return (
        "<html lang='en'><head><title>Breakwater vote</title>"
        f"<script type='application/ld+json'>{declared}</script></head><body>"
        f"<div id='__next'><header><a href='/'>Velmora Daily</a></header><main>{shown}</main>"
        "</div></body></html>"
    )


def test_a_page_built_by_scripts_gives_the_article_its_structured_data_holds() -> None:
    # Its markup holds "Loading…" only: that was the article, exit 0.
    for body in ("\n\n".join(PARAS), "".join(f"<p>{p}</p>" for p in PARAS)):
        article = extract(_scripted(body))
        assert [b.text for b in article.blocks] == PARAS
        assert article.word_count == sum(len(p.split()) for p in PARAS)
        kept = [d.block.text for d in explain(_scripted(body)).decisions if d.keep]
        assert kept == PARAS


def test_the_shown_article_stands_beside_a_shorter_or_alike_declared_body() -> None:
    shown = article_html()
    # A teaser declared, or the same story: what the page shows is the article.
    assert extract(_scripted(PARAS[0], shown)).text == "\n\n".join(PARAS)
    assert extract(_scripted("\n".join(PARAS), shown)).text == "\n\n".join(PARAS)
    # A site rule that names the body is followed, whatever the structured data says.
    ruled = ExtractOptions(keep_selectors=(".loading",))
    assert extract(_scripted("\n".join(PARAS)), options=ruled).text == "Loading…"


def test_options_none_are_the_defaults() -> None:
    # As extract_page and dedup take them; extract and explain raised AttributeError.
    html = page(CHROME + article_html())
    assert extract(html, options=None) == extract(html)
    decided = [(d.block.text, d.keep) for d in explain(html, options=None).decisions]
    assert decided == [(d.block.text, d.keep) for d in explain(html).decisions]


@pytest.mark.parametrize("field", ["keep_selectors", "drop_selectors"])
@pytest.mark.parametrize("selector", ["div[", "", "p >"])
def test_a_rule_that_is_no_css_selector_is_a_config_error(field: str, selector: str) -> None:
    # selectolax raised its own SelectolaxError, outside scraper's error tree: a crawl with
    # such a site rule recorded every page of the site as an internal failure.
    rules = ("p", selector)
    if field == "keep_selectors":
        options = ExtractOptions(keep_selectors=rules)
    else:
        options = ExtractOptions(drop_selectors=rules)
    with pytest.raises(ConfigError, match="not a CSS selector") as raised:
        extract(page(article_html()), options=options)
    assert raised.value.key == field
    assert repr(selector) in str(raised.value)


def test_explain_names_the_rule_for_each_block() -> None:
    html = page(CHROME + article_html() + "<p><a href='/x'>Read the full council report</a></p>")
    report = explain(html)
    rules = {d.block.text: d.rule for d in report.decisions}
    assert rules[PARAS[0]].startswith("content")
    assert any("sidebar" in s.reason or "aside" in s.reason for s in report.dropped)


def test_explain_quotes_the_figures_its_rules_read() -> None:
    # Figures are worded only when a rule is read; the wording must quote them as decided.
    links = "<p><a href='/x'>Read the full council report on the harbour works</a></p>"
    aside = "<aside>\n  Latest   news\n\n  <p>Other\tstory</p>\n</aside>"
    html = page("<article><div class='entry-content'>" + "".join(f"<p>{p}</p>" for p in PARAS)
                + links + "</div></article>" + aside)  # fmt: skip
    report = explain(html)
    by_text = {d.block.text: d for d in report.decisions}
    kept = by_text[PARAS[0]]
    assert kept.rule == f"content (score {kept.score:.0f})"
    assert by_text["Read the full council report on the harbour works"].rule == "link density 1.00"
    skipped = {s.reason: s.text for s in report.dropped}
    assert skipped["<aside> element"] == "Latest news Other story"


def test_huge_page_is_bounded() -> None:
    filler = "<div><span>x</span></div>" * 2_000_000  # about 50 MB of markup
    html = page(article_html() + filler)
    assert len(html) > 50_000_000
    started = time.perf_counter()
    art = extract(html)
    elapsed = time.perf_counter() - started
    assert art.blocks[0].text == PARAS[0]
    assert elapsed < 30, f"took {elapsed:.1f}s"


def test_node_budget_is_reported_by_explain() -> None:
    html = page(article_html() + "<div><p>filler text here</p></div>" * 50)
    report = explain(html, options=ExtractOptions(max_nodes=30))
    assert report.truncated
    assert report.decisions[0].block.text == PARAS[0]
    assert not explain(html).truncated


def test_word_count_is_the_words_of_the_text_whatever_the_spacing() -> None:
    # The pipeline counts words without splitting the text again: odd spaces, breaks,
    # tables and preformatted text must still give len(text.split()).
    body = (
        "<article><h2>Harbour\u00a0news  today</h2>"
        "<p>Ferry\tservices\n  are <b>sus</b>pended  until\u2003Friday,\u00a0officials said "
        "in a statement on the pier this morning.</p>"
        "<p>Line one of the notice<br>line two of it<br><br>Next part\u3000here for all.</p>"
        "<table><tr><td>Pier  A</td><td> closed </td></tr><tr><td>Pier\nB</td><td>open</td>"
        "</tr></table><pre>  code  line\n\n   more\tcode </pre>"
        "<ul><li>One\u00a0item of the list here</li></ul></article>"
    )
    art = extract(page(body), options=ExtractOptions(include_tables=True))
    kinds = {b.kind for b in art.blocks}
    assert {BlockKind.TABLE, BlockKind.PREFORMATTED, BlockKind.HEADING} <= kinds
    assert art.word_count == len(art.text.split())
