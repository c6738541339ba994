"""An AMP copy on an ``amp.`` host joins its desktop page, with or without a canonical link.

The copy's text is the desktop article in the AMP template, whose chrome is not the desktop
template's: on a new site the two are its first two texts, each with lines of its own, so the
story they share was taken as chrome and they stayed apart; on a site whose desktop chrome is
learnt, a short article's AMP chrome (new to the site) left the copy too long beside it.
The address says they are one page: an ``amp.`` host of the site serving the same path.
"""

from __future__ import annotations

import importlib
import itertools
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import pytest

from scraper.dedup import Assignment, DedupIndex, Document
from scraper.dedup.amp import amp_twins
from scraper.dedup.domains import Domains

DESKTOP = "https://www.lakeside.example/2026/11/ferry-timetable"

TEMPLATE = [
    "Lakeside Gazette: news for the northern shore since 1911",
    "Home | Local | Sport | Business | Weather | Letters",
    "Sign up for the Morning Ferry newsletter and never miss a headline from the lakes.",
    "Copyright Lakeside Gazette Ltd. No part of this site may be reproduced without consent.",
]

AMP_CHROME = [
    "Lakeside Gazette mobile edition",
    "Tap here to read the full site with galleries, puzzles, letters and the weather radar.",
    "Share on Facebook, Bluesky, WhatsApp or by email",
    "Privacy settings | Contact the newsroom | Advertise with the Gazette",
]

STORY = [
    "The winter ferry timetable between Port Arden and Millbrook starts on Monday, with the "
    "first crossing leaving the northern pier at a quarter past six every weekday morning.",
    "Operators said the older vessel, the Marigold, would be withdrawn for hull repairs until "
    "March, leaving the newer catamaran to carry commuters, cyclists and delivery vans alone.",
    "Harbour master Ingrid Solberg warned travellers that crossings in heavy fog would be "
    "delayed rather than cancelled, and that the ticket office now closes at eight.",
    "Residents of the Millbrook peninsula have asked the county for an extra evening sailing "
    "on Fridays, which councillors agreed to consider when the budget is set in February.",
]

BRIEF = [
    "Volunteers cleared three tonnes of driftwood from Heron Bay beach after the storm on "
    "Saturday, the parish council said."
]

OTHERS = [
    "Anglers reported the largest pike of the season near the reed beds at Otter Point.",
    "The library van now visits Kettle Green on Thursdays instead of Wednesdays, staff said.",
    "A retired teacher opened a village museum of school slates, inkwells and wall maps.",
    "Roadworks on the lakeside promenade finish a week early after a dry autumn, engineers said.",
]


def _desktop(lines: Sequence[str], url: str = DESKTOP) -> Document:
    return Document(url=url, text="\n".join([*lines, *TEMPLATE]))


def _amp(lines: Sequence[str], url: str, canonical: str | None = None) -> Document:
    return Document(url=url, text="\n".join([*lines, *AMP_CHROME]), canonical=canonical)


def _learnt_site() -> list[Document]:
    """Short pages of other stories in the desktop template: enough to learn it as chrome."""
    return [
        _desktop([line], f"https://www.lakeside.example/2026/11/brief-{n}")
        for n, line in enumerate(OTHERS)
    ]


def _clusters(batches: Sequence[Sequence[Document]]) -> list[str | None]:
    """The current cluster of every document of ``batches`` after placing them in turn."""
    placed: list[Assignment] = []
    with DedupIndex.open(":memory:") as index:
        for batch in batches:
            placed += index.add_many(batch)
        return [index.cluster_of(a.key, a.url) for a in placed]


def _ways(first: Document, second: Document) -> list[list[list[Document]]]:
    """The pair in one batch and one at a time, in both orders."""
    return [
        [[first, second]],
        [[second, first]],
        [[first], [second]],
        [[second], [first]],
    ]


AMP_URLS = [
    "https://amp.lakeside.example/2026/11/ferry-timetable.amp",
    "https://amp.lakeside.example/2026/11/ferry-timetable",
    "https://amp.lakeside.example/2026/11/ferry-timetable/amp/",
]


@pytest.mark.parametrize("desktop", [DESKTOP, DESKTOP.replace("www.", "")])
@pytest.mark.parametrize("url", AMP_URLS)
def test_an_amp_copy_joins_its_desktop_page_on_a_new_site(url: str, desktop: str) -> None:
    for batches in _ways(_desktop(STORY, desktop), _amp(STORY, url)):
        found = _clusters(batches)
        assert found[0] is not None
        assert found[0] == found[1], batches


@pytest.mark.parametrize("url", AMP_URLS)
def test_an_amp_copy_of_a_short_article_joins_it_on_a_site_whose_chrome_is_learnt(
    url: str,
) -> None:
    for batches in _ways(_desktop(BRIEF), _amp(BRIEF, url)):
        found = _clusters([_learnt_site(), *batches])
        pair = found[len(OTHERS) :]
        assert pair[0] is not None
        assert pair[0] == pair[1], batches
        assert len(set(found)) == len(OTHERS) + 1  # the other briefs each stay apart


def test_an_amp_copy_naming_its_desktop_page_canonical_joins_it_on_a_new_site() -> None:
    amp = _amp(STORY, AMP_URLS[0], canonical=DESKTOP)
    for batches in _ways(_desktop(STORY), amp):
        found = _clusters(batches)
        assert found[0] == found[1], batches


