"""How the commands print: rows as text lines or JSON, search snippets with their highlights,
and the domain's long work as progress bars on a terminal."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

from kb.progress import reporting

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

__all__ = ["JsonOpt", "highlighted", "print_json", "print_rows", "progress_bars"]

JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output (JSON).")]

_MARK = re.compile(r"<mark>(.*?)</mark>", re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


def _jsonable(value: object) -> str:
    """Dates and times as ISO 8601; anything else JSON cannot hold is a bug, said loudly."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def print_json(value: object) -> None:
    """One JSON document on standard output, as every `--json` prints it."""
    typer.echo(json.dumps(value, ensure_ascii=False, indent=2, default=_jsonable))


def print_rows(
    rows: Sequence[Mapping[str, Any]],
    as_json: bool,
    line: Callable[[Mapping[str, Any]], str],
    footer: str | None = None,
) -> None:
    """What a command lists: one JSON array of the rows (`--json`), or `line(row)` for each row
    and then `footer`. Every listing prints through here, so `--json` means the same
    everywhere: the rows and their fields, nothing else."""
    if as_json:
        print_json(list(rows))
        return
    for row in rows:
        typer.echo(line(row))
    if footer is not None:
        typer.echo(footer)


def highlighted(snippet: str) -> str:
    """A search hit's safe-HTML snippet as terminal text, its matched words in bold (typer
    drops the styling when the output is not a terminal)."""
    parts = _MARK.split(snippet)
    text = [
        typer.style(html.unescape(_TAG.sub("", part)), bold=True, fg="yellow")
        if index % 2
        else html.unescape(_TAG.sub("", part))
        for index, part in enumerate(parts)
    ]
    return "".join(text)


class _Bars:
    """The domain's steps as rich progress bars: a bar per task while it runs, gone when done,
    and nothing on screen between tasks (so the command's own output is not interleaved)."""

    def __init__(self) -> None:
        self._progress: Progress | None = None
        self._tasks: dict[str, TaskID] = {}

    def __call__(self, what: str, done: int, total: int) -> None:
        progress = self._start()
        task = self._tasks.get(what)
        if task is None:
            task = self._tasks[what] = progress.add_task(what, total=total)
            progress.refresh()
        progress.update(task, completed=done, total=total)
        if done >= total:
            progress.refresh()
            progress.remove_task(self._tasks.pop(what))
            if not self._tasks:
                self.stop()

    def _start(self) -> Progress:
        if self._progress is None:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeRemainingColumn,
            )

            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=True,
                redirect_stdout=False,
                redirect_stderr=False,
            )
            self._progress.start()
        return self._progress

    def stop(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress, self._tasks = None, {}


@contextmanager
def progress_bars(enabled: bool) -> Iterator[None]:
    """Show the long work done inside the block as progress bars on standard error, when
    `enabled` (the `progress` setting: standard error is a terminal)."""
    if not enabled:
        yield
        return
    bars = _Bars()
    try:
        with reporting(bars):
            yield
    finally:
        bars.stop()
