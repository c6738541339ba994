"""Author cleaning, title choice and language detection for the metadata cascade."""

from __future__ import annotations

import random
import re

import pytest
from selectolax.lexbor import LexborHTMLParser

from scraper.extract.authors import byline_in_text, clean_authors, is_organisation
from scraper.extract.language import detect_language, normalise_language
from scraper.extract.metadata_patterns import STOPWORDS
from scraper.extract.mojibake import repair_mojibake
from scraper.extract.titles import choose_title, heading_text, site_labels, strip_site_name


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (["By Jane Doe and John Roe, Staff Writers"], ("Jane Doe", "John Roe")),
        (["Jane Doe, John Roe & Ann Lee"], ("Jane Doe", "John Roe", "Ann Lee")),
        (["Dylan Bailey, MS, RD, FAND"], ("Dylan Bailey",)),
        (["Von Max Müller"], ("Max Müller",)),
        (["Par Jeanne Martin"], ("Jeanne Martin",)),
        (["Written by: Kim Lee"], ("Kim Lee",)),
        (["By E. Smith | Updated 12:30 PM"], ("E. Smith",)),
        (["JOHN SMITH AND MARY JONES"], ("John Smith", "Mary Jones")),
        (["Jane Doe jane@example.com https://example.com/jane"], ("Jane Doe",)),
        (["Jane Doe; Reviewed by John Roe"], ("Jane Doe",)),
        (["Jane Doe", "jane doe", "John Roe"], ("Jane Doe", "John Roe")),
        (["De Niro Smith"], ("De Niro Smith",)),
        (["Preetam Jinka\nCo-founder"], ("Preetam Jinka",)),
        (["Nicole Forbes, Master Horticulturalist & Garden Educator"], ("Nicole Forbes",)),
        # After a full name, one-word fragments are labels or desks, not co-authors.
        (["Joakim Edin\nResearch & Development"], ("Joakim Edin",)),
        (["Jill Lawless, Thursday"], ("Jill Lawless",)),
        (["Cher, Jane Doe"], ("Cher", "Jane Doe")),
        (["@handle"], ()),
        (["Written by"], ()),
        (["This sentence is far too long to be anybody's name at all"], ()),
    ],
)
def test_clean_authors(raw: list[str], expected: tuple[str, ...]) -> None:
    assert clean_authors(raw) == expected


def test_a_desk_alone_is_kept_but_reads_as_an_organisation() -> None:
    assert clean_authors(["EcoCult Staff"]) == ("EcoCult Staff",)
    assert is_organisation("EcoCult Staff")
    assert not is_organisation("Jane Doe")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mar 24, 2025 By Amy Wilhelm", ("Amy Wilhelm",)),
        ("Written by\nEdzel Tabing", ("Edzel Tabing",)),
        ("by Amanda · Dec 20, 2025 at 3:00 am", ("Amanda",)),
        ("Posted by BeauHD on Friday", ("BeauHD",)),
        ("Lung disease caused by smoking", ()),
        ("CC BY-NC 4.0", ()),
    ],
)
def test_byline_in_text(text: str, expected: tuple[str, ...]) -> None:
    assert byline_in_text(text) == expected


def test_strip_site_name_on_either_side() -> None:
    labels = site_labels(["The Daily Example"], "https://www.dailyexample.com/a")
    assert strip_site_name("Storm hits coast | The Daily Example", labels) == "Storm hits coast"
    assert strip_site_name("Daily Example - Storm hits coast", labels) == "Storm hits coast"
    # A segment that is part of the headline stays.
    assert strip_site_name("Storm hits coast - again", labels) == "Storm hits coast - again"


def test_choose_title_prefers_the_confirmed_heading() -> None:
    labels = site_labels(["Example News"], None)
    title = choose_title(
        ["Storm Hits Coast | Example News", "Storm hits coast"],
        ["Example News", "Storm hits coast"],
        labels,
    )
    assert title == "Storm hits coast"