def test_a_wire_copy_placed_later_joins_the_page_and_its_amp_copy() -> None:
    # The pair's story must stay in what is stored of them: had it been taken as the new
    # site's chrome, a later copy elsewhere would find nothing to match.
    wire = Document(
        url="https://wire.example/regional/ferry-winter-timetable",
        text="\n".join(["Ferry timetable changes for winter", *STORY, "(Wire Service)"]),
    )
    found = _clusters([[_desktop(STORY), _amp(STORY, AMP_URLS[0])], [wire]])
    assert found[0] == found[1] == found[2]


@pytest.mark.parametrize("amp_first", [False, True])
def test_an_amp_copy_of_a_stored_page_is_no_new_text_of_its_site(
    tmp_path: Path, amp_first: bool
) -> None:
    # The guard for a site's first two texts reads this count: with the copy counted, the
    # site's next page would be its third text and compared with the first page's chrome.
    pair = [_desktop(STORY), _amp(STORY, AMP_URLS[0])]
    db = tmp_path / "dedup.sqlite"
    with DedupIndex.open(db) as index:
        for doc in pair[::-1] if amp_first else pair:
            index.add(doc)
    with sqlite3.connect(db) as conn:
        found = conn.execute("SELECT texts FROM dedup_sites WHERE site = 'lakeside.example'")
        assert found.fetchall() == [(1,)]
    conn.close()


def test_a_copy_placed_apart_by_an_older_index_joins_when_placed_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "dedup.sqlite"
    pair = [_desktop(STORY), _amp(STORY, AMP_URLS[0])]
    with monkeypatch.context() as patched:
        # The index as written before AMP twins: the pair placed apart.
        index_module = importlib.import_module("scraper.dedup.index")
        patched.setattr(index_module, "amp_twins", lambda address, domain_of: ())
        with DedupIndex.open(db) as index:
            before = index.add_many(pair)
        assert before[0].cluster != before[1].cluster
    with DedupIndex.open(db) as index:
        (again,) = index.add_many(pair[1:])
        assert again.key == before[1].key
        placed = [index.cluster_of(a.key, a.url) for a in before]
    assert placed[0] == placed[1] == again.cluster


def _orders(docs: Sequence[Document]) -> list[list[list[Document]]]:
    """``docs`` in every order, in one batch and one at a time."""
    orders = [list(p) for p in itertools.permutations(docs)]
    return [[order] for order in orders] + [[[doc] for doc in order] for order in orders]


@pytest.mark.parametrize("later", ["wire", "correction"])
def test_a_page_at_three_spellings_stays_one_story_that_later_copies_join(later: str) -> None:
    # The story's lines reach the site's count at three addresses (www., the bare host and
    # amp.), as many as the bar for chrome: counted three times, they would be stripped as
    # the site's template, and a later copy or corrected version would find nothing to join.
    spellings = [
        _desktop(STORY),
        _desktop(STORY, DESKTOP.replace("www.", "")),
        _amp(STORY, AMP_URLS[0]),
    ]
    if later == "wire":
        copy = Document(
            url="https://wire.example/regional/ferry-winter-timetable",
            text="\n".join(["Ferry timetable changes for winter", *STORY, "(Wire Service)"]),
        )
    else:
        corrected = [*STORY[:3], STORY[3].replace("February", "January")]
        copy = _desktop(corrected, f"{DESKTOP}-corrected")
    for batches in _orders(spellings):
        found = _clusters([_learnt_site(), *batches, [copy]])[len(OTHERS) :]
        assert found[0] is not None
        assert len(set(found)) == 1, batches


def test_other_paths_of_an_amp_host_stay_other_pages() -> None:
    # Same site, another article: the host alone joins nothing.
    other = _amp(BRIEF, "https://amp.lakeside.example/2026/11/driftwood-cleared")
    found = _clusters([_learnt_site(), [_desktop(STORY), other]])
    assert found[-2] != found[-1]


def test_an_amp_label_that_is_its_own_site_is_not_folded() -> None:
    # "amp.github.io" is a user's site under a public suffix, not github.io's AMP host: two
    # different texts at one path of the two are two pages.
    one = Document(url="https://amp.github.io/notes/ferry", text="\n".join(STORY))
    two = Document(url="https://github.io/notes/ferry", text="\n".join(OTHERS))
    found = _clusters([[one], [two]])
    assert found[0] != found[1]


def test_the_twin_addresses_of_a_page() -> None:
    of = Domains().of
    assert amp_twins("https://amp.lakeside.example:8443/a/b?c=1", of) == (
        "https://www.lakeside.example:8443/a/b?c=1",
        "https://lakeside.example:8443/a/b?c=1",
    )
    assert amp_twins("http://www.news.paper.co.uk/a", of) == ("http://amp.news.paper.co.uk/a",)
    assert amp_twins("https://paper.co.uk/", of) == ("https://amp.paper.co.uk/",)
    for none in (
        "https://amp.github.io/a",  # a user's site, not github.io's AMP host
        "https://github.io/a",
        "https://co.uk/a",
        "http://127.0.0.1:8080/a",
        "http://[::1]:8080/a",
        "http://localhost/a",
        "text:0123abcd",
    ):
        assert amp_twins(none, of) == (), none
