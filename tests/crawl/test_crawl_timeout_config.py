"""The extraction time limit in the crawl config: read, defaulted, and checked by key."""

from __future__ import annotations

from typing import Any

import pytest

from scraper.config import parse_config
from scraper.errors import ConfigError


def _config(**top: object) -> dict[str, Any]:
    return {"store": "c.db", "source": [{"feed": "https://example.com/rss.xml"}], **top}


def test_extract_timeout_is_read_and_defaults_to_a_minute() -> None:
    assert parse_config(_config()).extract_timeout == 60.0
    assert parse_config(_config(extract_timeout=5)).extract_timeout == 5.0
    assert parse_config(_config(extract_timeout=0.5)).extract_timeout == 0.5


@pytest.mark.parametrize("value", [0, 0.05, -1, "60", True])
def test_a_bad_extract_timeout_names_the_key(value: object) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(_config(extract_timeout=value))
    assert caught.value.key == "extract_timeout"
