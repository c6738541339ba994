"""Stories updated at their own address, against a real local server: a stored article whose
listing dates a change after its fetch is fetched again, conditionally, and a changed text is
stored as its next version (the earlier one kept), handed on again by a LAST export."""

from __future__ import annotations

import io
import json
import random
import sqlite3
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import pytest
from article_pages import article_page
from typer.testing import CliRunner

from scraper.cli.app import app
from scraper.config import CrawlConfig, Politeness, RetryPolicy, Source, SourceKind, parse_config
from scraper.crawl import CrawlEvent, RunResult, run_crawl
from scraper.crawl.commit import _own_page
from scraper.dedup.index import Assignment
from scraper.demo.server import LoggedRequest, Resource, SiteServer
from scraper.errors import ConfigError
from scraper.export import ExportFormat, Since, export_articles
from scraper.store.crawl_store import RECHECK_MARGIN, STEPS, SQLiteCrawlStore

_NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
#: One attempt a URL, no wait: a failed recheck is given up in its run.
_ONCE = RetryPolicy(per_request=1, backoff=0.0, max_attempts=1)
#: When the first run's articles are made to have been fetched (see _fetched_earlier).
_EARLIER = 7200.0


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _sitemap(base: str, dated: dict[str, datetime]) -> Resource:
    entries = "".join(
        f"<url><loc>{base}{path}</loc><lastmod>{when.isoformat()}</lastmod></url>"
        for path, when in dated.items()
    )
    return Resource("application/xml", f"<urlset {_NS}>{entries}</urlset>".encode(), _now())


def _config(
    server: SiteServer,
    store: Path,
    retry: RetryPolicy = _ONCE,
    **source: object,
) -> CrawlConfig:
    return CrawlConfig(
        sources=(
            Source(
                name="site",
                kind=SourceKind.SITEMAP,
                urls=(server.base_url + "/sitemap.xml",),
                refetch_updated=source.get("refetch_updated"),  # type: ignore[arg-type]
            ),
        ),
        store=store,
        # One request at a time: the order of the log is the order of the queue.
        politeness=Politeness(min_interval=0.0, per_host=1),
        retry=retry,
        workers=0,
        allow_networks=("127.0.0.0/8",),
    )


def _fetched_earlier(store: Path) -> None:
    """Make the stored articles look fetched ``_EARLIER`` seconds ago: a listing can then date
    a change after their fetch that is not in the future (no test waits for the margin)."""
    with sqlite3.connect(store) as conn:
        conn.execute("UPDATE articles SET stored_at = stored_at - ?", (_EARLIER,))
        conn.execute("UPDATE urls SET checked_at = checked_at - ?", (_EARLIER,))
    conn.close()


def _pages_asked(log: list[LoggedRequest], since: int) -> list[LoggedRequest]:
    return [r for r in log[since:] if r.path.startswith("/news/")]


def _exported(
    store: Path, since: Since, stream: io.StringIO | None = None
) -> list[dict[str, object]]:
    """The records an export ``since`` writes (to ``stream``, a new one by default); a LAST
    export moves the cursor, the others leave it."""
    out = io.StringIO() if stream is None else stream
    crawl_store = SQLiteCrawlStore(store)
    try:
        export_articles(crawl_store, since=since, fmt=ExportFormat.JSONL, stream=out)
    finally:
        crawl_store.close()
    return [json.loads(line) for line in out.getvalue().splitlines()]


def _export_last(store: Path) -> list[dict[str, object]]:
    return _exported(store, Since(last=True))


_VOCABULARY = (
    "council harbour budget ferry school library museum clinic market festival parade "
    "stadium railway station airport reservoir pipeline district county mayor teacher "
    "nurse engineer committee proposal petition hearing inspection survey forecast "
    "drought storm flooding wildfire shelter volunteers residents tenants warehouse "
    "factory bakery vineyard orchard lighthouse marina boardwalk courthouse gallery "
    "theater bridge tunnel highway sidewalk"
)
_WORDS = _VOCABULARY.split()


def _story(
    n: int,
    when: datetime,
    *,
    title: str | None = None,
    extra: int = 0,
    canonical: str | None = None,
) -> Resource:
    """Story ``n`` of the site: words of its own (the index tells the stories apart), and
    ``extra`` paragraphs more for an update."""
    rng = random.Random(n)
    paragraphs = [" ".join(rng.choices(_WORDS, k=30)) + "." for _ in range(6 + extra)]
    heading = title or f"Story {n} of the harbour works"
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    html = (
        f"<html><head><title>{heading}</title>"
        + (f'<link rel="canonical" href="{canonical}">' if canonical else "")
        + f"</head><body><article><h1>{heading}</h1>"
        f"{body}</article></body></html>"
    )
    return Resource("text/html; charset=utf-8", html.encode(), when)


def _site(server: SiteServer, when: datetime) -> dict[str, datetime]:
    dated = {f"/news/story-{n}": when for n in range(3)}
    pages: dict[str, Resource] = {path: _story(n, when) for n, path in enumerate(dated)}
    server.publish({**pages, "/sitemap.xml": _sitemap(server.base_url, dated)})
    return dated


