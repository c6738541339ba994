"""Block filters: the date-word pattern behind the dateline rule, the prefix tables."""

from __future__ import annotations

import itertools
import re

import pytest

from scraper import extract
from scraper.extract.chrome import BOILERPLATE_PREFIXES, CUTOFF_HEADINGS
from scraper.extract.filters import (
    _BOILERPLATE_STARTS,
    _CUTOFF_STARTS,
    _DATE_WORD_LIST,
    _DATE_WORDS,
    _DATE_WORDS_AS_WRITTEN,
    _by_first_character,
)


def test_date_word_tree_matches_whole_words_as_a_flat_alternation_does() -> None:
    # The grouped pattern must keep a word that starts a longer one ("sep"/"sept", "mar"/
    # "mars"/"marzo") and find exactly the flat list's whole words, in any case.
    flat = re.compile(r"\b(" + "|".join(map(re.escape, _DATE_WORD_LIST)) + r")\b", re.IGNORECASE)
    pieces = [*_DATE_WORD_LIST, "5", "x", "s", "ember", "2023", "-", ".", "MARS", "Sept", "AGO"]
    lines = [" ".join(pair) for pair in itertools.product(pieces, repeat=2)]
    lines += ["".join(pair) for pair in itertools.product(pieces, repeat=2)]
    lines += ["Updated 3 hours ago", "MIS À JOUR le 4 mars 2023", "14:52 sepia tones", "dec."]
    for line in lines:
        assert _DATE_WORDS.subn(" ", line) == flat.subn(" ", line), line
    assert _DATE_WORDS.sub(" ", "sept 5, mar 3 and marzo 2") == "  5,   3 and   2"


def test_date_words_as_written_agree_with_ignoring_case_on_lower_case_ascii() -> None:
    # The dateline rule matches lower-case ASCII lines as written; ignoring case must find the
    # same words there (and it does find more in other text: the fast path is not for it).
    pieces = [*_DATE_WORD_LIST, "5", "x", "s", "k", "i", "ember", "2023", "-", ".", ":", "'"]
    lines = [" ".join(pair) for pair in itertools.product(pieces, repeat=2)]
    lines += ["".join(pair) for pair in itertools.product(pieces, repeat=2)]
    lines += ["updated 3 hours ago", "published: 01.09.2008", "4:52 pm pst on friday, jan 18"]
    ascii_lines = [line for line in lines if line.isascii() and line == line.lower()]
    assert len(ascii_lines) > 9_000
    for line in ascii_lines:
        assert _DATE_WORDS_AS_WRITTEN.subn(" ", line) == _DATE_WORDS.subn(" ", line), line
    assert _DATE_WORDS_AS_WRITTEN.subn(" ", "JAN 5") == ("JAN 5", 0)
    assert _DATE_WORDS.subn(" ", "\u017fept 5") == ("  5", 1)  # a long s folds to "s"


def test_prefix_tables_agree_with_trying_every_prefix() -> None:
    # The rules look prefixes up by a line's first character; the answer must be the flat
    # tuple's for lines that start with a prefix, hold one later, or share only a letter.
    for prefixes, table in (
        (BOILERPLATE_PREFIXES, _BOILERPLATE_STARTS),
        (CUTOFF_HEADINGS, _CUTOFF_STARTS),
    ):
        lines = ["", "x", "a", "zzz", *prefixes]
        lines += [p + " and more" for p in prefixes] + ["so " + p for p in prefixes]
        lines += [p[:-1] for p in prefixes] + [p[0] for p in prefixes]
        hits = 0
        for line in lines:
            expected = line.startswith(prefixes)
            assert line.startswith(table.get(line[:1], ())) is expected, line
            hits += expected
        assert hits >= 2 * len(prefixes)


def test_prefix_table_refuses_an_empty_prefix() -> None:
    with pytest.raises(ValueError, match="empty prefix"):
        _by_first_character(["read more", ""])