def test_choose_title_takes_a_single_headline_shaped_heading_over_a_rewritten_meta() -> None:
    title = choose_title(
        ["Best kettles 2024: our top picks"], ["The five best kettles we tested this year"], ()
    )
    assert title == "The five best kettles we tested this year"


def test_choose_title_takes_the_declared_title_behind_a_section_label() -> None:
    heading = "Blog: Best moving companies in Ohio (ranked)"
    declared = "Best moving companies in Ohio (ranked) | Example"
    labels = site_labels(["Example"], None)
    assert choose_title([declared], [heading], labels) == "Best moving companies in Ohio (ranked)"


def test_choose_title_keeps_the_count_and_year_the_heading_left_out() -> None:
    counted = choose_title(["8 Recent Trends in Photography"], ["Recent Trends in Photography"], ())
    assert counted == "8 Recent Trends in Photography"
    dated = choose_title(["15 Best Tutoring Platforms 2025"], ["15 Best Tutoring Platforms"], ())
    assert dated == "15 Best Tutoring Platforms 2025"
    # Added words that are not numbers are a rewrite: the heading stays.
    reworded = choose_title(
        ["Recent Trends in Photography Today"], ["Recent Trends in Photography"], ()
    )
    assert reworded == "Recent Trends in Photography"


def test_choose_title_drops_an_aggregators_source_and_count_after_the_headline() -> None:
    labels = site_labels(["Linkpile"], None)
    declared = "Harbour ferry fares to double next spring - Linkpile"
    shown = "Harbour ferry fares to double next spring (citypaper.example) 143"
    assert choose_title([declared], [shown], labels) == "Harbour ferry fares to double next spring"
    # A headline too short to be judged alike by its letters.
    assert (
        choose_title(["Mayor quits"], ["Mayor quits (citypaper.example) 87"], ()) == "Mayor quits"
    )
    # A year or a bare word with a dot after the declared title may be the headline's own.
    year = choose_title(
        ["Election results in the county"], ["Election results in the county 2024"], ()
    )
    assert year == "Election results in the county 2024"
    tool = choose_title(
        ["Why our whole team moved to"], ["Why our whole team moved to Node.js"], ()
    )
    assert tool == "Why our whole team moved to Node.js"


def test_choose_title_ignores_a_logo_heading() -> None:
    labels = site_labels(["Example News"], None)
    assert choose_title(["Storm hits coast"], ["Example News"], labels) == "Storm hits coast"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("en_US", "en-US"), ("EN-gb", "en-GB"), ("de", "de"), ("und", None), ("", None), (None, None)],
)
def test_normalise_language(value: str | None, expected: str | None) -> None:
    assert normalise_language(value) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The council said that it was going to vote on the plan for the new bridge.", "en"),
        ("Der Rat hat gesagt, dass die Abstimmung über den Plan nicht mit dem Bau beginnt.", "de"),
        ("Le conseil a dit que le vote sur le plan pour le pont est prévu dans la semaine.", "fr"),
        ("El consejo dijo que la votación del plan para el puente será en la semana.", "es"),
        (
            "Il consiglio ha detto che il voto per il piano del ponte non è ancora stato fissato.",
            "it",
        ),
        (
            "Het bestuur heeft gezegd dat de stemming over het plan voor de brug niet doorgaat.",
            "nl",
        ),
        ("", None),
        ("12345 67890", None),
    ],
)
def test_detect_language(text: str, expected: str | None) -> None:
    assert detect_language(text) == expected


def test_site_named_up_front_is_stripped() -> None:
    labels = site_labels(["Garnix"], "https://garnix.io/blog/x")
    assert strip_site_name("Garnix Blog: Hardware-attested builds", labels) == (
        "Hardware-attested builds"
    )
    assert strip_site_name("garnix.io Hardware-attested builds", labels) == (
        "Hardware-attested builds"
    )
    # A colon inside a headline stays when the part before it is not the site.
    assert strip_site_name("Mobile design: the guide", labels) == "Mobile design: the guide"


