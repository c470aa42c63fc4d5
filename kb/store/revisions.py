"""Revisions: saving units and snippets as new rows, and reading drafts, releases and history."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from kb.content.availability import source_window
from kb.content.document import UnitDocument, UnitSource, front_matter_days
from kb.content.markdown import BodyText as BodyWords
from kb.content.markdown import body_digest, parse_body_text
from kb.content.snippets import SnippetDocument, SnippetType
from kb.errors import ReleaseNotFound, RevisionNotFound, UnitNotFound, VersionConflict
from kb.store.audit import record
from kb.store.models import (
    BodyText,
    Release,
    ReleaseSnippet,
    ReleaseUnit,
    SnippetRevision,
    UnitRevision,
)
from kb.store.snapshot import Snapshot, StoredUnit

__all__ = [
    "SaveOutcome",
    "SaveResult",
    "current_release",
    "draft_snapshot",
    "head_snippets",
    "head_units",
    "new_snippet_row",
    "new_unit_row",
    "newest_snippet",
    "newest_unit",
    "outcome_of",
    "release_row",
    "release_snapshot",
    "revision_diff",
    "save_snippet",
    "save_unit",
    "store_body_texts",
    "stored_body_texts",
    "unified_diff",
    "unit_revision",
    "unit_revisions",
]


class SaveOutcome(StrEnum):
    """What a save did: a first revision, a further revision, or nothing (same content)."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class SaveResult:
    """The revision that now holds the content, and what the save did."""

    outcome: SaveOutcome
    revision: int
    revision_id: int


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything we stored was UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def to_document(row: UnitRevision) -> UnitDocument:
    """The unit document a revision row holds."""
    publish_after, expires = source_window(row.source)  # no columns: its front matter has them
    return UnitDocument(
        id=row.unit_id,
        locale=row.locale,
        title=row.title,
        body=row.body,
        questions=tuple(row.questions),
        category=row.category,
        tags=tuple(row.tags),
        audience=row.audience,
        channels=tuple(row.channels) if row.channels is not None else None,
        routing=row.routing,
        owner=row.owner,
        review_by=row.review_by,
        verify_every=front_matter_days(row.source, "verify_every"),
        draft=row.draft,
        publish_after=publish_after,
        expires=expires,
        source=UnitSource(**row.silo) if row.silo else None,
    )


def to_stored(row: UnitRevision) -> StoredUnit:
    """A revision row as the read-only value the rest of the code works with."""
    assert row.id is not None
    return StoredUnit(
        document=to_document(row),
        revision=row.number,
        revision_id=row.id,
        author=row.author,
        updated_at=_aware(row.created_at),
        source=row.source,
        content_hash=row.content_hash,
    )


def to_snippet(row: SnippetRevision) -> SnippetDocument:
    """The snippet a revision row holds."""
    return SnippetDocument(row.name, row.locale, SnippetType(row.type), row.value)


def head_units(session: Session) -> dict[tuple[str, str], UnitRevision]:
    """The newest revision of every unit, archived ones included."""
    newest = select(func.max(UnitRevision.id)).group_by(UnitRevision.unit_id, UnitRevision.locale)
    rows = session.scalars(select(UnitRevision).where(UnitRevision.id.in_(newest)))
    return {(r.unit_id, r.locale): r for r in rows}


def head_snippets(session: Session) -> dict[tuple[str, str], SnippetRevision]:
    """The newest revision of every snippet, archived ones included."""
    newest = select(func.max(SnippetRevision.id)).group_by(
        SnippetRevision.name, SnippetRevision.locale
    )
    rows = session.scalars(select(SnippetRevision).where(SnippetRevision.id.in_(newest)))
    return {(r.name, r.locale): r for r in rows}


def draft_unit_count(session: Session) -> int:
    """How many units (per locale) the drafts hold, counted by the database: reading them all
    to count them held a second snapshot beside the release's (320 MB at 40,000 units)."""
    newest = select(func.max(UnitRevision.id)).group_by(UnitRevision.unit_id, UnitRevision.locale)
    counted = select(func.count()).where(
        UnitRevision.id.in_(newest), UnitRevision.archived.is_(False)
    )
    return int(session.scalar(counted) or 0)


def draft_snapshot(session: Session) -> Snapshot:
    """What the next release would contain: the newest revision of everything not archived."""
    units = {k: to_stored(r) for k, r in head_units(session).items() if not r.archived}
    snippet_rows = {k: r for k, r in head_snippets(session).items() if not r.archived}
    return _snapshot(None, units, snippet_rows.values())


def current_release(session: Session) -> Release | None:
    """The release every channel serves: the newest one."""
    return session.scalars(select(Release).order_by(Release.number.desc()).limit(1)).first()


def release_row(session: Session, number: int) -> Release:
    """One release by number; ReleaseNotFound if there is none."""
    release = session.get(Release, number)
    if release is None:
        raise ReleaseNotFound(f"no release {number}")
    return release


