"""Every fixture page in ``fixtures/`` against the expectations in its JSON sidecar.

Each ``fixtures/<name>.html`` is an invented article in the shape of a real template (see the
sidecar's ``template``; its ``content_type``, if any, is the one it was served with);
``fixtures/<name>.json`` says what a correct extraction holds: title,
authors, publication date, phrases that must appear exactly once (or exactly N times, for
legitimate repetition), phrases that must not appear at all (chrome, repeated ledes), and the
exact number of paragraph blocks. Phrases are compared with whitespace collapsed, so a
non-breaking space in a page matches a plain space in the sidecar.
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from scraper import Article, BlockKind, extract

# Cases the extractor does not pass yet: (fixture, aspect) -> what it gets wrong. Remove an
# entry once the extractor passes it (strict: a listed case that passes fails the run, so the
# list cannot go stale); the tests are not weakened for it.
KNOWN_FAILURES: dict[tuple[str, str], str] = {}

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
NAMES = sorted(p.stem for p in FIXTURES.glob("*.json"))
_TAG = re.compile(r"<[^>]+>")
# A self-closed script (an XHTML page's) has no content to hide.
# An XHTML page's CDATA section is text.
_CDATA = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.DOTALL)
_HIDDEN = re.compile(r"<(script|style)\b(?:[^>]*[^/>])?>.*?</\1>", re.IGNORECASE | re.DOTALL)


def _squash(text: str) -> str:
    return " ".join(text.split())


def _cases(aspect: str) -> list[Any]:
    out = []
    for name in NAMES:
        reason = KNOWN_FAILURES.get((name, aspect))
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        out.append(pytest.param(name, id=name, marks=marks))
    return out


def _sidecar(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text("utf-8"))
    return data


def _extract(name: str) -> Article:
    spec = _sidecar(name)
    page = (FIXTURES / f"{name}.html").read_bytes()
    return extract(page, url=spec["url"], content_type=spec.get("content_type"))


def _page_text(name: str) -> str:
    """The page's visible-ish text, decoded with the sidecar's encoding (tags stripped)."""
    encoding = _sidecar(name).get("encoding", "utf-8")
    raw = (FIXTURES / f"{name}.html").read_bytes().decode(encoding)
    shown = _CDATA.sub(r"\1", _HIDDEN.sub(" ", raw))
    return _squash(html.unescape(_TAG.sub(" ", shown)))


def test_there_are_enough_fixtures() -> None:
    assert len(NAMES) >= 8
    assert all((FIXTURES / f"{name}.html").is_file() for name in NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_sidecar_is_consistent_with_its_page(name: str) -> None:
    """A sidecar only tests something if its phrases are really on the page."""
    spec = _sidecar(name)
    page = _page_text(name)
    for phrase in [*spec["must_contain"], *spec.get("must_repeat", {})]:
        assert _squash(phrase) in page, f"{name}: {phrase!r} is not on the page"
    for phrase in spec["must_not_contain"]:
        if phrase != "\ufffd":
            assert _squash(phrase) in page, f"{name}: {phrase!r} is not on the page"
    datetime.fromisoformat(spec["published"])
    assert isinstance(spec["paragraphs"], int) and spec["paragraphs"] > 0


@pytest.mark.parametrize("name", _cases("body"))
def test_body_matches_sidecar(name: str) -> None:
    spec = _sidecar(name)
    article = _extract(name)
    text = _squash(article.text)
    problems: list[str] = []
    for phrase in spec["must_contain"]:
        found = text.count(_squash(phrase))
        if found != 1:
            problems.append(f"{phrase!r} found {found} times, expected once")
    for phrase, times in spec.get("must_repeat", {}).items():
        found = text.count(_squash(phrase))
        if found != times:
            problems.append(f"{phrase!r} found {found} times, expected {times}")
    problems += [f"chrome kept: {p!r}" for p in spec["must_not_contain"] if _squash(p) in text]
    kinds = Counter(block.kind for block in article.blocks)
    if kinds[BlockKind.PARAGRAPH] != spec["paragraphs"]:
        problems.append(f"{kinds[BlockKind.PARAGRAPH]} paragraphs, expected {spec['paragraphs']}")
    for kind, count in spec.get("block_counts", {}).items():
        if kinds[BlockKind(kind)] != count:
            problems.append(f"{kinds[BlockKind(kind)]} {kind} blocks, expected {count}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name", _cases("repeats"))
def test_body_has_no_repeated_paragraph_and_no_title_line(name: str) -> None:
    spec = _sidecar(name)
    article = _extract(name)
    paragraphs = [_squash(b.text) for b in article.blocks if b.kind is BlockKind.PARAGRAPH]
    repeated = [text for text, n in Counter(paragraphs).items() if n > 1]
    assert not repeated, f"paragraphs repeated: {repeated}"
    title = _squash(spec["title"]).casefold()
    assert all(_squash(b.text).casefold() != title for b in article.blocks), "title in the body"


@pytest.mark.parametrize("name", _cases("metadata"))
def test_metadata_matches_sidecar(name: str) -> None:
    spec = _sidecar(name)
    article = _extract(name)
    expected_published = datetime.fromisoformat(spec["published"])
    problems: list[str] = []
    if article.url != spec["url"]:
        problems.append(f"url {article.url!r}")
    if article.title != spec["title"]:
        problems.append(f"title {article.title!r}, expected {spec['title']!r}")
    if list(article.authors) != spec["authors"]:
        problems.append(f"authors {list(article.authors)!r}, expected {spec['authors']!r}")
    if article.published is None or article.published != expected_published:
        problems.append(f"published {article.published!r}, expected {spec['published']}")
    if "encoding" in spec and article.encoding != spec["encoding"]:
        problems.append(f"encoding {article.encoding!r}, expected {spec['encoding']!r}")
    if "language" in spec:
        primary = (article.language or "").split("-")[0].lower()
        if primary != spec["language"]:
            problems.append(f"language {article.language!r}, expected {spec['language']!r}")
    assert not problems, "\n".join(problems)