_STORY = [
    "The river burst its banks at Port Elphinstone on Sunday evening, flooding forty homes "
    "and the old mill, and the council opened the town hall to families who had to leave.",
    "Engineers from the water authority said the flood defences had held upstream, but that "
    "the culvert under the high street had been blocked by debris carried down from the hills.",
]


def _kept(*lines: str) -> list[str]:
    """The blocks extraction keeps of a story with ``lines`` between its two paragraphs."""
    middle = "".join(f"<p>{line}</p>" for line in lines)
    page = (
        f"<html><body><article><p>{_STORY[0]}</p>{middle}<p>{_STORY[1]}</p></article></body></html>"
    )
    return [block.text for block in extract(page).blocks]


@pytest.mark.parametrize(
    "sentence",
    [
        "By midnight, water was a metre deep on parts of Port Elphinstone.",
        "By how much should the flood levy rise?",
        "Par ailleurs, le conseil prévoit un prêt à taux zéro pour les ménages.",
        "Voting on the flood levy closes on 12 May.",
        "Getty Images said its photographers had filed more than 800 pictures.",
        "Advertisement revenue at the local paper has fallen by a third.",
    ],
)
def test_a_sentence_opening_like_a_byline_dateline_or_label_is_the_storys(sentence: str) -> None:
    # "By midnight, ..." was dropped as a byline and "... 12 May." as a dateline: the rules
    # meant to spare sentences read the line after its full stop was taken off.
    assert _kept(sentence) == [_STORY[0], sentence, _STORY[1]]


@pytest.mark.parametrize(
    "line",
    [
        "By Jane Roe",
        "By JANE ROE and Sam Poe",
        "Von Hans Müller",
        "Updated at 4:14 p.m.",
        "Advertisement",
        "Getty Images / AFP",
        "By using this site, you agree to our Terms of Service and Privacy Policy.",
    ],
)
def test_bylines_datelines_labels_and_consent_notices_go(line: str) -> None:
    assert _kept(line) == _STORY


def test_a_heading_opening_with_by_is_no_byline() -> None:
    page = (
        f"<html><body><article><p>{_STORY[0]}</p><h2>By the numbers</h2>"
        f"<p>{_STORY[1]}</p></article></body></html>"
    )
    assert "By the numbers" in [block.text for block in extract(page).blocks]


def test_readers_comments_signed_as_paragraphs_go_and_prose_naming_a_poster_stays() -> None:
    prose = [
        "A video posted by the police on Monday shows the water reaching the mill's windows.",
        "Residents said photographs posted by neighbours were how they learned of the flood.",
        "A statement posted by the council at noon asked drivers to avoid the high street.",
    ]
    # Each is the story's: "posted by" within a sentence signs nothing.
    assert _kept(*prose) == [_STORY[0], *prose, _STORY[1]]
    comments = [
        "Posted by river_watcher on 3 May 2025 at 10:42",
        "The culvert has been blocked for years and nobody listened to us.",
        "Posted by jd_88 on 3 May 2025 at 11:15",
        "Thoughts with everyone who had to leave their homes tonight.",
        "Posted by old_miller on 3 May 2025 at 11:40",
    ]
    page = (
        f"<html><body><article><p>{_STORY[0]}</p><p>{_STORY[1]}</p>"
        + "".join(f"<p>{line}</p>" for line in comments)
        + "</article></body></html>"
    )
    assert [block.text for block in extract(page).blocks] == _STORY


def test_a_list_of_labels_and_values_opening_like_a_related_box_is_the_storys() -> None:
    # "Recommended dose: ..." was taken for a "Recommended" box: the list and what followed
    # it went.
    items = [
        "Recommended dose: 10 micrograms a day",
        "Upper limit for adults: 100 micrograms",
        "Children under four: 10 micrograms",
    ]
    page = (
        f"<html><body><article><p>{_STORY[0]}</p><ul>"
        + "".join(f"<li>{item}</li>" for item in items)
        + f"</ul><p>{_STORY[1]}</p></article></body></html>"
    )
    assert [block.text for block in extract(page).blocks] == [_STORY[0], *items, _STORY[1]]
    related = (
        f"<html><body><article><p>{_STORY[0]}</p><p>{_STORY[1]}</p><h3>Recommended</h3>"
        "<ul><li><a href='/a'>Ferry fares to rise</a></li><li><a href='/b'>Mill to reopen</a>"
        "</li></ul></article></body></html>"
    )
    assert [block.text for block in extract(related).blocks] == _STORY


