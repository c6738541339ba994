"""A request's URL, split once into what the fetcher and its transports read from it.

httpx.URL parses a URL in Python character by character (about 0.15M instructions for an
article's address, its properties rebuilding strings on every read), and the fetcher read it
some ten times a request. A URL of the plain form the crawl's normalised addresses take
(http or https, a host of letters, digits, dots and hyphens, an optional port, a path and
query of the characters httpx leaves as they are) is read by one regular expression into
exactly the parts httpx would give; any other URL goes through httpx.URL, as before.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import httpx

__all__ = ["Target", "TargetReader", "parse_target"]

_DEFAULT_PORTS: Mapping[str, int] = MappingProxyType({"http": 80, "https": 443})
#: httpx refuses longer URLs (``httpx._urlparse.MAX_URL_LENGTH``); they take httpx's way.
_MOST = 65536
# What httpx leaves unchanged: in a path, printable ASCII but space " # < > ? ` { }; in a
# query, printable ASCII but space " # < >. A fragment is dropped, so its characters only
# need to be ones httpx accepts (no ASCII control character). A "." or ".." segment is
# removed by httpx: a path holding "/." takes httpx's way, and so does an empty fragment. So
# does a scheme not in lower case: httpx looks its default port up as written, and again in
# lower case when it drops a fragment.
_PLAIN = re.compile(
    r"(https?)://([A-Za-z0-9.-]+)(?::([0-9]{1,5}))?"
    r"(/[!$%&'()*+,\-./0-9:;=@A-Z\[\\\]^_a-z|~]*)"
    r"(?:\?([!$%&'()*+,\-./0-9:;=?@A-Z\[\\\]^_`a-z{|}~]*))?"
    r"(?:#([^\x00-\x1f\x7f]*))?"
)
# httpx checks a host of this shape as an IPv4 address (and refuses it if it is not one).
_IPV4_SHAPE = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+")
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4 = re.compile(rf"{_OCTET}\.{_OCTET}\.{_OCTET}\.{_OCTET}")


@dataclass(frozen=True, slots=True)
class Target:
    """An absolute URL as httpx normalises it, without its fragment.

    ``host`` is as sent on the wire (IDNA-encoded, an IPv6 address without brackets),
    ``port`` None for the scheme's default, ``netloc`` the ``Host`` header's value,
    ``path`` the request target (path and query) and ``auth`` the ``Authorization`` header
    the URL's user information (``user:secret@``) asks for, as curl and httpx send it.
    """

    url: str
    scheme: str
    host: str
    port: int | None
    netloc: str
    path: str
    auth: str | None = None

    @property
    def origin(self) -> str:
        """``scheme://netloc``."""
        return f"{self.scheme}://{self.netloc}"

    @classmethod
    def of(cls, url: httpx.URL) -> Target:
        """The target of a parsed URL (its fragment dropped)."""
        if url.fragment:
            # copy_with parses the whole URL again, so only when there is a fragment.
            url = url.copy_with(fragment=None)
        return cls(
            url=str(url),
            scheme=url.scheme,
            host=url.raw_host.decode("ascii"),
            port=url.port,
            netloc=url.netloc.decode("ascii"),
            path=url.raw_path.decode("ascii"),
            auth=_basic_auth(url.username, url.password) if url.userinfo else None,
        )


def parse_target(raw: str) -> Target:
    """``raw`` as httpx.URL reads it, without the fragment.

    Raises:
        httpx.InvalidURL, TypeError, ValueError: what httpx.URL raises for ``raw``.
    """
    plain = _PLAIN.fullmatch(raw) if len(raw) <= _MOST else None
    if plain is not None:
        scheme, host, port_text, path, query, fragment = plain.groups()
        host = host.lower()
        checked = _IPV4_SHAPE.fullmatch(host) is None or _IPV4.fullmatch(host) is not None
        # An empty fragment stays, as "#" (httpx's copy_with is asked to drop only others).
        if checked and "/." not in path and fragment != "":
            port = None if port_text is None else int(port_text)
            if port == _DEFAULT_PORTS[scheme]:
                port = None
            netloc = host if port is None else f"{host}:{port}"
            target = path if query is None else f"{path}?{query}"
            return Target(f"{scheme}://{netloc}{target}", scheme, host, port, netloc, target)
    return Target.of(httpx.URL(raw))


class TargetReader:
    """``parse_target`` that keeps the URLs it read lately: a crawl asks for a URL's lane (its
    host's pacing key) when it takes the URL, and fetches it then or, when the host has its
    share of requests under way, a little later; either way the URL was read twice (some 30K
    instructions a page). At most ``most`` URLs are kept (all are dropped when that is
    reached). Errors are raised each time, as ``parse_target`` raises them."""

    __slots__ = ("_most", "_read")

    def __init__(self, most: int = 1024) -> None:
        self._most = most
        self._read: dict[str, Target] = {}

    def __call__(self, raw: str) -> Target:
        found = self._read.get(raw)
        if found is not None:
            return found
        target = parse_target(raw)
        if len(self._read) >= self._most:
            self._read.clear()
        self._read[raw] = target
        return target


def _basic_auth(username: str, password: str) -> str:
    # As httpx's BasicAuth writes it: the decoded user name and password, in UTF-8.
    token = base64.b64encode(f"{username}:{password}".encode())
    return "Basic " + token.decode("ascii")
