"""API keys over HTTP (admin key): list, create (the secret is shown once) and revoke."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from api.auth import Admin, key_responses
from api.deps import KBDep
from api.schemas import KeyIn, KeyOut, NewKeyOut, ProblemOut
from kb.store.models import ApiKey

router = APIRouter(
    prefix="/api/v1/keys",
    tags=["access"],
    responses={
        **key_responses("Only admin keys manage keys."),
    },
)


def _key(key: ApiKey) -> dict[str, Any]:
    return {
        "key_id": key.key_id,
        "name": key.name,
        "role": key.role,
        "author": key.author,
        "created_at": key.created_at,
        "revoked_at": key.revoked_at,
    }


@router.get("", operation_id="listKeys", response_model=list[KeyOut])
def list_keys(kb: KBDep, _caller: Admin) -> Any:
    """Every key ever created, revoked ones included; never a secret."""
    return [_key(k) for k in kb.api_keys()]


@router.post("", operation_id="createKey", response_model=NewKeyOut, status_code=201)
def create_key(body: KeyIn, kb: KBDep, caller: Admin) -> Any:
    """Create a key; its secret is in this response only."""
    new = kb.create_key(name=body.name, role=body.role, author=caller.name)
    return {**_key(new.key), "key": new.secret}


@router.delete(
    "/{key_id}",
    operation_id="revokeKey",
    response_model=KeyOut,
    responses={404: {"model": ProblemOut, "description": "No active key with this id."}},
)
def revoke_key(
    key_id: Annotated[str, Path(max_length=32, pattern=r"^[0-9a-f]+$")], kb: KBDep, caller: Admin
) -> Any:
    """Revoke a key: requests carrying it are refused from the next one on."""
    return _key(kb.revoke_key(key_id, author=caller.name))
