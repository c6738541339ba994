"""Crawl config: a full TOML file is read into typed values; every mistake names its key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from scraper.cli.app import app
from scraper.config import HostLimit, SourceKind, default_workers, load_config, parse_config
from scraper.errors import ConfigError

FULL = """
store = "data/news.db"
workers = 3
max_age_days = 2
allow_networks = ["127.0.0.0/8"]

[politeness]
min_interval = 0.5
per_host = 3
concurrency = 10
contact = "https://example.org/contact"

[retry]
max_attempts = 4
backoff = 60

[hosts."slow.example.com"]
min_interval = 5
per_host = 1

[sites."example.com"]
keep = ["article .body"]
drop = [".newsletter", ".related"]

[export]
format = "csv"
path = "out/new.csv"

[[source]]
name = "example-feed"
feed = "https://example.com/rss.xml"
max_age_days = 1
min_interval = 3

[[source]]
sitemap = ["https://example.com/robots.txt", "https://example.com/news-sitemap.xml"]

[[source]]
name = "world"
section = "https://example.com/world/"
follow = ['^https://example\\.com/world/\\d{4}/']

[[source]]
name = "picked"
urls = ["https://example.com/a", "https://example.com/b"]
"""


def test_full_config_is_read(tmp_path: Path) -> None:
    path = tmp_path / "crawl.toml"
    path.write_text(FULL, encoding="utf-8")
    config = load_config(path)
    assert config.store == tmp_path / "data" / "news.db"
    assert config.workers == 3
    assert config.max_age_days == 2.0
    assert config.politeness.per_host == 3
    assert config.politeness.min_interval == 0.5
    assert config.retry.max_attempts == 4
    assert config.retry.backoff == 60.0
    assert config.export is not None
    assert config.export.format == "csv"
    assert config.export.path == tmp_path / "out" / "new.csv"
    kinds = [s.kind for s in config.sources]
    assert kinds == [SourceKind.FEED, SourceKind.SITEMAP, SourceKind.SECTION, SourceKind.URLS]
    assert config.sources[0].max_age_days == 1.0
    assert config.sources[1].name == "example.com/robots.txt"  # named after its first URL
    assert len(config.sources[1].urls) == 2
    assert config.sources[2].follow == (r"^https://example\.com/world/\d{4}/",)
    assert config.hosts["slow.example.com"].min_interval == 5.0
    assert config.hosts["slow.example.com"].per_host == 1
    # A source's own pace, for the hosts of its URLs (applied as the run lists them).
    assert config.sources[0].limit == HostLimit(min_interval=3.0, per_host=3)  # [politeness]'s
    assert config.sources[1].limit is None
    assert set(config.hosts) == {"slow.example.com"}
    rules = config.rules_for("https://www.example.com/world/2026/x")
    assert rules.drop == (".newsletter", ".related")
    assert config.rules_for("https://other.org/").keep == ()


def _base(**extra: Any) -> dict[str, Any]:
    return {"store": "x.db", "source": [{"feed": "https://a.test/feed"}], **extra}


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"source": [{"feed": "https://a.test/f"}]}, "store"),
        (_base(source=[]), "source"),
        (_base(bogus=1), "bogus"),
        (_base(politeness={"per_host": 0}), "politeness.per_host"),
        (_base(politeness={"min_interval": "fast"}), "politeness.min_interval"),
        (_base(politeness={"respect_robots": "yes"}), "politeness.respect_robots"),
        (_base(retry={"max_attempts": 1.5}), "retry.max_attempts"),
        (_base(source=[{"feed": "ftp://a.test/f"}]), "source[0].feed"),
        (_base(source=[{"feed": "http://[::1/f"}]), "source[0].feed"),
        (
            _base(source=[{"urls": ["https://a.test/x", "https://a.test:99999/y"]}]),
            "source[0].urls[1]",
        ),
        (_base(source=[{"sitemap": "https://a.test:xml/s"}]), "source[0].sitemap"),
        (_base(source=[{"feed": "https://☃.test/f"}]), "source[0].feed"),
        (_base(source=[{"feed": "https://a.test/f", "sitemap": "https://a.test/s"}]), "source[0]"),
        (_base(source=[{"section": "https://a.test/"}]), "source[0].follow"),
        (_base(source=[{"section": "https://a.test/", "follow": ["("]}]), "source[0].follow[0]"),
        (_base(source=[{"feed": "https://a.test/f", "follow": ["x"]}]), "source[0].follow"),
        (_base(source=[{"feed": "https://a.test/f", "colour": 1}]), "source[0].colour"),
        (
            _base(
                source=[
                    {"name": "a", "feed": "https://a.test/f"},
                    {"name": "a", "urls": "https://a.test/x"},
                ]
            ),
            "source[1].name",
        ),
        (_base(sites={"a.test": {"keep": "main", "extra": 1}}), "sites.a.test.extra"),
        (_base(sites={"a.test": {"drop": [1]}}), "sites.a.test.drop"),
        (_base(sites={"a.test": {"keep": "div[[["}}), "sites.a.test.keep[0]"),
        (_base(sites={"a.test": {"drop": [".ad", "p,"]}}), "sites.a.test.drop[1]"),
        (_base(hosts={"a.test": {"per_host": 0}}), "hosts.a.test.per_host"),
        (_base(hosts={"a.test": {"delay": 1}}), "hosts.a.test.delay"),
        (_base(hosts={"a.test:8o80": {"per_host": 1}}), "hosts.a.test:8o80"),
        (_base(hosts={"a.test:99999": {"per_host": 1}}), "hosts.a.test:99999"),
        (_base(sites={":8080": {"drop": [".ad"]}}), "sites.:8080"),
        (_base(hosts={"a b": {"per_host": 1}}), "hosts.a b"),
        (_base(sites={"a.test/world": {"drop": [".ad"]}}), "sites.a.test/world"),
        (_base(hosts={"a.test": {"per_host": 1}, "A.Test": {"per_host": 4}}), "hosts.A.Test"),
        (_base(sites={"bücher.test": {}, "xn--bcher-kva.test": {}}), "sites.xn--bcher-kva.test"),
        (_base(source=[{"feed": "https://a.test/f", "per_host": 0}]), "source[0].per_host"),
        (_base(export={"format": "xml"}), "export.format"),
        (_base(store="~no-such-user-of-this-machine/news.db"), "store"),
        (_base(export={"path": "~no-such-user-of-this-machine/new.jsonl"}), "export.path"),
        (_base(workers=-1), "workers"),
        (_base(max_age_days=0), "max_age_days"),
        (
            _base(source=[{"feed": "https://a.test/f", "max_age_days": 0.0}]),
            "source[0].max_age_days",
        ),
        (_base(allow_networks=["127.0.0.0/8", "localhost"]), "allow_networks[1]"),
        (_base(allow_networks="10.0.0.0/33"), "allow_networks[0]"),
        (_base(politeness={"contact": "bot@\u00e9xample.org"}), "politeness.contact"),
        (_base(politeness={"user_agent": "bot/1\r\nX-Evil: 1"}), "politeness.user_agent"),
        # Past any real need: a task each, started before the first request.
        (_base(politeness={"concurrency": 9223372036854775807}), "politeness.concurrency"),
        (_base(politeness={"per_host": 10_001}), "politeness.per_host"),
        (_base(hosts={"a.test": {"per_host": 10**9}}), "hosts.a.test.per_host"),
        # No number the kernel takes as a memory limit: every worker died at start.
        (_base(extract_memory_mb=99999999999999999), "extract_memory_mb"),
        # Retry times past year 9999, which status could not show.
        (_base(retry={"backoff": 1e300}), "retry.backoff"),
        (_base(retry={"max_attempts": 10**6}), "retry.max_attempts"),
        # Hosts and ports the fetcher refuses: the source failed on every run.
        (_base(source=[{"feed": "https://exa mple.test/rss"}]), "source[0].feed"),
        (_base(source=[{"feed": "https://news.test:0/rss"}]), "source[0].feed"),
        (_base(source=[{"feed": 'https://a"b.test/rss'}]), "source[0].feed"),
        (_base(source=[{"sitemap": "https://a<b.test/s.xml"}]), "source[0].sitemap"),
    ],
)
def test_invalid_config_names_the_key(data: dict[str, Any], key: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(data)
    assert info.value.key == key
    assert str(info.value).startswith(key + ": ")


def test_a_refused_url_is_shown_without_its_password() -> None:
    with pytest.raises(ConfigError) as raised:
        parse_config(_base(source=[{"feed": "https://reader:s3cret@a.test:99999/f"}]))
    assert "s3cret" not in str(raised.value)
    assert "https://reader:***@a.test:99999/f" in str(raised.value)


def test_a_source_without_a_name_is_not_named_after_its_url_s_password() -> None:
    # The name went into the store, status, the logs and every exported row.
    config = parse_config(
        _base(source=[{"feed": "https://reader:s3cret@a.test:8443/private/feed.xml"}])
    )
    assert config.sources[0].name == "a.test:8443/private/feed.xml"


def test_two_sources_named_after_one_url_are_told_to_take_names() -> None:
    feeds = [{"feed": "https://a.test/rss?cat=world"}, {"feed": "https://a.test/rss?cat=sport"}]
    with pytest.raises(ConfigError, match=r"named after its first URL.*give it a name"):
        parse_config(_base(source=feeds))


def test_a_config_saved_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    path = tmp_path / "crawl.toml"
    path.write_bytes(b"\xef\xbb\xbf" + FULL.encode("utf-8"))
    assert load_config(path).store == tmp_path / "data" / "news.db"


def test_unreadable_and_invalid_toml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "missing.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("store = \n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(broken)


@pytest.mark.parametrize(("cpus", "workers"), [(1, 1), (2, 1), (4, 3), (16, 15)])
def test_workers_default_leaves_a_cpu_to_the_crawl_process(
    monkeypatch: pytest.MonkeyPatch, cpus: int, workers: int
) -> None:
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: set(range(cpus)), raising=False)
    assert default_workers() == workers
    assert parse_config(_base()).workers == workers
    assert parse_config(_base(workers=0)).workers == 0  # said: kept


def test_unicode_host_keys_are_read_in_the_form_urls_and_requests_use() -> None:
    config = parse_config(
        {
            "store": "c.db",
            "hosts": {"Bücher.example:8080": {"min_interval": 2.0}},
            "sites": {"bücher.example": {"drop": [".promo"]}},
            "source": [{"urls": ["https://bücher.example/a"]}],
        }
    )
    assert list(config.hosts) == ["xn--bcher-kva.example:8080"]
    # Article URLs are keyed with the punycode host: the Unicode-spelled rules apply to them.
    assert config.rules_for("https://xn--bcher-kva.example/a").drop == (".promo",)
    with pytest.raises(ConfigError) as raised:
        parse_config(
            {"store": "c.db", "sites": {"☃.example": {}}, "source": [{"urls": ["https://e.com/a"]}]}
        )
    assert raised.value.key == "sites.☃.example"


@pytest.mark.parametrize("key", ["max_run_seconds", "extract_timeout", "history_days"])
@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_numbers_that_are_not_finite_are_refused_by_key(key: str, value: float) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_config({"store": "c.db", key: value, "source": [{"urls": ["https://e.com/a"]}]})
    assert raised.value.key == key


@pytest.mark.parametrize(
    ("setting", "said"),
    [
        (
            '[sites."a.test"]\nkeep = ["div[[["]',
            "sites.a.test.keep[0]: not a CSS selector: 'div[[['",
        ),
        ('allow_networks = ["loopback"]', "allow_networks[0]: not a network"),
    ],
)
def test_a_config_error_found_by_a_crawl_is_exit_2_before_any_file_is_made(
    tmp_path: Path, setting: str, said: str
) -> None:
    path = tmp_path / "news.toml"
    path.write_text(
        f'store = "news.db"\n{setting}\n[[source]]\nfeed = "http://127.0.0.1:9/feed.xml"\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["crawl", str(path)])
    assert result.exit_code == 2
    assert f"config error: {said}" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["news.toml"]


def test_status_retry_and_crawl_say_a_config_error_alike(tmp_path: Path) -> None:
    path = tmp_path / "news.toml"
    path.write_text(
        'store = "news.db"\nworkres = 2\n[[source]]\nfeed = "https://a.test/f"\n', "utf-8"
    )
    for command in ("crawl", "status", "retry"):
        result = CliRunner().invoke(app, [command, str(path)])
        assert result.exit_code == 2, command
        assert result.stderr.startswith("scraper: config error: workres: unknown key"), command


def test_a_path_starting_with_a_tilde_is_under_the_home_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As a shell reads it: taken as a name, "~" made a folder of that name beside the config.
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    config = parse_config(_base(store="~/news/crawl.db", export={"path": "~/out/new.jsonl"}))
    assert config.store == tmp_path / "home" / "news" / "crawl.db"
    assert (
        config.export is not None and config.export.path == tmp_path / "home" / "out" / "new.jsonl"
    )


@pytest.mark.parametrize("store", ["~/news/crawl.db", "~"])
def test_a_tilde_with_an_empty_home_is_an_error_not_the_root_folder(
    monkeypatch: pytest.MonkeyPatch, store: str
) -> None:
    # A stripped cron environment: "~/news/crawl.db" became "/news/crawl.db".
    monkeypatch.setenv("HOME", "")
    with pytest.raises(ConfigError, match="HOME is empty; write the full path") as raised:
        parse_config(_base(store=store))
    assert raised.value.key == "store"


def test_site_rules_keyed_with_a_port_apply_to_that_port_only() -> None:
    # The key is accepted as `name:port` (as for [hosts]); it used to be kept and never matched.
    config = parse_config(
        {
            "store": "c.db",
            "sites": {
                "127.0.0.1:8080": {"drop": [".local"]},
                "example.com:8443": {"drop": [".port"]},
                "example.com": {"drop": [".any"]},
                "[::1]:8081": {"drop": [".v6"]},
            },
            "source": [{"urls": ["http://127.0.0.1:8080/a"]}],
        }
    )
    assert config.rules_for("http://127.0.0.1:8080/a").drop == (".local",)
    assert config.rules_for("http://127.0.0.1:9090/a").drop == ()
    assert config.rules_for("https://www.example.com:8443/a").drop == (".port",)
    assert config.rules_for("https://example.com/a").drop == (".any",)
    assert config.rules_for("https://example.com:9443/a").drop == (".any",)
    assert config.rules_for("http://[::1]:8081/a").drop == (".v6",)
