"""Two short briefs of one site that carry the same boxes (an author's bio, an "About" box) stay
apart, while an updated version of one brief still joins it."""

from __future__ import annotations

from scraper.dedup import DedupIndex, Document
from scraper.dedup.options import DedupOptions
from scraper.dedup.text import normalise
from scraper.dedup.tokens import tokenise
from scraper.dedup.verify import linked_by_foreign_text, near_duplicate

SITE = "https://www.harbourtimes.example/news/"

# The site's first pages: stories of their own, so the site has more than two texts when the
# briefs come, and the boxes, on two pages only, are not yet its chrome.
FEATURES = [
    "Dredging crews working the north channel uncovered timbers from a nineteenth century "
    "schooner, and marine archaeologists asked the harbour board to pause the work for three "
    "weeks while divers photograph the hull and record the cargo of slate roofing tiles.",
    "Shellfish growers along Pennock Inlet reported their best oyster harvest in a decade, "
    "crediting cooler summer water and new floating cages that keep the shells clear of silt; "
    "wholesale buyers from three cities bid on the first shipments at the quayside auction.",
    "The rowing club unveiled a boathouse built from reclaimed pier pilings, with racks for "
    "forty shells, a repair workshop and changing rooms, after six years of fundraising "
    "dinners, raffles and a sponsored crossing of the estuary by its oldest members.",
]
BIO = (
    "Odette Marchbanks covers county government, local schools and the environment for the "
    "Harbour Times. Before joining the paper she spent nine years at municipal newspapers along "
    "the eastern shore, where her reporting on water contracts won two state awards. She lives "
    "in Saltmarsh with her family and an elderly greyhound."
)
ABOUT = (
    "About the Harbour Times: we are an independent, nonprofit local newsroom covering the "
    "county since 1994. Readers, foundations and business sponsors fund our work, and no "
    "funder has any say in what we report or how. Our journalists follow a published code of "
    "ethics, correct mistakes openly and list every donor giving more than five hundred "
    "dollars a year. Send tips, corrections and complaints to the newsroom desk, which answers "
    "within two working days. You may republish this article free of charge under a Creative "
    "Commons licence if you credit the Harbour Times and link to the original."
)
# Two different briefs of about fifty words each. The ferry brief happens to share a few
# common words with the boxes ("county", "since", "before"): more than a tenth of
# its own words, as real briefs do with a bio of the municipal beat.
FERRY = (
    "Foot passengers on the Gullhaven ferry will pay four pounds fifty from March, the first "
    "fare rise since the crossing reopened. The county transport committee blamed higher diesel "
    "prices, before harbourside traders warned that weekend visitors would simply drive around "
    "the bay instead."
)
LIBRARY = (
    "Volunteers at the Pennock branch library collected eleven thousand paperbacks for the "
    "spring book sale, double last year's haul. Organisers plan to open the doors at nine on "
    "Saturday, with children's titles priced at a quarter and proceeds paying for a new "
    "reading garden behind the building."
)
# An update of the ferry brief: a new first sentence about the same fare rise, the rest kept.
FERRY_UPDATE = (
    "Councillors confirmed the Gullhaven ferry fare of four pounds fifty on Tuesday, voting five "
    "to two after harbourside traders presented a petition against the rise and the ferry "
    "operator published its diesel bills. " + FERRY.split(". ", 1)[1]
)


def _ids(text: str) -> list[int]:
    ids: list[int] = tokenise([normalise(text)], DedupOptions().content_word_bytes).ids.tolist()
    return ids


def _brief(slug: str, story: str) -> Document:
    return Document(url=f"{SITE}{slug}", text="\n".join([story, BIO, ABOUT]))


def _placed(batches: list[list[Document]]) -> list[str]:
    """Each document's cluster after every batch is placed, in order."""
    with DedupIndex.open(":memory:") as index:
        keys = [a.key for batch in batches for a in index.add_many(batch)]
        found = [index.placement(key) for key in keys]
    assert None not in found
    return [f.cluster for f in found if f is not None]


def _features() -> list[Document]:
    return [Document(url=f"{SITE}feature-{n}", text=body) for n, body in enumerate(FEATURES)]


def test_the_boxes_are_most_of_each_brief_and_some_of_its_words() -> None:
    # The case itself: without the foreign-text rule the boxes make the briefs duplicates,
    # and the ferry brief alone shares more than a tenth of its own words with them.
    ferry, library = _ids("\n".join([FERRY, BIO, ABOUT])), _ids("\n".join([LIBRARY, BIO, ABOUT]))
    options = DedupOptions()
    assert near_duplicate(ferry, library, options)
    assert linked_by_foreign_text(ferry, library, options)
    # Judged one side at a time at the old share, the ferry brief's common words linked them.
    one_side = DedupOptions(foreign_shared_words=1_000_000)
    assert not linked_by_foreign_text(ferry, library, one_side)


def test_two_briefs_carrying_the_same_boxes_stay_apart() -> None:
    ferry, library = _brief("ferry-fare", FERRY), _brief("book-sale", LIBRARY)
    # As a cron crawl adds them (a batch each) and all at once.
    for batches in (
        [_features(), [ferry], [library]],
        [_features(), [library], [ferry]],
        [[*_features(), ferry, library]],
    ):
        clusters = _placed(batches)
        assert clusters[-1] != clusters[-2], batches


def test_an_updated_brief_with_the_same_boxes_still_joins_its_first_version() -> None:
    first, update = _brief("ferry-fare", FERRY), _brief("ferry-fare-confirmed", FERRY_UPDATE)
    old, new = _ids("\n".join([FERRY, BIO, ABOUT])), _ids("\n".join([FERRY_UPDATE, BIO, ABOUT]))
    assert near_duplicate(old, new, DedupOptions())
    assert not linked_by_foreign_text(old, new, DedupOptions())
    clusters = _placed([_features(), [first], [update]])
    assert clusters[-1] == clusters[-2]
