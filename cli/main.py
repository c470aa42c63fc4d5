"""`kb`: import, publish, inspect and serve a knowledge base from the shell.

The typer app: each command lives in a module of its kind and is registered here, in the order
`kb --help` lists them. Heavy libraries load inside the commands that use them, not here.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Annotated

import typer

from cli import (
    answer_cmds,
    consistency_cmd,
    content_cmds,
    import_cmd,
    release_cmds,
    serve_cmd,
    verify_cmd,
)
from cli.audit_cmd import audit
from cli.eval_cmd import eval_command
from cli.events_cmd import events_app
from cli.insights_cmd import insights
from cli.keys_cmd import keys_app
from cli.review_cmd import review_app
from cli.scheduler_cmd import scheduler_app
from cli.webhooks_cmd import webhooks_app

__all__ = ["app"]

app = typer.Typer(
    help="One knowledge base for every support channel: web, chatbot, operator panel and IVR.",
    no_args_is_help=True,
)


def _print_version(wanted: bool) -> None:
    if wanted:
        try:
            typer.echo(f"kb {version('kb')}")
        except PackageNotFoundError:  # run from a checkout that was never installed
            typer.echo("kb (not installed: pip install -e .)")
        raise typer.Exit()


@app.callback()
def _main(
    _version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """One knowledge base for every support channel: web, chatbot, operator panel and IVR."""


app.command("import")(import_cmd.import_)
app.command()(release_cmds.publish)
app.command("rollback")(release_cmds.rollback_)
app.command()(release_cmds.releases)
app.command()(release_cmds.history)
app.command()(release_cmds.diff)
app.command()(release_cmds.archive)
app.command()(content_cmds.export)
app.command()(release_cmds.stale)
app.command()(verify_cmd.verify)
app.command()(consistency_cmd.consistency)
app.command()(insights)
app.command()(content_cmds.check)
app.command()(content_cmds.render)
app.command()(answer_cmds.ask)
app.command()(answer_cmds.search)
app.command()(answer_cmds.reindex)
app.command()(serve_cmd.serve)
app.command("eval")(eval_command)
app.add_typer(keys_app, name="keys")
app.add_typer(review_app, name="review")
app.add_typer(scheduler_app, name="scheduler")
app.command()(audit)
app.add_typer(events_app, name="events")
app.add_typer(webhooks_app, name="webhooks")


if __name__ == "__main__":
    app()
