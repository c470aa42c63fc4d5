"""One error format for every failure: RFC 9457 problem details."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from kb.errors import ConfigError, InvalidContent, KBError, NotFound, VersionConflict

__all__ = ["install_error_handlers", "problem"]

_STATUS: list[tuple[type[KBError], int, str]] = [
    (NotFound, 404, "Not found"),
    (VersionConflict, 409, "Conflict"),
    (InvalidContent, 422, "Invalid content"),
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


def install_error_handlers(app: FastAPI) -> None:
    """Map domain errors to statuses in one place."""
    app.add_exception_handler(KBError, _from_kb_error)
