"""How the fetcher behaves: frozen, keyword-only settings with safe defaults.

Defaults are for a polite crawl of untrusted links: robots.txt honoured, one request per host
per second, two connections per host, private and internal addresses refused.
"""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from scraper.errors import ConfigError

__all__ = [
    "DEFAULT_USER_AGENT",
    "DOCUMENT_TYPES",
    "FEED_TYPES",
    "HTML_TYPES",
    "SITEMAP_TYPES",
    "UNTYPED_TYPES",
    "FetchOptions",
    "HostPace",
    "Limits",
    "Politeness",
    "RetryPolicy",
    "Timeouts",
    "parse_networks",
]

#: Says what the client is; ``FetchOptions.contact`` adds how to reach whoever runs it.
DEFAULT_USER_AGENT = "scraper/0.1 (news article extractor; python-httpx)"

HTML_TYPES: frozenset[str] = frozenset({"text/html", "application/xhtml+xml"})
FEED_TYPES: frozenset[str] = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/feed+json",
        "application/xml",
        "text/xml",
        # RSS 1.0 is RDF; the other two are pre-registration spellings servers still send.
        "application/rdf+xml",
        "application/x-rss+xml",
        "text/rss+xml",
    }
)
SITEMAP_TYPES: frozenset[str] = frozenset(
    {"application/xml", "text/xml", "text/plain", "application/gzip", "application/x-gzip"}
)
#: "Some bytes": what S3 and CloudFront serve an ``.xml.gz`` sitemap as unless told
#: otherwise. A document of these types is judged by its first bytes instead.
UNTYPED_TYPES: frozenset[str] = frozenset({"application/octet-stream", "binary/octet-stream"})
#: What a discovery document may come as: section pages (and feeds some servers label
#: HTML), feeds (JSON ones as plain JSON), sitemaps, and untyped bytes.
DOCUMENT_TYPES: frozenset[str] = (
    HTML_TYPES | FEED_TYPES | SITEMAP_TYPES | UNTYPED_TYPES | {"application/json"}
)

_MB = 1024 * 1024
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True, slots=True, kw_only=True)
class Timeouts:
    """Seconds allowed to connect, between two reads, and for a whole attempt (body included)."""

    connect: float = 10.0
    read: float = 20.0
    total: float = 60.0


@dataclass(frozen=True, slots=True, kw_only=True)
class Limits:
    """Caps on one response (bytes on the wire, after decompression, redirect hops), and on the
    number of hosts whose connections are kept open at once.

    Discovery documents (feeds, sitemaps: ``fetch(..., document=True)``) have caps of their
    own, as sitemaps.org allows a sitemap 50 MB uncompressed; the decompressed cap still
    bounds a compression bomb.
    """

    max_body: int = 10 * _MB
    max_decoded: int = 20 * _MB
    max_document_body: int = 50 * _MB
    max_document_decoded: int = 50 * _MB
    max_redirects: int = 10
    max_robots_body: int = 512 * 1024
    max_host_clients: int = 256


@dataclass(frozen=True, slots=True, kw_only=True)
class HostPace:
    """A stricter pace for some host than every host gets: an interval and a concurrency."""

    min_interval: float
    concurrency: int


class _HostPaces(Mapping[str, HostPace]):
    """``Politeness.hosts`` as stored: a copy of the mapping given, read-only as the frozen
    options around it are, and hashable and picklable (a MappingProxyType is neither)."""

    __slots__ = ("_paces",)

    def __init__(self, paces: Mapping[str, HostPace]) -> None:
        self._paces = dict(paces)

    def __getitem__(self, key: str) -> HostPace:
        return self._paces[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._paces)

    def __len__(self) -> int:
        return len(self._paces)

    def __hash__(self) -> int:
        return hash(frozenset(self._paces.items()))

    def __repr__(self) -> str:
        return repr(self._paces)


@dataclass(frozen=True, slots=True, kw_only=True)
class Politeness:
    """robots.txt handling and the per-host / global pacing of requests.

    ``min_interval`` is the least time between the starts of two requests to one host; a
    robots.txt Crawl-delay raises it (up to ``max_crawl_delay``). ``robots_error_ttl`` is how
    long a 5xx/unreachable robots.txt keeps its host disallowed before it is asked again.
    ``hosts`` holds stricter paces for some hosts, keyed by ``name:port``, ``name`` (any port)
    or a name that also covers its ``www.`` form; the hosts an entry covers share one pace.
    """

    respect_robots: bool = True
    min_interval: float = 1.0
    per_host_concurrency: int = 2
    global_concurrency: int = 32
    max_crawl_delay: float = 60.0
    robots_ttl: float = 24 * 3600.0
    robots_error_ttl: float = 300.0
    hosts: Mapping[str, HostPace] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # A dict given stayed the caller's: changed after the checks, it changed the options.
        object.__setattr__(self, "hosts", _HostPaces(self.hosts))
        # Checked here rather than by the FetchOptions around it: a Politeness also goes alone
        # to RobotsCache, which kept a negative TTL's nothing or an infinite one's refusal.
        if self.per_host_concurrency < 1 or self.global_concurrency < 1:
            raise ConfigError("concurrency caps must be at least 1", key="politeness")
        for name, seconds in _politeness_seconds(self):
            # NaN compares False either way. An infinite interval never asked a host twice, an
            # infinite Crawl-delay cap honoured a robots.txt asking for 10^9 s, an infinite TTL
            # kept a host's 5xx robots.txt, and so its refusal, for good.
            if not 0 <= seconds < math.inf:
                raise ConfigError(f"must be a number of seconds >= 0, not {seconds!r}", key=name)
        for host, pace in self.hosts.items():
            if pace.concurrency < 1 or not 0 <= pace.min_interval < math.inf:
                raise ConfigError("needs a concurrency >= 1, an interval >= 0", key=host)


