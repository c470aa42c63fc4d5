"""What the `kb` commands share: the common options, opening the store, and printing results."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer

from cli.output import progress_bars
from kb import KBError, KnowledgeBase, PublishBlocked, PublishPlan
from kb.errors import InvalidContent
from kb.settings import Settings
from renderers import registry
from renderers.base import Finding, Rendering

__all__ = [
    "LocaleOpt",
    "MessageOpt",
    "check_locale",
    "locale_or_default",
    "open_kb",
    "print_findings",
    "print_plan",
    "speak",
]

LocaleOpt = Annotated[
    str | None, typer.Option("--locale", "-l", help="Locale (default: KB_DEFAULT_LOCALE).")
]
MessageOpt = Annotated[str, typer.Option("--message", "-m", help="Why: kept in the history.")]


@contextmanager
def open_kb() -> Iterator[KnowledgeBase]:
    """Open the configured knowledge base; domain errors end the command with a clear message.

    Long work shows progress bars when standard error is a terminal (the `progress` setting).
    """
    try:
        settings = replace(Settings.from_env(), progress=sys.stderr.isatty())
        with (
            progress_bars(settings.progress),
            KnowledgeBase.open(settings, channels=registry.names()) as kb,
        ):
            yield kb
    except PublishBlocked as exc:
        print_findings(list(exc.findings))  # type: ignore[arg-type]
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


def print_plan(plan: PublishPlan, kb: KnowledgeBase) -> None:
    groups = [
        ("added", plan.added),
        ("changed", plan.changed),
        ("removed", plan.removed),
        ("snippet added", plan.snippets_added),
        ("snippet changed", plan.snippets_changed),
        ("snippet removed", plan.snippets_removed),
    ]
    for label, keys in groups:
        for name, locale in keys:
            typer.echo(f"  {label:<16} {name} ({locale})")
    for (unit_id, locale), names in plan.affected_by_snippets.items():
        typer.echo(f"  {'via snippet':<16} {unit_id} ({locale}): {', '.join(names)}")
    # The checks (`plan.findings`) warn about a stale unit with its owner: say it once.
    warned = {
        (f.unit_id, f.locale) for f in plan.findings if isinstance(f, Finding) and f.code == "stale"
    }
    for unit_id, locale in plan.stale:
        if (unit_id, locale) not in warned:
            typer.echo(f"  warning: {unit_id} ({locale}) is stale: its review date has passed")
    del kb


def print_findings(findings: list[Finding]) -> None:
    for finding in findings:
        typer.echo(f"  {finding}", err=finding.blocking)


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
