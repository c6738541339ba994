"""Updated versions of one story at new URLs stay one story; a site's template is still chrome.

A site that updates a story publishes each version at a new URL with most paragraphs kept. Those
paragraphs are then on as many of the site's pages (with distinct texts) as there are versions,
as its chrome is; counted per text they became chrome after three versions, and later versions
split from the first and from the story's copies elsewhere. Counted once per story (per cluster
of the pages holding them) they stay the story's own, while a template that distinct stories
share is still learnt.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

import pytest

from scraper.dedup import DedupIndex, DedupOptions, Document
from scraper.dedup.minhash import SKETCH_SCHEME
from scraper.dedup.text import line_keys, normalise_lines
from scraper.store.sketches import STEPS, SketchStore, _count_by_story

SITE = "https://herald.example"

TEMPLATE = [
    "Subscribe to the Herald Daily newsletter for the morning headlines, weather forecasts and "
    "traffic reports delivered straight to your inbox.",
    "Read more",
    "Harbour festival returns with tall ships, street theatre and fireworks over the marina",
    "Planning committee delays decision on riverside apartment towers until spring",
    "Volunteers restore historic lighthouse keeper's cottage on Gull Island",
    "Copyright Herald Media Group. All rights reserved. Reproduction without written "
    "permission is prohibited.",
]

# Short briefs: without the template taken out, each is mostly template, so two of them would
# pass as near-duplicates of each other.
BRIEFS = [
    "Firefighters contained a blaze at a vacant warehouse on Mill Street early Sunday morning.",
    "The public library extends weekend opening hours starting March, trustees announced.",
    "Police arrested a suspect accused of stealing catalytic converters outside the hospital.",
    "Crews repave Cedar Avenue between Fifth and Ninth streets next week, closing one lane.",
    "A neighbourhood bakery collected a regional award for sourdough, beating forty rivals.",
]

STORY = [
    "Floodwater from the swollen Ashby River forced the evacuation of riverside neighbourhoods "
    "on Tuesday evening, after levees north of the town centre began leaking.",
    "Emergency services opened shelters at the Westfield community centre and the grammar "
    "school, where volunteers distributed blankets, hot meals and drinking water.",
    "Councillor Miriam Achebe said crews had worked through the afternoon stacking sandbags "
    "along Quay Road, but rising water overwhelmed barriers near the old mill.",
    "Residents described watching brown water spread across gardens and streets within "
    "minutes, carrying garden furniture, wheelie bins and parked bicycles downstream.",
    "The regional environment agency issued its most severe warning for the lower valley and "
    "urged people living near the estuary to move valuables upstairs immediately.",
    "Railway services between Ashby and Kingsbridge were suspended because engineers feared "
    "embankments weakened by weeks of heavy rainfall could collapse without warning.",
    "Forecasters expect further thunderstorms overnight, although drier weather should "
    "arrive from the west during Thursday and allow river levels to begin falling.",
    "Insurance brokers advised homeowners to photograph damage before beginning repairs and "
    "to keep receipts for emergency accommodation, cleaning equipment and replacement clothing.",
]

UPDATES = [
    "Update: the mayor declared a local emergency shortly after midnight, releasing additional "
    "funding for pumping equipment and temporary accommodation for displaced families.",
    "Update: soldiers from the nearby garrison arrived before dawn to reinforce the failing "
    "levee with gabions, while helicopters ferried stranded residents from rooftops.",
    "Update: engineers confirmed on Wednesday morning that the northern levee had stopped "
    "leaking, although pumping teams would remain stationed beside Quay Road all week.",
    "Update: the river peaked overnight below the record height reached during previous "
    "floods, and officials began allowing some residents back into their homes.",
    "Update: railway services between Ashby and Kingsbridge resumed on Thursday afternoon "
    "after inspectors walked the embankments and declared them safe for trains.",
]


def _versions() -> list[list[str]]:
    """The story's first version and five updates, each at the top, most paragraphs kept.

    Each update replaces the previous one's top paragraph or adds one above it, and some
    change a paragraph further down, so no version holds every line of another.
    """
    body = list(STORY)
    out = [list(body)]
    top: list[str] = []
    for number, update in enumerate(UPDATES):
        top = [update, *top[:1]]  # the newest update and the one before it
        if number == 1:
            body[2] = body[2].replace("through the afternoon", "through the night")
        if number == 3:
            body[4] = body[4].replace("most severe warning", "highest warning")
        out.append([*top, *body])
    return out


def _herald(path: str, lines: Sequence[str]) -> Document:
    return Document(url=f"{SITE}/{path}", text="\n".join([*lines, *TEMPLATE]))


def _pages() -> tuple[list[Document], list[Document], Document]:
    briefs = [_herald(f"local/brief-{n}", [text]) for n, text in enumerate(BRIEFS)]
    versions = [_herald(f"news/flood-v{n}", lines) for n, lines in enumerate(_versions())]
    wire = Document(
        url="https://wire.example/stories/ashby-floods",
        text="\n".join(
            [
                "Thousands evacuated as Ashby River bursts levees",
                "ASHBY (Wire Service) -",
                *STORY,
                "Distributed by Wire Service. Redistribution prohibited.",
            ]
        ),
    )
    return briefs, versions, wire


def _clusters(
    db: Path | str, batches: Sequence[Sequence[Document]], options: DedupOptions | None = None
) -> dict[str, str]:
    """The cluster of every page after placing ``batches`` in turn, by url."""
    with DedupIndex.open(db, options) as index:
        for batch in batches:
            index.add_many(batch)
        found = {doc.url or "": index.cluster_of(doc.url or "") for b in batches for doc in b}
    assert None not in found.values()
    return {url: cluster for url, cluster in found.items() if cluster is not None}


def _check(found: dict[str, str], briefs: list[Document], story: list[Document]) -> None:
    assert len({found[doc.url or ""] for doc in story}) == 1
    others = [found[doc.url or ""] for doc in briefs]
    assert len(set(others)) == len(briefs)
    assert found[story[0].url or ""] not in others


def test_versions_at_new_urls_join_their_story_one_at_a_time() -> None:
    briefs, versions, wire = _pages()
    in_order = [*briefs, *versions, wire]
    _check(_clusters(":memory:", [[doc] for doc in in_order]), briefs, [*versions, wire])


def test_versions_join_their_story_newest_first_with_the_copy_first() -> None:
    briefs, versions, wire = _pages()
    newest = versions[::-1]
    mixed = [briefs[0], wire, briefs[1], newest[0], briefs[2], *newest[1:3], briefs[3]]
    mixed += [*newest[3:], briefs[4]]
    _check(_clusters(":memory:", [[doc] for doc in mixed]), briefs, [*versions, wire])


def test_versions_join_their_story_in_batches() -> None:
    # The briefs in one batch (the site's template learnt there), then a version per batch,
    # some with other pages.
    briefs, versions, wire = _pages()
    batches = [briefs[:3], [versions[0], wire], [versions[1], briefs[3]], versions[2:3]]
    batches += [versions[3:4], [versions[4], briefs[4]], versions[5:]]
    _check(_clusters(":memory:", batches), briefs, [*versions, wire])


def _template_lines(db: Path, lines: Sequence[str]) -> set[str]:
    """Those of ``lines`` that the index at ``db`` holds as herald.example's chrome."""
    keys = dict(zip(line_keys([normalise_lines(line)[0] for line in lines]), lines, strict=True))
    store = SketchStore.open(db, fingerprint=SKETCH_SCHEME)
    try:
        number = store.site_numbers(["herald.example"])["herald.example"]
        found = store.template_lines({(number << 32) | key for key in keys}, 3, 2)
    finally:
        store.close()
    return {keys[key & 0xFFFFFFFF] for key in found}


