"""Acting on the consistency report: merge duplicate units, or turn a value typed into many
units into a snippet; each action is one transaction (all of it is saved, or nothing)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from markdown_it.token import Token
from sqlmodel import Session

from kb.content.document import UnitDocument
from kb.content.markdown import SNIPPET_SCHEME, parse_body, parse_fragment
from kb.content.snippets import SnippetDocument, SnippetType, validate_snippet
from kb.content.unit_links import relink
from kb.errors import InvalidContent, Problem, UnitNotFound, VersionConflict
from kb.store.db import race_is_conflict
from kb.store.models import UnitRevision
from kb.store.revisions import (
    SaveOutcome,
    SaveResult,
    head_units,
    newest_snippet,
    newest_unit,
    save_snippet,
    save_unit,
    to_document,
)

if TYPE_CHECKING:
    from kb.knowledge_base import KnowledgeBase

__all__ = ["MergeResult", "SnippetResult", "extract_snippet", "merge_units"]

#: Parses a unit's source as the knowledge base does (`KnowledgeBase.parse_unit`).
Parse = Callable[[str], UnitDocument]


@dataclass(frozen=True)
class MergeResult:
    """What a merge saved: the kept unit, the archived ones and the links that now point on."""

    locale: str
    keep: str
    kept: SaveResult
    #: The archived units' ids with their archiving revision, in the order given.
    archived: tuple[tuple[str, SaveResult], ...]
    #: The example questions the kept unit gained (the others' titles and questions).
    added_questions: tuple[str, ...]
    #: Units whose links to an archived unit now point at the kept one, with their revision.
    relinked: tuple[tuple[str, SaveResult], ...]


@dataclass(frozen=True)
class SnippetResult:
    """What an extraction saved: the snippet, and each unit whose value became `{{ name }}`."""

    locale: str
    name: str
    type: SnippetType
    snippet: SaveResult
    #: (unit id, its new revision, how many occurrences were replaced), in the order given.
    units: tuple[tuple[str, SaveResult, int], ...]


# -- shared -----------------------------------------------------------------------------------


def _heads(
    session: Session, locale: str, named: Sequence[tuple[str, str]], problems: list[Problem]
) -> dict[str, UnitRevision]:
    """The newest revision of each unit in `named` ((field, unit id) pairs, e.g.
    ("others[1]", "refund-policy")); UnitNotFound naming every unit that never existed, and
    archived or repeated ones reported as problems of their field."""
    found: dict[str, UnitRevision] = {}
    unknown: list[str] = []
    for where, unit_id in named:
        if unit_id in found:
            problems.append(Problem(f"unit '{unit_id}' is named twice", field=where))
            continue
        head = newest_unit(session, unit_id, locale)
        if head is None:
            unknown.append(unit_id)
        elif head.archived:
            problems.append(Problem(f"unit '{unit_id}' ({locale}) is archived", field=where))
        else:
            found[unit_id] = head
    if unknown:
        names = ", ".join(f"'{unit_id}'" for unit_id in unknown)
        raise UnitNotFound(f"no unit {names} in locale '{locale}' in the drafts")
    return found


def _fields(field: str, ids: Sequence[str]) -> list[tuple[str, str]]:
    """(`field[i]`, id) for each id: where each stands in the request."""
    return [(f"{field}[{index}]", unit_id) for index, unit_id in enumerate(ids)]


def _edited_source(
    head: UnitRevision, edit: Callable[[str], str], document: UnitDocument, parse: Parse
) -> str | None:
    """The revision's source as its author wrote it (comments, key order) with `edit` applied to
    its body, when that reads back as `document`; None: the source is written afresh."""
    lines = head.source.split("\n")
    closing = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
    if closing is None or lines[0].strip() != "---":
        return None
    text = "\n".join(lines[: closing + 1]) + "\n" + edit("\n".join(lines[closing + 1 :]))
    try:
        again = parse(text)
    except InvalidContent:
        return None
    return text if again.content_hash == document.content_hash else None


def _check_revisions(
    heads: Mapping[str, UnitRevision], locale: str, expected: Mapping[str, int] | None
) -> None:
    """Refuse the whole action when any unit changed since the revision the caller saw (as
    If-Match does for one unit), naming every one that did."""
    if not expected:
        return
    stale = [
        f"unit '{unit_id}' ({locale}) is at revision {head.number}, not {expected[unit_id]}"
        for unit_id, head in heads.items()
        if unit_id in expected and expected[unit_id] != head.number
    ]
    if stale:
        raise VersionConflict(
            "; ".join(stale) + ": someone saved since the report was made; reload it and retry"
        )


def _revision_problems(
    expected: Mapping[str, int] | None, ids: Sequence[str], problems: list[Problem]
) -> None:
    """When revisions are given, every unit acted on needs one (as each change needs If-Match),
    and one given for a unit the action does not touch is a mistake worth naming."""
    if expected is None:
        return
    problems.extend(
        Problem(f"give the revision you read of unit '{unit_id}'", field="revisions")
        for unit_id in dict.fromkeys(ids)
        if unit_id not in expected
    )
    extra = sorted(set(expected) - set(ids))
    if extra:
        problems.append(
            Problem(f"revisions name units the action does not change: {extra}", field="revisions")
        )


# -- merging duplicates -----------------------------------------------------------------------


def _same_question(text: str) -> str:
    """How two questions are compared: case, spacing and final punctuation aside."""
    return " ".join(text.casefold().split()).rstrip("?!.")


def _folded_questions(keep: UnitDocument, others: Iterable[UnitDocument]) -> tuple[str, ...]:
    """The others' titles and questions the kept unit lacks, deduplicated, in order."""
    seen = {_same_question(keep.title), *(_same_question(q) for q in keep.questions)}
    added: list[str] = []
    for other in others:
        for question in (other.title, *other.questions):
            if _same_question(question) not in seen:
                seen.add(_same_question(question))
                added.append(question)
    return tuple(added)


