"""Charset decisions: BOM, header, meta, UTF-8, detection, binary refusal."""

from __future__ import annotations

import codecs

import pytest

from scraper.charset import declared_charset, decode_html, normalise_charset
from scraper.charset_labels import WEB_ENCODINGS
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
    [
        ("latin1", "cp1252"),
        ("ISO-8859-1", "cp1252"),
        ("utf8", "utf-8"),
        ("latin-1", None),
        ("bogus", None),
    ],
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


ARTICLE = "<html><head><title>Débat</title></head><body><p>Café naïve — “quoted”.</p></body></html>"


@pytest.mark.parametrize(
    "label",
    ["undefined", "unicode_escape", "raw_unicode_escape", "rot13", "base64", "utf-7", "mbcs"],
)
def test_a_label_outside_the_encoding_standard_is_ignored(label: str) -> None:
    # "undefined" used to raise UnicodeError out of decode_html, and "unicode_escape" turned
    # backslashes into characters: a page cannot name an arbitrary Python codec.
    body = ARTICLE.replace("Café", "Caf\\u00e9 \\x41 Café").encode()
    for decoded in (
        decode_html(body, label),
        decode_html(f'<meta charset="{label}">'.encode() + body),
    ):
        assert decoded.encoding == "utf-8" and "Caf\\u00e9 \\x41 Café" in decoded.text
    assert normalise_charset(label) is None


def test_an_unknown_header_label_falls_through_to_the_meta() -> None:
    body = ('<meta charset="windows-1251">' + "<p>Новости дня</p>").encode("cp1251")
    decoded = decode_html(body, "undefined")
    assert (decoded.encoding, decoded.source) == ("cp1251", "meta")
    assert "Новости" in decoded.text


@pytest.mark.parametrize(
    ("label", "codec"),
    [
        ("us-ascii", "cp1252"),
        ("ISO8859_1", "cp1252"),  # a Python spelling of a listed label
        ("x-sjis", "cp932"),
        ("gb2312", "gb18030"),
        ("ks_c_5601-1987", "cp949"),
        (" Windows-1250 ", "cp1250"),
        ("utf-16", "utf-16-le"),
        ("mac-roman", "mac-roman"),  # a codec name decode_html itself reports
        ("iso-2022-kr", None),  # the standard's "replacement" encoding
    ],
)
def test_labels_map_as_the_encoding_standard_says(label: str, codec: str | None) -> None:
    assert normalise_charset(label) == codec


def test_every_listed_encoding_has_a_python_text_codec_under_its_own_name() -> None:
    for encoding in WEB_ENCODINGS:
        info = codecs.lookup(encoding.codec)
        assert info.name == encoding.codec and info._is_text_encoding, encoding.name
        assert all(label == label.strip().lower() for label in encoding.labels)


@pytest.mark.parametrize(
    ("codec", "declared"),
    [
        ("utf-16-le", "utf-16le"),
        ("utf-16-le", "UTF-16"),
        ("utf-16-be", "utf-16be"),
        ("utf-16-le", None),  # no declaration: the first bytes are markup in UTF-16
        ("utf-16-be", "utf-16"),  # declared without byte order, served big-endian
    ],
)
def test_utf16_without_bom_decodes_as_declared_or_shown(codec: str, declared: str | None) -> None:
    # It used to be refused as binary: its ASCII characters each come with a NUL byte.
    decoded = decode_html(ARTICLE.encode(codec), declared)
    assert decoded.encoding == codec and decoded.text == ARTICLE


def test_utf16_in_a_meta_written_in_utf16_is_read() -> None:
    page = '<html><head><meta charset="utf-16"><title>Débat</title></head><p>Café</p></html>'
    decoded = decode_html(page.encode("utf-16-le"))
    assert decoded.encoding == "utf-16-le" and decoded.text == page


def test_a_utf16_header_on_bytes_that_are_not_utf16_is_not_trusted() -> None:
    body = ARTICLE.encode()
    assert decode_html(body, "utf-16").text == ARTICLE
    with pytest.raises(DecodeError):
        decode_html(bytes(range(256)) * 40, "utf-16le")


WESTERN = [
    "Café owners in the city said the naïve plans won't help.",
    "The council’s budget – approved on Tuesday – adds €2m for schools.",
    "Le conseil s'est réuni mardi ; « c'est naïf », a déclaré un élu après l'été.",
    "Il sindaco ha detto che la qualità dei servizi è già migliorata perché la città cresce.",
]


