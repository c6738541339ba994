"""The article's blocks, which the pipeline builds past the dataclass's generated __init__."""

from __future__ import annotations

import dataclasses
import pickle

import pytest

from scraper.extract.pipeline import _block
from scraper.extract.segment import Element, RawBlock
from scraper.models import Block, BlockKind


def _raw(text: str, kind: BlockKind, level: int) -> RawBlock:
    return RawBlock(text, kind, level, 0, Element(2, Element(1, None)), "p", 3)


def test_the_fields_set_are_all_of_blocks_fields() -> None:
    # A field added to Block must be set by the pipeline's builder too.
    assert [f.name for f in dataclasses.fields(Block)] == ["kind", "text", "level"]


@pytest.mark.parametrize(
    ("text", "kind", "level"),
    [
        ("A paragraph of prose.", BlockKind.PARAGRAPH, 0),
        ("A heading", BlockKind.HEADING, 2),
        ("", BlockKind.TABLE, 0),
    ],
)
def test_a_built_block_is_the_block_the_constructor_makes(
    text: str, kind: BlockKind, level: int
) -> None:
    built = _block(_raw(text, kind, level))
    made = Block(kind, text, level)
    assert type(built) is Block
    assert built == made
    assert hash(built) == hash(made)
    assert built.to_dict() == made.to_dict()
    assert pickle.loads(pickle.dumps(built)) == made


def test_a_built_block_is_frozen() -> None:
    built = _block(_raw("Text", BlockKind.QUOTE, 0))
    with pytest.raises(dataclasses.FrozenInstanceError):
        built.text = "changed"  # type: ignore[misc]
