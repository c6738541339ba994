"""Models: JSON round trips and the validation of records read back."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from scraper.errors import RecordError
from scraper.models import Article, Block, BlockKind, Cluster, Failure, Page


def test_article_round_trips_through_json() -> None:
    article = Article.build(
        blocks=(Block(BlockKind.HEADING, "Intro", 2), Block(BlockKind.PARAGRAPH, "One two three.")),
        url="https://example.org/a",
        title="T",
        authors=("Ann Lee", "Bo Kim"),
        published=datetime(2024, 5, 1, 12, 0, tzinfo=UTC),
        tags=("x",),
        truncated="the page has more than 60,000 elements (max_nodes): only part was read",
    )
    back = Article.from_dict(json.loads(json.dumps(article.to_dict())))
    assert back == article
    assert back.truncated is not None
    assert back.text == "Intro\n\nOne two three."
    assert back.word_count == 4


def test_article_from_plain_jsonl_record_splits_paragraphs() -> None:
    article = Article.from_dict({"url": "u", "text": "First para.\n\nSecond para."})
    assert [b.text for b in article.blocks] == ["First para.", "Second para."]


@pytest.mark.parametrize(
    "record",
    [
        {"url": "u"},
        {"text": "x", "published": "yesterday"},
        {"text": "x", "published": "2024-01-01T00:00:00"},
        {"text": "x", "authors": [1, 2]},
        {"text": "x", "blocks": [{"kind": "poem", "text": "x"}]},
    ],
)
def test_bad_article_records_raise_record_error(record: dict[str, object]) -> None:
    with pytest.raises(RecordError):
        Article.from_dict(record)


def test_page_round_trip_keeps_bytes_and_headers() -> None:
    page = Page(
        url="https://e.org/",
        body=b"\xff\x00<html>",
        final_url="https://e.org/x",
        status=200,
        headers=(("Content-Type", "text/html; charset=latin-1"),),
        fetched_at=datetime(2025, 1, 1, tzinfo=UTC),
        redirects=("https://e.org/",),
    )
    assert Page.from_dict(json.loads(json.dumps(page.to_dict()))) == page
    assert page.header("content-type") == "text/html; charset=latin-1"
    assert page.effective_url == "https://e.org/x"


@pytest.mark.parametrize("headers", [{"ab": "x"}, "ab", [["a", "b", "c"]], ["ab"]])
def test_page_headers_that_are_no_list_of_pairs_are_a_record_error(headers: object) -> None:
    # A mapping was read by unpacking its keys: {"ab": "x"} became the header ("a", "b").
    with pytest.raises(RecordError, match="headers"):
        Page.from_dict({"url": "https://e.org/x", "headers": headers})


def test_cluster_and_failure_to_dict() -> None:
    cluster = Cluster(id="c1", representative="a", members=("a", "b"))
    assert Cluster.from_dict(cluster.to_dict()) == cluster
    failure = Failure.from_error("f.html", RecordError("bad"))
    assert failure.to_dict() == {"source": "f.html", "kind": "record", "reason": "bad"}


def test_failure_round_trips_as_every_model_does() -> None:
    # The models promise to_dict/from_dict each; Failure had no from_dict.
    failure = Failure(source="https://n.example/a", kind="http_status", reason="404 Not Found")
    assert Failure.from_dict(json.loads(json.dumps(failure.to_dict()))) == failure
    with pytest.raises(RecordError, match="source, kind and reason"):
        Failure.from_dict({"source": "f.html", "kind": "record"})
    with pytest.raises(RecordError, match="must be a string"):
        Failure.from_dict({"source": "f.html", "kind": 3, "reason": "bad"})


def test_an_article_without_text_fails_as_too_large_when_its_page_was_cut() -> None:
    cut = "the page has more than 60,000 elements (max_nodes): only its first part was read"
    assert Article.build(blocks=(), truncated=cut).why_empty() == (
        "too_large",
        f"no article text in the part read: {cut}",
    )
    assert Article.build(blocks=()).why_empty() == ("empty", "no article text found")
    assert (
        Article.build(blocks=(Block(BlockKind.PARAGRAPH, "Text."),), truncated=cut).why_empty()
        is None
    )
    # Records stored before the field existed read as whole pages.
    assert Article.from_dict({"text": "Text."}).truncated is None


@pytest.mark.parametrize("value", [None, [], "text", 42])
def test_a_record_that_is_no_object_is_a_record_error(value: object) -> None:
    # json.loads is typed Any: a null or a list read from a file reached .get (AttributeError).
    for model in (Article, Block, Page, Cluster, Failure):
        with pytest.raises(RecordError, match="must be an object"):
            model.from_dict(value)  # type: ignore[arg-type]
