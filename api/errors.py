"""One error format for every failure: RFC 9457 problem details."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from kb.errors import ConfigError, InvalidContent, KBError, NotFound, VersionConflict
from kb.publishing import PublishBlocked

__all__ = ["install_error_handlers", "problem"]

_STATUS: list[tuple[type[KBError], int, str]] = [
    (NotFound, 404, "Not found"),
    (VersionConflict, 409, "Conflict"),
    (InvalidContent, 422, "Invalid content"),
    (PublishBlocked, 422, "Checks failed"),
    (ConfigError, 503, "Service misconfigured"),
]


def problem(status: int, title: str, detail: str, **extra: object) -> JSONResponse:
    """A problem-details response."""
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type="application/problem+json")


def _from_kb_error(_request: Request, exc: Exception) -> JSONResponse:
    status, title = next(
        ((status, title) for kind, status, title in _STATUS if isinstance(exc, kind)),
        (500, "Internal error"),
    )
    extra: dict[str, object] = {}
    if isinstance(exc, InvalidContent):
        extra["errors"] = [
            {"message": p.message, "source": p.source, "line": p.line, "field": p.field}
            for p in exc.problems
        ]
    return problem(status, title, str(exc).split("\n", 1)[0], **extra)


def _from_validation_error(_request: Request, exc: Exception) -> JSONResponse:
    """Bad query or path parameters get the same problem format as every other failure."""
    assert isinstance(exc, RequestValidationError)
    errors = [
        {
            "message": e.get("msg", ""),
            "source": str(e["loc"][0]) if e.get("loc") else None,
            "line": None,
            "field": ".".join(str(part) for part in e.get("loc", ())[1:]) or None,
        }
        for e in exc.errors()
    ]
    detail = "; ".join(
        f"{e['field']}: {e['message']}" if e["field"] else e["message"] for e in errors
    )
    return problem(422, "Invalid request", detail or "invalid request", errors=errors)


def install_error_handlers(app: FastAPI) -> None:
    """Map domain errors to statuses in one place."""
    app.add_exception_handler(KBError, _from_kb_error)
    app.add_exception_handler(RequestValidationError, _from_validation_error)
