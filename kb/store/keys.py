"""API keys: roles, creation, verification and revocation; only a hash of each key is stored."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from enum import IntEnum

from sqlalchemy import select
from sqlmodel import Session

from kb.errors import InvalidContent, NotFound, Problem
from kb.store.audit import record
from kb.store.models import ApiKey, utcnow

__all__ = ["KEY_PREFIX", "Caller", "KeyNotFound", "NewKey", "Role", "create_key", "verify_key"]

#: Every key starts with this, so a leaked key is recognisable (e.g. by secret scanners).
KEY_PREFIX = "kb"
_ID_BYTES = 6
_SECRET_BYTES = 24


class Role(IntEnum):
    """What a caller may do; each role includes every role below it."""

    READER = 1  # public content in the customer channels (also what anonymous callers get)
    OPERATOR = 2  # adds the operator channel and internal content
    EDITOR = 3  # adds drafts: units, snippets, revisions
    PUBLISHER = 4  # adds releases: publish and roll back
    ADMIN = 5  # adds API keys

    @classmethod
    def parse(cls, name: str) -> Role:
        """A role by its lower-case name; an unknown one is a clear error listing the known."""
        try:
            return cls[name.strip().upper()]
        except KeyError:
            known = ", ".join(r.label for r in cls)
            raise InvalidContent(
                [Problem(f"unknown role '{name}'; known: {known}", field="role")]
            ) from None

    @property
    def label(self) -> str:
        """The name users type and see."""
        return self.name.lower()


class KeyNotFound(NotFound):
    """No active key with this id."""


@dataclass(frozen=True)
class Caller:
    """Who is calling: a key's id and name, or anonymous, and the role that grants."""

    role: Role
    key_id: str | None = None
    name: str = "anonymous"

    @property
    def staff(self) -> bool:
        """May see internal content and the operator channel."""
        return self.role >= Role.OPERATOR


@dataclass(frozen=True)
class NewKey:
    """A key just created: `secret` is shown to its owner once and never stored."""

    key: ApiKey
    secret: str


def _digest(secret: str) -> str:
    """Keys are 192 random bits, so one SHA-256 is enough: no dictionary to slow down."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_key(session: Session, *, name: str, role: Role, author: str) -> NewKey:
    """Store a new key's hash and return the key, which nobody can read back later."""
    name = name.strip()
    if not name or len(name) > 200:
        raise InvalidContent([Problem("a key needs a name of 1 to 200 characters", field="name")])
    key_id = secrets.token_hex(_ID_BYTES)
    secret = f"{KEY_PREFIX}_{key_id}_{secrets.token_urlsafe(_SECRET_BYTES)}"
    key = ApiKey(key_id=key_id, name=name, role=role.label, digest=_digest(secret), author=author)
    session.add(key)
    session.flush()
    record(
        session,
        actor=author,
        action="key.created",
        object_kind="key",
        object_id=key_id,
        detail={"name": name, "role": role.label},
    )
    return NewKey(key, secret)


def verify_key(session: Session, secret: str) -> Caller | None:
    """The caller a presented key stands for, or None for a wrong, unknown or revoked key."""
    parts = secret.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX:
        return None
    key = session.get(ApiKey, parts[1])
    if key is None or key.revoked_at is not None:
        return None
    if not hmac.compare_digest(key.digest, _digest(secret)):
        return None
    return Caller(role=Role.parse(key.role), key_id=key.key_id, name=key.name)


def list_keys(session: Session) -> list[ApiKey]:
    """Every key, revoked ones included (the record of who had access), oldest first."""
    return list(session.scalars(select(ApiKey).order_by(ApiKey.created_at, ApiKey.key_id)))


def revoke_key(session: Session, key_id: str, *, author: str) -> ApiKey:
    """Stop a key working from the next request on; its record stays (`author` revoked it)."""
    key = session.get(ApiKey, key_id)
    if key is None or key.revoked_at is not None:
        raise KeyNotFound(f"no active key '{key_id}'")
    key.revoked_at = utcnow()
    session.add(key)
    session.flush()
    detail = {"name": key.name, "role": key.role}
    record(
        session,
        actor=author,
        action="key.revoked",
        object_kind="key",
        object_id=key_id,
        detail=detail,
    )
    return key
