"""Crawl configuration: a TOML file read into frozen, typed values.

Every invalid value raises :class:`~scraper.errors.ConfigError` whose ``key`` is the dotted
path of the offending key (``source[2].feed``, ``politeness.per_host``), so a user can find it.
The reference with an example lives in ``docs/crawl.md``.
"""

from __future__ import annotations

import enum
import ipaddress
import math
import os
import re
import reprlib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scraper.credentials import without_userinfo
from scraper.discover.urls import normalise_url, wire_host
from scraper.errors import ConfigError, InputError
from scraper.export_file import check_placeholders
from scraper.memory import DEFAULT_MEMORY_MB, cap_problem
from scraper.request_hosts import SENDABLE_HOST

__all__ = [
    "MAX_ATTEMPTS",
    "MAX_BACKOFF_S",
    "MAX_CONCURRENCY",
    "MAX_CONFIG_CHARS",
    "MAX_REQUEST_TRIES",
    "MAX_WORKERS",
    "CrawlConfig",
    "ExportSpec",
    "HostLimit",
    "Politeness",
    "RetryPolicy",
    "SiteRules",
    "Source",
    "SourceKind",
    "default_workers",
    "load_config",
    "parse_config",
    "usable_cpus",
]

EXPORT_FORMATS = ("jsonl", "csv", "markdown")
#: The most requests a run has in flight (``concurrency``), or a host (``per_host``): each is a
#: task started up front, and a number past any real need (a typo's extra digits) took
#: gigabytes and a minute before the first request, deaf to SIGTERM meanwhile.
MAX_CONCURRENCY = 10_000
#: The most attempts at a URL: the last wait is ``backoff * 2**(max_attempts - 2)``.
MAX_ATTEMPTS = 50
#: The most extraction processes: a run starts up to one per 50 due pages, and a typo's extra
#: digits would otherwise ask for thousands of processes.
MAX_WORKERS = 1024
#: The most tries of one request within a run: each waits longer than the last, and a run
#: that retried a dead host without end would never finish.
MAX_REQUEST_TRIES = 20
#: The longest first wait before a failed URL's next attempt: a year.
MAX_BACKOFF_S = 365 * 86400.0
#: The most characters of a config file read. A config is a few kilobytes (thousands of
#: sources fit well under this); read whole, a path to /dev/zero or to a big file given by
#: mistake grew the process until it died of a MemoryError traceback.
MAX_CONFIG_CHARS = 16 << 20


#: Integers past this many bits are shown by their size: ``repr`` of one past 4300 digits
#: raises ValueError, and its first and last digits say nothing useful.
_SHOWN_BITS = 128


def _shown(value: object) -> str:
    """``value`` as an error message quotes it: a few items, levels and characters of it.

    Shown whole, a wrong value that was a table nested a thousand deep raised RecursionError
    instead of the error, and a long one made a message as long.
    """
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > _SHOWN_BITS:
        digits = math.floor(value.bit_length() * math.log10(2)) + 1
        return f"an integer of about {digits} digits"
    # Made for each message (errors only): no module-level object for callers to change.
    shown = reprlib.Repr()
    shown.maxlevel = 2
    shown.maxdict = shown.maxlist = 4
    shown.maxstring = shown.maxother = 60
    return shown.repr(value)


def usable_cpus() -> int:
    """The CPUs this process may run on: its affinity mask where the platform has one.

    `os.cpu_count()` counts the machine's CPUs, so under `taskset` or a container's CPU set
    it would start more processes than can run at once.
    """
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # no affinity on macOS and Windows
        return os.cpu_count() or 1


def default_workers() -> int:
    """Extraction workers when the config does not say: one per usable CPU, less one.

    The crawl process itself (fetching, dedup, the store) keeps about a third of the work, so
    it gets a CPU of its own: with as many workers as CPUs, the processes contend, and on a
    2-CPU machine the crawl measured 10-20% more CPU per article for no more articles a second
    (docs/crawl.md).
    """
    return max(1, usable_cpus() - 1)


class SourceKind(enum.StrEnum):
    """Where a source's article URLs come from."""

    FEED = "feed"
    SITEMAP = "sitemap"
    SECTION = "section"
    URLS = "urls"


@dataclass(frozen=True, slots=True, kw_only=True)
class Politeness:
    """How hard the crawl may hit hosts: per-host interval and concurrency, a global cap."""

    min_interval: float = 1.0
    per_host: int = 2
    concurrency: int = 16
    user_agent: str | None = None
    contact: str | None = None
    respect_robots: bool = True


