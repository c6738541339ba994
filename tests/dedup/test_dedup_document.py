"""``Document.from_record``: a JSONL record's fields checked and read into a Document."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from scraper.dedup import DedupIndex, Document
from scraper.errors import InputError, RecordError

URL = "https://a.example/news/ferry"


def test_a_record_gives_its_fields_and_ignores_the_others() -> None:
    record = {
        "url": URL,
        "text": "The ferry runs again.",
        "title": "Ferry back",
        "published": "2026-03-03T09:00:00+02:00",
        "canonical_url": "https://a.example/ferry",
        "authors": ["A. Writer"],
        "expect": "ferry",
    }
    assert Document.from_record(record) == Document(
        url=URL,
        text="The ferry runs again.",
        title="Ferry back",
        published=datetime(2026, 3, 3, 9, tzinfo=timezone(timedelta(hours=2))),
        canonical="https://a.example/ferry",
    )


def test_optional_fields_may_be_null_or_absent_and_a_bare_date_is_utc() -> None:
    doc = Document.from_record({"url": URL, "text": "", "title": None, "published": ""})
    assert (doc.title, doc.published, doc.canonical) == (None, None, None)
    dated = Document.from_record({"url": URL, "text": "x", "published": "2026-03-03"})
    assert dated.published == datetime(2026, 3, 3, tzinfo=UTC)


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({"url": URL}, "a record needs a string 'text'"),
        ({"url": URL, "text": ["a", "b"]}, "a record needs a string 'text'"),
        ({"text": "x"}, "a record needs a 'url'"),
        ({"url": "", "text": "x"}, "a record needs a 'url'"),
        ({"url": 7, "text": "x"}, "url must be a string, not int"),
        ({"url": URL, "text": "x", "title": 3.5}, "title must be a string, not float"),
        (
            {"url": URL, "text": "x", "canonical_url": {}},
            "canonical_url must be a string, not dict",
        ),
        ({"url": URL, "text": "x", "published": 2026}, "published must be a string, not int"),
        (
            {"url": URL, "text": "x", "published": "last Tuesday"},
            "published is not an ISO 8601 date: 'last Tuesday'",
        ),
    ],
)
def test_a_bad_record_is_a_record_error_saying_why(record: dict[str, object], message: str) -> None:
    with pytest.raises(RecordError) as caught:
        Document.from_record(record)
    assert str(caught.value) == message


@pytest.mark.parametrize("value", [None, [], "text", 42])
def test_a_record_that_is_no_object_is_a_record_error(value: object) -> None:
    with pytest.raises(RecordError, match="must be an object"):
        Document.from_record(value)  # type: ignore[arg-type]


def test_text_given_as_bytes_in_another_charset_is_an_input_error() -> None:
    # Documented as the text's UTF-8 form; Latin-1 bytes raised a bare UnicodeDecodeError.
    text = "Der Stadtrat hat den Haushalt für die neue Brücke genehmigt. " * 5
    with DedupIndex.open() as index:
        with pytest.raises(InputError, match="not UTF-8"):
            index.add(Document(url="https://zeitung.example/a", text=text.encode("latin-1")))
        placed = index.add(Document(url="https://zeitung.example/a", text=text.encode()))
    assert placed.cluster


def test_a_naive_published_date_is_read_as_utc_even_in_the_year_1() -> None:
    # Read in the machine's zone, datetime(1, 1, 1) had no timestamp east of UTC: a ValueError
    # out of add_many, which lost the whole batch.
    doc = Document(url="https://a.example/1", text="x", published=datetime(1, 1, 1))
    assert doc.published == datetime(1, 1, 1, tzinfo=UTC)
    late = Document(url="https://a.example/2", text="x", published=datetime(2026, 1, 1, 12))
    assert late.published == datetime(2026, 1, 1, 12, tzinfo=UTC)
    words = " ".join(f"paragraph{n} carries enough distinct content words" for n in range(6))
    with DedupIndex.open(":memory:") as index:
        first = index.add(
            Document(url="https://a.example/1", text=words, published=datetime(1, 1, 1))
        )
        copy = index.add(Document(url="https://b.example/1", text=words, published=datetime.max))
    assert copy.duplicate_of == first.url
