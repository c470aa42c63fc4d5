"""Verification by owners: a unit's state, and verifying it in one click (no new revision).

Who may verify: an editor, publisher or admin key verifies any unit; an operator key only the
units whose `owner` is the key's name (staff who own answers without editing them). Reading
the state needs an operator key: the operator panel shows it beside an answer.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query

from api.auth import key_responses, require
from api.deps import KBDep
from api.schemas import ProblemOut
from api.schemas.verification import VerificationOut
from kb.store.keys import Caller, Role
from kb.verification import NotOwner, load_policy, unit_verification, verify_unit

router = APIRouter(
    prefix="/api/v1/units",
    tags=["verification"],
    responses={
        **key_responses("The key's role is below operator, or the operator does not own it."),
        404: {"model": ProblemOut, "description": "No such unit in that locale."},
    },
)

Operator = Annotated[Caller, Depends(require(Role.OPERATOR))]
UnitId = Annotated[str, Path(max_length=200, openapi_examples={"unit": {"value": "check-balance"}})]
LocaleQ = Annotated[
    str | None,
    Query(
        max_length=35,
        pattern=r"^[a-z]{2,3}(-[A-Z]{2})?$",
        description="The unit's locale (default: KB_DEFAULT_LOCALE).",
        openapi_examples={"english": {"value": "en"}},
    ),
]


@router.get(
    "/{unit_id}/verification",
    operation_id="getUnitVerification",
    response_model=VerificationOut,
)
def verification(unit_id: UnitId, kb: KBDep, _caller: Operator, locale: LocaleQ = None) -> Any:
    """The unit's verification: its period (its own `verify_every`, else its category's),
    who verified it last and when, and whether it is unverified now."""
    loc = locale or kb.settings.default_locale
    return unit_verification(kb.db, unit_id, loc, load_policy(kb.settings.data_dir)).to_json()


@router.post(
    "/{unit_id}/verify",
    operation_id="verifyUnit",
    response_model=VerificationOut,
)
def verify(unit_id: UnitId, kb: KBDep, caller: Operator, locale: LocaleQ = None) -> Any:
    """Record that the caller verified the unit now (at its newest revision and the current
    release), with an audit entry; the unit gets no new revision and its next verification
    falls due `verify_every` days from now."""
    loc = locale or kb.settings.default_locale
    try:
        state = verify_unit(
            kb.db,
            unit_id,
            loc,
            actor=caller.name,
            policy=load_policy(kb.settings.data_dir),
            owner_only=caller.role < Role.EDITOR,
        )
    except NotOwner as exc:
        why = f"{exc}; an operator key verifies only the units it owns"
        raise HTTPException(403, why) from None
    return state.to_json()