def test_heading_copies_count_once_and_capitals_are_not_a_headline() -> None:
    twice = ["Setting up a quiet workspace", "Setting up a quiet workspace"]
    assert choose_title(["Quiet desks | Example"], twice, ()) == "Setting up a quiet workspace"
    assert choose_title(["Declared headline here"], ["SECTION LABEL HERE"], ()) == (
        "Declared headline here"
    )


def test_declared_title_restores_spaces_lost_in_inline_markup() -> None:
    assert choose_title(["Weekend Coding Agent"], ["WEEKENDCODING AGENT"], ()) == (
        "Weekend Coding Agent"
    )


def test_a_site_name_heading_does_not_confirm_a_longer_title() -> None:
    title = choose_title(["RogerBW's Blog: Advent of Code week 2"], ["RogerBW's Blog"], ())
    assert title == "RogerBW's Blog: Advent of Code week 2"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A DIY Investor\u00e2\u0080\u0099s Guide", "A DIY Investor\u2019s Guide"),
        ("Investor\u00e2\u20ac\u2122s Guide", "Investor\u2019s Guide"),
        ("Caf\u00e9 cr\u00e8me", "Caf\u00e9 cr\u00e8me"),
        ("Mixed Caf\u00c3\u00a9 and cr\u00e8me", "Mixed Caf\u00c3\u00a9 and cr\u00e8me"),
    ],
)
def test_repair_mojibake(text: str, expected: str) -> None:
    assert repair_mojibake(text) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (["Enter your email"], ()),
        (["Our Editors"], ("Our Editors",)),
        (["About the Author: RYAN MCNEILL"], ("Ryan Mcneill",)),
        (["CM\nCraig McCarthy"], ("Craig McCarthy",)),
    ],
)
def test_phrases_initials_and_labels_around_names(
    raw: list[str], expected: tuple[str, ...]
) -> None:
    assert clean_authors(raw) == expected


def test_prose_by_is_no_byline() -> None:
    assert byline_in_text("He was sacked by Manchester United in 2018.") == ()
    assert byline_in_text("Photo by Jane Roe on Unsplash") == ()


def test_a_kicker_or_date_before_the_declared_title_is_dropped() -> None:
    declared = ["Preparing a transition in the archive"]
    dated = ["Dec 18 2025 Preparing a transition in the archive"]
    assert choose_title(declared, dated, ()) == "Preparing a transition in the archive"
    # A series name ending in a colon is part of the headline.
    series = ["Weekly Notes: Preparing a transition in the archive"]
    assert choose_title(declared, series, ()) == series[0]


def test_heading_text_spaces_words_of_adjacent_elements() -> None:
    tree = LexborHTMLParser(
        "<h1><span>10</span><span>Free Tools</span>for <b>You</b>: <em>Part</em> 2 ::</h1>"
    )
    heading = tree.css_first("h1")
    assert heading is not None
    assert heading_text(heading) == "10 Free Tools for You: Part 2 ::"


@pytest.mark.parametrize("raw", ["admin", "undefined", "Login", "Author", "© "])
def test_placeholder_names_are_no_authors(raw: str) -> None:
    assert clean_authors([raw]) == ()


def _naive_language(text: str) -> str | None:
    """The vote as first written: each language's stopwords counted over the words."""
    words = re.findall(r"[^\W\d_]+", text[:4000].lower())
    counts = {lang: sum(1 for w in words if w in stop) for lang, stop in STOPWORDS.items()}
    ranked = sorted(counts.items(), key=lambda item: item[1], reverse=True)
    (best, hits), (_, runner_up) = ranked[0], ranked[1]
    return None if hits < 3 or hits < 1.3 * runner_up else best


def test_detect_language_votes_as_counting_each_language_apart() -> None:
    # Words several languages share ("de", "la", "die", "en", "in") weigh in every one of them.
    vocabulary = [*sorted({word for stop in STOPWORDS.values() for word in stop}), "Haus", "x"]
    rng = random.Random(7)
    for _ in range(300):
        text = " ".join(rng.choice(vocabulary) for _ in range(rng.randint(1, 40)))
        assert detect_language(text) == _naive_language(text), text