def _crawled(server: SiteServer, store: Path) -> tuple[dict[str, datetime], CrawlConfig]:
    """Crawl the site once (its articles then made to look fetched earlier, the new ones
    exported); the dates its sitemap lists, and the config."""
    dated = _site(server, _now() - timedelta(hours=3))
    config = _config(server, store)
    assert run_crawl(config).stats.stored == 3
    _export_last(store)
    _fetched_earlier(store)
    return dated, config


def _set_back(store: Path, seconds: float) -> None:
    """Move every time the store keeps of its articles ``seconds`` back: as if that much time
    had passed since (no test waits for a date ahead to come)."""
    with sqlite3.connect(store) as conn:
        conn.execute("UPDATE articles SET stored_at = stored_at - ?", (seconds,))
        conn.execute(
            "UPDATE urls SET checked_at = checked_at - ?1, change_due = change_due - ?1",
            (seconds,),
        )
    conn.close()


def _crawled_then_changed(
    server: SiteServer,
    store: Path,
    path: str,
    pages: Callable[[datetime], dict[str, Resource]] = lambda changed: {},
) -> CrawlConfig:
    """Crawl the site once (see ``_crawled``), then list ``path`` as changed a minute ago and
    serve ``pages(changed)``."""
    dated, config = _crawled(server, store)
    changed = _now() - timedelta(minutes=1)
    listing = _sitemap(server.base_url, {**dated, path: changed})
    server.publish({**pages(changed), "/sitemap.xml": listing})
    return config


def _rerun_after_change(
    store: Path,
    path: str,
    pages: Callable[[datetime], dict[str, Resource]] = lambda changed: {},
) -> tuple[RunResult, list[LoggedRequest]]:
    """The second run of :func:`_crawled_then_changed`, and the article pages it asked for."""
    with SiteServer() as server:
        config = _crawled_then_changed(server, store, path, pages)
        asked_before = len(server.log)
        second = run_crawl(config)
        return second, _pages_asked(server.log, asked_before)


def _stored_paths(store: Path) -> list[str]:
    """The stored articles' paths, by id."""
    with sqlite3.connect(store) as conn:
        rows = conn.execute("SELECT url FROM articles ORDER BY id").fetchall()
    conn.close()
    return ["/" + url.split("/", 3)[3] for (url,) in rows]


# The newest too: SQLite gives a new row the largest id plus one, which was the replaced
# version's own id, one a LAST export has passed already.
@pytest.mark.parametrize("which", [0, -1], ids=["oldest", "newest"])
def test_a_story_listed_as_changed_is_fetched_again_and_stored_as_its_next_version(
    tmp_path: Path, which: int
) -> None:
    store = tmp_path / "crawl.db"
    with SiteServer() as server:
        dated = _site(server, _now() - timedelta(hours=3))
        config = _config(server, store)
        assert run_crawl(config).stats.stored == 3
        first = {r["url"]: r for r in _export_last(store)}
        path = _stored_paths(store)[which]
        title = f"Story {path[-1]} of the harbour works"
        _fetched_earlier(store)
        # One story is rewritten, and the sitemap says so; the others are not.
        changed = _now() - timedelta(minutes=1)
        server.publish(
            {
                path: _story(int(path[-1]), changed, title=f"{title}, updated", extra=2),
                "/sitemap.xml": _sitemap(server.base_url, {**dated, path: changed}),
            }
        )
        asked_before = len(server.log)
        second = run_crawl(config)
        asked = _pages_asked(server.log, asked_before)
        after_update = len(server.log)
        third = run_crawl(config)
        asked_third = _pages_asked(server.log, after_update)

    assert (second.stats.rechecked, second.stats.updated, second.stats.stored) == (1, 1, 0)
    assert [r.path for r in asked] == [path]
    assert second.ok
    # Handed on again, as its next version, in the cluster it had.
    (again,) = _export_last(store)
    url = again["url"]
    assert isinstance(url, str) and url.endswith(path)
    assert again["version"] == 2
    assert again["title"] == f"{title}, updated"
    assert again["cluster"] == first[url]["cluster"]
    assert again["duplicate_of"] is None
    # Past every id exported before: a LAST export hands it on.
    assert isinstance(again["id"], int)
    assert all(isinstance(r["id"], int) and again["id"] > r["id"] for r in first.values())
    with sqlite3.connect(store) as conn:
        assert conn.execute("SELECT count(*) FROM articles").fetchone() == (3,)
        kept = conn.execute(
            "SELECT article_id, version, json_extract(record, '$.title') FROM article_versions"
        )
        assert kept.fetchall() == [(first[url]["id"], 1, title)]
    conn.close()
    # Checked now: the same listing date asks for nothing more.
    assert third.stats.rechecked == 0 and asked_third == []


def test_a_story_listed_as_changed_that_is_not_costs_a_304_and_no_version(
    tmp_path: Path,
) -> None:
    store = tmp_path / "crawl.db"
    second, asked = _rerun_after_change(store, "/news/story-1")
    assert [(r.path, r.status) for r in asked] == [("/news/story-1", 304)]
    assert (second.stats.rechecked, second.stats.updated) == (1, 0)
    assert _export_last(store) == []


