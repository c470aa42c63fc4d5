"""`kb review list|show|submit|approve|request-changes`: review of draft changes before a
release takes them (KB_REVIEW_POLICY; issue 18). The actor is KB_AUTHOR (or the login name)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from cli.common import LocaleOpt, locale_or_default, open_kb
from cli.output import JsonOpt, print_json
from kb import KnowledgeBase
from kb.review import Kind, Reviews, ReviewSummary, RevisionReview, summary_fields

__all__ = ["print_summary", "review_app", "summary_json"]

review_app = typer.Typer(
    help="Review changes: a release under KB_REVIEW_POLICY takes only approved revisions."
)

SnippetOpt = Annotated[
    bool, typer.Option("--snippet", help="NAME is a snippet's name, not a unit's id.")
]
RevisionOpt = Annotated[
    int | None, typer.Option("--revision", "-r", min=1, help="The revision (default: newest).")
]
CommentOpt = Annotated[str, typer.Option("--comment", "-c", help="Kept with the revision.")]
NameArg = Annotated[str, typer.Argument(help="The unit's id (or with --snippet, the name).")]


def summary_json(summary: ReviewSummary) -> dict[str, Any]:
    """What a release takes approved (by whom) and what waits, as `--json` prints it."""
    return summary_fields(summary, lambda key: {"unit_id": key[0], "locale": key[1]})


def _what(kind: str, name: str, locale: str) -> str:
    return f"{'snippet ' if kind == 'snippet' else ''}{name} ({locale})"


def print_summary(summary: ReviewSummary) -> None:
    """A line per approved change (with who approved it) and per change that waits."""
    for c in summary.approved:
        what = _what(c.kind, c.name, c.locale)
        typer.echo(f"  approved         {what} revision {c.revision} by {c.approved_by}")
    for w in summary.waiting:
        what = _what(w.kind, w.name, w.locale)
        instead = f"release keeps revision {w.taken}" if w.taken else "not released"
        state = w.state.value.replace("_", " ")
        typer.echo(f"  waiting          {what} revision {w.revision} ({state}): {instead}")
        if w.affected_units:
            units = ", ".join(f"{u} ({loc})" for u, loc in w.affected_units)
            typer.echo(f"                   changes the output of: {units}")
        if w.waits_for:
            names = ", ".join(w.waits_for)
            typer.echo(f"                   waits for the approval of snippet(s): {names}")


def _review_json(review: RevisionReview) -> dict[str, Any]:
    return {
        "kind": review.kind,
        "id": review.name,
        "locale": review.locale,
        "revision": review.revision,
        "author": review.author,
        "state": review.state.value,
        "approved_by": review.approved_by,
        "policy": review.policy.value,
        "change_authors": list(review.change_authors),
        "since_revision": review.since,
        "steps": [
            {"action": s.action.value, "actor": s.actor, "comment": s.comment, "at": s.at}
            for s in review.steps
        ],
        "affected_units": [{"unit_id": u, "locale": loc} for u, loc in review.affected_units],
    }


def _print_review(review: RevisionReview, as_json: bool) -> None:
    if as_json:
        print_json(_review_json(review))
        return
    what = _what(review.kind, review.name, review.locale)
    state = review.state.value.replace("_", " ")
    typer.echo(f"{what} revision {review.revision} by {review.author}: {state}")
    typer.echo(f"  policy {review.policy.value}; the change's authors: "
               f"{', '.join(review.change_authors)}")  # fmt: skip
    for step in review.steps:
        said = f": {step.comment}" if step.comment else ""
        action = step.action.value.replace("_", " ")
        typer.echo(f"  {step.at:%Y-%m-%d %H:%M}  {step.actor:<12} {action}{said}")
    if review.affected_units:
        units = ", ".join(f"{u} ({loc})" for u, loc in review.affected_units)
        typer.echo(f"  changes the output of: {units}")


def _reviews(kb: KnowledgeBase) -> Reviews:
    return Reviews(kb.db, kb.settings)


def _kind(snippet: bool) -> Kind:
    return "snippet" if snippet else "unit"


@review_app.command("list")
def review_list(as_json: JsonOpt = False) -> None:
    """What the next release would take approved (and who approved it), and what waits."""
    with open_kb() as kb:
        reviews = _reviews(kb)
        rule = reviews.rule()
        summary = reviews.summary()
    if as_json:
        print_json({"policy": rule.default.value, "active": rule.active, **summary_json(summary)})
        return
    if not rule.active:
        typer.echo("Review is off (KB_REVIEW_POLICY=off): a release takes the newest drafts.")
        return
    print_summary(summary)
    typer.echo(f"{len(summary.approved)} approved, {len(summary.waiting)} waiting")


@review_app.command("show")
def review_show(
    name: NameArg,
    snippet: SnippetOpt = False,
    locale: LocaleOpt = None,
    revision: RevisionOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """A revision's review: its state, each step with its comment, and for a snippet the
    units whose output it changes."""
    with open_kb() as kb:
        loc = locale_or_default(kb, locale)
        review = _reviews(kb).review(_kind(snippet), name, loc, revision)
    _print_review(review, as_json)


@review_app.command("submit")
def review_submit(
    name: NameArg,
    snippet: SnippetOpt = False,
    locale: LocaleOpt = None,
    revision: RevisionOpt = None,
    comment: CommentOpt = "",
    as_json: JsonOpt = False,
) -> None:
    """Ask for a revision's review (default: the newest)."""
    with open_kb() as kb:
        loc, actor = locale_or_default(kb, locale), kb.settings.author
        review = _reviews(kb).submit(
            _kind(snippet), name, loc, revision, actor=actor, comment=comment
        )
    _print_review(review, as_json)


@review_app.command("approve")
def review_approve(
    name: NameArg,
    snippet: SnippetOpt = False,
    locale: LocaleOpt = None,
    revision: RevisionOpt = None,
    comment: CommentOpt = "",
    as_json: JsonOpt = False,
) -> None:
    """Approve a revision so a release may take it; under four-eyes not your own change."""
    with open_kb() as kb:
        loc, actor = locale_or_default(kb, locale), kb.settings.author
        review = _reviews(kb).approve(
            _kind(snippet), name, loc, revision, actor=actor, comment=comment
        )
    _print_review(review, as_json)


@review_app.command("request-changes")
def review_request_changes(
    name: NameArg,
    comment: Annotated[str, typer.Option("--comment", "-c", help="What to change (required).")],
    snippet: SnippetOpt = False,
    locale: LocaleOpt = None,
    revision: RevisionOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Send a revision back with a comment saying what to change."""
    with open_kb() as kb:
        loc, actor = locale_or_default(kb, locale), kb.settings.author
        review = _reviews(kb).request_changes(
            _kind(snippet), name, loc, revision, actor=actor, comment=comment
        )
    _print_review(review, as_json)
