"""Charset decisions: BOM, header, meta, UTF-8, detection, binary refusal."""

from __future__ import annotations

import codecs

import pytest

from scraper.charset import declared_charset, decode_html, normalise_charset
from scraper.errors import DecodeError

FRENCH = "<p>Le café était fermé à l'été, déjà.</p>"


def test_bom_wins_over_everything() -> None:
    body = codecs.BOM_UTF8 + '<meta charset="windows-1252"><p>naïve</p>'.encode()
    decoded = decode_html(body, "iso-8859-1")
    assert decoded.encoding == "utf-8" and "naïve" in decoded.text and decoded.source == "bom"


def test_meta_charset_decodes_legacy_page() -> None:
    body = ('<html><head><meta charset="windows-1252"></head>' + FRENCH).encode("cp1252")
    decoded = decode_html(body)
    assert decoded.encoding == "cp1252" and "été" in decoded.text and decoded.source == "meta"


def test_http_equiv_declaration_is_read() -> None:
    body = (
        '<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-15">' + FRENCH
    ).encode("iso-8859-15")
    assert "café" in decode_html(body).text


def test_header_that_lies_about_utf8_is_overruled() -> None:
    body = FRENCH.encode("utf-8")
    decoded = decode_html(body, "iso-8859-1")
    assert decoded.encoding == "utf-8" and "café" in decoded.text
    assert decoded.source == "header-overruled"


def test_header_utf8_that_cannot_decode_falls_through() -> None:
    body = ('<meta charset="windows-1252">' + FRENCH).encode("cp1252")
    decoded = decode_html(body, "utf-8")
    assert decoded.encoding == "cp1252" and "déjà" in decoded.text


def test_undeclared_legacy_bytes_are_detected() -> None:
    text = "<p>" + "Überprüfung der Straßenbahn in München, schön grün. " * 20 + "</p>"
    decoded = decode_html(text.encode("cp1252"))
    assert decoded.source == "detected"
    assert "Straßenbahn" in decoded.text


def test_binary_bytes_raise_decode_error() -> None:
    with pytest.raises(DecodeError):
        decode_html(bytes(range(256)) * 40)


def test_binary_refusal_counts_control_bytes_in_the_first_64_kib() -> None:
    # A few stray control bytes are text; a twentieth of the sample is not, wherever in the
    # sample they sit; past the sample they are not looked at.
    assert decode_html(b"<p>" + b"a" * 1000 + b"\x01\x1f" * 10 + b"</p>").text.startswith("<p>")
    with pytest.raises(DecodeError):
        decode_html(b"<p>" + b"a" * 60_000 + b"\x1f" * 5000)
    assert decode_html(b"a" * 65_536 + b"\x00" * 10_000).text.startswith("a")


@pytest.mark.parametrize(
    ("label", "expected"),
    [("latin-1", "cp1252"), ("ISO-8859-1", "cp1252"), ("utf8", "utf-8"), ("bogus", None)],
)
def test_labels_normalise_like_browsers(label: str, expected: str | None) -> None:
    assert normalise_charset(label) == expected


def test_declared_charset_from_content_type() -> None:
    assert declared_charset('text/html; charset="Shift_JIS"') == "Shift_JIS"
    assert declared_charset("text/html") is None


@pytest.mark.parametrize(
    ("body", "declared", "strict"),
    [
        ("<p>Café — naïve</p>".encode(), None, True),
        ("<p>Café</p>".encode(), "windows-1252", True),  # the lying header is overruled
        ('<meta charset="utf-8"><p>Café</p>'.encode(), None, True),
        (codecs.BOM_UTF8 + "<p>Café</p>".encode(), None, False),  # the text lacks the BOM
        ("<p>Café</p>".encode("cp1252"), "windows-1252", False),
        (b"<p>caf\xc3 broken \xff utf-8</p>" * 40, "utf-8", False),  # replaced or detected
    ],
)
def test_strict_utf8_means_the_bytes_are_the_texts_utf8(
    body: bytes, declared: str | None, strict: bool
) -> None:
    decoded = decode_html(body, declared)
    assert decoded.strict_utf8 is strict
    if strict:
        assert decoded.text.encode("utf-8") == body