def test_a_page_served_anew_with_the_same_text_is_no_new_version(tmp_path: Path) -> None:
    store = tmp_path / "crawl.db"

    def served_anew(changed: datetime) -> dict[str, Resource]:
        page = _story(2, changed)
        # Other bytes (a new ETag, so a 200), the same article.
        return {
            "/news/story-2": replace(
                page, body=page.body.replace(b"<html>", b"<html><!-- cache 7 -->")
            )
        }

    second, asked = _rerun_after_change(store, "/news/story-2", served_anew)
    assert [(r.path, r.status) for r in asked] == [("/news/story-2", 200)]
    assert (second.stats.rechecked, second.stats.updated) == (1, 0)
    assert _export_last(store) == []


def test_a_small_edit_is_reported_and_stored_as_leading_its_cluster(tmp_path: Path) -> None:
    # One word changed, none added: the earlier version, still in the index at the same
    # address, ranks as high and stays the cluster's representative. The page is no copy of
    # itself.
    store = tmp_path / "crawl.db"
    events: list[CrawlEvent] = []

    def corrected(changed: datetime) -> dict[str, Resource]:
        page = _story(1, changed)
        return {"/news/story-1": replace(page, body=page.body.replace(b"<p>", b"<p>re", 1))}

    with SiteServer() as server:
        config = _crawled_then_changed(server, store, "/news/story-1", corrected)
        second = run_crawl(config, observer=events.append)

    assert second.stats.updated == 1
    (event,) = [e for e in events if e.kind == "updated"]
    assert str(event.data["url"]).endswith("/news/story-1")
    assert event.data["duplicate_of"] is None
    with sqlite3.connect(store) as conn:
        rows = conn.execute("SELECT url, duplicate_of FROM articles").fetchall()
    conn.close()
    assert [dup for url, dup in rows if url.endswith("/news/story-1")] == [None]
    (again,) = _export_last(store)
    assert again["duplicate_of"] is None


def test_a_change_dated_ahead_is_rechecked_once_its_time_has_come(tmp_path: Path) -> None:
    # Dated past RECHECK_MARGIN ahead (a CMS, a server's clock ahead): not believed when read.
    # The sitemap then answers 304 and is never read in full again: the date must be kept.
    store = tmp_path / "crawl.db"
    with SiteServer() as server:
        dated, config = _crawled(server, store)
        ahead = _now() + timedelta(minutes=20)
        updated = _story(1, ahead, title="Story 1 of the harbour works, updated", extra=2)
        server.publish(
            {
                "/news/story-1": updated,
                "/sitemap.xml": _sitemap(server.base_url, {**dated, "/news/story-1": ahead}),
            }
        )
        second = run_crawl(config)
        assert (second.stats.rechecked, second.stats.updated) == (0, 0)
        _set_back(store, 1800)  # half an hour on
        asked_before = len(server.log)
        third = run_crawl(config)
        asked = [(r.path, r.status) for r in server.log[asked_before:]]
        fourth = run_crawl(config)

    assert ("/sitemap.xml", 304) in asked
    assert ("/news/story-1", 200) in asked
    assert (third.stats.rechecked, third.stats.updated) == (1, 1)
    (again,) = _export_last(store)
    assert again["title"] == "Story 1 of the harbour works, updated"
    assert again["version"] == 2
    # Asked once: the date kept is spent.
    assert fourth.stats.rechecked == 0


def test_a_change_dated_ahead_is_forgotten_when_the_listing_dates_it_again(
    tmp_path: Path,
) -> None:
    # Dated two days ahead, then (the site's clock put right) back where it was: the later
    # listing's word stands, and nothing is asked for two days on.
    store = tmp_path / "crawl.db"
    with SiteServer() as server:
        dated, config = _crawled(server, store)
        ahead = {**dated, "/news/story-1": _now() + timedelta(days=2)}
        server.publish({"/sitemap.xml": _sitemap(server.base_url, ahead)})
        assert run_crawl(config).stats.rechecked == 0
        # Dated apart from the others (three alike would read as stamps, not changes).
        before = {**dated, "/news/story-1": _now() - timedelta(hours=4)}
        server.publish({"/sitemap.xml": _sitemap(server.base_url, before)})
        assert run_crawl(config).stats.rechecked == 0
        _set_back(store, 3 * 86400)  # three days on
        later = run_crawl(config)

    assert later.stats.rechecked == 0


def test_a_placement_names_another_spelling_of_its_url_as_what_it_duplicates() -> None:
    # A store older than a URL rule keeps keys the rule now folds together (a tracking
    # parameter): the page stored under the old spelling is another document, and may be
    # the one this copies. Only the very URL is the page itself.
    url = "https://paper.example/news/story"
    older = Assignment(url, url, "c1", url + "?xtor=RSS-1")
    assert _own_page(older, url) is older
    itself = Assignment(url, url, "c1", url)
    assert (_own_page(itself, url).cluster, _own_page(itself, url).duplicate_of) == ("c1", None)