def test_the_template_is_chrome_and_the_story_is_not(tmp_path: Path) -> None:
    briefs, versions, wire = _pages()
    db = tmp_path / "dedup.sqlite"
    found = _clusters(db, [[doc] for doc in [*briefs[:3], *versions, wire, *briefs[3:]]])
    _check(found, briefs, [*versions, wire])
    assert _template_lines(db, TEMPLATE) == set(TEMPLATE)
    assert _template_lines(db, STORY) == set()


def test_briefs_sharing_the_template_stay_apart() -> None:
    # The control: pages whose own text is one short line, with the template around it, are
    # told apart only by learning the template; in one batch and one at a time.
    briefs, _, _ = _pages()
    for batches in ([briefs], [[doc] for doc in briefs], [briefs[:2], briefs[2:]]):
        found = _clusters(":memory:", batches)
        assert len(set(found.values())) == len(briefs)


def test_the_briefs_would_merge_with_their_template_kept() -> None:
    # What the control rests on: with the template in them, two briefs are near-duplicates
    # (placed on two unrelated sites, where neither learns the other's template).
    briefs, _, _ = _pages()
    pair = [
        Document(url=f"https://site{n}.example/a", text=doc.text) for n, doc in enumerate(briefs)
    ][:2]
    assert len(set(_clusters(":memory:", [pair[:1], pair[1:]]).values())) == 1


