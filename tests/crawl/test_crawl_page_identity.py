"""A fetched page's key: the address it was served from, and its canonical link read there."""

from __future__ import annotations

import pytest

from scraper.crawl.identity import lands_home, moved_story, page_identity

ASKED = "http://feeds.example.net/~r/paper/~3/abc/story"


def test_a_redirected_page_is_keyed_by_the_url_it_was_served_from() -> None:
    found = page_identity(ASKED, "https://www.paper.example/news/2026/story/?utm_source=rss", None)
    assert found.key == "https://www.paper.example/news/2026/story"
    assert found.site == "paper.example"


def test_a_relative_canonical_link_is_resolved_against_the_served_url() -> None:
    served = "https://www.paper.example/news/2026/render?id=7"
    assert page_identity(ASKED, served, "budget-vote").key == (
        "https://www.paper.example/news/2026/budget-vote"
    )
    # Same site as the page, not as the redirector: followed although the key's site differs.
    assert page_identity(ASKED, served, "/news/2026/x").key == (
        "https://www.paper.example/news/2026/x"
    )


def test_a_page_not_redirected_keeps_its_key_and_canonical_rules() -> None:
    asked = "https://paper.example/news/2026/story"
    assert page_identity(asked, None, None).key == asked
    assert page_identity(asked, None, "https://paper.example/news/2026/real").key == (
        "https://paper.example/news/2026/real"
    )
    # A cross-site canonical link names the original of a syndicated copy, not this page.
    found = page_identity(asked, None, "https://wire.example/story")
    assert (found.key, found.named) == (asked, "https://wire.example/story")


def test_a_redirect_to_the_home_page_is_not_the_articles_address() -> None:
    asked = "https://paper.example/news/2026/story"
    assert page_identity(asked, "https://paper.example/", None).key == asked
    # A WordPress article (/?p=) is no home page; nor is a home page asked for one.
    assert page_identity(asked, "https://paper.example/?p=12", None).key == (
        "https://paper.example/?p=12"
    )
    assert page_identity("http://paper.example/", "https://paper.example/", None).key == (
        "https://paper.example/"
    )


def test_a_redirect_to_a_spelling_of_the_same_key_changes_nothing() -> None:
    asked = "https://paper.example/news/2026/story"
    found = page_identity(asked, "https://paper.example/news/2026/story/#top", None)
    assert found.key == asked


@pytest.mark.parametrize(
    ("asked", "served", "home"),
    [
        ("https://paper.example/news/2026/story", "https://paper.example/", True),
        ("https://paper.example/news/2026/story", "http://www.paper.example", True),
        ("https://paper.example/news/2026/story", "https://paper.example/index.html", True),
        ("https://paper.example/news/2026/story", "https://paper.example/en/", True),
        ("https://paper.example/news/2026/story", "https://paper.example/pt-br/index.php", True),
        # A WordPress article, a section, another article: no front page.
        ("https://paper.example/news/2026/story", "https://paper.example/?p=12", False),
        ("https://paper.example/news/2026/story", "https://paper.example/news/", False),
        ("https://paper.example/news/2026/story", "https://paper.example/news/2026/x", False),
        # The front page asked for by another of its names: no dead link.
        ("https://paper.example/index.html", "https://paper.example/", False),
        ("http://paper.example/", "https://paper.example/", False),
    ],
)
def test_a_link_lands_home_when_served_from_a_front_page_it_is_not(
    asked: str, served: str, home: bool
) -> None:
    assert lands_home(asked, served) is home


@pytest.mark.parametrize(
    ("served", "moved"),
    [
        # A slug rewritten with its headline, beside the old one (another host of the site).
        (
            "https://paper.example/news/2026/story-renamed",
            "https://paper.example/news/2026/story-renamed",
        ),
        (
            "https://www.paper.example/news/2026/story-2",
            "https://www.paper.example/news/2026/story-2",
        ),
        (
            "https://paper.example/news/2026/story-2/?utm_source=x",
            "https://paper.example/news/2026/story-2",
        ),
        # Taken down: the front page, a section above the story, its own address again.
        ("https://paper.example/", None),
        ("https://paper.example/news/", None),
        ("https://paper.example/news/2026?from=gone", None),
        ("https://paper.example/news/2026/story/?utm_source=x", None),
        # A "not found", login, paywall or consent page, another folder, another site.
        ("https://paper.example/404", None),
        ("https://paper.example/news/2026/gone?id=7", None),
        ("https://paper.example/account/subscribe?return=%2Fnews%2F2026%2Fstory", None),
        ("https://paper.example/login", None),
        ("https://consent.portal.example/v2/collect?sessionId=1", None),
        ("https://other.example/news/2026/story-2", None),
        ("https://paper.example/world/2026/story", None),
    ],
)
def test_a_stored_story_moved_only_to_a_new_slug_beside_the_old_one(
    served: str, moved: str | None
) -> None:
    assert moved_story("https://paper.example/news/2026/story", served) == moved
