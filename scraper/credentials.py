"""Credentials written into URLs (``https://user:secret@host/``): kept out of what is stored,
printed or exported.

A URL's user information is a password or token more often than not. These functions work on
the text as written (no parsing, no normalising), so that they apply to any URL a message or
a record holds, well-formed or not. Like ``urlsplit``, they take the user information to end
at the authority's last ``@``.
"""

from __future__ import annotations

import re

__all__ = ["REDACTED", "redact", "userinfo_of", "with_userinfo", "without_userinfo"]

#: What stands for a password (or a user name alone, often a token) once redacted.
REDACTED = "***"
# scheme://userinfo@ : the authority ends at the first / ? # or whitespace, so the greedy
# [^/?#\s]* stops at its last @.
_USERINFO = re.compile(r"(?i)\b(https?://)([^/?#\s]*)@")


def userinfo_of(url: str) -> str | None:
    """The user information of ``url`` as written (``user:secret``), or None."""
    found = _USERINFO.match(url.lstrip()) if "@" in url else None
    return found[2] if found is not None else None


def without_userinfo(url: str) -> str:
    """``url`` without its user information (and the ``@``), the rest as written."""
    found = _USERINFO.match(url.lstrip()) if "@" in url else None
    return url if found is None else found[1] + url.lstrip()[found.end() :]


def with_userinfo(url: str, userinfo: str) -> str:
    """``url`` (an absolute http(s) URL) with ``userinfo`` as its user information."""
    scheme, rest = without_userinfo(url).split("://", 1)
    return f"{scheme}://{userinfo}@{rest}"


def redact(text: str) -> str:
    """``text`` (a URL, a message) with the credentials of every http(s) URL in it redacted: the
    password shown as ``***``, and a user name that has no password too (often a token)."""
    return _USERINFO.sub(_redacted, text) if "@" in text else text


def _redacted(found: re.Match[str]) -> str:
    user, colon, _ = found[2].partition(":")
    return f"{found[1]}{user}:{REDACTED}@" if colon else f"{found[1]}{REDACTED}@"
