"""`kb import`: a content folder, a CSV file or another system's export (a help center, a bot,
FAQ pages, a docs site) in as drafts; with `--prune`, the folder or the export is the truth and
what it no longer has is archived."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

import typer

from cli.common import MessageOpt, item_json, open_kb
from cli.output import print_json
from kb import ContentBatch, ImportOptions, ImportReport, KnowledgeBase, SaveOutcome
from kb.errors import storage_fault
from kb.progress import StepCounter, listening

__all__ = ["import_"]

_Prune = Annotated[
    bool,
    typer.Option(
        "--prune",
        help="Archive the stored units and snippets the folder no longer has (listed first; "
        "at a terminal, asked first unless --yes or --json).",
    ),
]
_Restore = Annotated[
    bool,
    typer.Option(
        "--restore",
        help="Bring back archived units and snippets whose files are unchanged (without it "
        "they stay archived; a changed file always brings its unit back).",
    ),
]
_DryRun = Annotated[
    bool, typer.Option("--dry-run", help="Report what the import would do; save nothing.")
]
_From = Annotated[
    str | None,
    typer.Option(
        "--from",
        help="What PATH is: folder, csv, zendesk, rasa, html or markdown (a Docusaurus or Hugo "
        "docs folder). Guessed from PATH when left out.",
    ),
]
_Yes = Annotated[bool, typer.Option("--yes", "-y", help="Prune without asking.")]
_Json = Annotated[
    bool,
    typer.Option(
        "--json",
        help="Machine-readable output (JSON). It never asks: --prune archives as with --yes "
        "(as in a script); see first with --prune --dry-run --json.",
    ),
]


def import_(
    path: Annotated[
        Path,
        typer.Argument(
            exists=True,
            help="A content folder, a CSV file of questions or another system's export.",
        ),
    ],
    from_: _From = None,
    message: MessageOpt = "Import",
    prune: _Prune = False,
    restore: _Restore = False,
    dry_run: _DryRun = False,
    yes: _Yes = False,
    as_json: _Json = False,
) -> None:
    """Import units and snippets as drafts: all of them, or nothing if anything is invalid.

    An archived unit whose file is unchanged stays archived (the import says so); a plain
    import also says how many stored units the folder lacks, which --prune archives. Units
    imported from another system remember their origin: importing its newer export updates
    them, and --prune then archives only that system's units its export no longer has.
    """
    fmt = _format(path, from_)
    folder = fmt != "csv"
    if prune and not folder:
        raise typer.BadParameter(
            "--prune needs a content folder or an export (a CSV file holds no snippets)",
            param_hint="--prune",
        )
    options = ImportOptions(prune=prune, restore=restore, dry_run=dry_run)
    with open_kb() as kb, _nothing_saved_if_full():
        batch = _read(kb, path, fmt)
        listed = False
        if prune and not dry_run and not yes and not as_json and sys.stdin.isatty():
            plan = _save(kb, batch, message, replace(options, dry_run=True))
            listed = _list_pruned(plan)
            if listed and not typer.confirm("Archive them?"):
                typer.echo("Nothing was changed.", err=True)
                raise typer.Exit(1)
        report = _save(kb, batch, message, options)
    if as_json:
        print_json(_report_json(report, folder))
        return
    if not listed:
        _list_pruned(report)
    _print_report(report, folder)


@contextmanager
def _nothing_saved_if_full() -> Iterator[None]:
    """A disk-full import ends in one line saying so (it is one transaction: nothing saved),
    not in a traceback that shows the units' text."""
    try:
        yield
    except Exception as exc:
        fault = storage_fault(exc)
        if fault is None:
            raise
        typer.echo(f"error: nothing was imported: could not write: {fault}", err=True)
        raise typer.Exit(1) from None


def _format(path: Path, given: str | None) -> str:
    """The --from format, checked, or the one PATH looks like."""
    from importers import FORMATS, guess_format

    if given is None:
        return guess_format(path)
    if given not in FORMATS:
        raise typer.BadParameter(
            f"unknown format {given!r}; known: {', '.join(FORMATS)}", param_hint="--from"
        )
    return given


def _read(kb: KnowledgeBase, path: Path, fmt: str) -> ContentBatch:
    from importers import read_path
    from importers.content_folder import unit_files

    total = len(unit_files(path)) if fmt == "folder" and path.is_dir() and listening() else 0
    return read_path(
        path,
        channels=kb.settings.channels,
        default_locale=kb.settings.default_locale,
        progress=StepCounter("reading files", total),
        format=fmt,
    )


def _save(
    kb: KnowledgeBase, batch: ContentBatch, message: str, options: ImportOptions
) -> ImportReport:
    counter = StepCounter("saving", len(batch.units) + len(batch.snippets))
    return kb.import_content(
        batch, author=kb.settings.author, message=message, progress=counter, options=options
    )


def _list_pruned(report: ImportReport) -> bool:
    """Name what pruning archives (or would); False when it archives nothing."""
    units, snippets = report.missing_units, report.missing_snippets
    if not report.options.prune or not (units or snippets):
        return False
    verb = "Would archive" if report.options.dry_run else "Archiving"
    typer.echo(
        f"{verb} {len(units)} unit(s) and {len(snippets)} snippet(s) the folder no longer has:"
    )
    for unit_id, locale in units:
        typer.echo(f"  unit {unit_id} ({locale})")
    for name, locale in snippets:
        typer.echo(f"  snippet {name} ({locale})")
    return True


def _print_report(report: ImportReport, folder: bool) -> None:
    head = "Dry run, nothing saved: " if report.options.dry_run else ""
    typer.echo(head + report.summary())
    if report.warnings:
        typer.echo(f"{len(report.warnings)} warning(s):")
        for problem in report.warnings:
            typer.echo(f"  warning: {problem}")
    if report.restored:
        typer.echo("Restored from the archive (changed since archived, or --restore):")
        for what in report.restored:
            typer.echo(f"  {what}")
    if report.kept_archived:
        typer.echo("Kept archived (unchanged since archived; --restore brings them back):")
        for what in report.kept_archived:
            typer.echo(f"  {what}")
    units, snippets = len(report.missing_units), len(report.missing_snippets)
    if folder and not report.options.prune and (units or snippets):
        typer.echo(
            f"{units} stored unit(s) and {snippets} snippet(s) are not in the folder "
            "(still live; kb import --prune archives them)"
        )


def _report_json(report: ImportReport, folder: bool) -> dict[str, Any]:
    """What `_list_pruned` and `_print_report` say, as JSON: counts by outcome for units and
    snippets, what left or stayed in the archive, and what the folder lacks, pruned or not."""
    missing = [
        *(item_json("unit", unit_id, locale) for unit_id, locale in report.missing_units),
        *(item_json("snippet", name, locale) for name, locale in report.missing_snippets),
    ]
    prune = report.options.prune
    return {
        "dry_run": report.options.dry_run,
        "units": {outcome.value: report.units[outcome] for outcome in SaveOutcome},
        "snippets": {outcome.value: report.snippets[outcome] for outcome in SaveOutcome},
        "restored": report.restored,
        "kept_archived": report.kept_archived,
        "pruned": missing if prune else [],
        "not_in_folder": missing if folder and not prune else [],
        "warnings": [p.to_json() for p in report.warnings],
        "renamed": [{"id": given, "stored_id": kept} for given, kept in report.renamed],
    }
