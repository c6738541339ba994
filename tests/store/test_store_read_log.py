"""ReadLog: whether a reading of the stored articles in pages showed a version that a crawl
replaced while the reading went on (the new version then left out of it)."""

from __future__ import annotations

import pytest

from scraper.store.protocol import ReadLog


def _log() -> ReadLog:
    log = ReadLog()
    log.read(0, 500, 1000)  # ids 1-500 shown; 1,000 the newest id stored then
    log.read(500, 1000, 1003)
    log.read(1000, 1010, 1003)  # a record left unread at 1,011: the next page reads after it
    log.read(1011, 1020, 1005)
    return log


@pytest.mark.parametrize(
    ("earlier", "replaced_by", "showed"),
    [
        (3, 1001, True),  # replaced after its page was read: shown already
        (3, 900, False),  # replaced before (the new id was stored when its page was read)
        (700, 1001, False),  # page 2 read after the replacement: the old id was gone
        (700, 1004, True),
        (1011, 1030, False),  # the unreadable id: no page showed it
        (1002, 1004, True),  # stored during the reading, shown, then replaced
        (1002, 1003, False),  # stored during the reading and replaced before its page
        (1030, 1040, False),  # past every page read
    ],
)
def test_a_version_was_shown_when_its_page_was_read_between_its_storing_and_replacement(
    earlier: int, replaced_by: int, showed: bool
) -> None:
    assert _log().showed(earlier, replaced_by) is showed


def test_a_page_that_showed_nothing_is_not_logged() -> None:
    log = ReadLog()
    log.read(10, 10, 50)
    assert log.pages == [] and not log.showed(10, 60)