def release_snapshot(session: Session, number: int | None = None) -> Snapshot:
    """Everything live in release `number` (default: the current one)."""
    release = current_release(session) if number is None else release_row(session, number)
    if release is None:
        raise ReleaseNotFound("nothing has been published yet")
    unit_rows = session.scalars(
        select(UnitRevision)
        .join(ReleaseUnit, ReleaseUnit.revision_id == UnitRevision.id)
        .where(ReleaseUnit.release_number == release.number)
    )
    snippet_rows = session.scalars(
        select(SnippetRevision)
        .join(ReleaseSnippet, ReleaseSnippet.revision_id == SnippetRevision.id)
        .where(ReleaseSnippet.release_number == release.number)
    )
    units = {(r.unit_id, r.locale): to_stored(r) for r in unit_rows}
    return _snapshot(release, units, snippet_rows)


def _snapshot(
    release: Release | None,
    units: dict[tuple[str, str], StoredUnit],
    snippet_rows: Iterable[SnippetRevision],
) -> Snapshot:
    rows = {(r.name, r.locale): r for r in snippet_rows}
    return Snapshot(
        release=release,
        units=units,
        snippets={k: to_snippet(r) for k, r in rows.items()},
        snippet_revision_ids={k: r.id for k, r in rows.items() if r.id is not None},
    )


def outcome_of(
    head: UnitRevision | SnippetRevision | None, content_hash: str, archived: bool
) -> SaveOutcome:
    """Whether saving this content over `head` creates, updates or changes nothing."""
    if head is None:
        return SaveOutcome.CREATED
    if head.content_hash == content_hash and head.archived == archived:
        return SaveOutcome.UNCHANGED
    return SaveOutcome.UPDATED


def _check_expected(head_number: int, expected: int | None, what: str) -> None:
    """Refuse a save based on an older revision than the newest: the lost-update guard."""
    if expected is not None and head_number != expected:
        raise VersionConflict(
            f"{what} is at revision {head_number}, not {expected}: "
            "someone saved it in between; reload and re-apply your change"
        )


def new_unit_row(
    document: UnitDocument,
    *,
    number: int,
    author: str,
    message: str,
    source: str | None,
    archived: bool = False,
) -> UnitRevision:
    """The revision row for `document`; the caller decides its number and adds it."""
    meta = document.metadata()
    return UnitRevision(
        unit_id=document.id,
        locale=document.locale,
        number=number,
        title=document.title,
        questions=meta["questions"],
        category=document.category,
        tags=meta["tags"],
        audience=document.audience,
        channels=meta["channels"],
        routing=document.routing,
        owner=document.owner,
        review_by=document.review_by,
        draft=document.draft,
        silo=meta.get("source"),
        body=document.body,
        source=source if source is not None else document.to_markdown(),
        content_hash=document.content_hash,
        archived=archived,
        author=author,
        message=message,
    )


def new_snippet_row(
    snippet: SnippetDocument, *, number: int, author: str, message: str, archived: bool = False
) -> SnippetRevision:
    """The revision row for `snippet`; the caller decides its number and adds it."""
    return SnippetRevision(
        name=snippet.name,
        locale=snippet.locale,
        number=number,
        type=snippet.type.value,
        value=snippet.value,
        content_hash=snippet.content_hash,
        archived=archived,
        author=author,
        message=message,
    )


def save_unit(
    session: Session,
    document: UnitDocument,
    *,
    author: str,
    message: str = "",
    source: str | None = None,
    expected_revision: int | None = None,
    archived: bool = False,
) -> SaveResult:
    """Add a revision unless the content is unchanged; `expected_revision` guards lost updates."""
    head = newest_unit(session, document.id, document.locale)
    _check_expected(
        head.number if head else 0, expected_revision, f"unit '{document.id}' ({document.locale})"
    )
    outcome = outcome_of(head, document.content_hash, archived)
    if outcome is SaveOutcome.UNCHANGED:
        assert head is not None and head.id is not None
        return SaveResult(outcome, head.number, head.id)
    row = new_unit_row(
        document,
        number=(head.number if head else 0) + 1,
        author=author,
        message=message,
        source=source,
        archived=archived,
    )
    session.add(row)
    store_body_texts(session, [document.body])
    session.flush()
    assert row.id is not None
    _audit_save(session, "unit", row, outcome)
    return SaveResult(outcome, row.number, row.id)