@dataclass(frozen=True, slots=True, kw_only=True)
class RetryPolicy:
    """Exponential backoff with full jitter; ``Retry-After`` honoured up to ``max_retry_after``."""

    attempts: int = 3
    base_delay: float = 0.5
    max_delay: float = 30.0
    max_retry_after: float = 120.0
    statuses: frozenset[int] = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True, slots=True, kw_only=True)
class FetchOptions:
    """Everything the fetcher needs to know; pass one to :class:`~scraper.fetch.Fetcher`.

    ``accept`` is the set of media types (without parameters) taken as a success; anything else
    is :class:`~scraper.errors.NotHTML`. ``document_accept`` is the same for discovery documents
    (``fetch(..., document=True)``), whose refusal is :class:`~scraper.errors.NotListing`.
    ``allow_networks`` names networks the address guard lets through although they are
    private/loopback/... (``("127.0.0.0/8",)`` in tests).
    ``contact`` (a URL or e-mail) is appended to the User-Agent so site owners can reach you.
    ``ca_file`` adds trusted certificates (PEM) to the system ones, e.g. a company's own CA.
    ``decide_charset`` sets ``Page.encoding`` (and fails a binary body as NotHTML) by decoding
    each body once; a caller that decodes the page anyway (the crawl's extraction workers)
    turns it off and leaves the decision, and the binary check, to that decode.
    """

    user_agent: str = DEFAULT_USER_AGENT
    contact: str | None = None
    timeouts: Timeouts = field(default_factory=Timeouts)
    limits: Limits = field(default_factory=Limits)
    politeness: Politeness = field(default_factory=Politeness)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    accept: frozenset[str] = HTML_TYPES
    document_accept: frozenset[str] = DOCUMENT_TYPES
    allow_networks: tuple[str, ...] = ()
    http2: bool = False
    ca_file: str | None = None
    decide_charset: bool = True

    def __post_init__(self) -> None:
        parse_networks(self.allow_networks)
        for key, value in (("user_agent", self.user_agent), ("contact", self.contact)):
            # Both go out in the User-Agent header of every request, which carries only ASCII.
            if value is not None and not (value.isascii() and value.isprintable()):
                raise ConfigError(f"must be printable ASCII, not {value!r}", key=key)
        if self.user_agent and not self.user_agent.split("/", 1)[0].strip():
            # robots.txt groups are matched on that product name; there is none to match.
            message = f"must start with a product name ('name/1.0'), not {self.user_agent!r}"
            raise ConfigError(message, key="user_agent")
        limits = self.limits
        caps = (limits.max_body, limits.max_decoded)
        if min(*caps, limits.max_document_body, limits.max_document_decoded) <= 0:
            raise ConfigError("caps must be positive", key="limits")
        if self.limits.max_host_clients < 1:
            raise ConfigError("must be at least 1", key="limits.max_host_clients")
        if self.limits.max_redirects < 0:
            raise ConfigError("must not be negative", key="limits.max_redirects")
        for name, seconds in _waits(self):
            if not seconds >= 0:  # NaN compares False either way
                raise ConfigError("must not be negative", key=name)
        if self.limits.max_robots_body < 1:
            # Cut to nothing, every robots.txt would read as allowing everything.
            raise ConfigError("must be at least 1", key="limits.max_robots_body")
        for name, seconds in _deadlines(self.timeouts):
            if not 0 < seconds < math.inf:
                raise ConfigError(f"must be a positive number, not {seconds!r}", key=name)
        if self.retry.attempts < 1:
            raise ConfigError("must be at least 1", key="retry.attempts")

    @property
    def user_agent_header(self) -> str:
        """The User-Agent sent: the configured one plus the contact, when given."""
        if self.contact and self.contact not in self.user_agent:
            return f"{self.user_agent} (contact: {self.contact})"
        return self.user_agent

    @property
    def robots_agent(self) -> str:
        """The product token matched against robots.txt ``User-agent`` lines."""
        return self.user_agent.split("/", 1)[0].split()[0] if self.user_agent else "*"


def _waits(options: FetchOptions) -> tuple[tuple[str, float], ...]:
    """The retry settings in seconds that must not be negative (0 is no wait at all)."""
    retry = options.retry
    return (
        ("retry.base_delay", retry.base_delay),
        ("retry.max_delay", retry.max_delay),
        ("retry.max_retry_after", retry.max_retry_after),
    )


def _politeness_seconds(politeness: Politeness) -> tuple[tuple[str, float], ...]:
    """The politeness settings in seconds: finite, and 0 or more (0: no wait, nothing kept)."""
    return (
        ("politeness.min_interval", politeness.min_interval),
        ("politeness.max_crawl_delay", politeness.max_crawl_delay),
        ("politeness.robots_ttl", politeness.robots_ttl),
        ("politeness.robots_error_ttl", politeness.robots_error_ttl),
    )


def _deadlines(timeouts: Timeouts) -> tuple[tuple[str, float], ...]:
    return (
        ("timeouts.connect", timeouts.connect),
        ("timeouts.read", timeouts.read),
        ("timeouts.total", timeouts.total),
    )


def parse_networks(names: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    """Networks from CIDR strings (``"127.0.0.0/8"``, ``"::1/128"``).

    Raises:
        ConfigError: a name is not a network.
    """
    networks: list[IPNetwork] = []
    for name in names:
        try:
            networks.append(ipaddress.ip_network(name, strict=False))
        except ValueError as exc:
            raise ConfigError(f"not a network: {name!r}", key="allow_networks") from exc
    return tuple(networks)
