"""The consistency report for editors, and its two actions: merge duplicate units, make a snippet
of a value typed into many units (editor key; each action is one transaction)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from api.auth import Editor, key_responses
from api.deps import KBDep
from api.schemas import ProblemOut
from api.schemas.consistency import (
    ConsistencyOut,
    MergeIn,
    MergeOut,
    SnippetExtractIn,
    SnippetExtractOut,
)
from kb.consistency import ConsistencyReport, check_consistency
from kb.consistency.actions import extract_snippet, merge_units
from kb.content.snippets import SnippetType
from kb.store.snapshot import Snapshot

router = APIRouter(
    prefix="/api/v1/consistency",
    tags=["consistency"],
    responses={**key_responses("The key's role is below editor.")},
)

_ACTION_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {"model": ProblemOut, "description": "A unit named does not exist in the locale."},
    409: {
        "model": ProblemOut,
        "description": "A unit was saved since the revision given (nothing was changed), or "
        "the snippet name holds another value.",
    },
    422: {"model": ProblemOut, "description": "What cannot be done, each problem by field."},
}


class _Reports:
    """The last few reports, by the snapshot they were made of (drafts states and releases are
    one object each until something changes), so reloading the view costs no second check."""

    def __init__(self, size: int = 4) -> None:
        self._size = size
        self._kept: OrderedDict[tuple[int, str | None], tuple[Snapshot, ConsistencyReport]] = (
            OrderedDict()
        )
        self._lock = threading.Lock()

    def get(self, snapshot: Snapshot, locale: str | None) -> ConsistencyReport:
        """The report of `snapshot` (in `locale`), made once per snapshot."""
        key = (id(snapshot), locale)
        with self._lock:
            kept = self._kept.get(key)
            if kept is not None and kept[0] is snapshot:
                self._kept.move_to_end(key)
                return kept[1]
        report = check_consistency(snapshot, locale=locale)
        with self._lock:
            self._kept[key] = (snapshot, report)  # the snapshot held: its id is not reused
            while len(self._kept) > self._size:
                self._kept.popitem(last=False)
        return report


_REPORTS = _Reports()


def _named_units(report: ConsistencyReport, snapshot: Snapshot) -> list[dict[str, Any]]:
    """Every unit the report names, with its title and revision, by locale and id."""
    keys: set[tuple[str, str]] = set()
    for group in report.duplicates:
        keys.update((unit_id, group.locale) for unit_id in group.units)
    for found in report.contradictions:
        keys.update((m.unit_id, m.locale) for m in (found.first, found.second))
    for repeated in report.repeated:
        keys.update((unit_id, repeated.locale) for unit_id in repeated.units)
    named = [snapshot.units[key] for key in sorted(keys, key=lambda k: (k[1], k[0]))]
    return [
        {
            "unit_id": unit.document.id,
            "locale": unit.document.locale,
            "title": unit.document.title,
            "revision": unit.revision,
            "source": unit.document.source.system if unit.document.source else "kb",
        }
        for unit in named
    ]


@router.get("", operation_id="getConsistencyReport", response_model=ConsistencyOut)
def consistency_report(
    kb: KBDep,
    _caller: Editor,
    drafts: Annotated[
        bool, Query(description="Check the drafts (default: the current release).")
    ] = False,
    locale: Annotated[
        str | None, Query(max_length=35, description="One locale (default: every one).")
    ] = None,
) -> Any:
    """Duplicates, contradictions and repeated values of the current release or of the drafts
    (the drafts while nothing is published), with the revision of every unit named."""
    drafts = drafts or kb.current_release() is None
    snapshot = kb.draft_state().snapshot if drafts else kb.snapshot()
    if locale is not None and locale not in snapshot.locales:
        report = ConsistencyReport()  # nothing in that locale
    else:
        report = _REPORTS.get(snapshot, locale)
    return {
        "kb_version": snapshot.number,
        "drafts": drafts,
        **report.to_json(),
        "units": _named_units(report, snapshot),
    }


@router.post(
    "/merge",
    operation_id="mergeDuplicateUnits",
    response_model=MergeOut,
    responses=_ACTION_RESPONSES,
)
def merge(body: MergeIn, kb: KBDep, caller: Editor) -> Any:
    """Merge duplicates into `keep`: it gains the others' titles and example questions, the
    others are archived and links to them point at `keep`; all or nothing."""
    result = merge_units(
        kb,
        locale=body.locale,
        keep=body.keep,
        others=body.others,
        author=caller.name,
        message=body.message,
        revisions=body.revisions,
    )
    return {
        "locale": result.locale,
        "keep": result.keep,
        "revision": result.kept.revision,
        "archived": [{"unit_id": u, "revision": s.revision} for u, s in result.archived],
        "added_questions": list(result.added_questions),
        "relinked": [{"unit_id": u, "revision": s.revision} for u, s in result.relinked],
    }


@router.post(
    "/snippets",
    operation_id="extractSnippet",
    status_code=201,
    response_model=SnippetExtractOut,
    responses=_ACTION_RESPONSES,
)
def make_snippet(body: SnippetExtractIn, kb: KBDep, caller: Editor, response: Response) -> Any:
    """Create a snippet holding `value` and write {{ name }} for each exact occurrence of it in
    `units`; a markdown snippet (the default) leaves every channel's output as it was."""
    result = extract_snippet(
        kb,
        locale=body.locale,
        name=body.name,
        value=body.value,
        units=body.units,
        author=caller.name,
        message=body.message,
        kind=SnippetType(body.type),
        revisions=body.revisions,
    )
    response.headers["Location"] = f"/api/v1/drafts/snippets/{body.name}?locale={body.locale}"
    return {
        "name": result.name,
        "locale": result.locale,
        "type": result.type.value,
        "value": body.value,
        "revision": result.snippet.revision,
        "units": [
            {"unit_id": u, "revision": s.revision, "replaced": n} for u, s, n in result.units
        ],
    }
