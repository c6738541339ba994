"""The address guard: which IP addresses the fetcher may connect to.

A host is resolved by the guard itself, every address it resolves to is checked, and the
fetcher then connects to the checked address (not to the name, which could resolve elsewhere a
moment later). Loopback, private, link-local, shared, multicast, reserved and unspecified
addresses are refused unless they fall in an explicitly allowed network. IPv4 written as one
integer (``http://2852039166/``), in hex or octal parts, and IPv4 embedded in IPv6 (mapped,
6to4, Teredo, NAT64, IPv4-translated and IPv4-compatible) are unwrapped before the check.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from scraper.errors import AddressRefused, FetchTimeout, NetworkError, shorten

__all__ = ["AddressGuard", "Resolver", "system_resolver"]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
#: ``resolver(host, port)`` returns the host's addresses as strings.
Resolver = Callable[[str, int], Awaitable[Sequence[str]]]

#: IP-literal hosts whose verdicts are kept (a listing of many would otherwise grow the cache).
_MOST_LITERALS = 4096
# What inet_aton accepts: one to four parts, each decimal, octal (leading 0) or hex (0x).
_NUMERIC_IPV4 = re.compile(r"^(0x[0-9a-f]*|[0-9]+)(\.(0x[0-9a-f]*|[0-9]+)){0,3}\.?$", re.I)
#: IPv6 prefixes whose last 32 bits are an IPv4 address that a translator or tunnel on the
#: path reaches: NAT64's well-known prefix (RFC 6052), IPv4-translated (RFC 2765) and the
#: deprecated IPv4-compatible form (RFC 4291). ipaddress unwraps none of them and calls them
#: global, so "[64:ff9b::a9fe:a9fe]" went to 169.254.169.254 wherever NAT64 runs.
_CARRIERS = tuple(ipaddress.IPv6Network(n) for n in ("64:ff9b::/96", "::ffff:0:0:0/96", "::/96"))
#: NAT64's local-use prefix (RFC 8215): a site's own translator, which may reach any of its
#: IPv4 addresses (where the IPv4 address sits depends on the site's prefix length). Never
#: global, but Python before 3.12.4 says it is.
_LOCAL_NAT64 = ipaddress.IPv6Network("64:ff9b:1::/48")


async def system_resolver(host: str, port: int) -> Sequence[str]:
    """The host's addresses from the system resolver (getaddrinfo, in a worker thread)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def literal_address(host: str) -> IPAddress | None:
    """The IP address ``host`` spells, in any notation browsers accept, or None for a name."""
    bare = host.strip("[]")
    # ip_address only for what it may accept (IPv6 has a colon, IPv4 is digits and dots): its
    # exception for a name cost more than the rest of the guard's check.
    if ":" in bare or bare.replace(".", "").isdigit():
        try:
            return ipaddress.ip_address(bare)
        except ValueError:
            pass
    if _NUMERIC_IPV4.match(bare):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(bare.rstrip(".")))
        except OSError:
            return None
    return None


def _embedded(address: IPAddress) -> list[IPAddress]:
    """The address plus any IPv4 address carried inside an IPv6 one."""
    found: list[IPAddress] = [address]
    if isinstance(address, ipaddress.IPv6Address):
        for inner in (address.ipv4_mapped, address.sixtofour):
            if inner is not None:
                found.append(inner)
        if address.teredo is not None:
            found.extend(address.teredo)
        if any(address in carrier for carrier in _CARRIERS):
            found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return found