def test_dates_no_later_than_the_fetch_or_all_alike_ask_for_nothing(tmp_path: Path) -> None:
    store = tmp_path / "crawl.db"
    with SiteServer() as server:
        base = server.base_url
        when = _now() - timedelta(hours=3)
        paths = [f"/news/story-{n}" for n in range(12)]
        server.publish({p: _story(n, when) for n, p in enumerate(paths)})
        server.publish({"/sitemap.xml": _sitemap(base, dict.fromkeys(paths, when))})
        config = _config(server, store)
        assert run_crawl(config).stats.stored == 12
        # A date within the margin of the fetch: a CMS that touched lastmod after publishing.
        soon = _now() + timedelta(seconds=RECHECK_MARGIN / 2)
        server.publish(
            {"/sitemap.xml": _sitemap(base, {**dict.fromkeys(paths, when), paths[0]: soon})}
        )
        within = run_crawl(config)
        _fetched_earlier(store)
        # A sitemap regenerated with its time of generation as every lastmod, or with each
        # entry's time of writing, a second apart.
        generated = _now() - timedelta(minutes=1)
        server.publish({"/sitemap.xml": _sitemap(base, dict.fromkeys(paths, generated))})
        regenerated = run_crawl(config)
        written = {p: generated + timedelta(seconds=n) for n, p in enumerate(paths)}
        server.publish({"/sitemap.xml": _sitemap(base, written)})
        rewritten = run_crawl(config)
        # Most entries under one old bulk-import date, and one story updated: that one counts.
        bulk = {**dict.fromkeys(paths, when - timedelta(days=300)), paths[2]: generated}
        server.publish({"/sitemap.xml": _sitemap(base, bulk)})
        one_real = run_crawl(config)
        # A date far ahead: a placeholder, not news.
        ahead = _now() + timedelta(days=2)
        server.publish(
            {"/sitemap.xml": _sitemap(base, {**dict.fromkeys(paths, when), paths[1]: ahead})}
        )
        future = run_crawl(config)

    assert within.stats.rechecked == 0
    assert regenerated.stats.rechecked == 0
    assert rewritten.stats.rechecked == 0
    assert one_real.stats.rechecked == 1
    assert future.stats.rechecked == 0


def test_refetch_updated_off_leaves_stored_stories_alone(tmp_path: Path) -> None:
    store = tmp_path / "crawl.db"
    with SiteServer() as server:
        dated = _site(server, _now() - timedelta(hours=3))
        run_crawl(_config(server, store))
        _fetched_earlier(store)
        changed = _now() - timedelta(minutes=1)
        server.publish(
            {"/sitemap.xml": _sitemap(server.base_url, {**dated, "/news/story-0": changed})}
        )
        off = run_crawl(_config(server, store, refetch_updated=False))
        on = run_crawl(_config(server, store))

    assert off.stats.rechecked == 0
    # Turned on again, the listing is read in full (its 304 would list nothing): the change
    # it listed meanwhile is fetched.
    assert (on.stats.rechecked, on.stats.updated) == (1, 0)


def test_a_recheck_that_fails_keeps_the_stored_version(tmp_path: Path) -> None:
    store = tmp_path / "crawl.db"
    with SiteServer() as server:
        config = _crawled_then_changed(server, store, "/news/story-0")
        server.fail("/news/story-0", 404)
        second = run_crawl(config)
        third = run_crawl(config)

    # Not the run's failure: nothing is to be done, the stored version stands.
    assert (second.stats.recheck_failed, second.stats.gave_up, second.ok) == (1, 0, True)
    assert third.stats.rechecked == 0 and third.stats.fetched == 0
    assert _export_last(store) == []
    with sqlite3.connect(store) as conn:
        rows = conn.execute("SELECT state, recheck FROM urls WHERE url LIKE '%story-0'").fetchall()
        assert rows == [("done", 0)]
        assert conn.execute("SELECT count(*) FROM articles").fetchone() == (3,)
    conn.close()


def test_a_story_taken_down_is_listed_by_status_until_a_recheck_reads_it(
    tmp_path: Path,
) -> None:
    store = tmp_path / "crawl.db"
    with SiteServer() as server:
        config = _crawled_then_changed(server, store, "/news/story-0")
        server.fail("/news/story-0", 410)
        run_crawl(config)
        shown = CliRunner().invoke(app, ["status", str(store), "--failed"])
        as_json = CliRunner().invoke(app, ["status", str(store), "--failed", "--json"])
        crawl_store = SQLiteCrawlStore(store)
        try:
            (stats,) = crawl_store.source_stats()
            (failure,) = crawl_store.failures(source=None, limit=10)
        finally:
            crawl_store.close()
        # Back, and listed as changed again (at another time than the first listing said: a
        # listing of the same bytes would answer 304): read this time, it is no longer listed.
        server.restore("/news/story-0")
        _fetched_earlier(store)
        dated = {f"/news/story-{n}": _now() - timedelta(hours=3) for n in range(3)}
        again = _now() - timedelta(seconds=20)
        server.publish(
            {
                "/news/story-0": _story(0, _now(), title="Story 0, restored", extra=1),
                "/sitemap.xml": _sitemap(server.base_url, {**dated, "/news/story-0": again}),
            }
        )
        restored = run_crawl(config)
        crawl_store = SQLiteCrawlStore(store)
        try:
            (after,) = crawl_store.source_stats()
            left = crawl_store.failures(source=None, limit=10)
        finally:
            crawl_store.close()

    assert (stats.recheck_gave_up, stats.gave_up, stats.failing, stats.stored) == (1, 0, 0, 3)
    assert failure.url.endswith("/news/story-0")
    assert failure.state == "recheck_gave_up"
    assert failure.error is not None and "410" in failure.error
    assert shown.exit_code == 0, shown.output
    assert "(1 recheck given up)" in shown.output
    assert "failed URLs (1 of 1 shown)" in shown.output
    assert "/news/story-0  [site] stored, its recheck given up" in shown.output
    assert json.loads(as_json.stdout)["failed"][0]["state"] == "recheck_gave_up"
    assert restored.stats.updated == 1
    assert (after.recheck_gave_up, left) == (0, [])


