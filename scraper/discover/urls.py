"""URL identity: one spelling per article URL, and the page's canonical link when it can be trusted.

``normalise_url`` folds the spellings under which one page is served (scheme and host case,
a host's IDN and punycode spellings, default ports, fragments, tracking parameters, session
ids, AMP variants, trailing slashes, parameter order) into one string: a key, never sent to a
server. ``request_url`` is what is fetched: the URL as listed, only without what must not be
sent (credentials, fragment, stale session ids, tracking parameters). ``canonical_url`` prefers the
page's ``rel=canonical`` link when it points to the same site, because a cross-site canonical
is a claim about another publisher's page (syndication) rather than another spelling of this
one.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from contextlib import suppress
from types import MappingProxyType
from urllib.parse import quote, quote_plus, unquote_to_bytes, urljoin, urlsplit

import idna

from scraper.errors import InputError, shorten
from scraper.request_hosts import SENDABLE_HOST, sendable_port
from scraper.surrogates import has_surrogates

__all__ = [
    "canonical_url",
    "join_url",
    "normalise_url",
    "origin_of",
    "preferred",
    "request_url",
    "resolve_link",
    "site_of",
    "wire_host",
]

# --- data: what marks a query parameter or a path as tracking or AMP ---------------------------
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "gclsrc",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "mkt_tok",
        "_ga",
        "_gl",
        "_hsenc",
        "_hsmi",
        "hsctatracking",
        "oly_anon_id",
        "oly_enc_id",
        "vero_id",
        "ref",
        "ref_src",
        "ref_url",
        "cmpid",
        "ncid",
        "ocid",
        "smid",
        "sr_share",
        "s_cid",
        "icid",
        "ito",
        "spm",
        "share",
        "amp",
        "_amp",
        "outputtype",
        "__twitter_impression",
        # Click ids of other ad and social networks, and of recommendation widgets.
        "twclid",
        "ttclid",
        "li_fat_id",
        "epik",
        "srsltid",
        "tblci",
        "dicbo",
        "oborigurl",
        # Publishers' own campaign and share markers, each a tracking name wherever it occurs:
        # AT Internet's (French and Belgian news), comScore's and Webtrends' (BBC, Telegraph,
        # Zeit), internal-promotion ids (Washington Post, Fox, CNN), feed and share tags (CBS,
        # the Economist, Deutsche Welle, Reuters, CNBC, the Guardian, the New York Times), and
        # Yahoo's consent redirect. Generic names (``mod``, ``partner``, ``src``, ``s``, ``cid``)
        # are a story's id on some sites: dropping them could make two articles one key, and
        # the second would never be fetched.
        "xtor",
        "ns_source",
        "ns_mchannel",
        "ns_campaign",
        "ns_linkname",
        "ns_fee",
        "wt_mc",
        "wt_mc_id",
        "wt_zmc",
        "intcmp",
        "int_cmp",
        "itid",
        "ftag",
        "fsrc",
        "maca",
        "taid",
        "__source",
        "cmp",
        "emc",
        "smtyp",
        "sara_ecid",
        "soc_src",
        "soc_trk",
        "guccounter",
        "guce_referrer",
        "guce_referrer_sig",
    }
)
# Prefixes of names only trackers use: Google Analytics and Matomo campaigns, AT Internet's,
# Webtrends' ``WT.*``, HubSpot ads, Le Monde's ``lmd_*``, and Google's Extended Access
# (``gaa_at``, ``gaa_sig``...) that Google News adds to a publisher's links.
TRACKING_PREFIXES = ("utm_", "at_", "pk_", "mtm_", "ga_", "wt.", "hsa_", "lmd_", "gaa_")
# Session ids servers write into links for clients without cookies (PHP's trans-sid, Java
# servlet containers, ColdFusion): new for every visitor and every visit, so no part of a
# page's identity, and stale by the time a listing's link is fetched. Only names that are
# session ids wherever they occur: a generic "sid" is a story id on some sites.
SESSION_PARAMS = frozenset({"phpsessid", "jsessionid", "cfid", "cftoken"})
# Path parameters (";jsessionid=..." after a path segment) that are session ids.
SESSION_PATH_PARAMS = ("jsessionid",)
# ;jsessionid=... up to the next segment, parameter or the query; ASP.NET's cookieless
# session segment "/(S(...))" (with its "A(...)", "F(...)" companions) before the page's path.
_SESSION_PATH = re.compile(
    rf";(?:{'|'.join(map(re.escape, SESSION_PATH_PARAMS))})=[^/;?#]*"
    r"|/\((?:[A-Z]\([^()/]*\))+\)(?=/)",
    re.IGNORECASE,
)
AMP_CACHE_SUFFIX = ".cdn.ampproject.org"
#: The most AMP cache URLs one URL may nest (one is what the cache writes).
MAX_AMP_CACHE_DEPTH = 4
SITE_PREFIXES = ("www.", "amp.", "m.", "mobile.")
_AMP_PATH = re.compile(r"(?:^/amp(?=/)|/amp/?$|\.amp(?=$|\.html?$))", re.IGNORECASE)
_DEFAULT_PORTS: Mapping[str, int] = MappingProxyType({"http": 80, "https": 443})
# An absolute http(s) URL with a plain host (ASCII letters, digits, dots, hyphens: no user, no
# IPv6 literal), an optional decimal port, and no whitespace: urlsplit splits it into these
# groups exactly. Cases spelled out, not re.IGNORECASE: under it "s" and "k" also match "ſ"
# (U+017F) and the Kelvin sign, and "httpſ" is no scheme.
_PLAIN_URL = re.compile(
    r"([Hh][Tt][Tt][Pp][Ss]?)://([A-Za-z0-9.-]+)(?::([0-9]{1,5}))?(/[^?#\s]*)?(?:\?([^#\s]*))?"
    r"(?:#\S*)?"
)
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})|[^\x21-\x7e]")
# A query of name=value pairs of unreserved characters only: nothing to decode or escape.
_PLAIN_QUERY = re.compile(r"[\w.~-]+=[\w.~-]*(?:&[\w.~-]+=[\w.~-]*)*", re.ASCII)
# RFC 3986 unreserved characters: an escaped one is decoded, every other escape is upper-cased.
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
# ----------------------------------------------------------------------------------------------


def normalise_url(url: str) -> str:
    """The identity spelling of an absolute http(s) URL.

    Lower-cases scheme and host (a Unicode host in its IDNA ASCII form, as requests send
    it, without a trailing dot), drops user information (credentials are no part of a
    page's identity, and must not be stored with it), the default port, the fragment,
    tracking parameters (``utm_*``, ``fbclid``, ``gclid``...), session ids (``PHPSESSID``,
    ``;jsessionid=``...), AMP markers (``/amp`` path segments, ``.amp`` suffixes,
    ``amp``/``outputType`` parameters, Google AMP cache hosts) and a trailing slash, resolves
    ``.``/``..`` segments, normalises percent-escapes and sorts the query. Distinct requests
    keep distinct keys: a parameter without ``=`` stays without, and escapes that are not
    UTF-8 stay escapes.

    Raises:
        InputError: ``url`` is not an absolute http(s) URL with a host, or its host has no
            IDNA form.
    """
    scheme, host, port, path, raw_query = _publisher(url)
    netloc = _netloc(scheme, host, port)
    # Discovery normalises every link of every listing: the common cases skip the parsing.
    query = _normalise_query(raw_query) if raw_query else ""
    if ";" in path or "(" in path:
        path = _SESSION_PATH.sub("", path)
    return f"{scheme}://{netloc}{_normalise_path(path)}{'?' if query else ''}{query}"


def request_url(listed: str) -> str:
    """The URL to fetch for an article listed as ``listed``: its path and query as listed.

    Normalising is for keys only: a server may answer only its own spelling (``/story/``
    with its slash; ``?/news/x``, a query that is not name=value pairs; escapes in a legacy
    charset). Only what must not be sent goes: user information (a config's credentials are
    added back for their origin by the crawl), the fragment, session ids (a listing's is
    stale by now) and tracking parameters (our requests are no campaign's visits; the page
    is the same without them, as its key says). Host and port are written as
    ``normalise_url`` writes them, the name the request sends; an article listed on a Google
    AMP cache is fetched from its publisher.

    Raises:
        InputError: ``listed`` is not an absolute http(s) URL with a host, or its host has no
            IDNA form.
    """
    scheme, host, port, path, query = _publisher(listed)
    if ";" in path or "(" in path:
        path = _SESSION_PATH.sub("", path)
    if query:
        query = "&".join(p for p in query.split("&") if not _is_dropped(_name_of(p)))
    netloc = _netloc(scheme, host, port)
    return f"{scheme}://{netloc}{path or '/'}{'?' if query else ''}{query}"


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of an http(s) URL, written as ``normalise_url`` writes them.

    Raises:
        InputError: ``url`` is not an absolute http(s) URL with a host, or its host has no
            IDNA form.
    """
    scheme, hostname, port, _, _ = _split(url)
    return f"{scheme}://{_netloc(scheme, _host(hostname, url), port)}"


def _host(hostname: str, url: str) -> str:
    host = hostname.rstrip(".")
    if not host:
        raise InputError(f"not an absolute http(s) URL: {shorten(url)!r} (its host is dots)")
    if not host.isascii():
        return wire_host(host, url)
    if SENDABLE_HOST.fullmatch(host) is None:
        # A space, a quote, a '<': looked up or sent, such a name fails on every run.
        raise InputError(f"no request can name the host of {shorten(url)!r}")
    return host


def _netloc(scheme: str, host: str, port: int | None) -> str:
    if ":" in host:
        host = f"[{host}]"  # an IPv6 address, bracketed again as a URL writes it
    return host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"


def _split(url: str) -> tuple[str, str, int | None, str, str]:
    """Scheme (lower-case), host name, port, path and query of an http(s) URL.

    Raises:
        InputError: ``url`` is not an absolute http(s) URL with a host, or its port is bad.
    """
    stripped = url.strip()
    if has_surrogates(stripped):
        # Half of an emoji a JSON producer cut: no request can send it (quote() fails).
        raise InputError(f"URL with a lone UTF-16 surrogate: {shorten(url)!r}")
    plain = _PLAIN_URL.fullmatch(stripped)
    if plain is not None:
        # What urlsplit and its host and port properties would find, read in one match
        # (they parse the URL three times over, some 5 us a link); its groups taken at once
        # (one by one, they cost as much as the match).
        scheme, host, port_text, path, query = plain.groups()
        port = None if port_text is None else int(port_text)
        if sendable_port(port):
            return scheme.lower(), host.lower(), port, path or "", query or ""
    try:
        # urlsplit refuses a bad IPv6 literal or a host that NFKC turns into a delimiter;
        # .port a port out of range.
        parts = urlsplit(stripped)
        hostname = parts.hostname
        port = parts.port
    except ValueError as exc:
        raise InputError(f"malformed URL {shorten(url)!r}: {exc}") from exc
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not hostname:
        raise InputError(f"not an absolute http(s) URL: {shorten(url)!r}")
    if not sendable_port(port):
        raise InputError(f"malformed URL {shorten(url)!r}: port {port} is no port to send to")
    return scheme, hostname, port, parts.path, parts.query


def wire_host(host: str, url: str) -> str:
    """A Unicode host name as requests send it: IDNA ASCII ("punycode") labels.

    Mapped by UTS #46 first, as browsers do: where httpx encodes a name itself (IDNA 2008 of
    the lower-cased name) the result is the same, and a name httpx refuses only for its
    spelling (full-width letters, a decomposed accent) gets the one ASCII form of its host.

    Raises:
        InputError: the name has no IDNA form (a symbol such as U+2603, an empty or too long
            label). An ASCII name is sent as it is, so it is not checked here.
    """
    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except UnicodeError as exc:  # idna.IDNAError is one
        raise InputError(f"host has no IDNA (punycode) form in {shorten(url)!r}: {exc}") from exc


def resolve_link(base_url: str, link: str) -> str:
    """``link`` made absolute against ``base_url``.

    Feeds and sitemaps list absolute http(s) URLs nearly always: those are returned as they are
    (``urljoin`` only re-assembles them, at some 30 µs a link), to be normalised afterwards.
    """
    if link.startswith(("https://", "http://")):
        return link
    try:
        return join_url(base_url, link)
    except InputError:
        return link  # left for normalisation to refuse, as one entry of its listing


def join_url(base_url: str, link: str) -> str:
    """``urljoin(base_url, link)``.

    Raises:
        InputError: either is malformed (a bad IPv6 literal, say), which urljoin reports with
            a ValueError.
    """
    try:
        return urljoin(base_url, link)
    except ValueError as exc:
        raise InputError(
            f"malformed link {shorten(link)!r} (base {shorten(base_url)!r}): {exc}"
        ) from exc


def canonical_url(url: str, canonical: str | None) -> str:
    """The identity of a page at ``url`` whose ``rel=canonical`` link is ``canonical``.

    The canonical link (resolved against ``url``) wins when it is a valid http(s) URL on the same
    site that does not name a page above this one (the home page, a section: a common template
    bug) nor the same path without this page's query; otherwise the normalised ``url`` is used.

    Raises:
        InputError: ``url`` is not an absolute http(s) URL.
    """
    own = normalise_url(url)
    if not canonical or not canonical.strip():
        return own
    try:
        target = normalise_url(join_url(url.strip(), canonical.strip()))
    except InputError:
        return own
    return preferred(own, target)


def preferred(own: str, target: str) -> str:
    """``canonical_url``'s choice between a page's normalised URL and its normalised canonical
    link."""
    if site_of(target) != site_of(own):
        return own
    mine, named = urlsplit(own), urlsplit(target)
    if named.path == mine.path:
        # The page's own path without the query that tells its articles apart
        # ("article.php" for "article.php?id=7") names every article of the site at once.
        return own if mine.query and not named.query else target
    # A page above this one (the home page, the section) is a template's canonical link for
    # every article under it, not this page's identity: keys must not merge different articles.
    if mine.path.startswith(named.path.rstrip("/") + "/"):
        return own
    return target


def site_of(url: str) -> str:
    """The site a URL belongs to: its host without ``www.``/``m.``/``amp.``, or "" if none."""
    stripped = url.strip()
    plain = _PLAIN_URL.fullmatch(stripped)
    try:
        named = plain[2] if plain is not None else urlsplit(stripped).hostname
    except ValueError:
        return ""  # malformed, as "not a url" is
    host = (named or "").lower().rstrip(".")
    if not host.isascii():
        # A name with no IDNA form is no URL normalisation accepts: its site is its name.
        with suppress(InputError):
            host = wire_host(host, url)
    for prefix in SITE_PREFIXES:
        if host.startswith(prefix) and host.count(".") >= 2:
            return host[len(prefix) :]
    return host


def _normalise_path(path: str) -> str:
    if "%" in path or not (path.isascii() and path.isprintable()) or " " in path:
        path = _ESCAPE.sub(_escape, path)
    if not path:
        return "/"
    if "amp" in path.lower():
        path = _AMP_PATH.sub("", path) or "/"
    if len(path) > 1:
        if "/." not in path and "//" not in path:
            # Nothing for normpath to resolve: at most the trailing slash goes.
            return path[:-1] if path.endswith("/") else path
        trailing = path.endswith("/")
        path = posixpath.normpath(path)
        if path.startswith("//"):
            path = "/" + path.lstrip("/")
        if trailing and path != "/":
            path = path.rstrip("/")
    return path


def _escape(match: re.Match[str]) -> str:
    hexdigits = match.group(1)
    if hexdigits is None:
        return quote(match.group(0), safe="")
    char = chr(int(hexdigits, 16))
    return char if char in _UNRESERVED else f"%{hexdigits.upper()}"


def _normalise_query(query: str) -> str:
    if _PLAIN_QUERY.fullmatch(query):
        # name=value pairs with nothing to decode: only dropped parameters and order change.
        plain = [p for p in query.split("&") if not _is_dropped(_name_of(p))]
        plain.sort(key=lambda p: p.partition("=")[0])
        return "&".join(plain)
    kept: list[tuple[bytes, str]] = []
    for part in query.split("&"):
        if not part:
            continue
        name, equals, value = part.partition("=")
        if _is_dropped(_name_of(name)):
            continue
        named = _unescaped(name)
        written = _escaped(named) + equals + (_escaped(_unescaped(value)) if equals else "")
        kept.append((named, written))
    kept.sort(key=lambda kv: kv[0])
    return "&".join(written for _, written in kept)


def _unescaped(text: str) -> bytes:
    """A query name or value decoded to bytes (``+`` is a space), not to text: an escape
    that is no UTF-8 (a page in a legacy charset) stays the byte it names."""
    return unquote_to_bytes(text.replace("+", " "))


def _escaped(data: bytes) -> str:
    # As urlencode writes a parameter: all but unreserved characters escaped, a space as "+".
    return quote_plus(data, safe="")


def _is_dropped(name: str) -> bool:
    return name in TRACKING_PARAMS or name.startswith(TRACKING_PREFIXES) or name in SESSION_PARAMS


def _name_of(param: str) -> str:
    """The name of a query parameter as written (``name=value``), decoded and lower-cased."""
    name = param.partition("=")[0]
    if "%" in name or "+" in name:
        return _unescaped(name).decode("utf-8", "replace").lower()
    return name.lower()


def _publisher(url: str) -> tuple[str, str, int | None, str, str]:
    """Scheme, host (as requests send it), port, path and query of ``url``, or of the
    publisher's URL it names when it is on a Google AMP cache.

    Raises:
        InputError: ``url`` (or the URL it names) is not an absolute http(s) URL with a host,
            its host has no IDNA form, or it nests AMP cache URLs deeper than
            ``MAX_AMP_CACHE_DEPTH``.
    """
    target = url
    for _ in range(MAX_AMP_CACHE_DEPTH + 1):
        scheme, hostname, port, path, query = _split(target)
        host = _host(hostname, target)
        if not host.endswith(AMP_CACHE_SUFFIX):
            return scheme, host, port, path, query
        target = _amp_cache_target(path, query)
    # The cache names a publisher's page, never another cache URL: a chain this deep is
    # hostile (a few thousand levels overflowed the stack when this recursed).
    raise InputError(f"AMP cache URL nested more than {MAX_AMP_CACHE_DEPTH} deep: {shorten(url)!r}")


def _amp_cache_target(path: str, query: str) -> str:
    """The publisher's URL of a Google AMP cache path, as the cache writes it.

    Raises:
        InputError: the path is no AMP cache path.
    """
    # /c/s/<host>/<path> (https) or /c/<host>/<path> (http), also /v/ for video.
    segments = path.lstrip("/").split("/")
    if len(segments) < 2 or segments[0] not in ("c", "v", "i"):
        raise InputError(f"unrecognised AMP cache path: {shorten(path)!r}")
    scheme = "http"
    rest = segments[1:]
    if rest and rest[0] == "s":
        scheme, rest = "https", rest[1:]
    if not rest or not rest[0]:
        raise InputError(f"AMP cache path without a host: {shorten(path)!r}")
    inner = f"{scheme}://{'/'.join(rest)}"
    return f"{inner}?{query}" if query else inner
