"""The Markdown writer: page text reads back from a CommonMark (and GFM) reader as the text it
is, never as entities, strikethrough, emphasis or a table the page did not have."""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.token import Token

from scraper.models import Article, Block, BlockKind
from scraper.output import OutputFormat, render

#: What GitHub's reader adds to CommonMark and page text can set off by chance.
GFM = MarkdownIt("commonmark").enable(["strikethrough", "table"])


def _shown(inline: Token) -> str:
    """The text a reader shows for an inline token: a soft break is a space, a hard one a line
    break."""
    assert inline.children is not None
    breaks = {"softbreak": " ", "hardbreak": "\n"}
    return "".join(breaks.get(t.type, t.content) for t in inline.children)


def _read(markdown: str) -> list[Token]:
    tokens = GFM.parse(markdown)
    # Text only: no strikethrough, emphasis, link, code or HTML inside any line...
    inlines = [t for t in tokens if t.type == "inline"]
    assert {c.type for t in inlines for c in t.children or ()} <= {"text", "softbreak", "hardbreak"}
    # ...and no block the page did not have.
    assert {t.type for t in tokens} <= {"heading_open", "heading_close", "paragraph_open"} | {
        "paragraph_close",
        "inline",
    }
    return inlines


#: Ampersands no reader takes for a reference: no name HTML knows, too many digits.
BARE = "Q&A with R&D staff, AT&T; and &nosuchname; and &#12345678; stay as written."


def test_entities_tildes_and_the_urls_stars_read_back_as_the_text_has_them() -> None:
    paragraphs = [
        "Write &amp; in HTML for &, &copy; for the sign, or &#169; and &#xA9;.",
        "The plan ~~was~~ is to reopen it, ~soon~.",
        "~~~ not a fence",
        BARE,
    ]
    article = Article.build(
        blocks=tuple(Block(BlockKind.PARAGRAPH, p) for p in paragraphs),
        title="Fish &amp; chips",
        authors=("Ann &amp; Bo",),
        url="http://x/a*b*c_d_?q=1&amp;r=2",
    )
    markdown = render(article, OutputFormat.MARKDOWN)
    assert [_shown(t) for t in _read(markdown)] == [
        "Fish &amp; chips",
        "Ann &amp; Bo · http://x/a*b*c_d_?q=1&amp;r=2",
        *paragraphs,
    ]
    # An "&" that starts no reference reads as it stands: the Markdown stays readable.
    assert f"\n\n{BARE}\n" in markdown


def test_a_tables_rows_stay_lines_of_their_own_and_make_no_table() -> None:
    # A table's text as the segmenter gives it: a row a line, its cells joined by " | ". The
    # third row is a GFM delimiter row, which made the lines above it a table's header.
    table = "Team | Score\nA|B | 3*4\n:-- | --:\n| Total &amp; ~~more~~"
    blocks = (
        Block(BlockKind.PARAGRAPH, "The results:"),
        Block(BlockKind.TABLE, table),
        Block(BlockKind.PARAGRAPH, "After the table."),
    )
    inlines = _read(render(Article.build(blocks=blocks), OutputFormat.MARKDOWN))
    assert [_shown(t) for t in inlines] == ["The results:", table, "After the table."]
