"""Crawl config: hostile TOML (huge numbers, deep nesting, NUL bytes, pathological patterns)
is refused with a ConfigError naming its key, never another exception or a huge message."""

from __future__ import annotations

from pathlib import Path

import pytest

import scraper.config
from scraper.config import load_config, parse_config
from scraper.errors import ConfigError

SOURCE = '[[source]]\nfeed = "https://a.example/f"\n'
#: Longer than any message about one value should be: the repr of a whole wrong value made
#: messages as long as the value.
SHORT_MESSAGE = 300


def _refused(tmp_path: Path, toml: str) -> ConfigError:
    path = tmp_path / "crawl.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    return raised.value


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ("history_days = 1{zeros}", "history_days"),
        ("extract_timeout = -1{zeros}", "extract_timeout"),
        ("[retry]\nbackoff = 1{zeros}", "retry.backoff"),
        ("[politeness]\nmin_interval = 1{zeros}", "politeness.min_interval"),
    ],
    ids=["history_days", "extract_timeout", "retry.backoff", "politeness.min_interval"],
)
def test_an_integer_too_large_for_a_float_is_refused_by_key(
    tmp_path: Path, line: str, key: str
) -> None:
    error = _refused(tmp_path, f'store = "x.db"\n{line.format(zeros="0" * 400)}\n{SOURCE}')
    assert error.key == key
    assert "finite number" in error.detail
    assert len(str(error)) < SHORT_MESSAGE


def test_an_integer_past_python_s_digit_limit_is_not_toml_we_can_read(tmp_path: Path) -> None:
    error = _refused(tmp_path, f'store = "x.db"\nworkers = 1{"0" * 5000}\n{SOURCE}')
    assert "too many digits" in str(error)


@pytest.mark.parametrize(
    "value",
    [
        "[" * 2000 + "]" * 2000,
        "{a = " * 2000 + "1" + "}" * 2000,
    ],
    ids=["arrays", "inline-tables"],
)
def test_toml_nested_too_deeply_is_a_config_error(tmp_path: Path, value: str) -> None:
    error = _refused(tmp_path, f'store = "x.db"\nx = {value}\n{SOURCE}')
    assert "nested too deeply" in str(error)


@pytest.mark.parametrize("raw", ["~\\u0000/x.db", "x\\u0000.db"], ids=["home", "relative"])
def test_a_store_path_holding_a_nul_is_refused_by_key(tmp_path: Path, raw: str) -> None:
    error = _refused(tmp_path, f'store = "{raw}"\n{SOURCE}')
    assert error.key == "store"
    assert "NUL" in error.detail


def test_an_export_path_holding_a_nul_is_refused_by_key(tmp_path: Path) -> None:
    toml = f'store = "x.db"\n{SOURCE}[export]\npath = "~\\u0000/out.jsonl"\n'
    error = _refused(tmp_path, toml)
    assert error.key == "export.path"


@pytest.mark.parametrize(
    ("pattern", "why"),
    [
        ("a{4294967296}", "too large"),
        ("(" * 1000 + ")" * 1000, "nested too deeply"),
    ],
    ids=["repeat-count", "nested-groups"],
)
def test_a_pattern_past_the_regex_compiler_s_limits_is_refused_by_key(
    tmp_path: Path, pattern: str, why: str
) -> None:
    toml = (
        'store = "x.db"\n[[source]]\nsection = "https://a.example/"\n'
        f"follow = ['^https://a\\.example/', '{pattern}']\n"
    )
    error = _refused(tmp_path, toml)
    assert error.key == "source[0].follow[1]"
    assert why in error.detail


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("store", "a non-empty string"),
        ("history_days", "a number"),
        ("workers", "an integer"),
        ("refetch_updated", "true or false"),
    ],
)
def test_a_deeply_nested_table_of_the_wrong_type_is_refused_by_key(
    tmp_path: Path, key: str, expected: str
) -> None:
    # Dotted table headers nest without recursion in tomllib, so any depth reaches the config.
    store = "" if key == "store" else 'store = "x.db"\n'
    toml = f"{store}{SOURCE}[{key}{'.a' * 1200}]\n"
    error = _refused(tmp_path, toml)
    assert error.key == key
    assert expected in error.detail
    assert len(str(error)) < SHORT_MESSAGE


