"""The published unit a caller may read by id, and one answer to strangers when they may not.

A customer-facing caller gets the same 404 for a unit that never existed, one that is
internal, one its channel does not show and one missing in the locale served: a message for
each reason told anyone which internal units exist. Staff keep the precise reason.
"""

from __future__ import annotations

from kb.errors import UnitNotFound
from kb.store.snapshot import Snapshot, StoredUnit
from renderers.base import Renderer
from renderers.checks import hidden_reason

__all__ = ["readable_unit"]


def readable_unit(
    snap: Snapshot, unit_id: str, locale: str, renderer: Renderer, *, staff: bool
) -> StoredUnit:
    """Unit `unit_id` in `locale` if `renderer`'s channel shows it; UnitNotFound otherwise,
    saying why only to `staff`."""
    try:
        unit = snap.unit(unit_id, locale)
    except UnitNotFound as exc:
        raise (exc if staff else _unseen(unit_id, renderer)) from None
    reason = hidden_reason(unit, renderer)
    if reason is None:
        return unit
    if staff:
        raise UnitNotFound(f"unit '{unit_id}' ({locale}) {reason}")
    raise _unseen(unit_id, renderer)


def _unseen(unit_id: str, renderer: Renderer) -> UnitNotFound:
    """The one not-found a public caller gets: built from what they asked, nothing stored."""
    return UnitNotFound(f"no unit '{unit_id}' for channel '{renderer.name}'")
