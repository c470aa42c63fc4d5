"""The OpenAPI document as the app really answers: FastAPI's defaults, corrected in one place.

FastAPI documents every error body as `application/json` (and a 422 as its own
`HTTPValidationError`), leaves out what is answered before a route runs (a body it cannot
decode, the size limits of `api.limits`), lists a key as required wherever one is accepted, and
an If-Match as optional where we answer 428 without one. Clients generated from the document,
and the schemathesis run in the tests, hold the app to what it says here.

Every documented route names its `operationId` (`operation_id=` on the route): generated clients
call it by that name, so it is public and must not follow the Python function's name, as
FastAPI's default (`answer_api_v1_answer_get`) does. `stable_operation_id` refuses a route
without one: building the document fails, naming the route (tests/api/test_operation_ids.py).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.utils import generate_unique_id

from api.errors import PROBLEM_JSON
from api.limits import MAX_BODY_BYTES, MAX_QUERY_BYTES

__all__ = ["KEY_OPTIONAL", "install_openapi", "stable_operation_id"]

#: `openapi_extra` of routes anonymous callers may use: `{}` is OpenAPI's "no credentials" option.
KEY_OPTIONAL: dict[str, Any] = {"security": [{}]}

_PROBLEM_REF = {"$ref": "#/components/schemas/ProblemOut"}
_FASTAPI_ERROR_SCHEMAS = ("HTTPValidationError", "ValidationError")
_ANY_REQUEST = {
    "414": f"The query string is over {MAX_QUERY_BYTES} bytes (non-Latin text counts more).",
}
_WITH_BODY = {
    "400": "The body is not JSON text (e.g. not UTF-8).",
    "413": f"The request body is over {MAX_BODY_BYTES} bytes.",
}


def stable_operation_id(route: APIRoute) -> str:
    """The app's `generate_unique_id_function`: FastAPI asks it only for a route that has no
    `operation_id`, which a documented route must have (see the module's docstring); an
    undocumented one (a page) keeps FastAPI's internal id."""
    if route.include_in_schema:
        methods = ",".join(sorted(route.methods))
        raise TypeError(
            f"{methods} {route.path} has no operation_id: name it on the route "
            "(a short camelCase name) and add it to tests/api/operation_ids.txt"
        )
    return generate_unique_id(route)


def install_openapi(app: FastAPI, *, anonymous_access: bool) -> None:
    """Make `app.openapi()` (and so /openapi.json) return the corrected document."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = generate()  # cached by FastAPI, so corrected once, in place
            for item in document.get("paths", {}).values():
                for operation in item.values():
                    _correct(operation, anonymous_access=anonymous_access)
            for name in _FASTAPI_ERROR_SCHEMAS:
                document.get("components", {}).get("schemas", {}).pop(name, None)
        return app.openapi_schema  # type: ignore[return-value]

    app.openapi = openapi  # type: ignore[method-assign]


def _correct(operation: dict[str, Any], *, anonymous_access: bool) -> None:
    responses = operation.setdefault("responses", {})
    for status, response in responses.items():
        if status[0] in "45":
            _as_problem(response)
    unrouted = {**_ANY_REQUEST, **(_WITH_BODY if "requestBody" in operation else {})}
    for status, description in unrouted.items():
        responses.setdefault(status, _problem(description))
    for parameter in operation.get("parameters", ()):
        if parameter["in"] == "header" and parameter["name"].lower() == "if-match":
            _required(parameter)  # without it, a change is a 428 (api.preconditions)
    if not anonymous_access and "security" in operation:
        operation["security"] = [s for s in operation["security"] if s]


def _as_problem(response: dict[str, Any]) -> None:
    """Every error is a problem document (`application/problem+json`), whatever FastAPI says."""
    content = response.get("content")
    if content is not None:
        content.pop("application/json", None)
        content[PROBLEM_JSON] = {"schema": dict(_PROBLEM_REF)}


def _required(parameter: dict[str, Any]) -> None:
    """A header the app insists on: a non-empty string (FastAPI wrote `str | None`)."""
    parameter["required"] = True
    schema = parameter["schema"]
    variants = [v for v in schema.pop("anyOf", ()) if v.get("type") != "null"]
    if len(variants) == 1:
        schema.update(variants[0])
    schema["minLength"] = 1  # an empty one counts as missing


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM_JSON: {"schema": dict(_PROBLEM_REF)}}}
