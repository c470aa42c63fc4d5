"""compose.yaml (issue 20): PostgreSQL with a health check and a volume, several `kb serve`
replicas of one image that wait for it, HAProxy in front with deploy/haproxy.cfg, and a
one-shot service that imports and publishes a mounted content folder. Images cannot be pulled
here: Debian's docker-compose validates the file (`config`), and the topology is read with
PyYAML, its settings checked against kb/settings.py."""

from __future__ import annotations

import ipaddress
import re
import subprocess
from typing import Any

import pytest
import yaml

from cli.proxying import parse_forwarded_allow_ips
from tests.conftest import REPO, require_tool

COMPOSE = REPO / "compose.yaml"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _kb_services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The services that run the knowledge base's image."""
    image = compose["services"]["kb"]["image"]
    return {name: s for name, s in compose["services"].items() if s.get("image") == image}


def _serve_options(service: dict[str, Any]) -> dict[str, str]:
    """`--name=value` options of a service's `kb serve` command."""
    command = service["command"]
    assert command[:2] == ["kb", "serve"], command
    return dict(arg.partition("=")[::2] for arg in command[2:])


@pytest.mark.requires_tool("docker-compose")
def test_docker_compose_finds_the_file_valid() -> None:
    result = subprocess.run(
        [require_tool("docker-compose"), "-f", str(COMPOSE), "config", "--quiet"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )

    assert result.returncode == 0, result.stderr
    assert "WARNING" not in result.stderr, result.stderr


def test_postgresql_is_the_official_image_with_a_health_check_and_a_volume(
    compose: dict[str, Any],
) -> None:
    db = compose["services"]["db"]

    assert re.fullmatch(r"postgres:\d+[\w.-]*", db["image"])
    assert "pg_isready" in db["healthcheck"]["test"]
    assert any(v.endswith(":/var/lib/postgresql/data") for v in db["volumes"])
    assert db["volumes"][0].split(":")[0] in compose["volumes"]


def test_several_replicas_of_one_image_wait_for_a_healthy_database(
    compose: dict[str, Any],
) -> None:
    kb = compose["services"]["kb"]

    assert kb["deploy"]["replicas"] >= 2
    assert kb["depends_on"]["db"]["condition"] == "service_healthy"
    assert kb["environment"]["KB_DATABASE_URL"].startswith("postgresql://")
    assert "@db:5432/" in kb["environment"]["KB_DATABASE_URL"]
    assert "--proxy-headers" in _serve_options(kb)
    assert "--host" in _serve_options(kb) and _serve_options(kb)["--host"] == "0.0.0.0"


def test_the_replicas_believe_only_the_proxys_network(compose: dict[str, Any]) -> None:
    trusted = parse_forwarded_allow_ips(
        _serve_options(compose["services"]["kb"])["--forwarded-allow-ips"]
    )
    subnets = [c["subnet"] for c in compose["networks"]["kb"]["ipam"]["config"]]

    assert trusted != "*"
    assert [ipaddress.ip_network(n) for n in trusted.split(",")] == [
        ipaddress.ip_network(s) for s in subnets
    ]
    assert compose["services"]["proxy"]["networks"] == ["kb"]


def test_the_proxy_is_in_front_with_the_checked_config(compose: dict[str, Any]) -> None:
    proxy = compose["services"]["proxy"]
    config = (REPO / "deploy" / "haproxy.cfg").read_text(encoding="utf-8")
    kb_port = _serve_options(compose["services"]["kb"])["--port"]

    assert re.fullmatch(r"haproxy:\d[\w.-]*", proxy["image"])
    assert "kb" in proxy["depends_on"]
    assert "./deploy/haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro" in proxy["volumes"]
    assert re.search(rf"^\s*server-template kb \d+ kb:{kb_port}$", config, re.MULTILINE)
    published = proxy["ports"][0].rsplit(":", 1)[1]
    assert re.search(rf"^\s*bind :{published}$", config, re.MULTILINE)


def test_content_is_mounted_and_published_by_a_one_shot_service(
    compose: dict[str, Any],
) -> None:
    content = compose["services"]["content"]
    mounted = [v for v in content["volumes"] if v.endswith(":/content:ro")]
    script = " ".join(content["command"])

    assert mounted, "the content folder is not mounted read-only at /content"
    assert "kb import /content" in script and "kb publish" in script
    assert content["profiles"] == ["content"]  # not started by `docker compose up`
    for name, service in _kb_services(compose).items():
        if name != "content":
            assert not any("/content" in v for v in service.get("volumes", [])), name


def test_every_kb_setting_named_is_a_real_one(compose: dict[str, Any]) -> None:
    known = set(re.findall(r'"(KB_[A-Z_]+)"', (REPO / "kb" / "settings.py").read_text()))
    named = {name for service in _kb_services(compose).values() for name in service["environment"]}

    assert named, "no settings given to the replicas"
    assert sorted(named - known) == []
