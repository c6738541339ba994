"""HTTPS through the address guard: the fetcher connects to the checked IP address, yet TLS
still verifies the certificate against the host name (sent as SNI) and the Host header."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from fetch_server import LocalServer, install_routes, local_options, loopback_resolver, run

from scraper.errors import ConfigError, NetworkError
from scraper.fetch import Fetcher, FetchOptions
from scraper.models import Page

pytestmark = pytest.mark.skipif(
    shutil.which("openssl") is None, reason="the openssl command makes the test certificate"
)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for site.test (and its key)."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"),
            *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=site.test"),
            *("-addext", "subjectAltName=DNS:site.test"),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture
def tls_server(certificate: tuple[Path, Path]) -> Iterator[LocalServer]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*map(str, certificate))
    local = LocalServer()
    install_routes(local)
    local.start(tls=context)
    try:
        yield local
    finally:
        local.stop()


async def _fetch(url: str, options: FetchOptions) -> Page:
    async with Fetcher(options, resolver=loopback_resolver) as fetcher:
        return await fetcher.fetch(url)


def test_https_verifies_the_name_while_connecting_to_the_checked_address(
    tls_server: LocalServer, certificate: tuple[Path, Path]
) -> None:
    options = local_options(ca_file=str(certificate[0]))
    page = run(_fetch(tls_server.url("/page/secure", "site.test"), options))
    assert page.status == 200
    assert b"/page/secure" in page.body
    assert [r.host for r in tls_server.requests()] == ["site.test"]


def test_a_certificate_for_another_name_is_refused(
    tls_server: LocalServer, certificate: tuple[Path, Path]
) -> None:
    options = local_options(ca_file=str(certificate[0]))
    with pytest.raises(NetworkError, match=r"Hostname mismatch.*other\.test"):
        run(_fetch(tls_server.url("/page/secure", "other.test"), options))
    assert tls_server.requests() == []


def test_an_untrusted_certificate_is_refused(tls_server: LocalServer) -> None:
    with pytest.raises(NetworkError, match="CERTIFICATE_VERIFY_FAILED"):
        run(_fetch(tls_server.url("/page/secure", "site.test"), local_options()))


def test_a_missing_ca_file_is_a_config_error(tmp_path: Path) -> None:
    options = local_options(ca_file=str(tmp_path / "missing.pem"))
    with pytest.raises(ConfigError, match="ca_file"):
        run(_fetch("https://site.test/", options))