def _per_text(db: Path, pages: Sequence[Document]) -> None:
    """Set herald.example's line counts back to what counting once per text gave ``pages``,
    and the schema back to before stories were counted."""
    counts: dict[int, int] = {}
    for page in pages:
        for key in set(line_keys(normalise_lines(page.text))):
            counts[key] = counts.get(key, 0) + 1
    conn = sqlite3.connect(db)
    number = conn.execute("SELECT id FROM dedup_sites WHERE site = 'herald.example'").fetchone()
    conn.executemany(
        "UPDATE dedup_lines SET docs = ? WHERE key = ?",
        [(n, (number[0] << 32) | key) for key, n in counts.items()],
    )
    # Every version holds the story's first paragraph: chrome, counted once per text.
    first = (number[0] << 32) | line_keys(normalise_lines(STORY[0]))[0]
    assert conn.execute("SELECT docs FROM dedup_lines WHERE key = ?", (first,)).fetchone() == (
        len(pages) - len(BRIEFS),
    )
    # The version before the step that counts per story (the steps before it stay applied).
    conn.execute(
        "UPDATE schema_migrations SET version = ? WHERE component = 'dedup'",
        (STEPS.index(_count_by_story),),
    )
    conn.execute("DROP INDEX dedup_docs_cluster_site")
    conn.execute("CREATE INDEX dedup_docs_cluster ON dedup_docs (cluster)")
    conn.commit()
    conn.close()


def test_a_store_counted_per_text_is_recounted_per_story(tmp_path: Path) -> None:
    # An index whose counts were kept per text has the story's paragraphs as chrome after
    # four versions; opened now, they are counted per story, and the next versions join.
    briefs, versions, wire = _pages()
    db = tmp_path / "old.sqlite"
    _clusters(db, [[doc] for doc in [*briefs, *versions[:4]]])
    _per_text(db, [*briefs, *versions[:4]])
    found = _clusters(db, [[versions[4]], [versions[5]], [wire]])
    with DedupIndex.open(db) as index:
        found.update((doc.url or "", index.cluster_of(doc.url or "") or "") for doc in briefs)
        found.update((doc.url or "", index.cluster_of(doc.url or "") or "") for doc in versions)
    _check(found, briefs, [*versions, wire])
    assert _template_lines(db, STORY) == set()
    assert _template_lines(db, TEMPLATE) == set(TEMPLATE)


