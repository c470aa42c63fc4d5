"""What the `kb` commands share: the common options, opening the store, and printing results."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

import typer

from cli.output import progress_bars
from kb import KBError, KnowledgeBase, PublishBlocked, PublishPlan
from kb.errors import InvalidContent, storage_fault
from kb.releases.publishing import GateFinding
from kb.settings import Settings
from renderers import registry
from renderers.base import Finding, Rendering

__all__ = [
    "LocaleOpt",
    "MessageOpt",
    "check_locale",
    "finding_json",
    "item_json",
    "locale_or_default",
    "open_kb",
    "plan_json",
    "print_findings",
    "print_plan",
    "speak",
]

LocaleOpt = Annotated[
    str | None, typer.Option("--locale", "-l", help="Locale (default: KB_DEFAULT_LOCALE).")
]
MessageOpt = Annotated[str, typer.Option("--message", "-m", help="Why: kept in the history.")]


@contextmanager
def open_kb(*, as_json: bool = False) -> Iterator[KnowledgeBase]:
    """Open the configured knowledge base; domain errors end the command with a clear message.

    Long work shows progress bars when standard error is a terminal (the `progress` setting).
    With `as_json` standard output is the JSON document's alone, so a refused publish lists
    even its warnings on standard error.
    """
    try:
        settings = replace(Settings.from_env(), progress=sys.stderr.isatty())
        with (
            progress_bars(settings.progress),
            KnowledgeBase.open(settings, channels=registry.names()) as kb,
        ):
            yield kb
    except PublishBlocked as exc:
        print_findings(exc.findings, err=as_json)
        typer.echo(
            "error: publishing refused; fix the errors above (kb check lists them)", err=True
        )
        raise typer.Exit(1) from None
    except InvalidContent as exc:
        typer.echo(f"error: {len(exc.problems)} problem(s), nothing was changed:", err=True)
        for problem in exc.problems:
            typer.echo(f"  {problem}", err=True)
        raise typer.Exit(1) from None
    except KBError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    except Exception as exc:  # a full or read-only disk is no bug: one line, not a traceback
        fault = storage_fault(exc)
        if fault is None:
            raise
        typer.echo(f"error: could not write: {fault}", err=True)
        raise typer.Exit(1) from None


def locale_or_default(kb: KnowledgeBase, locale: str | None) -> str:
    return locale or kb.settings.default_locale


def check_locale(locale: str | None, known: Iterable[str]) -> None:
    """Refuse a `--locale` that names none of the `known` locales, listing them."""
    names = sorted(set(known))
    if locale is not None and locale not in names:
        raise typer.BadParameter(
            f"unknown locale '{locale}'; known: {', '.join(names) or 'none yet'}",
            param_hint="'--locale'",
        )


def item_json(kind: str, name: str, locale: str) -> dict[str, str]:
    """A unit or a snippet in JSON, as every command names one: kind, id (or name), locale."""
    return {"kind": kind, "id": name, "locale": locale}


def plan_changes(plan: PublishPlan) -> list[dict[str, Any]]:
    """What a release changes, a row each: the item, its `change` (added, changed, removed, or
    via_snippet for a unit whose text is unchanged) and the snippets that changed it."""
    groups = [
        ("unit", "added", plan.added),
        ("unit", "changed", plan.changed),
        ("unit", "removed", plan.removed),
        ("snippet", "added", plan.snippets_added),
        ("snippet", "changed", plan.snippets_changed),
        ("snippet", "removed", plan.snippets_removed),
    ]
    rows = [
        {"change": change, **item_json(kind, name, locale), "snippets": []}
        for kind, change, keys in groups
        for name, locale in keys
    ]
    rows += [
        {"change": "via_snippet", **item_json("unit", unit_id, locale), "snippets": list(names)}
        for (unit_id, locale), names in plan.affected_by_snippets.items()
    ]
    return rows


def print_plan(plan: PublishPlan) -> None:
    """A release's changes a line each, then the stale units no check has warned about."""
    for row in plan_changes(plan):
        label = f"snippet {row['change']}" if row["kind"] == "snippet" else row["change"]
        via = f": {', '.join(row['snippets'])}" if row["snippets"] else ""
        typer.echo(f"  {label.replace('_', ' '):<16} {row['id']} ({row['locale']}){via}")
    for unit_id, locale in _unwarned_stale(plan):
        typer.echo(f"  warning: {unit_id} ({locale}) is stale: its review date has passed")
    for unit_id, locale in plan.held_back:
        typer.echo(f"  held back        {unit_id} ({locale}): marked draft, not published")


