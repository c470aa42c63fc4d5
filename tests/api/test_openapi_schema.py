"""Every route keeps the promises /openapi.json makes: schemathesis fuzzes the real app in-process.

Each operation gets a bounded number of generated requests, once anonymous and once with an
admin key, and every response must be a non-5xx with a documented status, content type and body.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis import Case

from api import create_app
from importers import read_folder
from kb import KnowledgeBase
from kb.settings import DEFAULT_CHANNELS, Settings
from tests.conftest import SAMPLE_CONTENT, require_tool

Headers = Callable[[], dict[str, str]]
#: Operations that need a program on the server; without it they are skipped (failed in CI).
_NEEDS_TOOL = {"POST /api/v1/drafts/preview/audio": "espeak-ng"}


def _positive(*statuses: str) -> dict[str, object]:
    """positive_data_acceptance's defaults plus `statuses`."""
    defaults = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]
    return {"positive_data_acceptance": {"expected-statuses": [*defaults, *statuses]}}


_CONTENT_RULES = "422"  # Invalid content: the rules of a format JSON Schema cannot state
_STALE = "412"  # If-Match names a revision someone has replaced since
# Where the API refuses more than schemathesis expects by default, and why; all else is default.
_CONFIG = schemathesis.Config.from_dict(
    {
        # Parameters the document does not name are ignored, as unknown body fields are (a
        # widget's cache-buster is no error); a known one given twice is refused.
        "generation": {"allow-extra-parameters": False},
        "checks": {
            # The size limits (api.limits) refuse a request before any route reads it.
            "negative_data_rejection": {
                "expected-statuses": [
                    *("400", "401", "403", "404", "405", "406", "409", "413", "414", "415"),
                    *("422", "428", "429", "5xx"),
                ]
            },
            # A change without If-Match is 428 Precondition Required (RFC 6585), not a 400.
            "missing_required_header": {
                "expected-statuses": ["400", "401", "403", "406", "415", "422", "428"]
            },
        },
        "operations": [
            {
                # Markdown with YAML front matter, a snippet value of its type, the checks a
                # release must pass: valid JSON is not yet a valid unit, snippet or release.
                "include-name": [
                    "POST /api/v1/drafts/units",
                    "POST /api/v1/drafts/snippets",
                    "POST /api/v1/drafts/preview",
                    "POST /api/v1/drafts/preview/audio",
                    "POST /api/v1/releases",
                    # A time still to come: a rule JSON Schema cannot state.
                    "POST /api/v1/schedules",
                ],
                "checks": _positive(_CONTENT_RULES),
            },
            {
                "include-name": [
                    "PUT /api/v1/drafts/units/{unit_id}",
                    "PUT /api/v1/drafts/snippets/{name}",
                ],
                "checks": _positive(_CONTENT_RULES, _STALE),
            },
            {
                "include-name": [
                    "DELETE /api/v1/drafts/units/{unit_id}",
                    "DELETE /api/v1/drafts/snippets/{name}",
                ],
                "checks": _positive(_STALE),
            },
        ],
    }
)

# The document as the app serves it. Describing the API needs no knowledge base, so it is read at
# import time (without the lifespan, which would open one) and the operations become test items.
# (schemathesis.pytest.from_fixture would defer this, but it breaks on pytest 9.2's node ids.)
schema = schemathesis.openapi.from_dict(
    TestClient(create_app()).get("/openapi.json").json(), config=_CONFIG
)


@schema.hook
def filter_query(_context: schemathesis.HookContext, query: dict[str, Any] | None) -> bool:
    """Leave out values a query string cannot carry: an object goes out as its keys and a list
    of under two items as a plain value or nothing, i.e. as a valid request that schemathesis
    would still judge as the invalid one it generated. (Two or more values are a fair test.)"""
    return not any(
        isinstance(value, dict) or (isinstance(value, list) and len(value) < 2)
        for value in (query or {}).values()
    )


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KnowledgeBase]:
    """The sample content, published, on SQLite: one knowledge base for the whole run."""
    root: Path = tmp_path_factory.mktemp("openapi")
    sqlite = f"sqlite:///{root / 'kb.sqlite3'}"
    with KnowledgeBase.open(Settings(data_dir=root, database_url=sqlite)) as knowledge_base:
        knowledge_base.import_content(
            read_folder(SAMPLE_CONTENT, channels=DEFAULT_CHANNELS), author="t"
        )
        knowledge_base.publish(author="t")
        yield knowledge_base


@pytest.fixture(scope="module")
def app(kb: KnowledgeBase) -> FastAPI:
    return create_app(kb)


@pytest.fixture(scope="module", params=["anonymous", "admin"])
def auth_headers(request: pytest.FixtureRequest, kb: KnowledgeBase) -> Headers:
    """Headers for one request. Each admin request gets a key minted for it, so a case that
    revokes keys (DELETE /api/v1/keys/{key_id}) cannot lock the cases after it out."""
    if request.param == "anonymous":
        return dict

    def admin() -> dict[str, str]:
        key = kb.create_key(name="schemathesis", role="admin", author="t")
        return {"Authorization": f"Bearer {key.secret}"}

    return admin


@schema.parametrize()
@settings(
    max_examples=20,
    # The same cases every run, so CI is repeatable; a longer random exploration was run
    # by hand (150 examples per operation) when this test was written.
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_every_operation_keeps_its_documented_contract(
    case: Case, app: FastAPI, auth_headers: Headers
) -> None:
    if tool := _NEEDS_TOOL.get(case.operation.label):
        require_tool(tool)
    # As if loaded from the app itself, so the checks' own probes reach it too.
    case.operation.app = case.operation.schema.app = app
    case.call_and_validate(headers=auth_headers())


def test_the_document_asks_for_a_key_everywhere_when_anonymous_access_is_off(
    tmp_path: Path,
) -> None:
    sqlite = f"sqlite:///{tmp_path / 'kb.sqlite3'}"
    closed = Settings(data_dir=tmp_path, database_url=sqlite, anonymous_access=False)
    with KnowledgeBase.open(closed) as knowledge_base:
        document = create_app(knowledge_base).openapi()
    operations = [op for item in document["paths"].values() for op in item.values()]
    assert all({} not in op.get("security", [{"HTTPBearer": []}]) for op in operations)
    assert document["paths"]["/api/v1/answer"]["get"]["security"] == [{"HTTPBearer": []}]