LEAD = [
    "Shipyard workers voted to accept a new contract on Friday, ending a strike that had "
    "halted construction of two ferries for almost six weeks.",
    "The agreement raises wages across three years and restores overtime rules that managers "
    "had tried to scrap during negotiations last spring.",
]
FIRST = [
    "Union organisers said turnout exceeded eighty percent among members at the eastern yard, "
    "where picket lines had stood since the middle of October.",
    "Managers welcomed the result and promised that welders and electricians would return to "
    "the ferry hulls on Monday morning to recover lost time.",
    "The ferry operator had warned that continued delays would force it to charter ageing "
    "vessels from abroad throughout the coming summer season.",
]
SECOND = [
    "Economists noted that the settlement mirrors deals struck at other coastal yards, where "
    "skilled labour shortages have strengthened the bargaining position of trade unions.",
    "Suppliers of steel plate and marine engines said they expected orders postponed during "
    "the dispute to be confirmed before the end of the year.",
    "Local restaurants near the yard gates reported that lunchtime trade had collapsed while "
    "the strike lasted and hoped that customers would soon come back.",
]


@pytest.mark.parametrize("commit_every", [10000, 1])
def test_a_story_s_lines_counted_as_chrome_in_its_batch_are_counted_once_in_the_end(
    tmp_path: Path, commit_every: int
) -> None:
    # Three versions in one batch: the two lead paragraphs that all three keep are chrome for
    # that batch, and the versions still join through the paragraphs two of them share (the
    # third edited a word in each of the first's).
    edited = [line.replace("the ", "a ", 1) for line in FIRST]
    pages = [LEAD + FIRST, LEAD + FIRST + SECOND[:1], LEAD + edited + SECOND[:1]]
    docs = [
        Document(url=f"https://{site}/strike-{n}", text="\n".join(lines))
        for site in ("yardnews.example", "coastpost.example")
        for n, lines in enumerate(pages)
    ]
    db = tmp_path / "strike.sqlite"
    # One transaction a document, or one a batch: counted back in the batch's last.
    found = _clusters(db, [docs[:3], docs[3:]], DedupOptions(commit_every=commit_every))
    assert len(set(found.values())) == 1
    store = SketchStore.open(db, fingerprint=SKETCH_SCHEME)
    try:
        numbers = store.site_numbers(["yardnews.example", "coastpost.example"])
        keys = line_keys([normalise_lines(line)[0] for line in LEAD])
        asked = {(n << 32) | key for n in numbers.values() for key in keys}
        chrome = store.template_lines(asked | set(keys), 3, 1)
    finally:
        store.close()
    # Not chrome on either site, nor counted as chrome on any domain (on two, it would be
    # chrome on every site, a third copy of the story included).
    assert chrome == set()


def _growing() -> list[list[str]]:
    """The story's first version and four updates, each added at the top with every line of
    the version before kept."""
    return [[*UPDATES[:n][::-1], *STORY] for n in range(5)]


@pytest.mark.parametrize("commit_every", [10000, 1])
def test_versions_that_keep_every_line_join_their_story_in_one_batch(
    tmp_path: Path, commit_every: int
) -> None:
    # Each version holds every line of the one before: counted once per group, the story's
    # paragraphs were on five of the site's stories in the batch, chrome, and the versions
    # split five ways. Counted once as a chain, they join, in any order, while the template
    # they share with the briefs is still chrome.
    briefs, _, wire = _pages()
    growing = [_herald(f"news/flood-g{n}", lines) for n, lines in enumerate(_growing())]
    options = DedupOptions(commit_every=commit_every)
    for number, batch in enumerate(
        [[*briefs, *growing, wire], [wire, *growing[::-1], *briefs[::-1]], [*growing, wire]]
    ):
        db = tmp_path / f"growing-{number}.sqlite"
        found = _clusters(db, [batch], options)
        assert len({found[doc.url or ""] for doc in [*growing, wire]}) == 1
        assert _template_lines(db, STORY) == set()
        if len(batch) > len(growing) + 1:
            _check(found, briefs, [*growing, wire])
            assert _template_lines(db, TEMPLATE) == set(TEMPLATE)


def test_a_chain_does_not_spare_a_line_its_site_stored_before() -> None:
    # A round-up growing brief by brief holds every line of its edition before, the template
    # included. The template was stored with another brief earlier: counted once for the
    # chain, it would be on two stories only, not chrome, and would link the round-ups to
    # that brief.
    briefs, _, _ = _pages()
    roundups = [_herald(f"local/roundup-{n}", BRIEFS[1 : n + 2][::-1]) for n in range(3)]
    found = _clusters(":memory:", [briefs[:1], roundups])
    assert found[briefs[0].url or ""] not in {found[doc.url or ""] for doc in roundups}


