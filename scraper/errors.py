"""The one error tree of scraper.

Every error scraper raises derives from :class:`ScraperError`. Errors of the libraries below
(httpx, sqlite3, tomllib, json, ...) are translated at the boundary with ``raise ... from exc``.

    ScraperError
    ├── InputError                  bad input handed to scraper by its caller
    │   ├── DecodeError             bytes that are not an HTML document (binary, NUL-ridden),
    │   │                           or a body not valid in its Content-Encoding
    │   ├── RecordError             a JSONL record without the fields a command needs
    │   └── ParseError              markup the HTML parser could not build a tree of (in
    │       │                       practice: it ran out of memory on pathological nesting),
    │       │                       or a feed whose lenient parser's process failed
    │       └── ParseLimit          a feed the lenient parser could not read within its time
    │                               or memory limit
    ├── ConfigError                 invalid configuration; ``key`` names the offending key
    ├── FetchError                  a URL could not be fetched; ``url`` is always set
    │   ├── InvalidURL              a URL asked for that cannot be requested (syntax, port)
    │   ├── FetchTimeout            connect, read or total deadline passed
    │   ├── NetworkError            refused, reset, DNS failure, TLS failure
    │   ├── HTTPStatusError         a final 4xx/5xx answer; ``status`` holds it (and
    │   │                           ``retry_after`` a wait asked that is longer than we wait)
    │   ├── TooLarge                body or decompressed body over its cap
    │   ├── UnsupportedEncoding     a body in a Content-Encoding the fetcher does not decode
    │   ├── NotHTML                 content type outside the accepted set
    │   │   └── NotListing          a feed/sitemap/section page of a type no listing comes as
    │   ├── RedirectError           too many redirects, a loop, or a bad Location
    │   ├── RobotsDisallowed        robots.txt forbids the URL for our user agent
    │   ├── AddressRefused          the address guard refused the host (private, loopback...)
    │   ├── RobotsUnavailable       robots.txt answered 429/5xx or was unusable: try later
    │   └── HostWaiting             the host asked (Retry-After) to be left alone for longer
    │                               than we wait, and that time has not passed: not asked
    ├── StoreError                  the store could not read or write
    │   ├── StoreLocked             another run holds the store's run lock
    │   ├── UnreadableArticle       one stored article's record cannot be read back (a damaged
    │   │                           row, or a record a newer version wrote)
    │   └── UnreadableListing       what a stored discovery document listed cannot be read
    │                               back (a damaged row): reading the document again mends it
    ├── DedupError                  the near-duplicate index is inconsistent or unusable
    ├── WorkerUnavailable           an extraction worker process could not be started (no
    │                               interpreter there, no processes or memory left)
    └── CrawlStopped                a crawl run ended early on a signal it was asked to obey

Control flow is not signalled with these: a page that is "not modified" (304) is a normal
result of a fetch, not an error.

Every error pickles and copies whole, message and fields (``ScraperError.__reduce__``), so one
raised in a worker process reaches its caller as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from scraper.credentials import redact

__all__ = [
    "AddressRefused",
    "ConfigError",
    "CrawlStopped",
    "DecodeError",
    "DedupError",
    "FetchError",
    "FetchTimeout",
    "HTTPStatusError",
    "HostWaiting",
    "InputError",
    "InvalidURL",
    "NetworkError",
    "NotHTML",
    "NotListing",
    "ParseError",
    "ParseLimit",
    "RecordError",
    "RedirectError",
    "RobotsDisallowed",
    "RobotsUnavailable",
    "ScraperError",
    "StoreError",
    "StoreLocked",
    "TooLarge",
    "UnreadableArticle",
    "UnreadableListing",
    "UnsupportedEncoding",
    "WorkerUnavailable",
]

#: How much of a URL (or other value) a message quotes; a 100,000-character URL made
#: a 300 KB error line.
SHORT = 200


def shorten(text: str, most: int = SHORT) -> str:
    """``text`` as a message quotes it: credentials redacted (before the cut, which could
    leave a long token's start unrecognised), then its first ``most`` characters and an
    ellipsis. (Not in ``__all__``, which lists the error classes.)
    """
    text = redact(text)
    return text if len(text) <= most else text[:most] + "…"


class ScraperError(Exception):
    """Base class of every error scraper raises."""

    #: A short, stable, machine-readable name (used in failure records and JSON output).
    kind: str = "error"

    def __reduce__(self) -> tuple[Callable[..., ScraperError], tuple[Any, ...], dict[str, Any]]:
        # pickle and copy remake an exception by calling its class with ``args``, the finished
        # message, which the keyword-only fields of most subclasses (``url=``...) refused: the
        # error then failed to cross a process pool. Remade without ``__init__`` instead, its
        # attributes put back as they were, every subclass round-trips with no code of its own.
        return _remade, (type(self), self.args), self.__dict__


def _remade(cls: type[ScraperError], args: tuple[Any, ...]) -> ScraperError:
    """An error of class ``cls`` with ``args`` and no attributes yet (``__reduce__``)."""
    return cls.__new__(cls, *args)


class InputError(ScraperError):
    """Input handed to scraper by its caller is unusable."""

    kind = "input"


class DecodeError(InputError):
    """The bytes cannot be read: not an HTML document (binary data, text too broken to parse),
    or a body not valid in its Content-Encoding (the fetcher reports that one as a
    :class:`NetworkError` of its URL, and a coding it does not decode at all as an
    :class:`UnsupportedEncoding`)."""

    kind = "decode"


class RecordError(InputError):
    """A record (for example a JSONL line) lacks a field or has one of the wrong type."""

    kind = "record"


class ParseError(InputError):
    """Markup the HTML parser could not build a tree of, or a feed whose lenient parser's
    process (:mod:`scraper.crawl.lenient_feeds`) failed without an answer.

    Its kind is not ``input``: a crawl tries the page again later (a worker short of memory
    for other reasons may manage), and gives it up after its attempts like any other.
    """

    kind = "parse"


class ParseLimit(ParseError):
    """A feed the lenient parser (feedparser, run in a child process) could not read within
    the time or the memory it is given: hostile markup, thousands of unclosed tags, costs it
    a minute and half a gigabyte. The feed fails alone, and is read again on the next run."""

    kind = "parse_limit"


class ConfigError(ScraperError):
    """Configuration is invalid; ``key`` names the offending key (dotted path) when known, and
    ``detail`` is the message without it (for a caller that names the key its own way, as a
    command-line option)."""

    kind = "config"

    def __init__(self, message: str, *, key: str | None = None) -> None:
        self.key = key
        self.detail = message
        super().__init__(f"{key}: {message}" if key else message)


class FetchError(ScraperError):
    """A URL could not be fetched."""

    kind = "fetch"

    def __init__(self, message: str, *, url: str) -> None:
        self.url = url
        # The message is stored and printed: a URL's password stays out of it.
        super().__init__(redact(f"{message} ({shorten(url)})"))


class InvalidURL(FetchError):
    """A URL asked for cannot be requested: its syntax, port or host name is invalid. (A
    redirect to such a URL is a :class:`RedirectError`.)"""

    kind = "invalid_url"


class FetchTimeout(FetchError):
    """A connect, read or total deadline passed."""

    kind = "timeout"


class NetworkError(FetchError):
    """The connection failed: refused, reset, DNS or TLS failure, protocol error."""

    kind = "network"


class HTTPStatusError(FetchError):
    """The server's final answer was a 4xx or 5xx status.

    ``retry_after`` is the seconds a retryable answer's Retry-After asked for when that is
    longer than the fetcher waits (so the answer was final at once), else None. ``asked_by``
    is the URL that answered (a redirect's target; ``url`` when none): its host is the one
    that asked to be left alone.
    """

    kind = "http_status"

    def __init__(
        self,
        message: str,
        *,
        url: str,
        status: int,
        retry_after: float | None = None,
        asked_by: str | None = None,
    ) -> None:
        self.status = status
        self.retry_after = retry_after
        self.asked_by = asked_by or url
        super().__init__(message, url=url)


class TooLarge(FetchError):
    """The body (or its decompressed form) exceeded the configured cap."""

    kind = "too_large"


class UnsupportedEncoding(FetchError):
    """The body came in a Content-Encoding the fetcher does not decode (one it never asked
    for, such as ``zstd``, or several stacked). Final: the server will send it so again,
    unlike a body corrupt in a coding the fetcher does decode, a :class:`NetworkError`."""

    kind = "content_encoding"


class NotHTML(FetchError):
    """The content type is outside the accepted set."""

    kind = "not_html"


class RedirectError(FetchError):
    """Too many redirects, a redirect loop, or an unusable Location header."""

    kind = "redirect"


class RobotsDisallowed(FetchError):
    """robots.txt forbids this URL for the configured user agent."""

    kind = "robots"


class AddressRefused(FetchError):
    """The address guard refused to connect to the host's address."""

    kind = "address"


class RobotsUnavailable(FetchError):
    """robots.txt answered 429 or 5xx, or could not be used: nothing on the host is fetched
    for now, but unlike :class:`RobotsDisallowed` this is temporary (RFC 9309), so the URL is
    worth another try later.

    ``retry_after`` is the seconds left of the time robots.txt asked for (a Retry-After longer
    than the fetcher waits) when it did, else None: the host asked to be left alone until then.
    ``asked_by`` is the URL that answered so (the robots.txt of a redirect's target when the
    redirect led there; ``url`` when none).
    """

    kind = "robots_unavailable"

    def __init__(
        self,
        message: str,
        *,
        url: str,
        retry_after: float | None = None,
        asked_by: str | None = None,
    ) -> None:
        self.retry_after = retry_after
        self.asked_by = asked_by or url
        super().__init__(message, url=url)


class StoreError(ScraperError):
    """The store could not read or write."""

    kind = "store"


class StoreLocked(StoreError):
    """Another run holds the store's run lock."""

    kind = "locked"


class UnreadableArticle(StoreError):
    """One stored article's record cannot be read back: a damaged row, or a record written by
    a newer version (say, with a block kind this one does not know). The store itself is fine:
    ``article_id`` and ``url`` name the article, so a reader can skip it and go on."""

    kind = "unreadable"

    def __init__(self, message: str, *, article_id: int, url: str) -> None:
        self.article_id = article_id
        self.url = url
        super().__init__(message)


class UnreadableListing(StoreError):
    """The nested documents a stored discovery document (a sitemap index) listed cannot be
    read back: a damaged row. The store itself is fine: ``url`` names the document, and
    reading it in full again writes a new list."""

    kind = "unreadable"

    def __init__(self, message: str, *, url: str) -> None:
        self.url = url
        super().__init__(message)


class DedupError(ScraperError):
    """The near-duplicate index is inconsistent or unusable."""

    kind = "dedup"


class WorkerUnavailable(ScraperError):
    """An extraction worker process could not be started: the system refused (its interpreter
    gone, a process or memory limit reached).

    No page is to blame: a crawl stops (what it stored is kept, and its URLs stay due for the
    next run rather than being counted as failed), as a command does.
    """

    kind = "worker_unavailable"


class CrawlStopped(ScraperError):
    """A crawl run was stopped early by a signal (``signal`` holds its number).

    What the run had stored is kept, and the run is recorded; the next run fetches the rest.
    """

    kind = "stopped"

    def __init__(self, message: str, *, signal: int) -> None:
        self.signal = signal
        super().__init__(message)


class NotListing(NotHTML):
    """A discovery document (feed, sitemap, section page) came as a content type no listing
    is served as, or untyped (octet-stream) with a body that is none."""

    kind = "not_listing"


class HostWaiting(FetchError):
    """The URL's host asked (a Retry-After longer than the fetcher waits) to be left alone,
    and ``retry_after`` seconds of that are left: no request was made. Temporary, like
    :class:`RobotsUnavailable`."""

    kind = "host_waiting"

    def __init__(self, message: str, *, url: str, retry_after: float) -> None:
        self.retry_after = retry_after
        super().__init__(message, url=url)


#: The kinds a crawl records a URL's failure under that no error class carries: a bug met on
#: a page (``internal``), a page past the memory cap (``out_of_memory``), a page without
#: article text (``empty``) or with an empty body (``empty_body``), and a page whose extraction
#: ran past ``extract_timeout`` or whose extraction worker died (``worker_died``), and a page
#: that redirected to its site's home page (``redirected_home``: a dead link's way out).
#: Named here so that code recording them cannot misspell one (``FAILURE_KINDS`` lists them).
KIND_INTERNAL: Final = "internal"
KIND_OUT_OF_MEMORY: Final = "out_of_memory"
KIND_EMPTY: Final = "empty"
KIND_EMPTY_BODY: Final = "empty_body"
KIND_EXTRACT_TIMEOUT: Final = "extract_timeout"
KIND_WORKER_DIED: Final = "worker_died"
KIND_REDIRECTED_HOME: Final = "redirected_home"
_PLAIN_KINDS = (
    KIND_INTERNAL,
    KIND_OUT_OF_MEMORY,
    KIND_EMPTY,
    KIND_EMPTY_BODY,
    KIND_EXTRACT_TIMEOUT,
    KIND_WORKER_DIED,
    KIND_REDIRECTED_HOME,
)


def _error_kinds(cls: type[ScraperError]) -> set[str]:
    return {cls.kind}.union(*(_error_kinds(sub) for sub in cls.__subclasses__()))


#: Every kind a failure is recorded under, sorted (what ``scraper retry --kind`` accepts). Any
#: error class's kind counts (a crawl records an unexpected ScraperError under its kind), and
#: is read off the class tree, so a new class needs no entry; a new kind a crawl records as a
#: plain string does, in ``_PLAIN_KINDS``. (Not in ``__all__``, which lists the error classes.)
FAILURE_KINDS: tuple[str, ...] = tuple(sorted(_error_kinds(ScraperError).union(_PLAIN_KINDS)))
