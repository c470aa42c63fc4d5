"""A typed client generated from /openapi.json works against a real server.

openapi-python-client (the version pinned in pyproject.toml) generates a package from the
document a real `kb serve` publishes; the tests import it and call the server through it, as a
customer's code would. So the document stays usable by a real generator, without warnings, and
the operationIds are the names client code calls: renaming one breaks these tests as it would
break that code (a generated module is named after its operation's id).
"""

from __future__ import annotations

import datetime
import importlib
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from importers import read_folder
from kb import KnowledgeBase
from kb.settings import DEFAULT_CHANNELS, Settings
from tests.api.servers import kb_server
from tests.conftest import SAMPLE_CONTENT, skip_or_fail

GENERATOR = Path(sys.executable).with_name("openapi-python-client")
PACKAGE = "kb_client"
#: The generator's settings: our package name, and the audio preview's `audio/wav` read as the
#: binary body it is (the generator knows binary bodies only as application/octet-stream).
CONFIG = {
    "package_name_override": PACKAGE,
    "content_type_overrides": {"audio/wav": "application/octet-stream"},
}
QUESTION = "how much money is left on my account"


@dataclass(frozen=True)
class Server:
    """A running `kb serve` with the sample content published (release 1) and an editor key."""

    url: str
    editor_key: str


@dataclass(frozen=True)
class Generated:
    """The generated package, imported, and what the generator printed making it."""

    package: ModuleType
    output: str

    def operation(self, tag: str, operation_id: str) -> Any:
        """The module of one operation: `api/<tag>/<operationId in snake case>.py`."""
        module = re.sub(r"(?<!^)(?=[A-Z])", "_", operation_id).lower()
        return importlib.import_module(f"{PACKAGE}.api.{tag}.{module}")

    def model(self, name: str) -> Any:
        """A model class by its schema's name (`AnswerOut`)."""
        return getattr(importlib.import_module(f"{PACKAGE}.models"), name)

    def client(self, url: str, token: str | None = None) -> Any:
        """A client of `url` that raises on a status the document does not list; with a key,
        the AuthenticatedClient that sends it as a bearer token. (The generator types every
        operation that lists `security` as taking an AuthenticatedClient, even where the `{}`
        option lets callers without a key in; a plain Client is what those callers pass.)"""
        if token is None:
            return self.package.Client(base_url=url, raise_on_unexpected_status=True)
        return self.package.AuthenticatedClient(
            base_url=url, token=token, raise_on_unexpected_status=True
        )


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("generated-client-server")
    settings = Settings(data_dir=root / "data", author="tester")
    with KnowledgeBase.open(settings) as kb:
        kb.import_content(read_folder(SAMPLE_CONTENT, channels=DEFAULT_CHANNELS), author="tester")
        kb.publish(author="tester", message="sample content")
        editor_key = kb.create_key(name="client", role="editor", author="tester").secret
    env = {"KB_DATA_DIR": str(settings.data_dir), "KB_DATABASE_URL": "", "KB_AUTHOR": "tester"}
    with kb_server(env, log=root / "server.log") as url:
        yield Server(url, editor_key)


@pytest.fixture(scope="module")
def generated(server: Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Generated]:
    """The client generated from the server's own /openapi.json, importable for this module."""
    if not GENERATOR.exists():
        skip_or_fail("openapi-python-client is not installed (pip install -e '.[test]')")
    folder = tmp_path_factory.mktemp("generated-client")
    document = folder / "openapi.json"
    document.write_bytes(httpx.get(f"{server.url}/openapi.json").raise_for_status().content)
    config = folder / "config.json"  # JSON is YAML, which the generator reads
    config.write_text(json.dumps(CONFIG), encoding="utf-8")
    command = [str(GENERATOR), "generate", "--path", str(document), "--config", str(config)]
    command += ["--output-path", str(folder / PACKAGE), "--meta", "none"]
    # Its post-hooks run ruff on the output: the one next to this Python, not another.
    path = os.pathsep.join([str(GENERATOR.parent), os.environ.get("PATH", "")])
    done = subprocess.run(
        command,
        cwd=folder,
        env={**os.environ, "PATH": path},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    sys.path.insert(0, str(folder))
    importlib.invalidate_caches()
    try:
        yield Generated(importlib.import_module(PACKAGE), output)
    finally:
        sys.path.remove(str(folder))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def test_the_document_generates_a_client_without_warnings(generated: Generated) -> None:
    """A warning means part of the API is missing from the client, silently for its users."""
    assert "warning" not in generated.output.lower(), generated.output


def test_a_chatbot_gets_a_typed_answer_through_the_generated_client(
    server: Server, generated: Generated
) -> None:
    answer = generated.operation("delivery", "answer")
    channel = generated.model("AnswerChannel")

    response = answer.sync_detailed(
        client=generated.client(server.url), q=QUESTION, channel=channel.CHATBOT, locale="en"
    )

    assert response.status_code == 200
    assert response.headers["X-KB-Version"] == "1"
    result = response.parsed
    assert isinstance(result, generated.model("AnswerOut"))
    assert result.status == generated.model("AnswerOutStatus").ANSWERED
    assert (result.unit_id, result.locale, result.kb_version) == ("check-balance", "en", 1)
    assert result.locale_source == generated.model("AnswerOutLocaleSource").PARAMETER
    assert 0.5 <= result.confidence <= 1


def test_search_and_a_unit_come_back_as_typed_models(server: Server, generated: Generated) -> None:
    client = generated.client(server.url)

    found = generated.operation("delivery", "search").sync(client=client, q="roaming", locale="en")
    unit = generated.operation("delivery", "getUnit").sync(
        "check-balance", client=client, channel=generated.model("GetUnitChannel").WEB, locale="en"
    )

    assert isinstance(found, generated.model("SearchOut"))
    assert found.kb_version == 1 and found.total >= 1
    assert all(isinstance(hit, generated.model("SearchHitOut")) for hit in found.hits)
    assert "turn-on-roaming" in {hit.unit_id for hit in found.hits}
    assert isinstance(unit, generated.model("UnitOut"))
    assert (unit.unit_id, unit.channel, unit.kb_version) == ("check-balance", "web", 1)
    assert unit.media_type.startswith("text/html") and unit.content


def test_an_editor_key_lists_draft_units_and_no_key_gets_a_typed_problem(
    server: Server, generated: Generated
) -> None:
    list_draft_units = generated.operation("authoring", "listDraftUnits")

    drafts = list_draft_units.sync(client=generated.client(server.url, server.editor_key))
    refused = list_draft_units.sync_detailed(client=generated.client(server.url))

    summary = generated.model("DraftSummary")
    assert drafts and all(isinstance(draft, summary) for draft in drafts)
    balance = next(d for d in drafts if (d.unit_id, d.locale) == ("check-balance", "en"))
    assert balance.revision == 1 and not balance.archived
    assert isinstance(balance.updated_at, datetime.datetime)
    assert refused.status_code == 401
    assert isinstance(refused.parsed, generated.model("ProblemOut"))
    assert refused.parsed.status == 401 and refused.parsed.detail