@pytest.mark.parametrize("declared", [None, "utf-8", "x-unknown"])
@pytest.mark.parametrize("paragraphs", [1, 4])
def test_undeclared_western_text_falls_back_to_windows_1252(
    declared: str | None, paragraphs: int
) -> None:
    # charset-normalizer scores windows-1250, cp775 or windows-1258 as high as (or a little
    # higher than) windows-1252 on such text, and its pick gave "naďve" or "Cafķ".
    for text in WESTERN:
        html = "<html><body>" + f"<p>{text}</p>" * paragraphs + "</body></html>"
        decoded = decode_html(html.encode("cp1252"), declared)
        assert (decoded.encoding, decoded.text) == ("cp1252", html)


@pytest.mark.parametrize(
    ("codec", "text"),
    [
        (
            "cp1250",
            "Rada miasta zatwierdziła we wtorek budżet na przyszły rok. Mieszkańcy dzielnicy"
            " skarżyli się na hałas; prace mają się zakończyć przed zimą, powiedział prezydent"
            " miasta. Źródła w urzędzie twierdzą, że ścieżka rowerowa będzie gotowa wcześniej.",
        ),
        (
            "cp1254",
            "Belediye meclisi salı günü gelecek yılın bütçesini onayladı. Mahalle sakinleri"
            " inşaattan gelen gürültüden şikâyet etti; çalışmaların kıştan önce biteceğini"
            " söyleyen başkan, yeni kütüphanenin eylülde açılacağını açıkladı.",
        ),
        (
            "cp1257",
            "Miesto taryba antradienį patvirtino kitų metų biudžetą. Rajono gyventojai skundėsi"
            " statybų triukšmu; darbai turėtų baigtis iki žiemos, sakė meras. Nauja biblioteka"
            " bus atidaryta rugsėjį.",
        ),
        (
            "cp1251",
            "Городской совет во вторник утвердил бюджет на следующий год. Жители района"
            " жаловались на шум от стройки; работы должны завершиться до зимы, сообщил мэр.",
        ),
    ],
)
def test_text_in_another_legacy_code_page_keeps_it(codec: str, text: str) -> None:
    html = "<html><body>" + f"<p>{text}</p>" * 3 + "</body></html>"
    decoded = decode_html(html.encode(codec))
    assert (decoded.encoding, decoded.text) == (codec, html)


@pytest.mark.parametrize("bad", [b"\xed\xa0\x80", b"\xff", b"\xc3", b"\xe2\x80"])
def test_utf8_with_a_few_bad_sequences_stays_utf8(bad: bytes) -> None:
    # A CESU-8 surrogate made charset-normalizer answer iso8859-10 for the whole page.
    html = "<html><body>" + "<p>Café owners in Zürich said the naïve plans won't help.</p>" * 3
    body = html.encode().replace(b" owners", b" owners" + bad, 1)
    decoded = decode_html(body)
    assert decoded.encoding == "utf-8" and not decoded.strict_utf8
    assert decoded.text == body.decode("utf-8", errors="replace")
    assert decoded.text.count("naïve") == 3


def test_legacy_text_is_not_taken_for_broken_utf8() -> None:
    # A few byte pairs of legacy text happen to be valid UTF-8 ("ß“" is U+07D3): most are not.
    html = "<p>" + "Überprüfung der Straßenbahn in München, „das rechte Maß“. " * 10 + "</p>"
    decoded = decode_html(html.encode("cp1252"))
    assert (decoded.encoding, decoded.text) == ("cp1252", html)


@pytest.mark.parametrize("how", ["header", "meta"])
def test_a_single_byte_declaration_on_broken_utf8_is_overruled(how: str) -> None:
    # Like valid UTF-8 under a latin-1 label, but with one bad byte: it was decoded as
    # windows-1252 ("CafÃ©") because strict UTF-8 failed.
    html = "<html><body>" + "<p>Café owners in Zürich said the naïve plans won't help.</p>" * 3
    if how == "meta":
        html = '<meta charset="iso-8859-1">' + html
    body = html.encode().replace(b" owners", b" owners\xe9", 1)
    decoded = decode_html(body, "iso-8859-1" if how == "header" else None)
    assert (decoded.encoding, decoded.source) == ("utf-8", f"{how}-overruled-replaced")
    assert decoded.text == body.decode("utf-8", errors="replace") and not decoded.strict_utf8
