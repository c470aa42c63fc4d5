"""Authoring: draft units and snippets, their revisions and diffs (editor key)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Response

from api.auth import Editor, key_responses
from api.deps import KBDep
from api.preconditions import expected_revision, revision_etag, stale_is_412
from api.schemas import (
    DiffOut,
    DraftIn,
    DraftOut,
    DraftSummary,
    ProblemOut,
    RevisionOut,
    SnippetIn,
    SnippetOut,
    SnippetUpdate,
)
from kb.content.snippets import SnippetDocument, SnippetType
from kb.errors import InvalidContent, Problem, VersionConflict
from kb.store.models import SnippetRevision, UnitRevision
from kb.store.revisions import SaveResult, to_document

router = APIRouter(
    prefix="/api/v1/drafts",
    tags=["authoring"],
    responses={
        **key_responses("The key's role is below editor."),
        404: {"model": ProblemOut, "description": "No such unit, snippet or revision."},
        422: {"model": ProblemOut, "description": "Invalid content: the problems, with lines."},
    },
)

UnitId = Annotated[str, Path(max_length=200, openapi_examples={"unit": {"value": "check-balance"}})]
SnippetName = Annotated[
    str, Path(max_length=200, openapi_examples={"snippet": {"value": "support_phone"}})
]
LocaleQ = Annotated[
    str,
    Query(
        min_length=2,
        max_length=35,
        pattern=r"^[A-Za-z]{2,8}([_-][A-Za-z0-9]{1,8})*$",
        openapi_examples={"english": {"value": "en"}},
    ),
]
IfMatch = Annotated[
    str | None,
    Header(
        max_length=100,
        description="The ETag the draft was read with; a stale one gets 412 and changes nothing.",
    ),
]
_CHANGE_RESPONSES: dict[int | str, dict[str, Any]] = {
    412: {"model": ProblemOut, "description": "Someone changed it since: reload and merge."},
    428: {"model": ProblemOut, "description": "If-Match is missing."},
}


def _draft(row: UnitRevision, outcome: str | None = None) -> dict[str, Any]:
    fields = to_document(row).metadata()
    body = fields.pop("body")
    return {
        "unit_id": row.unit_id,
        "locale": row.locale,
        "title": row.title,
        "revision": row.number,
        "archived": row.archived,
        "author": row.author,
        "updated_at": row.created_at,
        "source": row.source,
        "outcome": outcome,
        "fields": fields,
        "body": body,
    }


def _snippet(
    row: SnippetRevision, users: Mapping[tuple[str, str], Sequence[str]]
) -> dict[str, Any]:
    """A snippet as SnippetOut, with the draft units that use it (`users`, by name and locale)."""
    return {
        "name": row.name,
        "locale": row.locale,
        "type": row.type,
        "value": row.value,
        "revision": row.number,
        "archived": row.archived,
        "author": row.author,
        "updated_at": row.created_at,
        "used_by": list(users.get((row.name, row.locale), ())),
    }


def _saved(response: Response, result: SaveResult) -> None:
    response.headers["ETag"] = revision_etag(result.revision)


def _change(
    if_match: str | None, what: str, check: Callable[[], object], save: Callable[[int], SaveResult]
) -> SaveResult:
    """A change guarded by If-Match: 428 without it, then `check` (404 for what never existed,
    422 for bad input), then 412 if someone saved since the revision it names."""
    expected = expected_revision(if_match, what)
    check()
    with stale_is_412(what):
        return save(expected)


@contextmanager
def _creating(what: str, hint: str) -> Iterator[None]:
    """A create whose target exists already is a 409 saying how to change it instead."""
    try:
        yield
    except VersionConflict as exc:
        raise VersionConflict(f"{what} exists already; {hint}") from exc


# -- units ------------------------------------------------------------------------------------


@router.get("/units", operation_id="listDraftUnits", response_model=list[DraftSummary])
def list_drafts(
    kb: KBDep, _caller: Editor, locale: Annotated[str | None, Query(max_length=35)] = None
) -> Any:
    """Every unit the next release would contain (archived ones are left out), by locale and id."""
    return [
        {
            "unit_id": u.document.id,
            "locale": u.document.locale,
            "title": u.document.title,
            "revision": u.revision,
            "archived": False,
            "author": u.author,
            "updated_at": u.updated_at,
        }
        for u in kb.drafts().iter_units(locale)
    ]


@router.post(
    "/units",
    operation_id="createDraftUnit",
    status_code=201,
    response_model=DraftOut,
    responses={409: {"model": ProblemOut, "description": "The unit exists: update it with PUT."}},
)
def create_draft(body: DraftIn, kb: KBDep, caller: Editor, response: Response) -> Any:
    """Create a unit from its Markdown source; its first revision's ETag comes back."""
    doc = kb.parse_unit(body.source, source="body.source")
    with _creating(f"unit '{doc.id}' ({doc.locale})", "change it with PUT and If-Match"):
        result = kb.save_unit(
            body.source, author=caller.name, message=body.message, expected_revision=0
        )
    _saved(response, result)
    response.headers["Location"] = f"/api/v1/drafts/units/{doc.id}?locale={doc.locale}"
    return _draft(kb.draft_unit(doc.id, doc.locale), result.outcome.value)


