"""The operationIds of /openapi.json are short, unique and pinned: generated clients use them as
method names, so a rename is a breaking change that must show up as an edit of operation_ids.txt.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI

from api import create_app

PINNED = Path(__file__).with_name("operation_ids.txt")
OPERATION_ID = re.compile(r"^[a-z][A-Za-z0-9]*$")


def _operations(document: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(METHOD, path, operationId) of every operation in the document, in its order."""
    return [
        (method.upper(), path, operation.get("operationId", ""))
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]


def _pinned() -> list[tuple[str, str, str]]:
    rows = []
    for line in PINNED.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            method, path, operation_id = line.split()
            rows.append((method, path, operation_id))
    return rows


@pytest.fixture(scope="module")
def app() -> FastAPI:
    """The app as configured by the environment; describing it needs no knowledge base."""
    return create_app()


def test_every_operation_id_is_short_camel_case_and_unique(app: FastAPI) -> None:
    ids = [operation_id for _, _, operation_id in _operations(app.openapi())]
    assert [i for i in ids if not OPERATION_ID.match(i)] == []
    assert [i for i, n in Counter(ids).items() if n > 1] == []


def test_operation_ids_are_the_pinned_ones(app: FastAPI) -> None:
    """Adding, removing or renaming an operation means editing operation_ids.txt."""
    served, pinned = set(_operations(app.openapi())), set(_pinned())
    assert {"not pinned": sorted(served - pinned), "not served": sorted(pinned - served)} == {
        "not pinned": [],
        "not served": [],
    }


def test_a_documented_route_without_an_operation_id_fails_the_document() -> None:
    app = create_app()
    nameless = APIRouter(prefix="/api/v1/nameless")

    @nameless.get("")
    def handler() -> dict[str, str]:
        return {}

    app.include_router(nameless)
    with pytest.raises(TypeError, match=r"GET /api/v1/nameless has no operation_id"):
        app.openapi()


def test_an_undocumented_route_needs_no_operation_id() -> None:
    """Pages (include_in_schema=False) are no part of the API a client is generated for."""
    app = create_app()

    @app.get("/hidden", include_in_schema=False)
    def handler() -> dict[str, str]:
        return {}

    assert "/hidden" not in app.openapi()["paths"]
