"""Bounded Content-Encoding decoders: correct output, and bombs expand one piece at a time."""

from __future__ import annotations

import gzip
import zlib

import brotli
import pytest

from scraper.errors import DecodeError
from scraper.fetch.decoding import PIECE, decoder_for

TEXT = b"<html><body>" + b"<p>Some words of an article.</p>" * 2000 + b"</body></html>"
ZEROS = bytes(4 * 1024 * 1024)


def _raw_deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return packer.compress(data) + packer.flush()


ENCODED = {
    "gzip": gzip.compress(TEXT),
    "deflate": zlib.compress(TEXT),
    "br": brotli.compress(TEXT),
}


def _encoded(coding: str) -> tuple[bytes, str]:
    """TEXT under ``coding`` (raw deflate for "deflate-raw") and its Content-Encoding."""
    if coding == "deflate-raw":
        return _raw_deflate(TEXT), "deflate"
    return ENCODED[coding], coding


@pytest.mark.parametrize("coding", [*ENCODED, "deflate-raw", "identity", ""])
def test_each_coding_decodes_to_the_original_in_small_reads(coding: str) -> None:
    if coding == "deflate-raw":
        data, header = _raw_deflate(TEXT), "deflate"
    else:
        data, header = ENCODED.get(coding, TEXT), coding
    decoder = decoder_for(header or None)
    out = b"".join(
        piece for i in range(0, len(data), 1000) for piece in decoder.feed(data[i : i + 1000])
    )
    decoder.finish()  # the stream ended: no error
    assert out == TEXT


@pytest.mark.parametrize("coding", [*ENCODED, "deflate-raw"])
def test_each_coding_decodes_when_its_first_read_is_one_byte(coding: str) -> None:
    # A chunked body's first chunk can be a single byte: too short to tell zlib's header.
    data, header = _encoded(coding)
    decoder = decoder_for(header)
    out = b"".join([*decoder.feed(data[:1]), *decoder.feed(data[1:])])
    decoder.finish()
    assert out == TEXT


def test_a_deflate_body_of_one_byte_is_cut_short() -> None:
    decoder = decoder_for("deflate")
    assert list(decoder.feed(zlib.compress(TEXT)[:1])) == []
    with pytest.raises(DecodeError, match="ends before its end of stream"):
        decoder.finish()


@pytest.mark.parametrize("coding", ["gzip", "deflate", "br"])
def test_a_bomb_comes_out_in_bounded_pieces(coding: str) -> None:
    packed = {"gzip": gzip.compress, "deflate": zlib.compress, "br": brotli.compress}[coding](ZEROS)
    assert len(packed) < len(ZEROS) // 500
    pieces = decoder_for(coding).feed(packed)
    sizes = [len(next(pieces)) for _ in range(5)]
    # zlib stops at PIECE exactly; brotli's buffer grows in steps and stops just past it.
    assert all(0 < size <= 2 * PIECE for size in sizes)
    total = sum(sizes) + sum(len(p) for p in pieces)
    assert total == len(ZEROS)


@pytest.mark.parametrize("header", ["compress", "gzip, br", "zstd"])
def test_unsupported_codings_are_refused(header: str) -> None:
    with pytest.raises(DecodeError):
        decoder_for(header)


@pytest.mark.parametrize("header", ["none", "UTF-8", "text", "binary, identity"])
def test_a_label_that_names_no_coding_leaves_the_body_as_it_is(header: str) -> None:
    decoder = decoder_for(header)
    assert b"".join(decoder.feed(TEXT)) == TEXT
    decoder.finish()


def test_corrupt_gzip_fails_cleanly() -> None:
    with pytest.raises(DecodeError):
        list(decoder_for("gzip").feed(b"\x1f\x8bnot really gzip at all"))


@pytest.mark.parametrize("coding", [*ENCODED, "deflate-raw"])
def test_a_stream_cut_short_fails_at_its_end(coding: str) -> None:
    data, header = _encoded(coding)
    decoder = decoder_for(header)
    out = b"".join(decoder.feed(data[: len(data) // 2]))
    assert len(out) < len(TEXT)  # no error so far: only the end tells it is not all
    with pytest.raises(DecodeError, match="ends before its end of stream"):
        decoder.finish()


@pytest.mark.parametrize("coding", [*ENCODED, "identity"])
def test_an_empty_body_under_any_coding_is_whole(coding: str) -> None:
    decoder_for(coding).finish()
