"""Writers: Articles rendered as text, Markdown, JSON, JSON Lines or HTML."""

from __future__ import annotations

import enum
import html
import json
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import TextIO

from scraper.models import Article, Block, BlockKind

__all__ = ["OutputFormat", "render", "write_articles"]


class OutputFormat(enum.StrEnum):
    """The formats every command that prints articles understands."""

    TEXT = "text"
    MARKDOWN = "markdown"
    JSON = "json"
    JSONL = "jsonl"
    HTML = "html"


def _markdown_block(block: Block) -> str:
    if block.kind is BlockKind.HEADING:
        return f"{'#' * max(2, min(block.level or 2, 6))} {block.text}"
    if block.kind is BlockKind.LIST_ITEM:
        return f"- {block.text}"
    if block.kind is BlockKind.QUOTE:
        return "\n".join(f"> {line}" for line in block.text.splitlines())
    if block.kind is BlockKind.PREFORMATTED:
        return f"```\n{block.text}\n```"
    return block.text


def _markdown(article: Article) -> str:
    parts: list[str] = []
    if article.title:
        parts.append(f"# {article.title}")
    facts = [
        ", ".join(article.authors),
        article.published.date().isoformat() if article.published else "",
        article.url or "",
    ]
    if any(facts):
        parts.append(" · ".join(f for f in facts if f))
    parts.extend(_markdown_block(b) for b in article.blocks)
    return "\n\n".join(parts) + "\n"


_HTML_TAGS: Mapping[BlockKind, str] = MappingProxyType(
    {
        BlockKind.PARAGRAPH: "p",
        BlockKind.LIST_ITEM: "li",
        BlockKind.QUOTE: "blockquote",
        BlockKind.TABLE: "pre",
        BlockKind.PREFORMATTED: "pre",
    }
)


def _html(article: Article) -> str:
    out = ["<article>"]
    if article.title:
        out.append(f"<h1>{html.escape(article.title)}</h1>")
    for block in article.blocks:
        if block.kind is BlockKind.HEADING:
            tag = f"h{max(2, min(block.level or 2, 6))}"
        else:
            tag = _HTML_TAGS[block.kind]
        out.append(f"<{tag}>{html.escape(block.text)}</{tag}>")
    out.append("</article>")
    return "\n".join(out) + "\n"


def render(article: Article, fmt: OutputFormat) -> str:
    """One article in ``fmt``, ending with a newline."""
    if fmt is OutputFormat.TEXT:
        return article.text + "\n"
    if fmt is OutputFormat.MARKDOWN:
        return _markdown(article)
    if fmt is OutputFormat.HTML:
        return _html(article)
    if fmt is OutputFormat.JSON:
        return json.dumps(article.to_dict(), ensure_ascii=False, indent=2) + "\n"
    return json.dumps(article.to_dict(), ensure_ascii=False) + "\n"


def write_articles(articles: Iterable[Article], fmt: OutputFormat, stream: TextIO) -> None:
    """Write articles to ``stream``: JSON as one array, other formats one after another."""
    if fmt is OutputFormat.JSON:
        items = [a.to_dict() for a in articles]
        stream.write(json.dumps(items, ensure_ascii=False, indent=2) + "\n")
        return
    separator = "\n" if fmt in (OutputFormat.TEXT, OutputFormat.MARKDOWN) else ""
    for index, article in enumerate(articles):
        if index and separator:
            stream.write(separator)
        stream.write(render(article, fmt))