def merge_units(
    kb: KnowledgeBase,
    *,
    locale: str,
    keep: str,
    others: Sequence[str],
    author: str,
    message: str = "",
    revisions: Mapping[str, int] | None = None,
) -> MergeResult:
    """Merge duplicate units into `keep`: it gains the others' titles and example questions
    (deduplicated, in order), the others are archived, and links to them in `locale` point at
    `keep`. One transaction; `revisions` (unit id -> the revision the caller saw) refuses it
    all with a VersionConflict naming each unit saved since."""
    problems: list[Problem] = []
    message = message or f"Merged {', '.join(others)} into {keep}"
    with race_is_conflict(f"the merge into '{keep}'"), kb.db.write() as session:
        heads = _heads(session, locale, [("keep", keep), *_fields("others", others)], problems)
        if not others:
            problems.append(Problem("name a unit to merge into this one", field="others"))
        _revision_problems(revisions, [keep, *others], problems)
        if problems:  # `keep` among `others` is reported as named twice
            raise InvalidContent(problems)
        kept_head = heads.pop(keep)
        _check_revisions({keep: kept_head, **heads}, locale, revisions)
        kept_doc = to_document(kept_head)
        added = _folded_questions(kept_doc, (to_document(h) for h in heads.values()))
        merged = replace(kept_doc, questions=(*kept_doc.questions, *added))
        merged = replace(merged, body=relink(merged.body, dict.fromkeys(heads, keep)))
        kept = save_unit(session, merged, author=author, message=message)
        archived = tuple(
            (unit_id, _archive(session, head, author, message)) for unit_id, head in heads.items()
        )
        relinked = _relink_others(session, locale, heads, keep, author, message, kb.parse_unit)
    return MergeResult(locale, keep, kept, archived, added, relinked)


