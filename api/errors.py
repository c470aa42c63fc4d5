"""One error format for every failure: RFC 9457 problem details (`application/problem+json`)."""

from __future__ import annotations

import logging
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError  # what the database layer raises when its disk is full
from starlette.exceptions import HTTPException

from kb.errors import (
    ConfigError,
    InvalidContent,
    KBError,
    NotFound,
    ReleaseNotServed,
    VersionConflict,
    storage_fault,
)
from kb.releases.publishing import PublishBlocked

__all__ = ["PROBLEM_JSON", "install_error_handlers", "problem"]

PROBLEM_JSON = "application/problem+json"
_LOG = logging.getLogger("kb.api")

_STATUS: list[tuple[type[KBError], int, str]] = [
    (NotFound, 404, "Not found"),
    (VersionConflict, 409, "Conflict"),
    (InvalidContent, 422, "Invalid content"),
    (PublishBlocked, 422, "Checks failed"),
    (ConfigError, 503, "Service misconfigured"),
]


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    headers: dict[str, str] | None = None,
    **extra: object,
) -> JSONResponse:
    """A problem-details response."""
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _from_kb_error(_request: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, ReleaseNotServed):
        return _not_served(exc)
    status, title = next(
        ((status, title) for kind, status, title in _STATUS if isinstance(exc, kind)),
        (500, "Internal error"),
    )
    extra: dict[str, object] = {}
    if isinstance(exc, InvalidContent):
        extra["errors"] = [p.to_json() for p in exc.problems]
    if isinstance(exc, PublishBlocked):
        extra["errors"] = [
            {"message": str(f), "source": None, "line": None, "field": None}
            for f in exc.findings
            if getattr(f, "blocking", False)
        ]
    return problem(status, title, str(exc).split("\n", 1)[0], **extra)


def _not_served(exc: ReleaseNotServed) -> JSONResponse:
    """The release is committed (every other server switches to it), but not built here: 507
    when the storage is full or read-only, so the caller knows what to free, else 500."""
    _LOG.error("%s", exc)
    status, title = (507, "Insufficient Storage") if exc.storage else (500, "Internal error")
    return problem(
        status,
        title,
        str(exc),
        headers={"Location": f"/api/v1/releases/{exc.release}"},
        committed=True,
        kb_version=exc.release,
    )


def _from_validation_error(_request: Request, exc: Exception) -> JSONResponse:
    """Bad query, path or body parameters get the same problem format as every other failure."""
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
        f"{e['source']} {e['field']}: {e['message']}" if e["field"] else e["message"]
        for e in errors
    )
    return problem(422, "Invalid request", detail or "invalid request", errors=errors)


def _from_http_error(_request: Request, exc: Exception) -> JSONResponse:
    """Framework errors (unknown route, wrong method, auth) in the same format."""
    assert isinstance(exc, HTTPException)
    title = HTTPStatus(exc.status_code).phrase
    # A 405's Allow is set in api.methods, from every route, not only the one Starlette tried.
    return problem(exc.status_code, title, str(exc.detail), headers=exc.headers)


def _from_anything_else(request: Request, exc: Exception) -> JSONResponse:
    """A bug: logged with its traceback here, and nothing of it shown to the caller."""
    _LOG.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem(500, "Internal error", "the server failed; the error has been logged")


def _from_storage(request: Request, exc: Exception) -> JSONResponse:
    """A write the storage refused (disk full, read-only) is no bug: 507 saying what, in one
    log line; any other OS or database error is handled as a bug."""
    fault = storage_fault(exc)
    if fault is None:
        return _from_anything_else(request, exc)
    _LOG.error("%s %s: could not write: %s", request.method, request.url.path, fault)
    return problem(507, "Insufficient Storage", f"the server could not write: {fault}")


def install_error_handlers(app: FastAPI) -> None:
    """Map every kind of failure to a status and a problem document, in one place."""
    app.add_exception_handler(KBError, _from_kb_error)
    app.add_exception_handler(RequestValidationError, _from_validation_error)
    app.add_exception_handler(HTTPException, _from_http_error)
    # Handled by type, not in the catch-all: Starlette re-raises what reaches that one, and
    # the server would log a traceback (with the SQL and its content) for each full write.
    app.add_exception_handler(OSError, _from_storage)
    app.add_exception_handler(DBAPIError, _from_storage)
    app.add_exception_handler(Exception, _from_anything_else)
