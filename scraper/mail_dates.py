"""Dates in the mail format (RFC 5322, RFC 822) that RSS pubDates and some meta tags use.

The standard library's reader takes any year below 100 for a two-digit one (``01`` -> 2001,
as RFC 822 wrote years), however it is written. A year written ``0001`` is not that: it is
.NET's ``DateTime.MinValue``, which feeds print for an item without a date, and read as 2001
it made a new item look 25 years old, past every age window. Years written with more digits
are read as written here.
"""

from __future__ import annotations

import re
from datetime import datetime
from email.utils import parsedate_to_datetime

__all__ = ["parse_mail_date"]

#: A token of digits alone, between spaces or commas: the day and the year (a time holds
#: colons, a zone a sign).
_NUMBER_TOKEN = re.compile(r"(?:^|(?<=[\s,]))(\d+)(?=[\s,]|$)")


def parse_mail_date(text: str) -> datetime:
    """The date ``text`` writes, aware when it names a zone.

    Raises what ``email.utils.parsedate_to_datetime`` raises for text it cannot read
    (ValueError, TypeError, IndexError, OverflowError), and ValueError for a year 0.
    """
    value = parsedate_to_datetime(text)
    if not 1969 <= value.year <= 2068:
        return value  # read from a year of four or more digits: as written
    if str(value.year) in text:
        return value  # written in four digits (the common case: no need to find the tokens)
    two_digits = value.year % 100
    for token in _NUMBER_TOKEN.findall(text):
        if len(token) > 2 and int(token) == two_digits:
            # A year of more than two digits, which the two-digit rule moved by a century.
            return value.replace(year=two_digits)
    return value