# Long sentences that two briefs each carry (a police appeal, a consultation notice).
APPEALS = [
    "Investigators asked anyone who saw a grey van near the scene between midnight and dawn "
    "to contact the detectives handling the case.",
    "Residents can comment on the proposal online until the end of the month before "
    "councillors take their final vote in committee.",
]


def _merge_elsewhere(*texts: Sequence[str]) -> bool:
    """Whether pages of ``texts`` with the template would be one cluster on unrelated sites
    (where nothing teaches it as chrome)."""
    docs = [
        Document(url=f"https://site{n}.example/a", text="\n".join([*lines, *TEMPLATE]))
        for n, lines in enumerate(texts)
    ]
    return len(set(_clusters(":memory:", [[doc] for doc in docs]).values())) == 1


@pytest.mark.parametrize(
    "shape",
    [
        # A home page showing the first paragraph of each of the batch's two articles:
        # linked by one paragraph each, as versions that replace their top paragraph are.
        [[BRIEFS[0], BRIEFS[1]], [BRIEFS[2], BRIEFS[3]], [BRIEFS[0], BRIEFS[2]]],
        # Briefs that share a long sentence two by two, in a row.
        [[BRIEFS[0], APPEALS[0]], [BRIEFS[1], APPEALS[0], APPEALS[1]], [BRIEFS[2], APPEALS[1]]],
        # A section page holding one brief whole and the first paragraph of another.
        [[BRIEFS[0]], [BRIEFS[1], BRIEFS[2]], [BRIEFS[0], BRIEFS[1]]],
    ],
)
def test_pages_linked_two_by_two_are_not_taken_for_versions(shape: list[list[str]]) -> None:
    # Each shape's first two pages are different stories that would merge with the template
    # kept; in one batch the template is on three pages that are no chain, and stays chrome.
    # (Versions that each replace their top paragraph are linked the same way, two by two,
    # which is why they are still counted per group, see docs/dedup.md, "Limits".)
    assert _merge_elsewhere(shape[0], shape[1])
    pages = [_herald(f"local/page-{n}", lines) for n, lines in enumerate(shape)]
    for batch in (pages, pages[::-1]):
        found = _clusters(":memory:", [batch])
        assert found[pages[0].url or ""] != found[pages[1].url or ""]


def test_a_chain_that_lands_in_two_clusters_is_counted_for_each(tmp_path: Path) -> None:
    # A one-paragraph teaser, the story and an update each hold every line of the one before,
    # so their lines are counted once; the teaser is too short to join the story (under half
    # its words), and the lines it holds end counted for both clusters, as placing the pages
    # one at a time counts them.
    pages = [
        _herald("news/flood-teaser", STORY[:1]),
        _herald("news/flood", STORY),
        _herald("news/flood-update", [UPDATES[0], *STORY]),
    ]
    db = tmp_path / "teaser.sqlite"
    found = _clusters(db, [pages])
    assert found[pages[0].url or ""] != found[pages[1].url or ""] == found[pages[2].url or ""]
    counts = _line_counts(db, [STORY[0], STORY[1], TEMPLATE[0]])
    assert counts == {STORY[0]: 2, STORY[1]: 1, TEMPLATE[0]: 2}


def _line_counts(db: Path, lines: Sequence[str]) -> dict[str, int]:
    """How many stories of herald.example the index at ``db`` counts each of ``lines`` on."""
    conn = sqlite3.connect(db)
    try:
        (number,) = conn.execute(
            "SELECT id FROM dedup_sites WHERE site = 'herald.example'"
        ).fetchone()
        out = {}
        for line in lines:
            key = (number << 32) | line_keys(normalise_lines(line))[0]
            (out[line],) = conn.execute(
                "SELECT docs FROM dedup_lines WHERE key = ?", (key,)
            ).fetchone()
    finally:
        conn.close()
    return out
