"""Documents that share a key: one page under several spellings, or a template's canonical bug."""

from __future__ import annotations

from scraper.dedup import DedupIndex, Document

# Four unrelated stories, long enough to be sketched and verified.
STORIES = [
    "The city council voted on Tuesday to approve a sweeping overhaul of the municipal transit "
    "network after months of debate between neighbourhood groups and downtown businesses. "
    "Seventeen bus routes will be redrawn and a new express corridor will link the northern "
    "suburbs with the central station, officials said.",
    "Heavy rain flooded dozens of homes along the river valley overnight, and emergency crews "
    "evacuated residents from three villages as water levels rose faster than forecasters had "
    "expected. The regional weather service issued a red warning until Thursday morning.",
    "The national orchestra announced a new principal conductor, a violinist turned maestro who "
    "has led ensembles across Europe and Asia, and promised a season of rarely performed works "
    "alongside the familiar symphonies that fill the hall every winter.",
    "Researchers at the university reported that a drought resistant wheat variety produced "
    "higher yields across four dry seasons in field trials, and said seed could reach farmers "
    "within three years if regulators approve the variety next spring.",
]


def _clusters(docs: list[Document]) -> list[str]:
    with DedupIndex.open() as index:
        return [placed.cluster for placed in index.add_many(docs)]


def test_a_canonical_link_shared_by_different_articles_does_not_merge_them() -> None:
    # A template that points every article at its section page, or at the path without the
    # query that tells its articles apart.
    section = [
        Document(url=f"https://paper.example/politics/story-{n}", text=text,
                 canonical="https://paper.example/politics/")
        for n, text in enumerate(STORIES)
    ]  # fmt: skip
    query = [
        Document(url=f"https://oldcms.example/article.php?id={n}", text=text,
                 canonical="/article.php")
        for n, text in enumerate(STORIES)
    ]  # fmt: skip
    for docs in (section, query):
        assert len(set(_clusters(docs))) == len(STORIES)


def test_views_of_one_article_under_its_canonical_link_join() -> None:
    story = STORIES[0]
    docs = [
        Document(url="https://paper.example/politics/transit-vote", text=story),
        # The print view names the article and carries its text with a line more.
        Document(url="https://paper.example/politics/transit-vote/print",
                 text=story + " Printed from paper.example.",
                 canonical="https://paper.example/politics/transit-vote"),
    ]  # fmt: skip
    assert len(set(_clusters(docs))) == 1


def test_one_address_is_one_page_whatever_its_text_became() -> None:
    # A page rewritten at its address (a live page replaced, a story rewritten) is still that
    # page, as it was before keys shared through canonical links were checked.
    docs = [
        Document(url="https://paper.example/live/storm", text=STORIES[1]),
        Document(url="https://paper.example/live/storm?utm_source=feed", text=STORIES[2]),
    ]
    assert len(set(_clusters(docs))) == 1


def test_articles_sharing_a_sibling_canonical_link_are_no_duplicates_of_each_other() -> None:
    # Every article names the latest one as canonical: the key is shared, the text is not.
    docs = [
        Document(url=f"https://paper.example/politics/story-{n}", text=text,
                 canonical="https://paper.example/politics/latest-story")
        for n, text in enumerate(STORIES)
    ]  # fmt: skip
    with DedupIndex.open() as index:
        placed = index.add_many(docs)
    assert [p.duplicate_of for p in placed] == [None] * len(STORIES)


# A site's chrome block, kept by the extractor under every brief of the site.
_CHROME = (
    "Sign up for the Harbour Courier morning briefing newsletter and receive the biggest local "
    "stories straight into your inbox every weekday morning.\n"
    "Harbour Courier journalists report independently on councils, courts, schools, business "
    "and sport across the coastal district and surrounding villages.\n"
    "Copyright Harbour Courier Media Limited, registered in England, all rights reserved, "
    "reproduction without written permission prohibited."
)
_BRIEFS = [
    "Police closed the coastal road near Westcliff on Monday after a lorry shed its load of "
    "timber across both lanes during the morning rush.",
    "The primary school in Eastholme will open a new library wing next month after parents "
    "raised funds through a summer fair and sponsored walk.",
    "A pensioner from Northgate celebrated her hundredth birthday with a tea party at the "
    "community hall organised by neighbours and relatives.",
    "Councillors approved plans for forty affordable homes on the former dairy site despite "
    "objections about traffic on the narrow lanes nearby.",
    "The lifeboat crew rescued two kayakers who were swept beyond the harbour wall by strong "
    "currents on Sunday afternoon, volunteers said.",
    "A bakery on Market Street has won a regional award for its sourdough loaves, beating more "
    "than sixty entries from across the county.",
]


def test_briefs_under_a_sibling_canonical_link_learn_their_sites_chrome() -> None:
    # As one key, the template's pages were one page to the line counts: the site's chrome
    # block was never learnt, and the briefs, mostly chrome, merged into one cluster.
    docs = [
        Document(
            url=f"https://courier.example/news/b{n}",
            text=brief + "\n" + _CHROME,
            canonical="https://courier.example/news/latest",
        )
        for n, brief in enumerate(_BRIEFS)
    ]
    assert len(set(_clusters(docs))) == len(docs)
    with DedupIndex.open() as index:
        one_by_one = [index.add(doc).cluster for doc in docs]
    assert len(set(one_by_one)) == len(docs)