@dataclass(frozen=True, slots=True, kw_only=True)
class HostLimit:
    """A stricter pace for one host than ``[politeness]`` gives every host."""

    min_interval: float
    per_host: int


@dataclass(frozen=True, slots=True, kw_only=True)
class SiteRules:
    """Per-site CSS rules handed to the extractor."""

    keep: tuple[str, ...] = ()
    drop: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class RetryPolicy:
    """Failed article URLs are retried on later runs, ``backoff * 2**(attempt-1)`` apart.

    ``per_request`` is how many times the fetcher itself tries a request within a run (on
    timeouts, connection errors, 429 and 5xx).
    """

    max_attempts: int = 5
    backoff: float = 600.0
    per_request: int = 3


@dataclass(frozen=True, slots=True, kw_only=True)
class Source:
    """One news source: a feed, a sitemap, a section page with patterns, or a URL list.

    ``limit`` is a pace for every host the source's URLs are on (its articles' and its
    listings'); where ``[hosts]`` or other sources give a host a pace too, the strictest wins.
    """

    name: str
    kind: SourceKind
    urls: tuple[str, ...]
    follow: tuple[str, ...] = ()
    max_age_days: float | None = None
    limit: HostLimit | None = None
    #: Minutes between two reads of the source's listings (None: the crawl's, else every run).
    refresh_minutes: float | None = None
    #: Whether a stored article its listings date after its fetch is fetched again (None: the
    #: crawl's ``refetch_updated``).
    refetch_updated: bool | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ExportSpec:
    """Where and how to export the articles a run stored."""

    format: str = "jsonl"
    #: The file (None: stdout); its name may hold placeholders (see ``export_file``).
    path: Path | None = None
    #: Add to the file rather than replace it.
    append: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class CrawlConfig:
    """A whole crawl: sources, politeness, site rules, the store and the outputs."""

    sources: tuple[Source, ...]
    store: Path
    politeness: Politeness = field(default_factory=Politeness)
    hosts: Mapping[str, HostLimit] = field(default_factory=dict)
    sites: Mapping[str, SiteRules] = field(default_factory=dict)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    max_age_days: float | None = None
    history_days: float = 30.0
    #: Seconds after which a run takes no new article URL (None: no limit); see docs/crawl.md.
    max_run_seconds: float | None = None
    #: Minutes between two reads of a source's listings, for sources that do not say.
    refresh_minutes: float | None = None
    #: Whether a stored article whose listing dates a change after its fetch is fetched again
    #: (a story updated at its own address), for sources that do not say.
    refetch_updated: bool = True
    workers: int = field(default_factory=default_workers)
    extract_timeout: float = 60.0
    #: Megabytes of data memory an extraction worker may hold (None: no cap); see scraper.memory.
    extract_memory_mb: int | None = DEFAULT_MEMORY_MB
    allow_networks: tuple[str, ...] = ()
    export: ExportSpec | None = None

    def rules_for(self, url: str) -> SiteRules:
        """The site rules of the host of ``url``: ``host:port`` keys for a URL that names its
        port, then the host's; each exact, then without ``www.``."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        names = [host, host.removeprefix("www.")]
        # A `name:port` key is accepted as in [hosts]; looked up by name alone, it never applied.
        try:
            port = parts.port
        except ValueError:  # not a port: no `name:port` key can name it
            port = None
        if port is not None:
            spelled = [f"[{name}]" if ":" in name else name for name in names]
            names = [f"{name}:{port}" for name in spelled] + names
        for name in names:
            rules = self.sites.get(name)
            if rules is not None:
                return rules
        return SiteRules()


class _Table:
    """A TOML table being read: typed getters that name the full key in their errors."""

    def __init__(self, data: Mapping[str, Any], path: str, allowed: frozenset[str]) -> None:
        self.data = data
        self.path = path
        for key in data:
            if key not in allowed:
                raise ConfigError(
                    f"unknown key (expected one of: {', '.join(sorted(allowed))})",
                    key=self.key(key),
                )

    def key(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def number(
        self, name: str, default: float, *, minimum: float = 0.0, maximum: float | None = None
    ) -> float:
        value = self.data.get(name, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"must be a number, not {_shown(value)}", key=self.key(name))
        try:
            number = float(value)
        except OverflowError as exc:
            # TOML integers have no bound, floats do: 400 digits raised OverflowError.
            raise ConfigError(
                f"must be a finite number, not {_shown(value)}", key=self.key(name)
            ) from exc
        # TOML has nan and inf: a nan budget failed every source at once, a nan
        # extract_timeout turned the watchdog off.
        if not math.isfinite(number):
            raise ConfigError(f"must be a finite number, not {_shown(value)}", key=self.key(name))
        if number < minimum:
            raise ConfigError(
                f"must be at least {minimum}, not {_shown(value)}", key=self.key(name)
            )
        if maximum is not None and number > maximum:
            raise ConfigError(
                f"must be at most {maximum:g}, not {_shown(value)}", key=self.key(name)
            )
        return number

    def optional_number(self, name: str) -> float | None:
        """A number that may be left out (None), at least 0."""
        return None if name not in self.data else self.number(name, 0.0)

    def integer(
        self, name: str, default: int, *, minimum: int = 0, maximum: int | None = None
    ) -> int:
        value = self.data.get(name, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"must be an integer, not {_shown(value)}", key=self.key(name))
        if value < minimum:
            raise ConfigError(
                f"must be at least {minimum}, not {_shown(value)}", key=self.key(name)
            )
        if maximum is not None and value > maximum:
            raise ConfigError(f"must be at most {maximum}, not {_shown(value)}", key=self.key(name))
        return value

    def text(self, name: str, default: str | None = None) -> str | None:
        value = self.data.get(name, default)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise ConfigError(
                f"must be a non-empty string, not {_shown(value)}", key=self.key(name)
            )
        return value

    def boolean(self, name: str, default: bool) -> bool:
        value = self.data.get(name, default)
        if not isinstance(value, bool):
            raise ConfigError(f"must be true or false, not {_shown(value)}", key=self.key(name))
        return value

    def strings(self, name: str) -> tuple[str, ...]:
        value = self.data.get(name, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise ConfigError("must be a list of non-empty strings", key=self.key(name))
        return tuple(value)

    def table(self, name: str) -> Mapping[str, Any]:
        value = self.data.get(name, {})
        if not isinstance(value, dict):
            raise ConfigError("must be a table", key=self.key(name))
        return value


_POLITENESS_KEYS = frozenset(
    {"min_interval", "per_host", "concurrency", "user_agent", "contact", "respect_robots"}
)
_TOP_KEYS = frozenset(
    {
        "store",
        "politeness",
        "hosts",
        "sites",
        "retry",
        "source",
        "max_age_days",
        "history_days",
        "max_run_seconds",
        "refresh_minutes",
        "refetch_updated",
        "workers",
        "extract_timeout",
        "extract_memory_mb",
        "allow_networks",
        "export",
    }
)
_SOURCE_KEYS = frozenset(
    {
        "name",
        "follow",
        "max_age_days",
        "refresh_minutes",
        "refetch_updated",
        "min_interval",
        "per_host",
        *(k.value for k in SourceKind),
    }
)


def _politeness(data: Mapping[str, Any], path: str, base: Politeness) -> Politeness:
    t = _Table(data, path, _POLITENESS_KEYS)
    return Politeness(
        min_interval=t.number("min_interval", base.min_interval),
        per_host=t.integer("per_host", base.per_host, minimum=1, maximum=MAX_CONCURRENCY),
        concurrency=t.integer("concurrency", base.concurrency, minimum=1, maximum=MAX_CONCURRENCY),
        user_agent=_header_text(t, "user_agent", base.user_agent),
        contact=_header_text(t, "contact", base.contact),
        respect_robots=t.boolean("respect_robots", base.respect_robots),
    )


def _header_text(t: _Table, name: str, default: str | None) -> str | None:
    value = t.text(name, default)
    # It goes out in the User-Agent header of every request, which only carries ASCII.
    if value is not None and not (value.isascii() and value.isprintable()):
        raise ConfigError(f"must be printable ASCII, not {_shown(value)}", key=t.key(name))
    return value


def _check_url(url: str, key: str) -> str:
    # As a run reads it: a URL only urlsplit's properties refuse (a port out of range, a bad
    # IPv6 literal, a host with no IDNA form) passed here and failed its source on every run,
    # or, for a bad IPv6 literal, ended the config's reading in a traceback. Its message
    # shows no password.
    try:
        normalise_url(url)
    except InputError as exc:
        raise ConfigError(str(exc), key=key) from exc
    return url


def _default_name(url: str) -> str:
    """The name of a source that has none: its first URL's host, port and path.

    Not its user information: a password in the URL went into the store, ``status``, the logs
    and every exported row under that name (and a new password renamed the source).
    """
    parts = urlsplit(without_userinfo(url))
    return f"{parts.netloc}{parts.path}".rstrip("/")


def _source(data: object, index: int, names: set[str], politeness: Politeness) -> Source:
    path = f"source[{index}]"
    if not isinstance(data, dict):
        raise ConfigError("must be a table ([[source]])", key=path)
    t = _Table(data, path, _SOURCE_KEYS)
    kinds = [k for k in SourceKind if k.value in data]
    if len(kinds) != 1:
        raise ConfigError("needs exactly one of: feed, sitemap, section, urls", key=path)
    kind = kinds[0]
    urls = t.strings(kind.value)
    if not urls:
        raise ConfigError("needs at least one URL", key=t.key(kind.value))
    for i, url in enumerate(urls):
        _check_url(url, t.key(kind.value) + (f"[{i}]" if len(urls) > 1 else ""))
    follow = t.strings("follow")
    if kind is SourceKind.SECTION:
        _check_patterns(follow, t.key("follow"))
    elif follow:
        raise ConfigError("only a section source follows URL patterns", key=t.key("follow"))
    named = t.text("name")
    name = named or _default_name(urls[0]) or f"source-{index}"
    if name in names:
        why = "" if named else " (named after its first URL's host and path: give it a name)"
        raise ConfigError(f"duplicate source name {name!r}{why}", key=t.key("name"))
    names.add(name)
    limit = None
    if "min_interval" in data or "per_host" in data:
        limit = HostLimit(
            min_interval=t.number("min_interval", politeness.min_interval),
            per_host=t.integer("per_host", politeness.per_host, minimum=1, maximum=MAX_CONCURRENCY),
        )
    return Source(
        name=name,
        kind=kind,
        urls=urls,
        follow=follow,
        max_age_days=_age_window(t),
        limit=limit,
        refresh_minutes=t.optional_number("refresh_minutes"),
        refetch_updated=t.boolean("refetch_updated", False) if "refetch_updated" in data else None,
    )


def _check_patterns(patterns: tuple[str, ...], key: str) -> None:
    if not patterns:
        raise ConfigError("a section source needs URL patterns to follow", key=key)
    for i, pattern in enumerate(patterns):
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ConfigError(f"invalid regular expression: {exc}", key=f"{key}[{i}]") from exc
        # The compiler raises these past its limits, not re.error: a repeat count over
        # 2**32 - 1 (OverflowError), groups nested a thousand deep (RecursionError).
        except OverflowError as exc:
            raise ConfigError(f"invalid regular expression: {exc}", key=f"{key}[{i}]") from exc
        except RecursionError as exc:
            raise ConfigError(
                "invalid regular expression: nested too deeply", key=f"{key}[{i}]"
            ) from exc


def _export(data: Mapping[str, Any], base: Path) -> ExportSpec:
    t = _Table(data, "export", frozenset({"format", "path", "append"}))
    fmt = t.text("format", "jsonl") or "jsonl"
    if fmt not in EXPORT_FORMATS:
        raise ConfigError(f"must be one of {', '.join(EXPORT_FORMATS)}", key="export.format")
    raw = t.text("path")
    path = None if raw is None else _config_path(raw, base, key="export.path")
    if path is not None:
        check_placeholders(path, key="export.path")
    append = t.boolean("append", False)
    if append and path is None:
        raise ConfigError("appending needs a path (stdout is not a file)", key="export.append")
    return ExportSpec(format=fmt, path=path, append=append)


def parse_config(data: Mapping[str, Any], *, base: Path = Path()) -> CrawlConfig:
    """Build a :class:`CrawlConfig` from parsed TOML; relative paths resolve against ``base``.

    Raises:
        ConfigError: a key is unknown, missing or has an invalid value (``key`` names it).
    """
    top = _Table(data, "", _TOP_KEYS)
    store_raw = top.text("store")
    if store_raw is None:
        raise ConfigError("missing: the SQLite file of the crawl", key="store")
    politeness = _politeness(top.table("politeness"), "politeness", Politeness())
    hosts: dict[str, HostLimit] = {}
    for host, value in top.table("hosts").items():
        key = f"hosts.{host}"
        t = _Table(_as_table(value, key), key, frozenset({"min_interval", "per_host"}))
        hosts[_host_key(host, key, hosts)] = HostLimit(
            min_interval=t.number("min_interval", politeness.min_interval),
            per_host=t.integer("per_host", politeness.per_host, minimum=1, maximum=MAX_CONCURRENCY),
        )
    sites: dict[str, SiteRules] = {}
    for host, value in top.table("sites").items():
        t = _Table(_as_table(value, f"sites.{host}"), f"sites.{host}", frozenset({"keep", "drop"}))
        sites[_host_key(host, f"sites.{host}", sites)] = SiteRules(
            keep=_selectors(t, "keep"), drop=_selectors(t, "drop")
        )
    retry_t = _Table(
        top.table("retry"), "retry", frozenset({"max_attempts", "backoff", "per_request"})
    )
    raw_sources = data.get("source", [])
    if not isinstance(raw_sources, list) or not raw_sources:
        raise ConfigError("at least one [[source]] table is required", key="source")
    names: set[str] = set()
    sources = tuple(_source(s, i, names, politeness) for i, s in enumerate(raw_sources))
    max_run = data.get("max_run_seconds")
    return CrawlConfig(
        sources=sources,
        store=_config_path(store_raw, base, key="store"),
        politeness=politeness,
        hosts=hosts,
        sites=sites,
        retry=RetryPolicy(
            max_attempts=retry_t.integer("max_attempts", 5, minimum=1, maximum=MAX_ATTEMPTS),
            backoff=retry_t.number("backoff", 600.0, maximum=MAX_BACKOFF_S),
            per_request=retry_t.integer("per_request", 3, minimum=1, maximum=MAX_REQUEST_TRIES),
        ),
        max_age_days=_age_window(top),
        history_days=top.number("history_days", 30.0, minimum=1.0),
        refresh_minutes=top.optional_number("refresh_minutes"),
        refetch_updated=top.boolean("refetch_updated", True),
        max_run_seconds=None
        if max_run is None
        else top.number("max_run_seconds", 0.0, minimum=0.1),
        workers=top.integer("workers", default_workers(), maximum=MAX_WORKERS),
        extract_timeout=top.number("extract_timeout", 60.0, minimum=0.1),
        extract_memory_mb=_memory_cap(top),
        allow_networks=_networks(top),
        export=_export(top.table("export"), base) if "export" in data else None,
    )


def _config_path(raw: str, base: Path, *, key: str) -> Path:
    """A path of the config, relative to its folder (``base``), a leading ``~`` or ``~user``
    the home folder, as a shell reads it.

    Taken as a name, ``~`` made a folder named so beside the config (a new, empty store), which
    a later ``rm -r ~`` meant to remove it would take for the home folder.
    """
    if "\0" in raw:
        # No file name holds one: "~\0/x.db" raised ValueError from the home folder's lookup,
        # and any other such path failed only when the run opened it.
        raise ConfigError(f"a path cannot hold a NUL character: {_shown(raw)}", key=key)
    if raw.startswith("~"):
        if os.environ.get("HOME") == "" and (raw == "~" or raw.startswith("~/")):
            # Set but empty (a stripped cron environment): "~/x/news.db" became "/x/news.db",
            # a store made at the root of the file system.
            raise ConfigError(
                f"{raw!r}: cannot find the home folder: HOME is empty; write the full path",
                key=key,
            )
        try:
            return Path(raw).expanduser()
        except RuntimeError as exc:  # no such user, or no home to be found at all
            raise ConfigError(f"{raw!r}: cannot find the home folder: {exc}", key=key) from exc
    return base / raw


def _host_key(host: str, key: str, taken: Mapping[str, object]) -> str:
    """A ``[hosts]`` or ``[sites]`` key as URL keys and requests spell the host: lower case,
    and a Unicode name in its IDNA ("punycode") form, its ``:port`` kept.

    Two keys that TOML tells apart but that name one host (``"News.example"`` and
    ``"news.example"``, a name in Unicode and in punycode) are refused: one silently replaced
    the other, so a pace or rule the config shows did not apply.
    """
    name, port = host, ""
    if host.rfind(":") > host.rfind("]"):  # name:port (an IPv6 literal's colons are in [])
        name, _, digits = host.rpartition(":")
        port = ":" + digits
        # A key no request is made under would never apply, and say nothing of it.
        if not (name and digits.isascii() and digits.isdigit() and 0 < int(digits) < 65536):
            raise ConfigError("not a host name or host:port", key=key)
    if name.isascii():
        bare = name[1:-1] if name.startswith("[") and name.endswith("]") else name
        if not SENDABLE_HOST.fullmatch(bare):
            # "a b", "news.example/world": no request is made under such a key, so its pace or
            # rules would never apply, silently.
            raise ConfigError("not a host name or host:port", key=key)
        spelled = host.lower()
    else:
        try:
            spelled = wire_host(name, host) + port
        except InputError as exc:
            raise ConfigError(str(exc), key=key) from exc
    if spelled in taken:
        raise ConfigError(f"names the same host as an earlier key ({spelled})", key=key)
    return spelled


def _selectors(t: _Table, name: str) -> tuple[str, ...]:
    """CSS selectors, each parsed now: lexbor refuses a bad one only when a page is extracted,
    which failed every article of the site as an internal error, run after run, until given up."""
    selectors = t.strings(name)
    if not selectors:
        return selectors
    # Imported here: the commands that only read a store load the config too, and need no parser.
    from selectolax.lexbor import LexborHTMLParser, SelectolaxError

    probe = LexborHTMLParser("")
    for i, selector in enumerate(selectors):
        try:
            probe.css(selector)
        except SelectolaxError as exc:
            raise ConfigError(
                f"not a CSS selector: {selector!r}", key=f"{t.key(name)}[{i}]"
            ) from exc
    return selectors


def _networks(top: _Table) -> tuple[str, ...]:
    """``allow_networks``, each a network: the fetcher found a bad one only once the store and
    its lock file were made, past the point where a config error leaves nothing behind."""
    names = top.strings("allow_networks")
    # The check of scraper.fetch.options.parse_networks, done here: importing the fetcher (and
    # httpx) costs 0.24 s, which status and export, which read the config, do not need.
    for i, name in enumerate(names):
        try:
            ipaddress.ip_network(name, strict=False)
        except ValueError as exc:
            raise ConfigError(
                f"not a network (an address or CIDR, as 127.0.0.0/8): {name!r}",
                key=f"allow_networks[{i}]",
            ) from exc
    return names


def _age_window(t: _Table) -> float | None:
    """``max_age_days``, which must leave some time: 0 (read elsewhere in the config as "off")
    skipped every entry dated before the run at the top level (only undated ones and today's
    dated by day were kept), and in a source was taken as unset, so the top-level window
    applied to it instead."""
    days = t.optional_number("max_age_days")
    if days == 0:
        raise ConfigError(
            "must be more than 0 (a window of 0 days skips what was dated before the run;"
            " leave the key out for no window)",
            key=t.key("max_age_days"),
        )
    return days


def _as_table(value: object, key: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError("must be a table", key=key)
    return value


def load_config(path: Path) -> CrawlConfig:
    """Read a crawl config TOML file; relative paths in it resolve against its folder.

    Raises:
        ConfigError: the file cannot be read, is not TOML, or holds an invalid value.
    """
    try:
        # utf-8-sig: a byte order mark, which some editors write, is no TOML statement.
        with path.open(encoding="utf-8-sig") as stream:
            text = stream.read(MAX_CONFIG_CHARS + 1)
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from exc
    if len(text) > MAX_CONFIG_CHARS:
        raise ConfigError(
            f"{path} is longer than {MAX_CONFIG_CHARS:,} characters: no crawl config is"
        )
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from exc
    except RecursionError as exc:
        # tomllib reads nested arrays and inline tables by recursion, with no limit of its own.
        raise ConfigError(f"{path} cannot be read as TOML: it is nested too deeply") from exc
    except ValueError as exc:
        # int() refuses a literal past 4300 digits (its guard against quadratic time), which
        # tomllib lets through as a plain ValueError; dates and the rest it reports itself.
        raise ConfigError(
            f"{path} cannot be read as TOML: an integer in it has too many digits"
        ) from exc
    return parse_config(data, base=path.parent)


def _memory_cap(top: _Table) -> int | None:
    """``extract_memory_mb``: 0 for no cap, else at least what a worker needs to start."""
    megabytes = top.integer("extract_memory_mb", DEFAULT_MEMORY_MB)
    problem = cap_problem(megabytes)
    if problem is not None:
        raise ConfigError(f"{problem}, not {megabytes}", key=top.key("extract_memory_mb"))
    return megabytes or None