def test_refetch_updated_is_read_per_source_with_a_crawl_wide_default() -> None:
    base = {"store": "c.db", "source": [{"feed": "https://e.com/rss"}]}
    assert parse_config(base).refetch_updated is True
    config = parse_config(
        {
            **base,
            "refetch_updated": False,
            "source": [{"feed": "https://e.com/rss", "refetch_updated": True}],
        }
    )
    assert config.refetch_updated is False and config.sources[0].refetch_updated is True
    with pytest.raises(ConfigError) as raised:
        parse_config({**base, "source": [{"feed": "https://e.com/rss", "refetch_updated": 1}]})
    assert raised.value.key == "source[0].refetch_updated"


def test_a_story_that_now_redirects_to_the_home_page_keeps_its_stored_version(
    tmp_path: Path,
) -> None:
    store = tmp_path / "crawl.db"
    with SiteServer() as server:
        config = _crawled_then_changed(
            server,
            store,
            "/news/story-0",
            lambda changed: {"/": article_page("Front page of the harbour gazette", changed)},
        )
        # Taken down: the site sends its readers to the front page.
        server.fail("/news/story-0", 301, {"Location": "/"})
        second = run_crawl(config)

    assert (second.stats.rechecked, second.stats.updated, second.stats.stored) == (1, 0, 0)
    assert _export_last(store) == []
    with sqlite3.connect(store) as conn:
        titles = conn.execute("SELECT json_extract(record, '$.title') FROM articles").fetchall()
    conn.close()
    assert sorted(titles) == [(f"Story {n} of the harbour works",) for n in range(3)]


def _recheck_failed_once(server: SiteServer, store: Path) -> tuple[CrawlConfig, RunResult]:
    """The crawl of :func:`_crawled_then_changed` for story 0, with retries an hour apart, and
    its second run, in which story 0's recheck got a 503 and now waits for its retry."""
    patient = RetryPolicy(per_request=1, backoff=3600.0, max_attempts=3)
    config = replace(_crawled_then_changed(server, store, "/news/story-0"), retry=patient)
    server.fail("/news/story-0", 503)
    return config, run_crawl(config)


def test_a_page_landing_on_a_story_waiting_for_its_recheck_is_its_next_version(
    tmp_path: Path,
) -> None:
    # The recheck fails and waits an hour for its retry; meanwhile a listed redirector leads
    # to the story: its page lands on a row that has an article, though not done.
    store = tmp_path / "crawl.db"
    with SiteServer() as server:
        config, waiting = _recheck_failed_once(server, store)
        server.restore("/news/story-0")
        base = server.base_url
        dated = {f"/news/story-{n}": _now() - timedelta(hours=3) for n in range(3)}
        server.publish(
            {
                "/news/story-0": _story(0, _now(), title="Story 0, updated", extra=2),
                "/r/1": _story(9, _now()),  # served as a redirect: see fail below
                "/sitemap.xml": _sitemap(base, {**dated, "/r/1": _now()}),
            }
        )
        server.fail("/r/1", 301, {"Location": f"{base}/news/story-0"})
        landed = run_crawl(config)

    assert (waiting.stats.failed, waiting.stats.updated) == (1, 0)
    assert landed.ok and (landed.stats.updated, landed.stats.aliases) == (1, 1)
    (again,) = _export_last(store)
    assert (again["title"], again["version"]) == ("Story 0, updated", 2)


def test_a_story_whose_page_names_another_canonical_address_is_updated(tmp_path: Path) -> None:
    store = tmp_path / "crawl.db"
    with SiteServer() as server:
        slug = f"{server.base_url}/news/story-1-the-harbour-works"
        server.publish({"/news/story-1": _story(1, _now(), canonical=slug)})

        def rewritten(changed: datetime) -> dict[str, Resource]:
            page = _story(1, changed, title="Story 1, updated", extra=2, canonical=slug)
            return {"/news/story-1": page}

        config = _crawled_then_changed(server, store, "/news/story-1", rewritten)
        second = run_crawl(config)

    assert (second.stats.rechecked, second.stats.updated) == (1, 1)
    (again,) = _export_last(store)
    assert again["title"] == "Story 1, updated"


def _export_all(store: Path) -> list[dict[str, object]]:
    return _exported(store, Since())


def test_an_edit_moved_to_a_new_slug_joins_its_earlier_version_and_leads_it(
    tmp_path: Path,
) -> None:
    # The headline is rewritten, the story moves to a slug of the new headline, the old
    # address redirects there and the sitemap lists the new one only.
    store = tmp_path / "crawl.db"
    with SiteServer() as server:
        dated, config = _crawled(server, store)
        base, slug = server.base_url, "/news/story-1-harbour-works-reopen"
        changed = _now() - timedelta(minutes=1)
        del dated["/news/story-1"]
        edited = _story(1, changed, title="Harbour works reopen", extra=2, canonical=base + slug)
        server.publish({slug: edited, "/sitemap.xml": _sitemap(base, {**dated, slug: changed})})
        server.fail("/news/story-1", 301, {"Location": base + slug})
        second = run_crawl(config)

    assert second.ok and (second.stats.stored, second.stats.updated) == (1, 0)
    (moved,) = _export_last(store)
    assert (moved["url"], moved["duplicate_of"]) == (base + slug, None)
    earlier = {r["url"]: r for r in _export_all(store)}[base + "/news/story-1"]
    # One story: the old address is now a copy of the new one, in its cluster.
    assert earlier["cluster"] == moved["cluster"]
    assert earlier["duplicate_of"] == base + slug


