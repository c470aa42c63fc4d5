"""Verification by owners (issue 18): a unit's owner confirms every `verify_every` days that
it is still right, without a new revision; lapses show in the editor, the operator panel,
`kb stale` and the `unit.unverified` webhook."""

from kb.verification.actions import (
    NotOwner,
    notify_unverified,
    unit_verification,
    unverified_units,
    verify_unit,
)
from kb.verification.policy import POLICY_FILE, VerificationPolicy, load_policy
from kb.verification.state import VerificationState, verification_states

__all__ = [
    "POLICY_FILE",
    "NotOwner",
    "VerificationPolicy",
    "VerificationState",
    "load_policy",
    "notify_unverified",
    "unit_verification",
    "unverified_units",
    "verification_states",
    "verify_unit",
]
