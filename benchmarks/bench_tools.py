"""The extractors the benchmarks compare: scraper and whichever peers are installed.

Each tool is a callable ``(html, url) -> text``. Peers run with the settings the shared
evaluator (``../shared/bench/eval_extractors.py``) uses, so figures line up with it; peers are
imported by name at run time because none of them is a dependency of scraper.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from selectolax.lexbor import LexborHTMLParser

import scraper

__all__ = ["PEERS", "Tool", "available_tools", "make_tool"]

Extract = Callable[[str, str | None], str]
Meta = Callable[[str, str | None], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Tool:
    """A named extractor with the version of the package behind it."""

    name: str
    version: str
    run: Extract
    meta: Meta | None = None


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "?"


def _scraper() -> Tool:
    def run(html: str, url: str | None) -> str:
        return scraper.extract(html, url=url).text

    def meta(html: str, url: str | None) -> dict[str, Any]:
        article = scraper.extract(html, url=url)
        return {
            "title": article.title,
            "authors": list(article.authors),
            "published": article.published,
        }

    return Tool("scraper", _version("scraper"), run, meta)


def _trafilatura(fast: bool) -> Callable[[], Tool]:
    def factory() -> Tool:
        mod: Any = importlib.import_module("trafilatura")

        def run(html: str, url: str | None) -> str:
            return str(mod.extract(html, include_comments=False, fast=fast) or "")

        def meta(html: str, url: str | None) -> dict[str, Any]:
            found = mod.extract_metadata(html, default_url=url)
            return {"title": found.title, "authors": found.author, "published": found.date}

        name = "trafilatura_fast" if fast else "trafilatura"
        return Tool(name, _version("trafilatura"), run, meta)

    return factory


_BLOCK_TAGS = (
    "p, div, br, li, dt, dd, h1, h2, h3, h4, h5, h6, tr, td, th, blockquote, pre, section, "
    "article, main, figure, figcaption, table, ul, ol, dl, hr"
)


def _node_text(root: Any) -> str:
    """Text under ``root`` with a line break after every block (modifies the tree)."""
    for node in root.css(_BLOCK_TAGS):
        node.insert_after("\n")
    text = str(root.text(deep=True, separator=""))
    return re.sub(r"\s*\n\s*", "\n", re.sub(r"[ \t\r\f\v\xa0]+", " ", text)).strip()


def _html_to_text(fragment: str) -> str:
    """Text of an HTML fragment, one line per block (for readability's output)."""
    tree = LexborHTMLParser(fragment)
    return _node_text(tree.body) if tree.body is not None else ""


def _readability() -> Tool:
    mod: Any = importlib.import_module("readability")
    try:
        html_text: Any = importlib.import_module("html_text")
        to_text: Callable[[str], str] = html_text.extract_text
        suffix = ""
    except ImportError:
        # html_text is what the shared evaluator uses; without it a block-aware dump is close
        to_text, suffix = _html_to_text, " (+selectolax text)"

    def run(html: str, url: str | None) -> str:
        return to_text(mod.Document(html).summary(html_partial=True))

    return Tool("readability_lxml", _version("readability-lxml") + suffix, run)


def _resiliparse() -> Tool:
    h2t: Any = importlib.import_module("resiliparse.extract.html2text")
    parse: Any = importlib.import_module("resiliparse.parse.html")

    def run(html: str, url: str | None) -> str:
        tree = parse.HTMLTree.parse(html)
        return str(
            h2t.extract_plain_text(
                tree,
                preserve_formatting=True,
                main_content=True,
                list_bullets=False,
                comments=False,
                links=False,
                alt_texts=False,
            )
        )

    return Tool("resiliparse", _version("resiliparse"), run)


def _newspaper() -> Tool:
    mod: Any = importlib.import_module("newspaper")

    def run(html: str, url: str | None) -> str:
        return str(mod.article(url or "http://example.com/article", input_html=html).text or "")

    return Tool("newspaper4k", _version("newspaper4k"), run)


def _goose3() -> Tool:
    goose: Any = importlib.import_module("goose3").Goose()

    def run(html: str, url: str | None) -> str:
        return str(goose.extract(raw_html=html).cleaned_text or "")

    return Tool("goose3", _version("goose3"), run)


def _justext() -> Tool:
    mod: Any = importlib.import_module("justext")
    stoplist = mod.get_stoplist("English")

    def run(html: str, url: str | None) -> str:
        paragraphs = mod.justext(html, stoplist, 50, 200, 0.1, 0.2, 0.2, 200, True)
        return "\n".join(p.text for p in paragraphs if not p.is_boilerplate)

    return Tool("justext", _version("justext"), run)


def _selectolax_text() -> Tool:
    def run(html: str, url: str | None) -> str:
        tree = LexborHTMLParser(html)
        tree.strip_tags(["script", "style", "noscript", "template", "svg", "head", "iframe"])
        return _node_text(tree.body) if tree.body is not None else ""

    return Tool("selectolax_text", _version("selectolax"), run)


PEERS: dict[str, Callable[[], Tool]] = {
    "trafilatura": _trafilatura(False),
    "trafilatura_fast": _trafilatura(True),
    "readability_lxml": _readability,
    "resiliparse": _resiliparse,
    "newspaper4k": _newspaper,
    "goose3": _goose3,
    "justext": _justext,
    "selectolax_text": _selectolax_text,
}
_DEFAULT_PEERS = (
    "trafilatura",
    "readability_lxml",
    "resiliparse",
    "newspaper4k",
    "goose3",
    "justext",
)


def make_tool(name: str) -> Tool:
    """The tool called ``name``; raises ImportError when its package is not installed."""
    if name == "scraper":
        return _scraper()
    if name not in PEERS:
        raise KeyError(f"unknown tool {name!r}; known: scraper, {', '.join(PEERS)}")
    return PEERS[name]()


def available_tools(names: list[str] | None) -> tuple[list[Tool], list[str]]:
    """Tools by name (default: scraper and every installed peer) and the names not available."""
    wanted = names if names else ["scraper", *_DEFAULT_PEERS]
    tools: list[Tool] = []
    missing: list[str] = []
    for name in wanted:
        try:
            tools.append(make_tool(name))
        except ImportError:
            missing.append(name)
    return tools, missing