def test_a_story_whose_recheck_redirects_to_an_unlisted_address_is_read_there(
    tmp_path: Path,
) -> None:
    # The sitemap dates a change of story 1 but still names its old address, which now
    # redirects to a slug of a rewritten headline that no listing names.
    store = tmp_path / "crawl.db"
    with SiteServer() as server:
        base, slug = server.base_url, "/news/story-1-harbour-works-reopen"

        def moved(changed: datetime) -> dict[str, Resource]:
            return {slug: _story(1, changed, title="Harbour works reopen", extra=2)}

        config = _crawled_then_changed(server, store, "/news/story-1", moved)
        server.fail("/news/story-1", 301, {"Location": base + slug})
        asked_before = len(server.log)
        second = run_crawl(config)
        asked = [(r.path, r.status) for r in _pages_asked(server.log, asked_before)]
        asked_before = len(server.log)
        third = run_crawl(config)
        asked_third = [(r.path, r.status) for r in _pages_asked(server.log, asked_before)]
        fourth = run_crawl(config)

    # The recheck follows the redirect and leaves the stored version as it is...
    assert second.ok and (second.stats.rechecked, second.stats.updated) == (1, 0)
    assert asked == [("/news/story-1", 301), (slug, 200)] and second.stats.stored == 0
    # ...and queues the new address, which the next run reads as a URL of its own, once.
    assert third.ok and asked_third == [(slug, 200)] and third.stats.stored == 1
    assert fourth.stats.fetched == 0
    (arrived,) = _export_last(store)
    assert (arrived["url"], arrived["title"]) == (base + slug, "Harbour works reopen")
    earlier = {r["url"]: r for r in _export_all(store)}[base + "/news/story-1"]
    assert earlier["cluster"] == arrived["cluster"]
    assert earlier["title"] == "Story 1 of the harbour works"


@pytest.mark.parametrize(
    "target",
    ["/account/subscribe?return=%2Fnews%2Fstory-1", "/gone", "/news/"],
    ids=["paywall", "not-found", "section"],
)
def test_a_recheck_redirected_away_from_the_story_queues_nothing(
    tmp_path: Path, target: str
) -> None:
    store = tmp_path / "crawl.db"
    with SiteServer() as server:
        base = server.base_url

        def elsewhere(changed: datetime) -> dict[str, Resource]:
            return {target.split("?")[0]: article_page("Subscribe to keep reading", changed)}

        config = _crawled_then_changed(server, store, "/news/story-1", elsewhere)
        server.fail("/news/story-1", 302, {"Location": base + target})
        second = run_crawl(config)
        third = run_crawl(config)

    assert second.ok and (second.stats.rechecked, second.stats.updated) == (1, 0)
    assert third.ok and third.stats.fetched == 0
    assert sorted(str(r["title"]) for r in _export_all(store)) == [
        f"Story {n} of the harbour works" for n in range(3)
    ]


class _CrawlsOnWrites(io.StringIO):
    """An export's output that runs a crawl before each of the export's first writes."""

    def __init__(self, *crawls: Callable[[], RunResult]) -> None:
        super().__init__()
        self.crawls = list(crawls)
        self.crawled: list[RunResult] = []

    def write(self, text: str) -> int:
        if self.crawls:
            self.crawled.append(self.crawls.pop(0)())
        return super().write(text)


def _exported_while(store: Path, since: Since, stream: _CrawlsOnWrites) -> list[tuple[str, int]]:
    return [(str(r["title"]), int(str(r["version"]))) for r in _exported(store, since, stream)]


@pytest.mark.parametrize("since", [Since(), Since(time=0.0)], ids=["ALL", "date"])
def test_an_export_of_the_store_shows_a_story_updated_meanwhile_once(
    tmp_path: Path, since: Since
) -> None:
    store = tmp_path / "crawl.db"
    with SiteServer() as server:
        dated, config = _crawled(server, store)
        changed = _now() - timedelta(minutes=1)
        server.publish(
            {
                **{
                    path: _story(n, changed, title=f"Story {n}, updated", extra=2)
                    for n, path in ((0, "/news/story-0"), (2, "/news/story-2"))
                },
                "/sitemap.xml": _sitemap(
                    server.base_url, {**dated, "/news/story-0": changed, "/news/story-2": changed}
                ),
            }
        )
        # The crawl stores both new versions after the export read its first page.
        stream = _CrawlsOnWrites(lambda: run_crawl(config))
        shown = _exported_while(store, since, stream)

    assert [run.stats.updated for run in stream.crawled] == [2]
    assert shown == [(f"Story {n} of the harbour works", 1) for n in range(3)]
    # Read afterwards, the store shows the new versions, each story once still.
    titles = sorted(str(r["title"]) for r in _export_all(store))
    assert titles == ["Story 0, updated", "Story 1 of the harbour works", "Story 2, updated"]


