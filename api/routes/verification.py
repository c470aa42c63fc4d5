"""Verification by owners: a unit's state, and verifying it in one click (no new revision).

Who may verify: an editor, publisher or admin key verifies any unit; an operator key only the
units whose `owner` is the key's name (staff who own answers without editing them). Reading
the state needs an operator key: the operator panel shows it beside an answer.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query

from api.auth import Editor, key_responses, require
from api.deps import KBDep
from api.schemas import ProblemOut
from api.schemas.verification import VerificationOut
from kb.store.keys import Caller, Role
from kb.verification import (
    NotOwner,
    load_policy,
    unit_verification,
    unverified_units,
    verify_unit,
)

router = APIRouter(
    tags=["verification"],
    responses=key_responses(
        "The key's role is below operator (editor for the list), or the operator does not own it."
    ),
)
_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ProblemOut, "description": "No such unit in that locale."}
}

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

LocaleFilter = Annotated[
    str | None,
    Query(
        max_length=35,
        pattern=r"^[a-z]{2,3}(-[A-Z]{2})?$",
        description="One locale (default: every one).",
        openapi_examples={"english": {"value": "en"}},
    ),
]


@router.get(
    "/api/v1/units/{unit_id}/verification",
    operation_id="getUnitVerification",
    response_model=VerificationOut,
    responses=_NOT_FOUND,
)
def verification(unit_id: UnitId, kb: KBDep, _caller: Operator, locale: LocaleQ = None) -> Any:
    """The unit's verification: its period (its own `verify_every`, else its category's),
    who verified it last and when, and whether it is unverified now."""
    loc = locale or kb.settings.default_locale
    return unit_verification(kb.db, unit_id, loc, load_policy(kb.settings.data_dir)).to_json()


@router.post(
    "/api/v1/units/{unit_id}/verify",
    operation_id="verifyUnit",
    response_model=VerificationOut,
    responses=_NOT_FOUND,
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


@router.get(
    "/api/v1/verification/unverified",
    operation_id="listUnverifiedUnits",
    response_model=list[VerificationOut],
)
def unverified(kb: KBDep, _caller: Editor, locale: LocaleFilter = None) -> Any:
    """Every draft unit (of one locale, if given) whose owner has not verified it within its
    period, as `kb stale --drafts` lists them: the editor marks them in its list of units."""
    drafts = kb.drafts()
    lapsed = unverified_units(
        kb.db, drafts, drafts, load_policy(kb.settings.data_dir), datetime.now(UTC)
    )
    return [s.to_json() for s in lapsed if locale is None or s.locale == locale]