@pytest.mark.parametrize("line", ["90 min", "Cook: 90 min", "45 minutes", "12 min"])
def test_a_duration_is_the_storys(line: str) -> None:
    # "90 min" (a match minute, a cooking time) was dropped as a reading-time notice.
    assert _kept(line) == [_STORY[0], line, _STORY[1]]


@pytest.mark.parametrize(
    "line",
    ["5 min read", "6 min readDec 1, 2025", "3 Minuten Lesezeit", "Reading time: 4 minutes"],
)
def test_reading_time_notices_go(line: str) -> None:
    assert _kept(line) == _STORY


@pytest.mark.parametrize(
    "line",
    [
        "Mar. 3, 1950 – Jun. 2, 2024",  # an obituary's span of a life
        "Jan. 5, 2021: Work began",  # a timeline's entries
        "Sept. 2022 — Shipment arrives",
        "Dec 2019: Council approves plan",
        "14:52 Ferry services suspended",  # a live blog's entry under its time
    ],
)
def test_a_date_led_line_of_the_story_is_no_dateline(line: str) -> None:
    assert _kept(line) == [_STORY[0], line, _STORY[1]]


@pytest.mark.parametrize(
    "line",
    [
        "Jun. 2, 2024",
        "May 2, 2024 - Updated 10:42 a.m.",
        "Dec 5, 2024 — Jane Roe",
        "10:42 a.m. ET",
        "09.30 BST Jane Roe",
    ],
)
def test_a_date_stamp_is_a_dateline(line: str) -> None:
    assert _kept(line) == _STORY


#: A live blog's entries, newest last.
_LIVE_UPDATES = (
    "Water has reached the ground floor of the old mill and the fire service is pumping.",
    "The council says the town hall can take another sixty families if it has to tonight.",
    "Engineers have reached the culvert and are clearing the branches that blocked it.",
    "The river level at the gauge has begun to fall for the first time since Sunday.",
)


def test_a_live_blogs_entries_signed_by_its_writer_are_no_comment_thread() -> None:
    # Signed "Posted by <writer> at <time>", the entries were cut as readers' comments.
    updates = list(_LIVE_UPDATES)
    entries = [
        f"<div class='entry'><p>Posted by Jane Roe at 10:4{n}</p><p>{update}</p></div>"
        for n, update in enumerate(updates)
    ]
    page = f"<html><body><article><p>{_STORY[0]}</p>{''.join(entries)}</article></body></html>"
    kept = [block.text for block in extract(page).blocks]
    assert [text for text in kept if text in updates] == updates
    # Readers who give no name are still many readers.
    anonymous = page.replace("Jane Roe at", "Guest on 3 May 2025 at")
    assert [block.text for block in extract(anonymous).blocks] == [_STORY[0]]


def test_teaser_lines_go_alone() -> None:
    # "Up next: <a>...</a>" cut the rest of the live blog as a related-stories box, and
    # "Trending: ..." without a link stayed as the story's.
    entries = [
        f"<p>{_STORY[0]}</p>",
        "<p>Up next: <a href='/a'>Mayor faces a recall vote</a></p>",
        f"<p>{_STORY[1]}</p>",
        "<p>Trending: Storm warning issued for the coast</p>",
        "<p>Upper limit for adults: 100 micrograms</p>",
    ]
    page = (
        f"<html><body><article><p>{_STORY[1]}</p><div class='live'>{''.join(entries)}</div>"
        "</article></body></html>"
    )
    assert [block.text for block in extract(page).blocks] == [
        _STORY[1],
        _STORY[0],
        _STORY[1],
        "Upper limit for adults: 100 micrograms",
    ]