def test_an_export_of_the_store_shows_a_story_updated_twice_meanwhile_once(
    tmp_path: Path,
) -> None:
    store = tmp_path / "crawl.db"
    with SiteServer() as server:
        dated, config = _crawled(server, store)

        def update(k: int) -> RunResult:
            if k == 2:
                _set_back(store, _EARLIER)  # the first update, as if fetched earlier too
            changed = _now() - timedelta(minutes=3 - k)  # the second dated after the first
            listing = _sitemap(server.base_url, {**dated, "/news/story-0": changed})
            page = _story(0, changed, title=f"Story 0, update {k}", extra=k)
            # Both served as changed since the copies the last run got (no 304).
            later = _now() + timedelta(minutes=k)
            server.publish(
                {
                    "/news/story-0": replace(page, modified=later),
                    "/sitemap.xml": replace(listing, modified=later),
                }
            )
            return run_crawl(config)

        # Two crawls, each storing a version of story 0, while the export writes.
        stream = _CrawlsOnWrites(partial(update, 1), partial(update, 2))
        shown = _exported_while(store, Since(), stream)

    assert [run.stats.updated for run in stream.crawled] == [1, 1]
    assert shown == [(f"Story {n} of the harbour works", 1) for n in range(3)]


def test_a_story_stored_through_a_redirect_is_rechecked_at_its_own_address(
    tmp_path: Path,
) -> None:
    store = tmp_path / "crawl.db"
    with SiteServer() as server:
        base = server.base_url
        old = _now() - timedelta(hours=3)
        server.publish(
            {
                "/news/story-5": _story(5, old),
                "/r/5": _story(9, old),
                "/sitemap.xml": _sitemap(base, {"/r/5": old}),
            }
        )
        server.fail("/r/5", 301, {"Location": f"{base}/news/story-5"})
        config = _config(server, store)
        assert run_crawl(config).stats.stored == 1
        _export_last(store)
        _fetched_earlier(store)
        changed = _now() - timedelta(minutes=1)
        server.publish(
            {
                "/news/story-5": _story(5, changed, title="Story 5, updated", extra=2),
                "/sitemap.xml": _sitemap(base, {"/r/5": changed}),
            }
        )
        asked_before = len(server.log)
        second = run_crawl(config)
        asked = [r.path for r in server.log[asked_before:] if r.path != "/robots.txt"]

    assert (second.stats.rechecked, second.stats.updated) == (1, 1)
    assert asked == ["/sitemap.xml", "/news/story-5"]
    (again,) = _export_last(store)
    assert again["title"] == "Story 5, updated"


def test_turning_refetch_updated_off_drops_the_rechecks_already_queued(tmp_path: Path) -> None:
    store = tmp_path / "crawl.db"
    with SiteServer() as server:
        config, waiting = _recheck_failed_once(server, store)
        assert waiting.stats.failed == 1  # waits for its retry, as a recheck
        off = replace(config, refetch_updated=False)
        dropped = run_crawl(off)
        rerun = run_crawl(replace(off, retry=RetryPolicy(per_request=1, backoff=0.0)))

    assert dropped.ok and rerun.stats.fetched == 0
    with sqlite3.connect(store) as conn:
        rows = conn.execute("SELECT state, recheck FROM urls WHERE url LIKE '%story-0'").fetchall()
    conn.close()
    assert rows == [("done", 0)]


def test_new_stories_are_fetched_before_the_stored_ones_listed_as_changed(
    tmp_path: Path,
) -> None:
    store = tmp_path / "crawl.db"
    with SiteServer() as server:
        base = server.base_url
        old = _now() - timedelta(hours=3)
        dated = {f"/news/story-{n}": old for n in range(6)}
        server.publish({p: _story(n, old) for n, p in enumerate(dated)})
        server.publish({"/sitemap.xml": _sitemap(base, dated)})
        config = _config(server, store)
        assert run_crawl(config).stats.stored == 6
        _fetched_earlier(store)
        # Each at its own time (three in a minute would be stamps, not news).
        at = {n: _now() - timedelta(minutes=3 * n + 1) for n in (0, 1, 6, 7)}
        fresh = {f"/news/story-{n}": at[n] for n in (6, 7)}
        server.publish({p: _story(n, at[n]) for n, p in zip((6, 7), fresh, strict=True)})
        # Two stored stories listed as changed, listed before the new ones.
        relisted = {**dated, "/news/story-0": at[0], "/news/story-1": at[1], **fresh}
        server.publish({"/sitemap.xml": _sitemap(base, relisted)})
        asked_before = len(server.log)
        second = run_crawl(config)
        asked = _pages_asked(server.log, asked_before)

    assert (second.stats.stored, second.stats.rechecked) == (2, 2)
    assert [r.path for r in asked] == [
        "/news/story-6",
        "/news/story-7",
        "/news/story-0",
        "/news/story-1",
    ]


def _atom(base: str, entries: list[tuple[str, datetime, datetime]]) -> Resource:
    """An Atom feed of (path, published, updated) entries, in that order."""
    body = "".join(
        f'<entry><title>t</title><id>{base}{path}</id><link href="{base}{path}"/>'
        f"<published>{published.isoformat()}</published><updated>{updated.isoformat()}</updated>"
        "</entry>"
        for path, published, updated in entries
    )
    feed = f'<feed xmlns="http://www.w3.org/2005/Atom"><title>f</title>{body}</feed>'
    return Resource("application/atom+xml", feed.encode(), _now())