def save_snippet(
    session: Session,
    snippet: SnippetDocument,
    *,
    author: str,
    message: str = "",
    expected_revision: int | None = None,
    archived: bool = False,
) -> SaveResult:
    """Add a snippet revision unless nothing changed; same rules as `save_unit`."""
    head = newest_snippet(session, snippet.name, snippet.locale)
    _check_expected(
        head.number if head else 0,
        expected_revision,
        f"snippet '{snippet.name}' ({snippet.locale})",
    )
    outcome = outcome_of(head, snippet.content_hash, archived)
    if outcome is SaveOutcome.UNCHANGED:
        assert head is not None and head.id is not None
        return SaveResult(outcome, head.number, head.id)
    row = new_snippet_row(
        snippet,
        number=(head.number if head else 0) + 1,
        author=author,
        message=message,
        archived=archived,
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    _audit_save(session, "snippet", row, outcome)
    return SaveResult(outcome, row.number, row.id)


def _audit_save(
    session: Session, kind: str, row: UnitRevision | SnippetRevision, outcome: SaveOutcome
) -> None:
    """The audit entry of a save that wrote a revision (kb.store.audit)."""
    record(
        session,
        actor=row.author,
        action=f"{kind}.archived" if row.archived else f"{kind}.{outcome.value}",
        object_kind=kind,
        object_id=row.unit_id if isinstance(row, UnitRevision) else row.name,
        locale=row.locale,
        detail={"revision": row.number},
    )


def newest_snippet(session: Session, name: str, locale: str) -> SnippetRevision | None:
    """The newest revision of a snippet, or None if it never existed."""
    return session.scalars(
        select(SnippetRevision)
        .where(SnippetRevision.name == name, SnippetRevision.locale == locale)
        .order_by(SnippetRevision.number.desc())
        .limit(1)
    ).first()


def newest_unit(session: Session, unit_id: str, locale: str) -> UnitRevision | None:
    """The newest revision of a unit, or None if it never existed."""
    return session.scalars(
        select(UnitRevision)
        .where(UnitRevision.unit_id == unit_id, UnitRevision.locale == locale)
        .order_by(UnitRevision.number.desc())
        .limit(1)
    ).first()


def unit_revisions(session: Session, unit_id: str, locale: str) -> list[UnitRevision]:
    """Every revision of a unit, oldest first; UnitNotFound if it never existed."""
    rows = list(
        session.scalars(
            select(UnitRevision)
            .where(UnitRevision.unit_id == unit_id, UnitRevision.locale == locale)
            .order_by(UnitRevision.number)
        )
    )
    if not rows:
        raise UnitNotFound(f"no unit '{unit_id}' in locale '{locale}'")
    return rows


def unit_revision(session: Session, unit_id: str, locale: str, number: int) -> UnitRevision:
    """One revision of a unit by its number."""
    row = session.scalars(
        select(UnitRevision).where(
            UnitRevision.unit_id == unit_id,
            UnitRevision.locale == locale,
            UnitRevision.number == number,
        )
    ).first()
    if row is None:
        unit_revisions(session, unit_id, locale)  # raises UnitNotFound for an unknown unit
        raise RevisionNotFound(f"unit '{unit_id}' ({locale}) has no revision {number}")
    return row


#: Digests per query when looking body texts up (well under every database's parameter limit).
_DIGESTS_PER_QUERY = 500


def _stored_digests(session: Session, digests: Iterable[str]) -> dict[str, BodyText]:
    found: dict[str, BodyText] = {}
    wanted = list(digests)
    for start in range(0, len(wanted), _DIGESTS_PER_QUERY):
        chunk = wanted[start : start + _DIGESTS_PER_QUERY]
        for row in session.execute(select(BodyText).where(BodyText.digest.in_(chunk))).scalars():
            found[row.digest] = row
    return found


def store_body_texts(session: Session, bodies: Iterable[str]) -> None:
    """Keep the index words of each body not kept yet (parsed here, once per body text), so
    building a release's index later parses none of them."""
    wanted = {body_digest(body): body for body in bodies}
    known = _stored_digests(session, wanted)
    rows = []
    for digest, body in wanted.items():
        if digest not in known:
            words = parse_body_text(body)
            rows.append(
                {
                    "digest": digest,
                    "public_text": words.public,
                    "internal_text": words.internal,
                    "only_text": words.only_json(),
                }
            )
    if not rows:
        return
    # Two writers may save the same body at once (PostgreSQL): the row is the same, keep one.
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(dialect.insert(BodyText).on_conflict_do_nothing(), rows)


def stored_body_texts(session: Session, bodies: Iterable[str]) -> dict[str, BodyWords]:
    """Body -> its kept index words, for the bodies that have them."""
    by_digest = {body_digest(body): body for body in bodies}
    return {
        by_digest[digest]: BodyWords.from_stored(row.public_text, row.internal_text, row.only_text)
        for digest, row in _stored_digests(session, by_digest).items()
    }


def unified_diff(name: str, old: UnitRevision | None, new: UnitRevision) -> str:
    """Unified diff of two revisions' sources, labelled `name@number` (`old` None: a new file)."""
    return "".join(
        difflib.unified_diff(
            (old.source if old else "").splitlines(keepends=True),
            new.source.splitlines(keepends=True),
            fromfile=f"{name}@{old.number}" if old else "/dev/null",
            tofile=f"{name}@{new.number}",
        )
    )


def revision_diff(
    session: Session,
    unit_id: str,
    locale: str,
    old: int | None,
    new: int | None,
    *,
    published: int | None,
) -> str:
    """Unified diff between revisions `old` and `new` of a unit; by default between the
    published one (the revision whose id is `published`, none if None) and the newest."""
    revisions = unit_revisions(session, unit_id, locale)
    new_row = revisions[-1] if new is None else unit_revision(session, unit_id, locale, new)
    if old is not None:
        old_row: UnitRevision | None = unit_revision(session, unit_id, locale, old)
    else:
        old_row = next((r for r in revisions if r.id == published), None)
    return unified_diff(f"{unit_id}.{locale}.md", old_row, new_row)
