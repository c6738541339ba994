"""The messages between the crawl and its extraction workers survive the pipe as they were."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

from scraper.crawl.jobs import (
    Extracted,
    ExtractFailed,
    Outcome,
    PageJob,
    extract_job,
    jobs_from,
    jobs_message,
    outcomes_from,
    outcomes_message,
    record_bytes,
)
from scraper.crawl.wire import Splitter, read
from scraper.extract.options import ExtractOptions
from scraper.models import Article, Block, BlockKind


def _stream(pieces: list[bytes]) -> io.BufferedReader:
    return io.BufferedReader(io.BytesIO(b"".join(pieces)))


def test_jobs_arrive_whole_and_in_order_and_the_stream_end_is_none() -> None:
    rules = ExtractOptions(keep_selectors=("article",), drop_selectors=(".ad",))
    jobs = [
        PageJob("https://a.test/1", b"<p>one</p>" * 1000, "utf-8", None),
        PageJob("https://a.test/2", b"", None, rules),
    ]
    stream = _stream([*jobs_message(jobs), *jobs_message(jobs[:1])])
    first, second = read(stream), read(stream)
    assert first is not None and second is not None
    assert jobs_from(first) == jobs
    assert jobs_from(second) == jobs[:1]
    assert read(stream) is None


def test_bodies_that_fit_the_shared_slot_go_there_and_the_others_through_the_pipe() -> None:
    jobs = [
        PageJob("https://a.test/1", b"a" * 60, "utf-8"),
        PageJob("https://a.test/2", b"b" * 50),  # past the slot's end: sent raw
        PageJob("https://a.test/3", b"c" * 30),
        PageJob("https://a.test/4", b""),
    ]
    area = memoryview(bytearray(200))
    pieces = jobs_message(jobs, area, 100, 200)
    assert b"".join(pieces[1:]) == b"b" * 50  # only the body that did not fit follows the head
    message = read(_stream(pieces))
    assert message is not None
    assert bytes(area[100:190]) == b"a" * 60 + b"c" * 30
    assert not any(area[:100])  # the other slot is left alone
    received = jobs_from(message, area)
    area[100:190] = b"z" * 90  # the slot's next chunk: the jobs read keep their own bytes
    assert received == jobs


def test_a_message_cut_short_reads_as_the_end() -> None:
    whole = b"".join(jobs_message([PageJob("https://a.test/1", b"x" * 100)]))
    assert read(_stream([whole[:-1]])) is None


def test_outcomes_keep_failures_fields_and_a_lone_surrogate() -> None:
    published = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)
    odd_text = "caf\u00e9 \ud800 \u6771".encode("utf-8", "surrogatepass")
    outcomes: list[Outcome] = [
        Extracted(b'{"t": "\\u00e9"}', odd_text, "T", published, None),
        ExtractFailed("empty", "no article text found"),
        Extracted(b"{}", b"", None, None, "https://a.test/c"),
    ]

    # Through the splitter the crawl reads its workers' answers with.
    (message,) = Splitter().feed(b"".join(outcomes_message(outcomes)))
    assert outcomes_from(message) == outcomes


def test_the_stored_record_is_the_articles_json_even_with_a_lone_surrogate() -> None:
    blocks = (Block(kind=BlockKind.PARAGRAPH, text='Caf\u00e9 \u6771 "quoted"'),)
    plain = Article.build(blocks=blocks, title="T", authors=("A",), published=datetime.now(UTC))
    odd = Article.build(blocks=(Block(kind=BlockKind.PARAGRAPH, text="lone \ud800 here"),))
    for article in (plain, odd):
        record = record_bytes(article)
        record.decode("utf-8")  # strict: what SQLite stores is valid UTF-8
        assert Article.from_dict(json.loads(record)) == article
    assert "\u00e9".encode() in record_bytes(plain)  # written as UTF-8, not escaped


def test_a_page_cut_before_its_article_fails_as_too_large_not_empty() -> None:
    filler = "<div><a href='/x'>link</a></div>" * 40
    article = "<article>" + "<p>The council met on Tuesday and voted on the budget.</p>" * 3
    cut = ExtractOptions(max_nodes=50)
    outcome = extract_job(PageJob("https://a.example/", (filler + article).encode(), None, cut))
    assert isinstance(outcome, ExtractFailed)
    assert outcome.kind == "too_large"
    assert "max_nodes" in outcome.reason
    whole = extract_job(PageJob("https://a.example/", b"<p></p>", None, None))
    assert whole == ExtractFailed("empty", "no article text found")


def test_the_splitter_cuts_messages_however_the_stream_is_cut() -> None:
    jobs = [PageJob("https://a.test/1", b"<p>one</p>" * 300), PageJob("https://a.test/2", b"")]
    stream = b"".join([*jobs_message(jobs), *jobs_message(jobs[:1]), *jobs_message([])])
    for step in (1, 7, 8, 9, 1000, len(stream)):
        splitter = Splitter()
        found = []
        for at in range(0, len(stream), step):
            found += splitter.feed(stream[at : at + step])
        assert [jobs_from(message) for message in found] == [jobs, jobs[:1], []]
        assert splitter.feed(b"") == []