def _archive(session: Session, head: UnitRevision, author: str, message: str) -> SaveResult:
    """Archive one unit as `KnowledgeBase.archive_unit` does, inside the caller's transaction."""
    return save_unit(
        session,
        to_document(head),
        author=author,
        message=message,
        source=head.source,
        archived=True,
    )


def _relink_others(
    session: Session,
    locale: str,
    gone: Mapping[str, Any],
    keep: str,
    author: str,
    message: str,
    parse: Parse,
) -> tuple[tuple[str, SaveResult], ...]:
    """Point every other live unit's links to the archived units at `keep`; what was saved."""
    changed: list[tuple[str, SaveResult]] = []
    renamed = dict.fromkeys(gone, keep)

    def relinked_body(body: str) -> str:
        return relink(body, renamed)

    for (unit_id, unit_locale), head in sorted(head_units(session).items()):
        if unit_locale != locale or head.archived or unit_id == keep or unit_id in gone:
            continue
        if not set(parse_body(head.body).unit_links) & set(gone):
            continue
        document = to_document(head)
        relinked = replace(document, body=relinked_body(document.body))
        source = _edited_source(head, relinked_body, relinked, parse)
        saved = save_unit(session, relinked, author=author, message=message, source=source)
        changed.append((unit_id, saved))
    return tuple(changed)


# -- extracting a snippet ---------------------------------------------------------------------


def _occurrences(value: str) -> re.Pattern[str]:
    """Where `value` stands on its own: not inside a longer number, word, address or link."""
    before = r"(?<![\w@./+:-])" if re.match(r"[\w+]", value) else ""
    after = r"(?![\w@/-]|[.:]\w)" if re.search(r"\w$", value) else ""
    return re.compile(before + re.escape(value) + after)


def _flat(tokens: Sequence[Token], name: str, value: str) -> list[tuple[Any, ...]]:
    """What a renderer sees in `tokens`, with snippet `name` read as the Markdown `value`:
    each token's kind, attributes and text, source positions left out (text not yet joined)."""
    out: list[tuple[Any, ...]] = []
    for token in tokens:
        if token.type == "snippet" and token.meta.get("name") == name:
            fragment = parse_fragment(value, inline=True)
            out.extend(_flat(fragment[0].children or [] if fragment else [], name, value))
            continue
        if token.type in ("text", "text_special"):
            out.append(("text", token.content))
            continue
        attrs = dict(token.attrs)
        if attrs.get("href") == f"{SNIPPET_SCHEME}{name}":
            attrs["href"] = value
        content = "" if token.type == "inline" else token.content
        out.append((token.type, token.tag, token.nesting, token.info, token.markup, content))
        out.append(("attrs", tuple(sorted((k, str(v)) for k, v in attrs.items()))))
        if token.children:
            out.extend(_flat(token.children, name, value))
    return out


def _reading(body: str, name: str, value: str) -> list[tuple[Any, ...]]:
    """`_flat` of a body with adjacent text joined: how its channels read it."""
    joined: list[tuple[Any, ...]] = []
    for item in _flat(parse_body(body).tokens, name, value):
        if item[0] == "text" and joined and joined[-1][0] == "text":
            joined[-1] = ("text", joined[-1][1] + item[1])
        else:
            joined.append(item)
    return joined


def _replaced(
    head: UnitRevision, pattern: re.Pattern[str], name: str, value: str, field: str
) -> tuple[UnitDocument, int, Problem | None]:
    """The unit with each occurrence of the value replaced by `{{ name }}`, how many there
    were, and why it cannot be done (absent, or in code, a link or Markdown syntax)."""
    document = to_document(head)
    reference = "{{ " + name + " }}"
    body, count = pattern.subn(lambda _m: reference, document.body)
    where = f"unit '{head.unit_id}' ({head.locale})"
    if count == 0:
        said = (
            f"has {value!r} only inside a longer value or address"
            if value in document.body
            else f"does not contain {value!r}"
        )
        return document, 0, Problem(f"{where} {said}", field=field)
    if _reading(document.body, name, value) != _reading(body, name, value):
        return (
            document,
            count,
            Problem(
                f"{where} uses {value!r} in code, a link or Markdown syntax, where "
                f"{{{{ {name} }}}} would read differently; change it by hand",
                field=field,
            ),
        )
    return replace(document, body=body), count, None


