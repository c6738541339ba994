"""Chrome lines are learnt per registrable domain, and lines that are chrome on several domains
are chrome everywhere."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pytest

from scraper.dedup import DedupIndex, Document
from scraper.dedup.domains import Domains
from scraper.dedup.minhash import SKETCH_SCHEME
from scraper.store.sketches import STEPS, SketchStore
from scraper.store.sqlite import migrate, open_sqlite

PITCH = [
    "Sign up for the morning briefing and receive the stories our reporters are following "
    "delivered to your inbox every weekday before breakfast.",
    "Independent reporting depends on readers: become a member today and support coverage of "
    "councils, courts, schools and businesses across the region.",
    "Opinions expressed by contributors remain their own and never necessarily reflect the "
    "editorial positions of the publishers or their owners.",
    "Harriet Osgood covers municipal government, courthouses and public safety; previously "
    "she reported for several regional newspapers throughout the northwest.",
]
ABOUT = [
    "About Northwind Energy: Northwind develops utility-scale solar, onshore wind and battery "
    "storage projects throughout North America, managing twelve gigawatts of capacity.",
    "Forward-looking statements: this release contains statements about expected project "
    "timelines, financing and regulatory approvals, which involve risks and uncertainties.",
    "Media contact: Northwind Energy corporate communications, press office, reachable "
    "weekdays during business hours.",
]
STORIES = [
    "Flames damaged a vacant warehouse along Mill Street early Sunday; firefighters reported "
    "nobody injured.",
    "The public library extends weekend opening hours starting March, trustees announced Thursday.",
    "Officers arrested someone suspected of stealing catalytic converters outside the hospital "
    "garage.",
    "Trustees named a superintendent after searching six months among candidates from several "
    "states.",
    "Crews repave Cedar Avenue between Fifth and Ninth streets next week, closing one lane "
    "during daytime.",
    "A neighbourhood bakery collected a regional award for sourdough loaves, beating forty "
    "competitors.",
    "Northwind completed financing for its Cedar Ridge solar project near Reno, Nevada.",
    "Northwind appointed Dana Whitaker chief financial officer, effective January first.",
]


def _clusters(batches: list[list[Document]]) -> list[str]:
    with DedupIndex.open(":memory:") as index:
        for batch in batches:
            index.add_many(batch)
        found = [index.cluster_of(doc.url or "") for batch in batches for doc in batch]
    assert None not in found
    return [c for c in found if c is not None]


def _page(url: str, story: str, chrome: list[str]) -> Document:
    return Document(url=url, text="\n".join([story, *chrome]))


def test_registrable_domain_follows_the_public_suffix_list() -> None:
    registrable_domain = Domains().of
    assert registrable_domain("springfield.localnews.com") == "localnews.com"
    assert registrable_domain("news.paper.co.uk") == "paper.co.uk"
    # A suffix open to anyone keeps its users apart; addresses and bare names stay whole.
    assert registrable_domain("alice.github.io") != registrable_domain("bob.github.io")
    assert registrable_domain("10.0.0.1") == "10.0.0.1"
    assert registrable_domain("localhost") == "localhost"


def test_different_stories_on_hosts_of_one_domain_stay_apart() -> None:
    towns = ["springfield", "shelbyville", "ogdenville", "brockway", "capitalcity", "dunmore"]
    docs = [
        _page(f"https://{town}.localnews.com/news/{n}", STORIES[n], PITCH)
        for n, town in enumerate(towns)
    ]
    clusters = _clusters([docs])
    assert len(set(clusters)) == len(docs)


def test_lines_that_are_chrome_on_two_domains_are_chrome_on_a_new_one() -> None:
    # A company's newsroom and a wire site each carry three of its releases; two more releases
    # on a trade site that never showed the "About" block before are not one story.
    learnt = [
        _page(f"https://{site}/releases/{n}", STORIES[n], ABOUT)
        for site in ("northwind.example", "wire.example")
        for n in range(3)
    ]
    trade = [_page(f"https://trade.example/p/{n}", STORIES[n], ABOUT) for n in (6, 7)]
    assert len(set(_clusters([learnt, trade])[-2:])) == 2
    assert len(set(_clusters([learnt + trade])[-2:])) == 2
    # With more lines chrome on several domains than a batch has lines, each line is looked
    # up instead of all of them read: the same answer.
    learnt = [
        _page(f"https://{site}/releases/{n}", STORIES[n], [*ABOUT, *PITCH])
        for site in ("northwind.example", "wire.example")
        for n in range(3)
    ]
    assert len(set(_clusters([learnt, trade[:1], trade[1:]])[-2:])) == 2


def test_copies_of_a_story_on_many_domains_still_join() -> None:
    story = STORIES[:6]
    docs = [
        Document(url=f"https://paper{n}.example/a/{n}", text="\n".join([f"Headline {n}", *story]))
        for n in range(6)
    ]
    assert len(set(_clusters([docs]))) == 1


def test_a_store_counted_per_host_is_regrouped_per_domain(tmp_path: Path) -> None:
    db = tmp_path / "hosts.sqlite"
    conn = open_sqlite(db)
    migrate(conn, "dedup", STEPS[:4])  # the schema before domains
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO dedup_sites (id, site) VALUES (?, ?)",
        [(1, "a.localnews.com"), (2, "b.localnews.com"), (3, "other.example")],
    )
    # Line 7: two pages on each host of localnews.com (chrome only counted together), and
    # chrome on other.example; line 8: one page on one host.
    rows = [((1 << 32) | 7, 2), ((2 << 32) | 7, 2), ((1 << 32) | 8, 1), ((3 << 32) | 7, 5)]
    conn.executemany("INSERT INTO dedup_lines (key, docs) VALUES (?, ?)", rows)
    conn.execute("COMMIT")
    conn.close()
    store = SketchStore.open(db, fingerprint=SKETCH_SCHEME)
    numbers = store.site_numbers(["localnews.com", "a.localnews.com", "other.example"])
    assert set(numbers) == {"localnews.com", "other.example"}
    domain = numbers["localnews.com"]
    keys = np.array([(domain << 32) | 7, (domain << 32) | 8, 7])
    counted, totals = store.count_lines(keys, np.zeros(3, dtype=np.int64))
    assert dict(zip(counted.tolist(), totals.tolist(), strict=True)) == {
        int(keys[0]): 4,
        int(keys[1]): 1,
        7: 2,  # chrome on two domains: localnews.com (2 + 2 pages) and other.example
    }
    store.close()
    check = sqlite3.connect(db)
    left = check.execute("SELECT count(*) FROM dedup_lines WHERE key >> 32 IN (1, 2)").fetchone()
    # Texts were not counted before: at least as many as the most frequent line's pages.
    texts = check.execute("SELECT site, texts FROM dedup_sites ORDER BY site").fetchall()
    check.close()
    assert left == (0,)  # nothing is left under the hosts' numbers
    assert texts == [("localnews.com", 4), ("other.example", 5)]


WIRE = [
    "Councillors approved a sweeping overhaul of the municipal transit network on Tuesday, "
    "ending months of argument between neighbourhood groups and downtown businesses.",
    "Seventeen routes will be redrawn, fares for students and pensioners frozen until "
    "twenty twenty-eight, and an express corridor will link northern suburbs with the station.",
    "Patricia Holloway, who sponsored the measure, called the decision a turning point for "
    "commuters complaining about unreliable service for more than a decade.",
    "Opponents argued the redesign leaves elderly residents of hillside districts without "
    "convenient stops, and warned construction could disrupt small retailers for years.",
    "Officials estimate the overhaul costs roughly four hundred million dollars, funded by "
    "federal grants, a regional sales levy and revenue bonds.",
]


def test_a_story_shown_at_three_urls_of_a_site_still_joins_its_copies() -> None:
    # One text at three addresses is one text: it must not become the site's chrome, which
    # left the site's pages without content and the other site's copy in a cluster of its own.
    text = "\n".join(WIRE)
    shown = [Document(url=f"https://metro.example/{s}/transit", text=text) for s in "abc"]
    copy = Document(
        url="https://other.example/x/transit",
        text="\n".join(["Council backs transit shake-up", *WIRE]).replace("Tuesday", "Monday"),
    )
    assert len(set(_clusters([[*shown, copy]]))) == 1
    assert len(set(_clusters([shown, [copy]]))) == 1
    assert len(set(_clusters([shown[:2], shown[2:], [copy]]))) == 1


# A block an established site starts to print on every page (a redesign's promotions).
NEW_BLOCK = [
    "Listen to our new podcast: every weekday our editors talk through the region's biggest "
    "stories, the councils, courts and schools, in twenty minutes.",
    *PITCH[2:],
]


def test_short_pages_after_a_new_template_block_stay_apart_a_batch_at_a_time() -> None:
    features = [
        " ".join(
            f"Part {k} of feature {n} covers harbour dredging permits, tidal surveys, bids"
            f" numbered {n}{k}7 and objections filed by fishing associations."
            for k in range(6)
        )
        for n in range(5)
    ]
    site = "https://www.gazette.example/news/"
    # The site's chrome is learnt on its first pages, one batch each, as a cron crawl adds them.
    batches = [
        [Document(url=f"{site}feature-{n}", text="\n".join([body, *PITCH[:2]]))]
        for n, body in enumerate(features)
    ]
    briefs = [
        [Document(url=f"{site}brief-{n}", text="\n".join([story, *NEW_BLOCK, *PITCH[:2]]))]
        for n, story in enumerate(STORIES[:4])
    ]
    # The block is most of each brief and on too few stories to be chrome when the second
    # comes; joined, the briefs would be one story, and the block never chrome.
    found = _clusters(batches + briefs)
    assert len(set(found[len(batches) :])) == len(briefs)


def test_a_story_at_many_addresses_of_a_site_reads_the_last_few_of_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Counting a page's lines once per story read every earlier page of its cluster on its
    # host: a site showing one story at thousands of addresses made each new page slower
    # (15 ms an add at 3,000 addresses). The last few hold the story's lines just as well.
    words = " ".join(WIRE).split(" ")

    def version(n: int) -> Document:
        edited = [*words]
        edited[3 + n % 40] = "".join("abcdefghij"[int(d)] for d in str(n)) + "word"
        return Document(url=f"https://metro.example/transit/{n}", text=" ".join(edited))

    read: list[int] = []
    earlier = SketchStore.earlier_lines

    def counted(
        store: SketchStore, site: str, clusters: Iterable[int], before: int, *most: int
    ) -> list[tuple[int, bytes]]:
        found = earlier(store, site, clusters, before, *most)
        read.append(len(found))
        return found

    with DedupIndex.open(":memory:") as index:
        for n in range(90):
            index.add(version(n))
        monkeypatch.setattr(SketchStore, "earlier_lines", counted)
        index.add(version(90))
        index.add(version(91))
        assert index.cluster_sizes() == [92]
    assert read and max(read) <= 64  # 90 before