def test_a_related_heading_inside_a_live_blogs_stream_takes_only_what_follows_it() -> None:
    # "Read next" set between a live blog's entries took the stream for a box of other
    # stories: every entry after it went.
    updates = list(_LIVE_UPDATES)
    entries = [
        f"<div class='entry'><p class='time'>10:4{n}</p><p>{update}</p></div>"
        for n, update in enumerate(updates)
    ]
    promo = (
        "<h3>Read next</h3><ul><li><a href='/a'>Mayor faces a recall vote</a></li>"
        "<li><a href='/b'>Ferry fares to rise in spring</a></li></ul>"
    )
    stream = "".join(entries[:2]) + promo + "".join(entries[2:])
    page = (
        f"<html><body><article><div class='intro'><p>{_STORY[0]}</p></div>"
        f"<div class='live-stream'>{stream}</div></article></body></html>"
    )
    kept = [block.text for block in extract(page).blocks]
    assert [text for text in kept if text in updates] == updates
    assert not any("recall" in text or "Ferry" in text for text in kept)
    # Entries set as paragraphs of the stream itself: the promo's line goes, the rest stays.
    flat = page.replace("<div class='entry'>", "").replace("</p></div>", "</p>")
    teaser = "<p><a href='/a'>Mayor faces a recall vote</a></p>"
    flat = flat.replace(promo, f"<h3>Read next</h3>{teaser}")
    kept = [block.text for block in extract(flat).blocks]
    assert [text for text in kept if text in updates] == updates
    assert not any("recall" in text for text in kept)


def test_a_related_heading_opening_its_own_box_takes_the_teasers_excerpts() -> None:
    # A box of other stories whose excerpts read as prose: its wrapper held none of the
    # article's text, so all of it goes, excerpts and all.
    teasers = "".join(
        f"<div class='teaser'><div><a href='/{n}'>Story {n}</a></div><div>{text}</div></div>"
        for n, text in enumerate(
            [
                "A short walk along the coast path, with views of the harbour and the lighthouse.",
                "Three days in the hills above the town, sleeping in huts and cooking on a stove.",
            ]
        )
    )
    page = (
        f"<html><body><article><div class='body'><p>{_STORY[0]}</p><p>{_STORY[1]}</p></div>"
        f"<div class='more'><h2>Most popular</h2><div>{teasers}</div></div>"
        "</article></body></html>"
    )
    assert [block.text for block in extract(page).blocks] == _STORY


#: Other stories' cards, as a related box lists them after a heading.
_CARD_TEXTS = (
    "A short walk along the coast path, with views of the harbour and the lighthouse.",
    "Three days in the hills above the town, sleeping in huts and cooking on a stove.",
    "The island ferry company will raise its fares by a tenth from April, blaming fuel.",
)


def _cards(count: int) -> str:
    return "".join(f"<div class='card'><p>{text}</p></div>" for text in _CARD_TEXTS[:count])


def test_a_related_heading_inside_the_bodys_wrapper_takes_every_card_after_it() -> None:
    # No time stamps or signatures before it: the body's wrapper is no live blog's stream,
    # and every card after the heading is another story's, excerpt and all.
    cards = _cards(3)
    page = (
        f"<html><body><article><div class='intro'><p>{_STORY[0]}</p></div><div class='body'>"
        f"<p>{_STORY[1]}</p><h3>Related</h3>{cards}</div></article></body></html>"
    )
    assert [block.text for block in extract(page).blocks] == _STORY