def _snippet_problems(
    name: str, locale: str, kind: SnippetType, value: str, units: Sequence[str]
) -> list[Problem]:
    """What is wrong with the request itself, before anything is read."""
    problems = validate_snippet(name, locale, kind.value, value)
    if "{{" in value or "}}" in value:
        problems.append(Problem("the value cannot hold a snippet reference", field="value"))
    if value != value.strip():
        problems.append(Problem("the value cannot start or end with a space", field="value"))
    if not units:
        problems.append(Problem("name at least one unit that uses the value", field="units"))
    return problems


def extract_snippet(
    kb: KnowledgeBase,
    *,
    locale: str,
    name: str,
    value: str,
    units: Sequence[str],
    author: str,
    message: str = "",
    kind: SnippetType = SnippetType.MARKDOWN,
    revisions: Mapping[str, int] | None = None,
) -> SnippetResult:
    """Create snippet `name` holding `value` and write `{{ name }}` for each exact occurrence
    of it in `units`' bodies, in one transaction. A markdown snippet (the default) reads
    exactly as the text it replaces in every channel; a typed one is rendered by its type
    (a phone snippet becomes a link on the web and is read digit by digit by the IVR).
    A snippet of that name already holding the value is used as it is. A unit without the
    value, or with it inside code or a link, is an error naming it."""
    message = message or f"The value {value!r} is now the snippet {name}"
    pattern = _occurrences(value)
    with race_is_conflict(f"snippet '{name}'"), kb.db.write() as session:
        problems: list[Problem] = []
        heads = _heads(session, locale, _fields("units", units), problems)
        problems += _snippet_problems(name, locale, kind, value, units)
        _revision_problems(revisions, units, problems)
        if problems:
            raise InvalidContent(problems)
        _check_revisions(heads, locale, revisions)
        changed: list[tuple[UnitRevision, UnitDocument, int]] = []
        where = {unit_id: field for field, unit_id in reversed(_fields("units", units))}
        for unit_id, head in heads.items():
            document, count, problem = _replaced(head, pattern, name, value, where[unit_id])
            if problem is not None:
                problems.append(problem)
            changed.append((head, document, count))
        if problems:
            raise InvalidContent(problems)
        snippet, kind = _new_snippet(
            session, SnippetDocument(name, locale, kind, value), author, message
        )
        reference = "{{ " + name + " }}"

        def edit(body: str) -> str:
            return pattern.sub(lambda _m: reference, body)

        saved = tuple(
            (
                doc.id,
                save_unit(
                    session,
                    doc,
                    author=author,
                    message=message,
                    source=_edited_source(head, edit, doc, kb.parse_unit),
                ),
                count,
            )
            for head, doc, count in changed
        )
    return SnippetResult(locale, name, kind, snippet, saved)


def _new_snippet(
    session: Session, snippet: SnippetDocument, author: str, message: str
) -> tuple[SaveResult, SnippetType]:
    """Save the snippet, or reuse the one of that name already holding the value (with its own
    type); one holding another value is a conflict, never replaced."""
    head = newest_snippet(session, snippet.name, snippet.locale)
    if head is not None and not head.archived:
        if head.value != snippet.value:
            raise VersionConflict(
                f"snippet '{snippet.name}' ({snippet.locale}) exists already and holds "
                f"{head.value!r}; choose another name"
            )
        assert head.id is not None
        return SaveResult(SaveOutcome.UNCHANGED, head.number, head.id), SnippetType(head.type)
    return save_snippet(session, snippet, author=author, message=message), snippet.type