@router.get("/units/{unit_id}", operation_id="getDraftUnit", response_model=DraftOut)
def read_draft(
    unit_id: UnitId, locale: LocaleQ, kb: KBDep, _caller: Editor, response: Response
) -> Any:
    """The newest revision of a unit, archived or not, with the ETag to change it."""
    row = kb.draft_unit(unit_id, locale)
    response.headers["ETag"] = revision_etag(row.number)
    return _draft(row)


@router.put(
    "/units/{unit_id}",
    operation_id="updateDraftUnit",
    response_model=DraftOut,
    responses=_CHANGE_RESPONSES,
)
def update_draft(
    unit_id: UnitId,
    locale: LocaleQ,
    body: DraftIn,
    kb: KBDep,
    caller: Editor,
    response: Response,
    if_match: IfMatch = None,
) -> Any:
    """Save a new revision; only if nobody saved since the revision If-Match names."""

    def check() -> None:
        doc = kb.parse_unit(body.source, source="body.source")
        if (doc.id, doc.locale) != (unit_id, locale):
            where = f"the source is unit '{doc.id}' ({doc.locale}), not '{unit_id}' ({locale})"
            raise InvalidContent([Problem(where, source="body.source", field="id")])
        kb.draft_unit(unit_id, locale)

    result = _change(
        if_match,
        f"unit '{unit_id}'",
        check,
        lambda expected: kb.save_unit(
            body.source, author=caller.name, message=body.message, expected_revision=expected
        ),
    )
    _saved(response, result)
    return _draft(kb.draft_unit(unit_id, locale), result.outcome.value)


@router.delete(
    "/units/{unit_id}",
    operation_id="archiveDraftUnit",
    response_model=DraftOut,
    responses=_CHANGE_RESPONSES,
)
def archive_draft(
    unit_id: UnitId,
    locale: LocaleQ,
    kb: KBDep,
    caller: Editor,
    response: Response,
    if_match: IfMatch = None,
    message: Annotated[str, Query(max_length=2000)] = "Archived",
) -> Any:
    """Archive a unit: the next release leaves it out; its history stays, a save restores it."""
    result = _change(
        if_match,
        f"unit '{unit_id}'",
        lambda: kb.draft_unit(unit_id, locale),
        lambda expected: kb.archive_unit(
            unit_id, locale, author=caller.name, message=message, expected_revision=expected
        ),
    )
    _saved(response, result)
    return _draft(kb.draft_unit(unit_id, locale), result.outcome.value)


@router.get(
    "/units/{unit_id}/revisions", operation_id="listUnitRevisions", response_model=list[RevisionOut]
)
def list_revisions(unit_id: UnitId, locale: LocaleQ, kb: KBDep, _caller: Editor) -> Any:
    """Every revision of a unit, oldest first: who changed it, when and why."""
    return [
        {
            "revision": r.number,
            "title": r.title,
            "archived": r.archived,
            "author": r.author,
            "message": r.message,
            "created_at": r.created_at,
        }
        for r in kb.history(unit_id, locale)
    ]


@router.get(
    "/units/{unit_id}/revisions/{revision}", operation_id="getUnitRevision", response_model=DraftOut
)
def read_revision(
    unit_id: UnitId,
    revision: Annotated[int, Path(ge=1, le=1_000_000_000)],
    locale: LocaleQ,
    kb: KBDep,
    _caller: Editor,
) -> Any:
    """One revision of a unit, with its source."""
    return _draft(kb.revision(unit_id, locale, revision))


