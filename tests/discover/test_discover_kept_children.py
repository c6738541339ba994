"""The nested sitemaps an index or a robots.txt lists are kept up to a cap, the newest first: a
hostile or runaway index holds no more than the cap, however many entries it has."""

from __future__ import annotations

import time
import tracemalloc
from datetime import UTC, datetime, timedelta

from scraper.discover.kept_children import MAX_INDEX_CHILDREN, keep_newest
from scraper.discover.sitemaps import parse_robots_sitemaps, parse_sitemap

_NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
_BASE = "https://news.example/sitemap-index.xml"
_START = datetime(2026, 1, 1, tzinfo=UTC)


def _index(entries: list[tuple[int, int | None]]) -> bytes:
    """A sitemap index of ``sm-N.xml`` children, each dated ``minutes`` after the start."""

    def child(n: int, minutes: int | None) -> bytes:
        loc = b"<loc>https://news.example/sm-%d.xml</loc>" % n
        if minutes is None:
            return b"<sitemap>%s</sitemap>" % loc
        when = (_START + timedelta(minutes=minutes)).isoformat().encode()
        return b"<sitemap>%s<lastmod>%s</lastmod></sitemap>" % (loc, when)

    head = f'<?xml version="1.0"?><sitemapindex {_NS}>'.encode()
    return b"".join([head, *(child(n, m) for n, m in entries), b"</sitemapindex>"])


def _numbers(urls: list[str]) -> list[int]:
    return [int(u.rsplit("-", 1)[1].removesuffix(".xml")) for u in urls]


def test_a_huge_index_keeps_the_dated_children_then_the_first_undated_up_to_the_cap() -> None:
    # 200,000 children, every thousandth dated: a runaway generator, or a hostile site.
    dated = range(0, 200_000, 1000)
    body = _index([(n, n // 1000 if n in dated else None) for n in range(200_000)])
    started = time.perf_counter()
    listing = parse_sitemap(body, _BASE)
    elapsed = time.perf_counter() - started
    assert len(listing.children) == MAX_INDEX_CHILDREN == 50_000
    assert listing.dropped_children == 150_000
    kept = _numbers([c.url for c in listing.children])
    # Every dated one (200), then the undated ones in index order; all in index order.
    assert kept == sorted(kept)
    assert set(dated) <= set(kept)
    undated = [n for n in kept if n not in dated]
    assert undated == [n for n in range(200_000) if n % 1000][: 50_000 - 200]
    assert elapsed < 30.0  # about 2 s here: the cap costs no more than the parse


def test_the_newest_lastmod_is_kept_whatever_the_index_order() -> None:
    # Each of 3,000 minutes dates one child, scattered over the index (7919 is prime); then
    # two more children share the tenth-newest date, and one is undated.
    entries: list[tuple[int, int | None]] = [(n, (n * 7919) % 3000) for n in range(3000)]
    entries += [(3000, 2990), (3001, 2990), (3002, None)]
    listing = parse_sitemap(_index(entries), _BASE, max_children=11)
    kept = _numbers([c.url for c in listing.children])
    # The nine newest, then the first two listed of the three sharing the tenth-newest date;
    # in index order, which ranks ties when they are read.
    assert kept == sorted([n for n, m in entries[:3000] if m is not None and m >= 2990] + [3000])
    assert listing.dropped_children == len(entries) - 11


def test_parsing_a_huge_index_holds_only_the_children_kept() -> None:
    body = _index([(n, n) for n in range(10_000)])
    tracemalloc.start()
    try:
        listing = parse_sitemap(body, _BASE, max_children=100)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # Not 10,000 children (2.8 MB before the cap), nor 10,000 cleared elements left on the
    # root until the end (0.96 MB). The body, 1 MB, is the caller's.
    assert peak < 500_000  # 170 KB here
    assert _numbers([c.url for c in listing.children]) == list(range(9_900, 10_000))


def test_a_robots_txt_keeps_its_first_sitemap_lines_up_to_the_cap() -> None:
    lines = "".join(f"Sitemap: https://news.example/sm-{n}.xml\n" for n in range(30))
    listing = parse_robots_sitemaps(
        lines.encode(), "https://news.example/robots.txt", max_children=7
    )
    assert _numbers([c.url for c in listing.children]) == list(range(7))
    assert listing.dropped_children == 23


def test_keep_newest_is_a_bounded_selection_in_the_items_order() -> None:
    def date(item: tuple[str, float | None]) -> float | None:
        return item[1]

    items = [("a", None), ("b", 5.0), ("c", 9.0), ("d", None), ("e", 9.0), ("f", 1.0)]
    assert keep_newest(items, 10, date) == (tuple(items), 0)
    assert keep_newest(items, 3, date) == ((("b", 5.0), ("c", 9.0), ("e", 9.0)), 3)
    assert keep_newest(items, 4, date) == (tuple(i for i in items if i[1] is not None), 2)
    assert keep_newest(items, 5, date) == (tuple(i for i in items if i[0] != "d"), 1)
    assert keep_newest(items, 1, date) == ((("c", 9.0),), 5)  # a tie: the first listed
    assert keep_newest(items, 0, date) == ((), 6)
    assert keep_newest(iter(range(200_000)), 5, lambda n: None) == ((0, 1, 2, 3, 4), 199_995)