def test_readers_replying_to_each_other_are_a_comment_thread() -> None:
    # Two readers trading three comments each are as few names as a live blog's writers, and
    # their "Posted by NAME on DATE" lines went as datelines before the thread rule saw them:
    # the comments were kept as the article's.
    replies = [
        "This is a waste of money, the buses work fine and the tram will be late anyway.",
        "Completely disagree, the tram will finally connect the north of the city for good.",
        "You said the same about the stadium and look how that turned out in the end, sadly.",
        "The stadium was a private project, this is public transport and nothing like it.",
        "Public or private, the taxpayer pays for the overruns, as always with this council.",
        "Then vote them out next year, but do not block what the whole north has wanted.",
    ]
    thread = "".join(
        f"<p>Posted by {('jd_88', 'anna_k')[n % 2]} on 3 May 2026</p><p>{reply}</p>"
        for n, reply in enumerate(replies)
    )
    story = "".join(f"<p>{line}</p>" for line in _STORY)
    page = f"<html><body><article>{story}<div class='thread'>{thread}</div></article></body></html>"
    kept = [block.text for block in extract(page).blocks]
    assert kept == list(_STORY)
    # Signed with writers' names, the same entries are a live blog's.
    staff = page.replace("jd_88", "Jane Roe").replace("anna_k", "Tom Hale")
    assert [t for t in (b.text for b in extract(staff).blocks) if t in replies] == replies


def test_script_source_shown_as_text_for_a_lost_script_tag_goes() -> None:
    # A page saved without its <script> start tag (the download cut inside the head) shows the
    # script's source as a paragraph before the article; the parser is right to read it so.
    source = (
        "document.write('<div id=\"tip\"></div>') //write out tooltip var ie=document.all "
        "var ns6=document.getElementById && !document.all function showtip(text) "
        "{ if (ns6||ie) { tipobj.innerHTML=text; return false } }"
    )
    page = (
        f"<html><body>{source}</script><div class='story'><p>{_STORY[0]}</p>"
        f"<p>{_STORY[1]}</p></div></body></html>"
    )
    assert [block.text for block in extract(page).blocks] == _STORY


def test_prose_about_code_naming_a_function_stays() -> None:
    # A sentence on software may name a function and a null value; it is no script.
    text = (
        "The bug sat in a function that returned null (the empty value) whenever the date "
        "field was blank; the fix shipped on Monday."
    )
    page = f"<html><body><article><p>{_STORY[0]}</p><p>{text}</p></article></body></html>"
    assert text in extract(page).text


@pytest.mark.parametrize(
    "heading",
    [
        "More in Sports",
        "Want more stories like this?",
        # Past the 40 characters a heading of other stories has, but the phrase is long.
        "You may be interested in the following topics as well:",
        "More articles",
    ],
)
def test_template_headings_over_other_stories_end_the_article(heading: str) -> None:
    # Sections' "More in <section>" and the "Want more stories like this?" box follow the
    # article inside its wrapper, each story a card with its standfirst.
    cards = _cards(2)
    page = (
        f"<html><body><article><div class='intro'><p>{_STORY[0]}</p></div><div class='body'>"
        f"<p>{_STORY[1]}</p><h3>{heading}</h3>{cards}</div></article></body></html>"
    )
    assert [block.text for block in extract(page).blocks] == _STORY


def test_a_long_heading_that_only_starts_like_one_over_other_stories_stays() -> None:
    # After "Related" comes more than a heading of other stories names: the article's section.
    heading = "Related studies of harbour walls along the northern coast since 1950"
    page = (
        f"<html><body><article><div class='body'><p>{_STORY[0]}</p><h3>{heading}</h3>"
        f"<p>{_STORY[1]}</p></div></article></body></html>"
    )
    assert [block.text for block in extract(page).blocks] == [_STORY[0], heading, _STORY[1]]


def test_a_paragraph_that_starts_like_a_heading_over_other_stories_stays_with_its_section() -> None:
    # Past a heading's 40 characters and with no colon: the article's own prose (in bold, in
    # a section of its own wrapper), not the head of a list of other stories.
    line = "You might also be interested in the harbour board report"
    page = (
        f"<html><body><article><div class='entry-content'><p>{_STORY[0]}</p>"
        f"<div class='sec'><p><strong>{line}</strong></p><p>{_STORY[1]}</p></div>"
        "</div></article></body></html>"
    )
    assert [block.text for block in extract(page).blocks] == [_STORY[0], line, _STORY[1]]
