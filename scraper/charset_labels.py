"""The charset labels a web page may declare, as the WHATWG Encoding Standard lists them.

Browsers accept these labels and no others: a page that names anything else (``undefined``,
``unicode_escape``, ``rot13``, ``utf-7``...) gets the label ignored, and so does it here. Each
encoding is given with the Python codec that decodes it; where the standard's decoder is wider
than the codec of the same name, the codec is the wider one, as browsers decode: GBK is read by
the gb18030 decoder, Shift_JIS is Windows-31J (cp932), EUC-KR is Windows-949 (cp949), Big5
includes HKSCS. ISO-8859-1 and US-ASCII are windows-1252, which is what pages labelled so are
written in. The standard's ``replacement`` (ISO-2022-KR/CN, HZ) and ``x-user-defined``
encodings are left out: a page labelled with them is treated as undeclared.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

__all__ = ["LEGACY_DEFAULTS", "WEB_ENCODINGS", "WINDOWS_1252_LANGUAGES", "WebEncoding"]


@dataclass(frozen=True, slots=True, kw_only=True)
class WebEncoding:
    """One encoding of the standard: its name, the Python codec for it and its labels."""

    name: str
    codec: str
    single_byte: bool
    labels: tuple[str, ...]


def _single(name: str, codec: str, labels: str) -> WebEncoding:
    return WebEncoding(name=name, codec=codec, single_byte=True, labels=tuple(labels.split()))


def _multi(name: str, codec: str, labels: str) -> WebEncoding:
    return WebEncoding(name=name, codec=codec, single_byte=False, labels=tuple(labels.split()))


WEB_ENCODINGS: Final[tuple[WebEncoding, ...]] = (
    _multi(
        "UTF-8",
        "utf-8",
        "unicode-1-1-utf-8 unicode11utf8 unicode20utf8 utf-8 utf8 x-unicode20utf8",
    ),
    _single("IBM866", "cp866", "866 cp866 csibm866 ibm866"),
    _single(
        "ISO-8859-2",
        "iso8859-2",
        "csisolatin2 iso-8859-2 iso-ir-101 iso8859-2 iso88592 iso_8859-2 iso_8859-2:1987 l2 latin2",
    ),
    _single(
        "ISO-8859-3",
        "iso8859-3",
        "csisolatin3 iso-8859-3 iso-ir-109 iso8859-3 iso88593 iso_8859-3 iso_8859-3:1988 l3 latin3",
    ),
    _single(
        "ISO-8859-4",
        "iso8859-4",
        "csisolatin4 iso-8859-4 iso-ir-110 iso8859-4 iso88594 iso_8859-4 iso_8859-4:1988 l4 latin4",
    ),
    _single(
        "ISO-8859-5",
        "iso8859-5",
        "csisolatincyrillic cyrillic iso-8859-5 iso-ir-144 iso8859-5 iso88595 iso_8859-5"
        " iso_8859-5:1988",
    ),
    _single(
        "ISO-8859-6",
        "iso8859-6",
        "arabic asmo-708 csiso88596e csiso88596i csisolatinarabic ecma-114 iso-8859-6"
        " iso-8859-6-e iso-8859-6-i iso-ir-127 iso8859-6 iso88596 iso_8859-6 iso_8859-6:1987",
    ),
    _single(
        "ISO-8859-7",
        "iso8859-7",
        "csisolatingreek ecma-118 elot_928 greek greek8 iso-8859-7 iso-ir-126 iso8859-7"
        " iso88597 iso_8859-7 iso_8859-7:1987 sun_eu_greek",
    ),
    _single(
        "ISO-8859-8",
        "iso8859-8",
        "csiso88598e csisolatinhebrew hebrew iso-8859-8 iso-8859-8-e iso-ir-138 iso8859-8"
        " iso88598 iso_8859-8 iso_8859-8:1988 visual",
    ),
    # The same characters as ISO-8859-8, in logical order: a decoder does not tell them apart.
    _single("ISO-8859-8-I", "iso8859-8", "csiso88598i iso-8859-8-i logical"),
    _single(
        "ISO-8859-10",
        "iso8859-10",
        "csisolatin6 iso-8859-10 iso-ir-157 iso8859-10 iso885910 l6 latin6",
    ),
    _single("ISO-8859-13", "iso8859-13", "iso-8859-13 iso8859-13 iso885913"),
    _single("ISO-8859-14", "iso8859-14", "iso-8859-14 iso8859-14 iso885914"),
    _single(
        "ISO-8859-15",
        "iso8859-15",
        "csisolatin9 iso-8859-15 iso8859-15 iso885915 iso_8859-15 l9",
    ),
    _single("ISO-8859-16", "iso8859-16", "iso-8859-16"),
    _single("KOI8-R", "koi8-r", "cskoi8r koi koi8 koi8-r koi8_r"),
    _single("KOI8-U", "koi8-u", "koi8-ru koi8-u"),
    _single("macintosh", "mac-roman", "csmacintosh mac macintosh x-mac-roman"),
    _single(
        "windows-874",
        "cp874",
        "dos-874 iso-8859-11 iso8859-11 iso885911 tis-620 windows-874",
    ),
    _single("windows-1250", "cp1250", "cp1250 windows-1250 x-cp1250"),
    _single("windows-1251", "cp1251", "cp1251 windows-1251 x-cp1251"),
    _single(
        "windows-1252",
        "cp1252",
        "ansi_x3.4-1968 ascii cp1252 cp819 csisolatin1 ibm819 iso-8859-1 iso-ir-100 iso8859-1"
        " iso88591 iso_8859-1 iso_8859-1:1987 l1 latin1 us-ascii windows-1252 x-cp1252",
    ),
    _single("windows-1253", "cp1253", "cp1253 windows-1253 x-cp1253"),
    _single(
        "windows-1254",
        "cp1254",
        "cp1254 csisolatin5 iso-8859-9 iso-ir-148 iso8859-9 iso88599 iso_8859-9"
        " iso_8859-9:1989 l5 latin5 windows-1254 x-cp1254",
    ),
    _single("windows-1255", "cp1255", "cp1255 windows-1255 x-cp1255"),
    _single("windows-1256", "cp1256", "cp1256 windows-1256 x-cp1256"),
    _single("windows-1257", "cp1257", "cp1257 windows-1257 x-cp1257"),
    _single("windows-1258", "cp1258", "cp1258 windows-1258 x-cp1258"),
    _single("x-mac-cyrillic", "mac-cyrillic", "x-mac-cyrillic x-mac-ukrainian"),
    _multi(
        "GBK",
        "gb18030",
        "chinese csgb2312 csiso58gb231280 gb2312 gb_2312 gb_2312-80 gbk iso-ir-58 x-gbk",
    ),
    _multi("gb18030", "gb18030", "gb18030"),
    _multi("Big5", "big5hkscs", "big5 big5-hkscs cn-big5 csbig5 x-x-big5"),
    _multi("EUC-JP", "euc_jp", "cseucpkdfmtjapanese euc-jp x-euc-jp"),
    _multi("ISO-2022-JP", "iso2022_jp", "csiso2022jp iso-2022-jp"),
    _multi(
        "Shift_JIS",
        "cp932",
        "csshiftjis ms932 ms_kanji shift-jis shift_jis sjis windows-31j x-sjis",
    ),
    _multi(
        "EUC-KR",
        "cp949",
        "cseuckr csksc56011987 euc-kr iso-ir-149 korean ks_c_5601-1987 ks_c_5601-1989 ksc5601"
        " ksc_5601 windows-949",
    ),
    _multi("UTF-16BE", "utf-16-be", "unicodefffe utf-16be"),
    _multi(
        "UTF-16LE",
        "utf-16-le",
        "csunicode iso-10646-ucs-2 ucs-2 unicode unicodefeff utf-16 utf-16le",
    ),
)

#: The languages (as charset-normalizer names them) whose legacy web pages are in windows-1252.
WINDOWS_1252_LANGUAGES: Final = frozenset(
    {"Danish", "Dutch", "English", "Finnish", "French", "German", "Indonesian", "Italian"}
    | {"Norwegian", "Portuguese", "Spanish", "Swedish"}
)

#: The encodings undeclared legacy pages are written in, as codecs: those a browser falls back
#: to in some locale (the HTML Standard's suggested defaults: windows-1250 to 1258, 874,
#: ISO-8859-2 and -7, GBK/gb18030, Big5, Shift_JIS, EUC-KR) plus KOI8-R/U and EUC-JP, which
#: Russian, Ukrainian and Japanese sites used as much. Rare ones (Mac, DOS, the other ISO-8859
#: parts) are left out: a detector that may pick them takes short Western text for them.
LEGACY_DEFAULTS: Final = frozenset(
    {"cp1250", "cp1251", "cp1252", "cp1253", "cp1254", "cp1255", "cp1256", "cp1257", "cp1258"}
    | {"cp874", "iso8859-2", "iso8859-7", "gb18030", "big5hkscs", "cp932", "cp949"}
    | {"koi8-r", "koi8-u", "euc_jp"}
)