@router.get("/units/{unit_id}/diff", operation_id="diffUnitRevisions", response_model=DiffOut)
def diff_revisions(
    unit_id: UnitId,
    locale: LocaleQ,
    kb: KBDep,
    _caller: Editor,
    from_revision: Annotated[
        int | None, Query(alias="from", ge=1, le=1_000_000_000, description="Default: published.")
    ] = None,
    to_revision: Annotated[
        int | None, Query(alias="to", ge=1, le=1_000_000_000, description="Default: newest.")
    ] = None,
) -> Any:
    """A unified diff between two revisions; by default the published one and the newest."""
    text = kb.diff(unit_id, locale, from_revision, to_revision)
    newest = to_revision or kb.draft_unit(unit_id, locale).number
    return {
        "unit_id": unit_id,
        "locale": locale,
        "from_revision": from_revision,
        "to_revision": newest,
        "diff": text,
    }


# -- snippets ---------------------------------------------------------------------------------


@router.get("/snippets", operation_id="listDraftSnippets", response_model=list[SnippetOut])
def list_snippets(
    kb: KBDep, _caller: Editor, locale: Annotated[str | None, Query(max_length=35)] = None
) -> Any:
    """Every snippet's newest revision, archived ones included, by name and locale."""
    users = kb.draft_state().snippet_users
    return [_snippet(r, users) for r in kb.snippet_heads() if locale is None or r.locale == locale]


@router.post(
    "/snippets",
    operation_id="createDraftSnippet",
    status_code=201,
    response_model=SnippetOut,
    responses={409: {"model": ProblemOut, "description": "The snippet exists: use PUT."}},
)
def create_snippet(body: SnippetIn, kb: KBDep, caller: Editor, response: Response) -> Any:
    """Create a snippet (a value units use as {{ name }}) in one locale."""
    doc = SnippetDocument(body.name, body.locale, SnippetType(body.type), body.value)
    with _creating(f"snippet '{body.name}' ({body.locale})", "change it with PUT"):
        result = kb.save_snippet(doc, author=caller.name, message=body.message, expected_revision=0)
    _saved(response, result)
    response.headers["Location"] = f"/api/v1/drafts/snippets/{body.name}?locale={body.locale}"
    return _snippet(kb.draft_snippet(body.name, body.locale), kb.draft_state().snippet_users)


@router.get("/snippets/{name}", operation_id="getDraftSnippet", response_model=SnippetOut)
def read_snippet(
    name: SnippetName, locale: LocaleQ, kb: KBDep, _caller: Editor, response: Response
) -> Any:
    """A snippet's newest revision, with the ETag to change it."""
    row = kb.draft_snippet(name, locale)
    response.headers["ETag"] = revision_etag(row.number)
    return _snippet(row, kb.draft_state().snippet_users)


@router.put(
    "/snippets/{name}",
    operation_id="updateDraftSnippet",
    response_model=SnippetOut,
    responses=_CHANGE_RESPONSES,
)
def update_snippet(
    name: SnippetName,
    locale: LocaleQ,
    body: SnippetUpdate,
    kb: KBDep,
    caller: Editor,
    response: Response,
    if_match: IfMatch = None,
) -> Any:
    """Change a snippet's type or value; only if nobody saved since If-Match's revision."""
    doc = SnippetDocument(name, locale, SnippetType(body.type), body.value)
    result = _change(
        if_match,
        f"snippet '{name}'",
        lambda: kb.draft_snippet(name, locale),
        lambda expected: kb.save_snippet(
            doc, author=caller.name, message=body.message, expected_revision=expected
        ),
    )
    _saved(response, result)
    return _snippet(kb.draft_snippet(name, locale), kb.draft_state().snippet_users)


@router.delete(
    "/snippets/{name}",
    operation_id="archiveDraftSnippet",
    response_model=SnippetOut,
    responses=_CHANGE_RESPONSES,
)
def archive_snippet(
    name: SnippetName,
    locale: LocaleQ,
    kb: KBDep,
    caller: Editor,
    response: Response,
    if_match: IfMatch = None,
) -> Any:
    """Archive a snippet: the next release leaves it out (units using it then fail the checks)."""
    result = _change(
        if_match,
        f"snippet '{name}'",
        lambda: kb.draft_snippet(name, locale),
        lambda expected: kb.archive_snippet(
            name, locale, author=caller.name, message="Archived", expected_revision=expected
        ),
    )
    _saved(response, result)
    return _snippet(kb.draft_snippet(name, locale), kb.draft_state().snippet_users)