def test_a_deeply_nested_value_handed_to_parse_config_is_refused_by_key() -> None:
    deep: dict[str, object] = {}
    inner = deep
    for _ in range(5000):
        nested: dict[str, object] = {}
        inner["a"] = nested
        inner = nested
    data = {"store": "x.db", "workers": deep, "source": [{"feed": "https://a.example/f"}]}
    with pytest.raises(ConfigError) as raised:
        parse_config(data)
    assert raised.value.key == "workers"


@pytest.mark.parametrize(
    ("line", "key"),
    [
        (f"workers = [{', '.join(['1'] * 5000)}]", "workers"),
        (f'store = "{" " * 5000}"', "store"),
        (f"[politeness]\nper_host = 1{'0' * 400}", "politeness.per_host"),
        (f'[politeness]\nuser_agent = "{"x" * 5000}\\u0007"', "politeness.user_agent"),
    ],
    ids=["long-list", "blank-string", "huge-integer", "long-header"],
)
def test_a_huge_wrong_value_makes_a_short_message(tmp_path: Path, line: str, key: str) -> None:
    store = "" if key == "store" else 'store = "x.db"\n'
    error = _refused(tmp_path, f"{store}{line}\n{SOURCE}")
    assert error.key == key
    assert len(str(error)) < SHORT_MESSAGE


@pytest.mark.parametrize(
    ("line", "key", "limit"),
    [
        ("workers = 1025", "workers", "1024"),
        (f"workers = 1{'0' * 400}", "workers", "1024"),
        ("[retry]\nper_request = 21", "retry.per_request", "20"),
    ],
    ids=["workers", "workers-400-digits", "retry.per_request"],
)
def test_counts_past_their_maximum_are_refused_by_key(
    tmp_path: Path, line: str, key: str, limit: str
) -> None:
    # Thousands of extraction processes, or a request tried without end, is a typo.
    error = _refused(tmp_path, f'store = "x.db"\n{line}\n{SOURCE}')
    assert error.key == key
    assert f"at most {limit}" in error.detail
    assert len(str(error)) < SHORT_MESSAGE


def test_counts_at_their_maximum_are_taken(tmp_path: Path) -> None:
    path = tmp_path / "crawl.toml"
    path.write_text(f'store = "x.db"\nworkers = 1024\n[retry]\nper_request = 20\n{SOURCE}')
    config = load_config(path)
    assert (config.workers, config.retry.per_request) == (1024, 20)


def test_a_config_longer_than_any_is_refused_before_it_is_read_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Read whole, /dev/zero (or a big file named by mistake) grew the process until a
    # MemoryError traceback. A small cap stands in for the real one (16 MiB).
    monkeypatch.setattr(scraper.config, "MAX_CONFIG_CHARS", 200)
    config = f'store = "x.db"\n{SOURCE}'
    path = tmp_path / "crawl.toml"
    path.write_text(config + "#" * (200 - len(config)), encoding="utf-8")
    assert load_config(path).store == tmp_path / "x.db"  # at the cap: read
    path.write_text(config + "#" * (201 - len(config)), encoding="utf-8")
    error = _refused_path(path)
    assert "longer than 200 characters" in str(error)


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_dev_zero_as_a_config_is_one_error() -> None:
    error = _refused_path(Path("/dev/zero"))
    assert f"longer than {scraper.config.MAX_CONFIG_CHARS:,} characters" in str(error)


def _refused_path(path: Path) -> ConfigError:
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    return raised.value
