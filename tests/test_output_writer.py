"""ArticleWriter: articles written one by one give the same output as the whole batch at once."""

from __future__ import annotations

import io
import json

from scraper.models import Article
from scraper.output import ArticleWriter, OutputFormat

#: U+2028 and U+0085 are line breaks to str.splitlines() but stay raw inside a JSON string.
TEXTS = ["First story.\nSecond paragraph.", "Line\u2028separator and next\x85line.", "Third."]


def _articles() -> list[Article]:
    return [Article(url=f"https://news.example/{i}", text=text) for i, text in enumerate(TEXTS)]


class _Counting(io.StringIO):
    """A stream that records what had been written at each flush."""

    def __init__(self) -> None:
        super().__init__()
        self.flushed: list[str] = []

    def flush(self) -> None:
        self.flushed.append(self.getvalue())


def test_json_written_one_by_one_is_the_same_array_as_json_dumps() -> None:
    stream = io.StringIO()
    writer = ArticleWriter(OutputFormat.JSON, stream)
    for article in _articles():
        writer.write(article)
    writer.close()
    expected = json.dumps([a.to_dict() for a in _articles()], ensure_ascii=False, indent=2)
    assert stream.getvalue() == expected + "\n"
    assert [a["text"] for a in json.loads(stream.getvalue())] == TEXTS


def test_no_article_is_an_empty_json_array_and_an_empty_text() -> None:
    for fmt, expected in ((OutputFormat.JSON, "[]\n"), (OutputFormat.TEXT, "")):
        stream = io.StringIO()
        ArticleWriter(fmt, stream).close()
        assert stream.getvalue() == expected


def test_each_article_is_flushed_as_it_is_written() -> None:
    stream = _Counting()
    writer = ArticleWriter(OutputFormat.JSONL, stream)
    for article in _articles():
        writer.write(article)
    lines = [text.count("\n") for text in stream.flushed]
    assert lines == [1, 2, 3]
    assert writer.count == 3


def test_text_articles_are_separated_by_a_blank_line() -> None:
    stream = io.StringIO()
    writer = ArticleWriter(OutputFormat.TEXT, stream)
    for article in _articles()[:2]:
        writer.write(article)
    writer.close()
    assert stream.getvalue() == f"{TEXTS[0]}\n\n{TEXTS[1]}\n"