def _unwarned_stale(plan: PublishPlan) -> list[tuple[str, str]]:
    """The stale units the checks did not warn about (they do, with its owner): said once."""
    warned = {(f.unit_id, f.locale) for f in plan.findings if f.code == "stale"}
    return [key for key in plan.stale if key not in warned]


def finding_json(finding: GateFinding) -> dict[str, str | None]:
    """A publishing check's finding in JSON, with the fields `kb check --json` gives its own."""
    if isinstance(finding, Finding):
        return finding.to_json()
    return {
        "severity": "error" if finding.blocking else "warning",
        "code": finding.code,
        "message": finding.message,
        "unit_id": finding.unit_id,
        "locale": finding.locale,
        "channel": None,
    }


def plan_json(plan: PublishPlan) -> dict[str, Any]:
    """What `print_plan` and the findings say of a release, as JSON: its number, the release
    it follows, every change, the stale units and what the checks found."""
    errors = sum(f.blocking for f in plan.findings)
    return {
        "release": plan.release,
        "base_release": plan.base_release,
        "units_with_new_output": len(plan.units_with_new_output),
        "changes": plan_changes(plan),
        "stale": [{"unit_id": unit_id, "locale": locale} for unit_id, locale in plan.stale],
        "held_back": [{"unit_id": u, "locale": locale} for u, locale in plan.held_back],
        "findings": [finding_json(f) for f in plan.findings],
        "errors": errors,
        "warnings": len(plan.findings) - errors,
    }


#: Warnings of one code that `kb publish` lists one by one; more are counted in one line.
LISTED_WARNINGS = 5


def print_findings(
    findings: Sequence[GateFinding], *, err: bool = False, fold: bool = False
) -> None:
    """Each finding on a line: errors on standard error, the rest there too when `err`. With
    `fold`, a code with more than LISTED_WARNINGS warnings shows that many and a line counting
    the rest by locale (every error is listed; `kb check` lists every warning)."""
    shown: Counter[str] = Counter()
    rest: dict[str, Counter[str]] = {}
    for finding in findings:
        if fold and not finding.blocking:
            shown[finding.code] += 1
            if shown[finding.code] > LISTED_WARNINGS:
                rest.setdefault(finding.code, Counter())[finding.locale or "-"] += 1
                continue
        typer.echo(f"  {finding}", err=err or finding.blocking)
    for code, locales in rest.items():
        where = ", ".join(f"{locale}: {n}" for locale, n in sorted(locales.items()))
        typer.echo(
            f"  warning: and {locales.total()} more [{code}] ({where}); kb check lists them all",
            err=err,
        )


def speak(rendering: Rendering, locale: str, path: Path) -> None:
    """Write an SSML rendering as a WAV file so an editor can listen to it."""
    from renderers.audio import SpeechFailed, espeak_available, speak_to_wav, voice_for

    if rendering.media_type != "application/ssml+xml":
        raise typer.BadParameter(
            "only a spoken channel (ivr) can be written as audio", param_hint="--audio"
        )
    if not espeak_available():
        typer.echo("error: espeak-ng is not installed (apt-get install espeak-ng)", err=True)
        raise typer.Exit(1)
    try:
        seconds = speak_to_wav(rendering.body, voice_for(locale), path)
    except SpeechFailed as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"Wrote {path} ({seconds:.1f} s)", err=True)
