"""Writers: Articles rendered as text, Markdown, JSON, JSON Lines or HTML."""

from __future__ import annotations

import enum
import html
import json
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import TextIO

from scraper.models import Article, Block, BlockKind

__all__ = ["ArticleWriter", "OutputFormat", "render", "write_articles"]


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


class ArticleWriter:
    """Writes articles to a stream one by one as they come, each flushed at once.

    A batch that is interrupted or crashes keeps every article written before, and holds none
    in memory. JSON is one array: its brackets open with the first article and close on
    :meth:`close`, so an array never closed shows the output is incomplete.
    """

    def __init__(self, fmt: OutputFormat, stream: TextIO) -> None:
        self._fmt = fmt
        self._stream = stream
        #: Articles written so far.
        self.count = 0

    def write(self, article: Article) -> None:
        """Write one article after those already written, and flush it."""
        if self._fmt is OutputFormat.JSON:
            item = json.dumps(article.to_dict(), ensure_ascii=False, indent=2)
            # The same text json.dumps gives the whole array: items one level in. Split on "\n"
            # only: str.splitlines() would also split on U+2028 or U+0085 inside a string.
            lead = ",\n" if self.count else "[\n"
            self._stream.write(lead + "\n".join("  " + line for line in item.split("\n")))
        else:
            if self.count and self._fmt in (OutputFormat.TEXT, OutputFormat.MARKDOWN):
                self._stream.write("\n")
            self._stream.write(render(article, self._fmt))
        self.count += 1
        self._stream.flush()

    def close(self) -> None:
        """End the output (JSON's array; nothing for the other formats) and flush it."""
        if self._fmt is OutputFormat.JSON:
            self._stream.write("\n]\n" if self.count else "[]\n")
        self._stream.flush()


def write_articles(articles: Iterable[Article], fmt: OutputFormat, stream: TextIO) -> None:
    """Write articles to ``stream``: JSON as one array, other formats one after another."""
    writer = ArticleWriter(fmt, stream)
    for article in articles:
        writer.write(article)
    writer.close()
