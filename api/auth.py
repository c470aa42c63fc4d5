"""Who is calling: `Authorization: Bearer KEY` to a role; anonymous callers read public content."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from api.deps import KBDep
from api.schemas import ProblemOut
from kb.store.keys import Caller, Role

__all__ = [
    "ANONYMOUS",
    "Admin",
    "CallerDep",
    "Editor",
    "Publisher",
    "get_caller",
    "key_responses",
    "require",
]

ANONYMOUS = Caller(role=Role.READER)
_BEARER = HTTPBearer(auto_error=False, description="An API key from `kb keys create`.")
#: Said for every wrong, unknown, revoked or malformed key alike: no hint of what exists.
_UNAUTHORIZED = "missing or invalid API key; send Authorization: Bearer KEY"


def _unauthorized() -> HTTPException:
    return HTTPException(401, _UNAUTHORIZED, headers={"WWW-Authenticate": "Bearer"})


async def get_caller(
    request: Request,
    kb: KBDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_BEARER)],
) -> Caller:
    """The caller behind the request's key; anonymous (a reader) when it carries none.

    Async, so an anonymous request costs no thread hop; a key is looked up in a thread.
    """
    if credentials is None:
        if request.headers.get("authorization") or not kb.settings.anonymous_access:
            raise _unauthorized()  # a malformed header is not silently anonymous
        return ANONYMOUS
    caller = await run_in_threadpool(kb.authenticate, credentials.credentials)
    if caller is None:
        raise _unauthorized()
    return caller


CallerDep = Annotated[Caller, Depends(get_caller)]


def require(role: Role) -> Callable[[Caller], Awaitable[Caller]]:
    """A dependency that lets through callers holding `role` or a higher one (403 otherwise)."""

    async def check(caller: CallerDep) -> Caller:
        if caller.role < role:
            if caller.key_id is None:
                raise _unauthorized()
            raise HTTPException(403, f"this needs a key with the {role.label} role")
        return caller

    check.__name__ = f"require_{role.label}"
    return check


Editor = Annotated[Caller, Depends(require(Role.EDITOR))]
Publisher = Annotated[Caller, Depends(require(Role.PUBLISHER))]
Admin = Annotated[Caller, Depends(require(Role.ADMIN))]


def key_responses(forbidden: str) -> dict[int | str, dict[str, Any]]:
    """The 401 and 403 a router's key-only routes document; `forbidden` says who may."""
    return {
        401: {"model": ProblemOut, "description": "No key, or an unknown or revoked one."},
        403: {"model": ProblemOut, "description": forbidden},
    }
