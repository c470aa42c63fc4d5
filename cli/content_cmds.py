"""`kb export`, `kb check` and `kb render`: content out, checked and rendered."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from cli.common import LocaleOpt, check_locale, locale_or_default, open_kb, speak
from cli.output import JsonOpt, print_json
from renderers import registry
from renderers.base import RenderContext, Rendering
from renderers.checks import check_snapshot, hidden_reason
from renderers.email_message import NotAnEmail, write_eml

__all__ = ["check", "export", "render"]


def export(
    directory: Annotated[Path, typer.Argument(help="An empty (or new) folder.")],
    drafts: Annotated[
        bool, typer.Option("--drafts", help="Export drafts, not the release.")
    ] = False,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Write into a non-empty folder.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Write the published release (or the drafts) in the content format."""
    from importers import export_snapshot

    with open_kb() as kb:
        snap = kb.drafts() if drafts else kb.snapshot()
        report = export_snapshot(snap, directory, overwrite=overwrite)
    if as_json:
        print_json(
            {
                "path": str(directory.resolve()),
                "drafts": drafts,
                "release": None if drafts else snap.number,
                "units": report.units,
                "snippet_files": report.snippet_files,
            }
        )
        return
    what = "drafts" if drafts else f"release {snap.number}"
    typer.echo(f"Exported {what}: {report.units} units, {report.snippet_files} snippet files")


def check(
    release: Annotated[bool, typer.Option("--release", help="Check the live release.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Render every unit in every channel and locale and report problems (errors exit 1)."""
    with open_kb() as kb:
        snap = kb.snapshot() if release else kb.drafts()
        findings = check_snapshot(snap, settings=kb.settings)
    errors = sum(f.blocking for f in findings)
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "errors": errors,
                    "warnings": len(findings) - errors,
                    "findings": [f.to_json() for f in findings],
                },
                ensure_ascii=False,
            )
        )
    else:
        for finding in findings:
            typer.echo(str(finding))
        typer.echo(
            f"{len(snap.units)} units checked: {errors} error(s), "
            f"{len(findings) - errors} warning(s)"
        )
    if errors:
        raise typer.Exit(1)


def render(
    unit_id: str,
    channel: Annotated[
        str, typer.Option("--channel", "-c", help=f"One of: {', '.join(registry.names())}.")
    ] = "web",
    locale: LocaleOpt = None,
    drafts: Annotated[
        bool, typer.Option("--drafts", help="Render the draft, not the release.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="The whole rendering as JSON.")] = False,
    audio: Annotated[
        Path | None,
        typer.Option("--audio", help="Also speak an IVR prompt to a WAV file (needs espeak-ng)."),
    ] = None,
    eml: Annotated[
        Path | None,
        typer.Option("--eml", help="Also write an e-mail answer as a message file (.eml)."),
    ] = None,
) -> None:
    """Print one unit as a channel renders it; a unit the channel does not show is an error."""
    try:
        renderer = registry.get(channel)
    except registry.UnknownChannel as exc:
        raise typer.BadParameter(str(exc), param_hint="--channel") from None
    with open_kb() as kb:
        snap = kb.drafts() if drafts else kb.snapshot()
        check_locale(locale, snap.locales)
        unit = snap.unit(unit_id, locale_or_default(kb, locale))
        if (reason := hidden_reason(unit, renderer)) is not None:
            doc = unit.document
            typer.echo(f"error: unit '{doc.id}' ({doc.locale}) {reason}", err=True)
            raise typer.Exit(1)
        context = RenderContext.configured(snap, unit, kb.settings)
        rendering = renderer.render(context)
    if eml is not None:  # before any output: a refusal prints nothing else
        _write_eml(rendering, eml)
    if as_json:
        typer.echo(json.dumps(rendering.to_json(), ensure_ascii=False, indent=2))
    else:
        typer.echo(rendering.body.rstrip("\n"))
        for finding in rendering.findings:
            typer.echo(str(finding), err=True)
    if audio is not None:
        speak(rendering, unit.document.locale, audio)


def _write_eml(rendering: Rendering, path: Path) -> None:
    """Write an e-mail rendering as the message a mail server would be given."""
    try:
        write_eml(rendering, path)
    except NotAnEmail:
        raise typer.BadParameter(
            f"--eml needs --channel email (not {rendering.channel})", param_hint="--eml"
        ) from None
    typer.echo(f"Wrote {path}", err=True)
