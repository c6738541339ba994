"""Writers: Articles rendered as text, Markdown, JSON, JSON Lines or HTML."""

from __future__ import annotations

import enum
import html
import json
import re
from collections.abc import Callable, Iterable, Mapping
from html.entities import html5
from types import MappingProxyType
from typing import TextIO

from scraper.models import Article, Block, BlockKind

__all__ = ["ArticleWriter", "OutputFormat", "json_line", "render", "write_articles"]


class OutputFormat(enum.StrEnum):
    """The formats every command that prints articles understands."""

    TEXT = "text"
    MARKDOWN = "markdown"
    JSON = "json"
    JSONL = "jsonl"
    HTML = "html"


#: Backslash-escaped wherever they stand: emphasis, code spans, links, raw HTML (a
#: ``<script>`` served as text must not become live HTML where the Markdown is rendered) and
#: strikethrough (``~~``, GFM's). ``&`` where it may start an entity or character reference
#: (see _md_escape).
_MD_INLINE = re.compile(
    r"[\\`*_\[\]<~]|&(?:#[0-9]{1,7};|#[Xx][0-9A-Fa-f]{1,6};|([A-Za-z][A-Za-z0-9]{0,31};))?"
)
#: What starts a block at the start of a line, once inline characters are escaped: a heading,
#: quote, list, rule or setext underline, or a table row or delimiter row (GFM's, which turns
#: the line above into a table's header). An ordered list's marker is the digits' ``.`` or
#: ``)``. A ``~~~`` fence is escaped as inline text already.
_MD_LINE_START = re.compile(r"^(?:[#>+\-=|:]|(\d{1,9})[.)])")
#: A heading's closing sequence, which Markdown drops: ``# C #`` is the heading ``C``.
_MD_CLOSING = re.compile(r"(\s)(#+)$")
#: Markdown's line endings: a bare CR ends a line too.
_MD_LINES = re.compile(r"\r\n?|\n")


def _md_escape(match: re.Match[str]) -> str:
    """A character of :data:`_MD_INLINE`, backslash-escaped where Markdown would read it.

    An ``&`` only before a character reference or a named one HTML knows, which Markdown
    decodes: a page's literal "&amp;" or "&copy;" would show as "&" or "©". Any other ``&``
    Markdown shows as it stands, so it stays bare and "Q&A" or "R&D;" stay readable.
    """
    found = match[0]
    if found[0] == "&" and (len(found) == 1 or (match[1] and match[1] not in html5)):
        return found
    return "\\" + found


def _md_line(line: str) -> str:
    """One line of text that Markdown shows as it is, never as structure of its own."""
    # Leading spaces would make an indented code block (Markdown drops them anyway).
    line = _MD_INLINE.sub(_md_escape, line.lstrip())
    match = _MD_LINE_START.match(line)
    if match is None:
        return line
    at = match.end() - 1
    return line[:at] + "\\" + line[at:]


def _md_text(text: str) -> str:
    """A block's text, each line escaped: a line of ``---`` in it must not end the article (the
    export's rule between articles), nor a code fence or ``<!--`` swallow the articles after."""
    return "\n".join(_md_line(line) for line in _MD_LINES.split(text))


def _md_heading(text: str) -> str:
    """Heading text on one line (a heading cannot hold a break), its last ``#`` kept."""
    return _MD_CLOSING.sub(r"\1\\\2", _md_line(" ".join(text.split())))


def _md_fenced(text: str) -> str:
    """Preformatted text in a fence longer than any run of backticks in it, which therefore
    cannot close it early (the rest of the output would be read as code)."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}\n{text}\n{fence}"


def _markdown_block(block: Block) -> str:
    if block.kind is BlockKind.HEADING:
        return f"{'#' * max(2, min(block.level or 2, 6))} {_md_heading(block.text)}"
    if block.kind is BlockKind.LIST_ITEM:
        return "- " + "\n  ".join(_md_text(block.text).split("\n"))
    if block.kind is BlockKind.QUOTE:
        return "\n".join(f"> {_md_line(line)}" for line in _MD_LINES.split(block.text))
    if block.kind is BlockKind.PREFORMATTED:
        return _md_fenced(block.text)
    if block.kind is BlockKind.TABLE:
        return _md_rows(block.text)
    return _md_text(block.text)


def _md_rows(text: str) -> str:
    """A table's text, a row a line, each line but the last ended by a hard break.

    Not a Markdown table: the text holds each row's non-empty cells joined by " | ", so its
    cells cannot be told apart again (a cell may hold " | ", an empty one leaves no trace) and
    a table built from guessed cells would set values under the wrong header. Not a code
    fence either: a table's figures and names are text to read, which a fence would show as
    code (monospace, unwrapped). A bare line break is soft, which a renderer shows as a
    space: the rows would run together.
    """
    return "\\\n".join(_md_line(line) for line in _MD_LINES.split(text))


def _markdown(article: Article) -> str:
    parts: list[str] = []
    if article.title:
        parts.append(f"# {_md_heading(article.title)}")
    facts = [
        ", ".join(article.authors),
        article.published.date().isoformat() if article.published else "",
        article.url or "",
    ]
    if any(facts):
        # One line, escaped whole: a URL's "*" or "_" would make emphasis, its "&copy;" a "©".
        parts.append(_md_line(" ".join(" · ".join(f for f in facts if f).split())))
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


#: Line breaks to Unicode that JSON leaves raw in a string: a reader splitting lines with
#: Python's ``str.splitlines()`` would cut a JSON Lines record in two at each.
_RAW_BREAKS = str.maketrans({"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})


def json_line(
    record: Mapping[str, object], *, default: Callable[[object], object] | None = None
) -> str:
    """``record`` as one line of JSON Lines, ending with ``\\n``: a line to every reader.

    ``default`` turns a value JSON has no type for into one it has, as ``json.dumps``'s does.
    """
    return json.dumps(record, ensure_ascii=False, default=default).translate(_RAW_BREAKS) + "\n"


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
    return json_line(article.to_dict())


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

    @property
    def stream(self) -> TextIO:
        """Where the articles are written."""
        return self._stream

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
