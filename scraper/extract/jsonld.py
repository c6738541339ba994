"""schema.org JSON-LD: every typed object of a page, and the one that describes its article."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Final

from selectolax.lexbor import LexborNode

from scraper.extract.metadata_patterns import ARTICLE_TYPES, PAGE_TYPES
from scraper.surrogates import without_surrogates

__all__ = ["JsonLd", "as_texts", "read_jsonld", "type_names"]

_ARTICLE_RANK = {name: rank for rank, name in enumerate(ARTICLE_TYPES)}
_PAGE_RANK = {name: rank for rank, name in enumerate(PAGE_TYPES)}
# Deeper nesting than this is no article description (and would exhaust the stack).
_MAX_DEPTH = 4
_NESTED_KEYS = ("@graph", "mainEntity", "mainEntityOfPage", "itemListElement", "hasPart")
#: The JSON escape of a UTF-16 surrogate, half of a character: the only way a lone one gets in.
_SURROGATE_ESCAPE: Final = re.compile(r"\\u[dD][89a-fA-F]")


@dataclass(frozen=True, slots=True)
class JsonLd:
    """The typed objects of a page's JSON-LD, with the article object and page object picked."""

    nodes: tuple[dict[str, Any], ...] = ()
    article: dict[str, Any] | None = None
    page: dict[str, Any] | None = None
    #: The nodes of each string @id, in page order, made from ``nodes``: a page may refer to
    #: thousands of nodes (every author of a long list), and a scan of all nodes per reference
    #: is quadratic.
    by_id: dict[str, list[dict[str, Any]]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_id: dict[str, list[dict[str, Any]]] = {}
        for node in self.nodes:
            name = node.get("@id")
            if isinstance(name, str):
                by_id.setdefault(name, []).append(node)
        # The setattr of a frozen dataclass's own __post_init__.
        object.__setattr__(self, "by_id", by_id)

    def resolve(self, value: Any) -> Any:
        """``value`` with a bare {"@id": ...} reference replaced by the node it names."""
        if isinstance(value, dict) and set(value) <= {"@id", "@type"} and "@id" in value:
            name = value["@id"]
            for node in self.by_id.get(name, ()) if isinstance(name, str) else ():
                if len(node) > len(value):
                    return node
        return value

    def of_type(self, names: Iterable[str]) -> Iterator[dict[str, Any]]:
        """Nodes whose @type is one of ``names`` (lower-cased)."""
        wanted = set(names)
        return (node for node in self.nodes if wanted & set(type_names(node)))


def type_names(node: dict[str, Any]) -> list[str]:
    """The node's @type values, lower-cased, without a schema.org prefix."""
    raw = node.get("@type")
    values = raw if isinstance(raw, list) else [raw]
    return [v.rsplit("/", 1)[-1].lower() for v in values if isinstance(v, str)]


def as_texts(value: Any, depth: int = 0) -> list[str]:
    """Strings held by a JSON-LD value: a string, a list, or objects with a name/url/@value."""
    if isinstance(value, str):
        return [value.strip()] if value.strip() else []
    if depth > _MAX_DEPTH:
        return []
    if isinstance(value, list):
        return [text for item in value for text in as_texts(item, depth + 1)]
    if isinstance(value, dict):
        for key in ("name", "url", "@value", "contentUrl"):
            if key in value:
                return as_texts(value[key], depth + 1)
    return []


def _load(text: str) -> Any:
    text = text.strip()
    if not text:
        return None
    try:
        return _parsed(text)
    except (ValueError, RecursionError):  # see below
        pass
    # CMS templates often leave a trailing semicolon or wrap the object in an HTML comment.
    cleaned = text.strip(";").removeprefix("<!--").removesuffix("-->").strip().strip(";")
    try:
        return _parsed(cleaned)
    except (ValueError, RecursionError):
        # A malformed block is the page's fault, not the caller's: the other sources still apply.
        # ValueError, not only json's subclass of it: a number of thousands of digits is valid
        # JSON that Python refuses to read into an int.
        return None


def _parsed(text: str) -> Any:
    value = json.loads(text, strict=False)
    if _SURROGATE_ESCAPE.search(text) is None:
        return value
    # A CMS that cut a string inside an emoji left half of it, which json reads into a lone
    # surrogate no UTF-8 writer or SQLite takes: each becomes U+FFFD, as a browser shows it.
    # (A pair that makes a whole character was joined by json and is left alone.)
    return json.loads(without_surrogates(json.dumps(value, ensure_ascii=False)), strict=False)


def _walk(value: Any, out: list[dict[str, Any]], depth: int = 0) -> None:
    if depth > _MAX_DEPTH:
        return
    if isinstance(value, list):
        for item in value:
            _walk(item, out, depth + 1)
        return
    if not isinstance(value, dict):
        return
    if "@type" in value:
        out.append(value)
    for key in _NESTED_KEYS:
        if key in value:
            _walk(value[key], out, depth + 1)


def _article_score(node: dict[str, Any]) -> tuple[int, int]:
    rank = min((_ARTICLE_RANK[t] for t in type_names(node) if t in _ARTICLE_RANK), default=99)
    filled = sum(
        1 for key in ("headline", "datePublished", "author", "articleBody") if node.get(key)
    )
    return (-filled, rank)


def read_jsonld(scripts: Iterable[LexborNode]) -> JsonLd:
    """Every typed object in the page's JSON-LD scripts, the article node and the page node."""
    nodes: list[dict[str, Any]] = []
    for script in scripts:
        _walk(_load(script.text(deep=True)), nodes)
    articles = [n for n in nodes if any(t in _ARTICLE_RANK for t in type_names(n))]
    pages = [n for n in nodes if any(t in _PAGE_RANK for t in type_names(n))]
    return JsonLd(
        nodes=tuple(nodes),
        article=min(articles, key=_article_score) if articles else None,
        page=pages[0] if pages else None,
    )