class AddressGuard:
    """Resolves hosts and refuses addresses outside the public internet."""

    def __init__(
        self,
        allowed: Sequence[IPNetwork] = (),
        resolver: Resolver = system_resolver,
        *,
        cache_seconds: float = 60.0,
        timeout: float | None = None,
    ) -> None:
        self._allowed = tuple(allowed)
        self._resolver = resolver
        # Looking the name up is part of connecting (as it is for httpx and curl): without a
        # deadline a resolver that never answers held the fetch for ever.
        self._timeout = timeout
        # getaddrinfo does not tell the record's TTL; a minute spares the resolver (and a
        # worker thread) a lookup per request without holding on to stale answers for long.
        self._cache_seconds = cache_seconds
        self._cache: dict[tuple[str, int], _Resolved] = {}
        # An IP literal's verdict depends on its spelling alone and never expires; parsing and
        # checking it again cost as much as the rest of a request's bookkeeping.
        self._literals: dict[str, tuple[tuple[str, ...], str | None]] = {}

    def _refusal(self, address: IPAddress) -> str | None:
        """Why ``address`` is refused, or None when it may be connected to."""
        if any(address in net for net in self._allowed if net.version == address.version):
            return None
        for inner in _embedded(address):
            if any(inner in net for net in self._allowed if net.version == inner.version):
                continue
            if inner.is_multicast:
                return f"{inner} is multicast"
            if inner.is_loopback:
                return f"{inner} is loopback"
            if inner.is_link_local:
                return f"{inner} is link-local"
            if inner.is_private:
                return f"{inner} is private"
            if not inner.is_global or inner in _LOCAL_NAT64:
                return f"{inner} is reserved or not globally routable"
        return None

    async def resolve(self, host: str, port: int, url: str) -> tuple[str, ...]:
        """The checked addresses to connect to for ``host``, in the resolver's order.

        Every address must pass: one internal address among public ones refuses the host.

        Raises:
            AddressRefused: the host is, or resolves to, a refused address.
            NetworkError: the name does not resolve.
            FetchTimeout: the resolver did not answer within the guard's ``timeout``.
        """
        addresses: tuple[str, ...]
        known = self._literals.get(host)
        if known is not None:
            addresses, refusal = known
        elif (literal := literal_address(host)) is not None:
            addresses, refusal = (str(literal),), self._refusal(literal)
            if len(self._literals) < _MOST_LITERALS:
                self._literals[host] = addresses, refusal
        else:
            found = await self._lookup(host, port, url)
            addresses, refusal = found.addresses, found.refusal
        if refusal is not None:
            raise AddressRefused(f"refused to connect to {host}: {refusal}", url=url)
        return addresses

    def _first_refusal(self, addresses: Sequence[IPAddress]) -> str | None:
        """Why the first refused address is refused, or None when all pass."""
        return next(filter(None, map(self._refusal, addresses)), None)

    async def _lookup(self, host: str, port: int, url: str) -> _Resolved:
        """The addresses of a name and their verdict, from the cache while fresh (the checks
        cost as much as the rest of a request's bookkeeping, so they are cached too)."""
        now = time.monotonic()
        cached = self._cache.get((host, port))
        if cached is not None and cached.expires > now:
            return cached
        try:
            async with asyncio.timeout(self._timeout):
                found = await self._resolver(host, port)
        except TimeoutError as exc:
            message = f"cannot resolve {shorten(host)}: no answer within {self._timeout:g} s"
            raise FetchTimeout(message, url=url) from exc
        except (OSError, UnicodeError) as exc:  # UnicodeError: a label IDNA cannot encode
            raise NetworkError(f"cannot resolve {shorten(host)}: {exc}", url=url) from exc
        addresses = tuple(ipaddress.ip_address(a.split("%", 1)[0]) for a in found)
        if not addresses:
            raise NetworkError(f"cannot resolve {host}: no addresses", url=url)
        resolved = _Resolved(
            now + self._cache_seconds,
            tuple(str(a) for a in addresses),
            self._first_refusal(addresses),
        )
        self._cache[(host, port)] = resolved
        return resolved


@dataclass(frozen=True, slots=True)
class _Resolved:
    """A host's checked addresses (as strings) and why they are refused (None: they pass)."""

    expires: float
    addresses: tuple[str, ...]
    refusal: str | None