def test_a_feed_ordered_by_its_updates_has_each_update_fetched(tmp_path: Path) -> None:
    # Blogger's feeds list entries by their last update: five of eight stored stories come
    # back, updated at different times, beside two new ones.
    store = tmp_path / "crawl.db"
    with SiteServer() as server:
        base = server.base_url
        old = _now() - timedelta(hours=5)
        paths = [f"/news/story-{n}" for n in range(8)]
        server.publish({p: _story(n, old) for n, p in enumerate(paths)})
        server.publish({"/feed.xml": _atom(base, [(p, old, old) for p in paths])})
        source = Source(name="site", kind=SourceKind.FEED, urls=(base + "/feed.xml",))
        config = replace(_config(server, store), sources=(source,))
        assert run_crawl(config).stats.stored == 8
        _fetched_earlier(store)
        updates = {p: _now() - timedelta(minutes=7 * n + 1) for n, p in enumerate(paths[3:])}
        fresh = {f"/news/story-{n}": _now() - timedelta(minutes=n - 5) for n in (8, 9)}
        server.publish({p: _story(int(p[-1]), w, extra=2) for p, w in updates.items()})
        server.publish({p: _story(int(p[-1]), w) for p, w in fresh.items()})
        listed = (
            [(p, w, w) for p, w in fresh.items()]
            + [(p, old, w) for p, w in updates.items()]
            + [(p, old, old) for p in paths[:3]]
        )
        server.publish({"/feed.xml": _atom(base, listed)})
        second = run_crawl(config)

    assert (second.stats.stored, second.stats.rechecked, second.stats.updated) == (2, 5, 5)


def test_a_store_that_kept_versions_without_their_ids_is_upgraded(tmp_path: Path) -> None:
    # As the first form of the versions step (one commit of session 26) left it.
    store = tmp_path / "crawl.db"
    with SiteServer() as server:
        config = _crawled_then_changed(server, store, "/news/story-0")
        with sqlite3.connect(store) as conn:
            conn.execute("ALTER TABLE article_versions DROP COLUMN article_id")
            conn.execute(  # before the article_id step (sessions 28, 29 and 34 added three)
                "UPDATE schema_migrations SET version = ? WHERE component = 'crawl'",
                (len(STEPS) - 4,),
            )
        conn.close()
        server.publish({"/news/story-0": _story(0, _now(), title="Story 0, updated", extra=2)})
        second = run_crawl(config)

    assert second.ok and second.stats.updated == 1
    (again,) = _export_last(store)
    assert again["version"] == 2


def _status(store: Path, *options: str) -> tuple[str, dict[str, str], dict[str, object]]:
    """What ``scraper status`` shows of the one-source ``store``: its output, the source's row
    by column, and the source as ``--json`` gives it."""
    shown = CliRunner().invoke(app, ["status", str(store), *options])
    assert shown.exit_code == 0, shown.output
    header, row = shown.stdout.splitlines()[:2]
    # The first six columns are single words: source, urls, stored, dups, pending, retry.
    columns = dict(zip(header.split()[:6], row.split()[:6], strict=True))
    data = json.loads(CliRunner().invoke(app, ["status", str(store), "--json"]).stdout)
    (source,) = data["sources"]
    return shown.stdout, columns, source


def test_status_counts_stored_stories_waiting_for_their_recheck_apart_from_new_urls(
    tmp_path: Path,
) -> None:
    store = tmp_path / "crawl.db"
    with SiteServer() as server:
        _site(server, _now() - timedelta(hours=3))
        assert run_crawl(_config(server, store)).stats.stored == 3
    with sqlite3.connect(store) as conn:  # as a listing dating a change leaves one (the run
        # that reads it fetches it; one stopped by its time budget leaves it so)
        conn.execute(
            "UPDATE urls SET state = 'pending', recheck = 1 WHERE url LIKE '%/news/story-1'"
        )
        conn.execute(
            "INSERT INTO urls (url, raw, source, discovered_at) VALUES (?, ?, 'site', 0)",
            (server.base_url + "/news/story-9",) * 2,
        )
    conn.close()

    shown, columns, source = _status(store)

    assert (columns["urls"], columns["stored"], columns["pending"]) == ("4", "3", "1")
    assert "site: 1 stored article listed as changed, waiting to be fetched again" in shown
    assert (source["pending"], source["rechecks"]) == (1, 1)


def test_status_shows_a_recheck_waiting_for_its_retry_as_a_recheck_not_a_failed_url(
    tmp_path: Path,
) -> None:
    store = tmp_path / "crawl.db"
    with SiteServer() as server:
        _, waiting = _recheck_failed_once(server, store)
        assert waiting.stats.failed == 1  # waits for its retry, as a recheck

    shown, columns, source = _status(store, "--failed")

    assert (columns["stored"], columns["pending"], columns["retry"]) == ("3", "0", "0")
    assert "site: 1 stored article listed as changed, waiting to be fetched again" in shown
    assert "no failed URLs" in shown
    assert (source["rechecks"], source["failing"]) == (1, 0)
