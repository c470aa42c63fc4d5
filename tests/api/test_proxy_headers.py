"""`kb serve --proxy-headers --forwarded-allow-ips`: behind a reverse proxy, the client's address
and scheme come from X-Forwarded-For and X-Forwarded-Proto, only when the proxy is one the
server was told to believe, and in every worker (issue 20). The absolute URL the app makes is
Starlette's redirect to the path without its trailing slash (/faq/ -> http(s)://host/faq)."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from typer.testing import CliRunner

from cli.main import app
from tests.api.servers import kb_server

#: Enough new connections that both workers of two answer some (the kernel spreads them).
CONNECTIONS = 20
CLIENT = "203.0.113.7"  # TEST-NET-3: an address no test machine has


def _env(tmp_path: Path, **more: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KB_")}
    return {**env, "KB_DATA_DIR": str(tmp_path / "kb"), **more}


def _redirect_schemes(url: str, headers: dict[str, str]) -> set[str]:
    """The schemes of /faq/'s redirects, each asked on a new connection."""
    schemes = set()
    for _ in range(CONNECTIONS):
        with httpx.Client(base_url=url) as client:
            response = client.get("/faq/", headers=headers)
        assert response.status_code == 307
        schemes.add(urlsplit(response.headers["location"]).scheme)
    return schemes


@pytest.mark.parametrize("workers", [1, 2])
def test_forwarded_proto_from_an_allowed_proxy_makes_https_urls(
    tmp_path: Path, workers: int
) -> None:
    with kb_server(_env(tmp_path), workers=workers, args=["--proxy-headers"]) as url:
        schemes = _redirect_schemes(url, {"X-Forwarded-Proto": "https"})

    assert schemes == {"https"}


@pytest.mark.parametrize("workers", [1, 2])
def test_forwarded_proto_from_another_address_is_not_believed(tmp_path: Path, workers: int) -> None:
    args = ["--proxy-headers", "--forwarded-allow-ips", "192.0.2.10,10.0.0.0/8"]
    with kb_server(_env(tmp_path), workers=workers, args=args) as url:
        schemes = _redirect_schemes(url, {"X-Forwarded-Proto": "https"})

    assert schemes == {"http"}


def test_without_proxy_headers_no_proxy_is_believed(tmp_path: Path) -> None:
    # uvicorn alone believes 127.0.0.1: kb serve believes nobody unless told to.
    with kb_server(_env(tmp_path)) as url:
        schemes = _redirect_schemes(url, {"X-Forwarded-Proto": "https"})

    assert schemes == {"http"}


def _logged_client(tmp_path: Path, args: list[str]) -> str:
    """The access log of `kb serve ARGS` after one request forwarded for CLIENT."""
    log = tmp_path / "serve.log"
    env = _env(tmp_path, KB_ACCESS_LOG="true")
    with kb_server(env, log=log, args=[*args, "--log-level", "info"]) as url:
        # /readyz: the one request of its path (kb_server waits on /healthz).
        response = httpx.get(f"{url}/readyz", headers={"X-Forwarded-For": CLIENT})
        assert response.status_code == 503  # nothing published: answered all the same
    logged = log.read_text(errors="replace").splitlines()
    lines = [line for line in logged if "GET /readyz" in line]
    assert len(lines) == 1, lines
    return lines[0]


def test_forwarded_for_from_an_allowed_proxy_is_the_client_address(tmp_path: Path) -> None:
    line = _logged_client(tmp_path, ["--proxy-headers", "--forwarded-allow-ips", "127.0.0.1"])

    assert CLIENT in line


def test_forwarded_for_from_another_address_is_not_the_client_address(tmp_path: Path) -> None:
    line = _logged_client(tmp_path, ["--proxy-headers", "--forwarded-allow-ips", "192.0.2.10"])

    assert CLIENT not in line
    assert "127.0.0.1" in line


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--forwarded-allow-ips", "10.0.0.1"], "only with --proxy-headers"),
        (["--proxy-headers", "--forwarded-allow-ips", "proxy"], "'proxy' is not an IP address"),
        (["--proxy-headers", "--forwarded-allow-ips", "10.0.0.1/8"], "host bits set"),
        (["--proxy-headers", "--forwarded-allow-ips", "*,10.0.0.1"], "cannot be combined"),
        (["--proxy-headers", "--forwarded-allow-ips", " , "], "IP addresses or networks"),
        (["--root-path", "kb"], "must start with /"),
        (["--root-path", "/kb/../admin"], "not a path prefix"),
        (["--root-path", "/kb?x=1"], "not a path prefix"),
    ],
)
def test_bad_proxy_options_are_refused_naming_the_option(
    tmp_path: Path, args: list[str], said: str
) -> None:
    result = CliRunner().invoke(app, ["serve", *args], env={"KB_DATA_DIR": str(tmp_path)})

    assert result.exit_code == 2
    option = "--root-path" if "--root-path" in args else "--forwarded-allow-ips"
    message = " ".join(result.output.replace("│", " ").split())
    assert option in message
    assert said in message
