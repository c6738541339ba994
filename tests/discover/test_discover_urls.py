"""URL identity: normalisation cases and the same-site canonical rule."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import pytest

from scraper.discover.urls import (
    _split,
    canonical_url,
    normalise_url,
    request_url,
    resolve_link,
    site_of,
)
from scraper.errors import InputError


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("HTTPS://Example.COM/News/Story", "https://example.com/News/Story"),
        ("http://example.com:80/a", "http://example.com/a"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("https://example.com:8443/a", "https://example.com:8443/a"),
        ("https://example.com/a#comments", "https://example.com/a"),
        ("https://example.com/a/", "https://example.com/a"),
        ("https://example.com", "https://example.com/"),
        ("https://example.com/", "https://example.com/"),
        ("https://example.com/a?utm_source=tw&utm_medium=social", "https://example.com/a"),
        ("https://example.com/a?fbclid=XYZ&id=3", "https://example.com/a?id=3"),
        ("https://example.com/a?gclid=1&b=2&a=1", "https://example.com/a?a=1&b=2"),
        ("https://example.com/a?ref=rss&mc_cid=4&_ga=2.1", "https://example.com/a"),
        ("https://example.com/a?xtor=RSS-3208&id=3", "https://example.com/a?id=3"),
        ("https://example.com/a?CMP=share_btn_tw", "https://example.com/a"),
        (
            "https://example.com/a?WT.mc_id=tw&ns_mchannel=rss&ns_source=PublicRSS20",
            "https://example.com/a",
        ),
        ("https://example.com/a?gaa_at=eafs&gaa_n=AW&gaa_ts=1&gaa_sig=x", "https://example.com/a"),
        (
            "https://example.com/a?partner=rss&emc=rss&smid=tw&smtyp=cur",
            "https://example.com/a?partner=rss",
        ),
        ("https://example.com/a?itid=hp-top&intcmp=hpbt1&lmd_medium=al", "https://example.com/a"),
        ("https://example.com/a?guccounter=1&guce_referrer=aHR0&taid=5", "https://example.com/a"),
        ("https://example.com/news/story?_amp=true", "https://example.com/news/story"),
        (
            "https://example.com/a?mod=rss_Top&s=09&cid=7&src=rss",
            "https://example.com/a?cid=7&mod=rss_Top&s=09&src=rss",
        ),
        ("https://example.com/news/story/amp", "https://example.com/news/story"),
        ("https://example.com/news/story/amp/", "https://example.com/news/story"),
        ("https://example.com/amp/news/story", "https://example.com/news/story"),
        ("https://example.com/news/story.amp", "https://example.com/news/story"),
        ("https://example.com/news/story.amp.html", "https://example.com/news/story.html"),
        ("https://example.com/news/story?amp=1", "https://example.com/news/story"),
        ("https://example.com/news/story?outputType=amp", "https://example.com/news/story"),
        ("https://example.com/a/./b/../c", "https://example.com/a/c"),
        ("https://example.com/caf%c3%a9", "https://example.com/caf%C3%A9"),
        ("https://example.com/caf%7Eb%41", "https://example.com/caf~bA"),
        ("https://example.com/café", "https://example.com/caf%C3%A9"),
        ("  https://example.com/a  ", "https://example.com/a"),
        (
            "https://example-com.cdn.ampproject.org/c/s/example.com/news/story/amp",
            "https://example.com/news/story",
        ),
        ("https://example.com/ampersand-story", "https://example.com/ampersand-story"),
        ("https://example.com/a//b/", "https://example.com/a/b"),
        ("https://example.com/a/.hidden/", "https://example.com/a/.hidden"),
        ("https://example.com/a%20b/c d", "https://example.com/a%20b/c%20d"),
        ("https://u@Example.com:8080/x/?", "https://example.com:8080/x"),
        ("https://u:secret@example.com/x", "https://example.com/x"),
        ("https://example.com/x?utm_medium=a#f", "https://example.com/x"),
    ],
)
def test_normalise_url(raw: str, expected: str) -> None:
    assert normalise_url(raw) == expected


def test_normalise_url_is_idempotent() -> None:
    once = normalise_url("HTTP://WWW.Example.com:80/x/amp/?utm_campaign=a&z=1&b=2#top")
    assert normalise_url(once) == once
    assert once == "http://www.example.com/x?b=2&z=1"


@pytest.mark.parametrize("bad", ["", "example.com/a", "ftp://example.com/a", "/relative/path"])
def test_normalise_url_rejects_non_http(bad: str) -> None:
    with pytest.raises(InputError):
        normalise_url(bad)


@pytest.mark.parametrize(
    "bad",
    [
        "http://./a",  # a host of dots only was normalised to "http:///a"
        "https://.../",
        "https://news.test/a\ud83d",  # half an emoji: quote() raised UnicodeEncodeError
        "https://news.test/?q=\udcff&a=b",
        # Hosts and a port the fetcher refuses: queued, they failed on every run.
        "https://exa mple.test/rss",
        'https://a"b.test/x',
        "https://a<b.test/",
        "https://news.test:0/rss",
    ],
)
def test_urls_no_request_can_send_are_input_errors(bad: str) -> None:
    for read in (normalise_url, request_url):
        with pytest.raises(InputError):
            read(bad)


def test_canonical_same_site_wins() -> None:
    url = "https://www.example.com/news/story?utm_source=x"
    assert canonical_url(url, "/news/the-story") == "https://www.example.com/news/the-story"
    assert canonical_url(url, "https://example.com/news/s") == "https://example.com/news/s"
    assert canonical_url(url, "https://m.example.com/news/s") == "https://m.example.com/news/s"


def test_canonical_ignored_when_cross_site_home_or_invalid() -> None:
    url = "https://www.example.com/news/story"
    assert canonical_url(url, "https://wire.example.org/story") == url
    assert canonical_url(url, "https://www.example.com/") == url
    assert canonical_url(url, "mailto:x@example.com") == url
    assert canonical_url(url, None) == url
    assert canonical_url(url, "  ") == url


def test_canonical_ignored_when_it_names_many_articles() -> None:
    # Template bugs: the section above the page, or the path without the article's query.
    assert canonical_url(URL_IN_SECTION, "/politics/") == URL_IN_SECTION
    assert canonical_url(URL_IN_SECTION, "https://paper.example/politics") == URL_IN_SECTION
    by_id = "https://oldcms.example/article.php?id=7"
    assert canonical_url(by_id, "/article.php") == by_id
    # The same path with a query of its own, a sibling or a page deeper in are identities.
    assert canonical_url(by_id, "/article.php?id=7&page=1") == by_id + "&page=1"
    sibling = "https://paper.example/politics/story-one-long-title"
    assert canonical_url(URL_IN_SECTION, sibling) == sibling
    deeper = "https://paper.example/politics/story-1/full"
    assert canonical_url(URL_IN_SECTION, deeper) == deeper


URL_IN_SECTION = "https://paper.example/politics/story-1"


def test_site_of() -> None:
    assert site_of("https://www.example.com/a") == "example.com"
    assert site_of("https://amp.example.co.uk/a") == "example.co.uk"
    assert site_of("https://m.example.com/a") == "example.com"
    assert site_of("https://news.example.com/a") == "news.example.com"
    assert site_of("not a url") == ""


@pytest.mark.parametrize(
    "link",
    [
        "https://news.example/a/1.html?utm_source=rss#top",
        "http://news.example/a/../b/2.html?",
        "/world/3.html",
        "../4.html",
        "//cdn.example/5.html",
        "HTTPS://News.Example/6.html",
    ],
)
def test_resolve_link_normalises_as_urljoin_does(link: str) -> None:
    base = "https://news.example/feeds/rss.xml"
    resolved = resolve_link(base, link)
    assert resolved.startswith(("http://", "https://", "HTTPS://"))
    assert normalise_url(resolved) == normalise_url(urljoin(base, link))


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com",
        " HTTPS://WWW.Example.COM:0443/a/../B/?q=1&utm_source=x#frag?x ",
        "http://127.0.0.1:8080/a/7.html",
        "https://example.com.:080?only=query",
        "http://a.example#f#g",
        "http://a.example/p%20q/é?ä=1",
        "http://user@a.example/x",
        "http://[::1]:8080/x",
        "http://a.example:/x",
        "http://a.example/a b",
    ],
)
def test_urls_are_split_as_urlsplit_splits_them(url: str) -> None:
    # Plain URLs are read with one regex match, the others by urlsplit: the same parts.
    parts = urlsplit(url.strip())
    expected = (parts.scheme.lower(), parts.hostname, parts.port)
    assert _split(url) == (*expected, parts.path, parts.query)


@pytest.mark.parametrize("url", ["http://a.example:65536/", "http://a.example:8a/", "ftp://a/"])
def test_bad_ports_and_schemes_are_refused(url: str) -> None:
    with pytest.raises(InputError):
        normalise_url(url)


_LONG = "a" * 100_000


@pytest.mark.parametrize(
    "url",
    [
        f"https://exa mple.test/{_LONG}",  # no request can name the host
        f"https://[::1/{_LONG}",  # malformed (urlsplit)
        f"ftp://a.test/{_LONG}",  # not http(s)
        f"https://news.test:99999/{_LONG}",  # no port to send to
        f"https://news.test/{_LONG}\ud800",  # a lone surrogate
        f"https://\u2603.test/{_LONG}",  # no IDNA form
        f"https://.../{_LONG}",  # a host of dots
    ],
    ids=["host", "malformed", "scheme", "port", "surrogate", "idna", "dots"],
)
def test_a_refused_url_is_quoted_short_in_its_message(url: str) -> None:
    # Quoted whole, a 100,000-character URL made `extract --url`'s usage error and a crawl's
    # recorded entry error 100 KB long (errors.shorten quotes 200 characters).
    with pytest.raises(InputError) as caught:
        normalise_url(url)
    assert len(str(caught.value)) < 400, str(caught.value)[:300]
    assert url[:100] in str(caught.value)


def test_a_refused_url_is_quoted_without_its_password() -> None:
    with pytest.raises(InputError) as caught:
        normalise_url("https://ann:s3cret@exa mple.test/x")
    assert "s3cret" not in str(caught.value)
