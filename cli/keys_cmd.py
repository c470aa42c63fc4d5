"""`kb keys create|list|revoke`: API keys (only their hashes are stored)."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.common import open_kb

__all__ = ["keys_app"]

keys_app = typer.Typer(help="API keys: create, list and revoke (only their hashes are stored).")


@keys_app.command("create")
def keys_create(
    role: Annotated[
        str,
        typer.Option(help="reader, operator, editor, publisher or admin (each adds to the last)."),
    ],
    name: Annotated[str, typer.Option(help="Who or what uses the key, e.g. 'website widget'.")],
) -> None:
    """Create a key; it is printed once, on the last line, and cannot be shown again."""
    with open_kb() as kb:
        new = kb.create_key(name=name, role=role, author=kb.settings.author)
        typer.echo(
            f"Created {new.key.role} key {new.key.key_id} ({new.key.name}). "
            "Store it now; it is not shown again:",
            err=True,
        )
        typer.echo(new.secret)


@keys_app.command("list")
def keys_list() -> None:
    """Every key: id, role, name, created, and revoked when it was."""
    with open_kb() as kb:
        for key in kb.api_keys():
            revoked = f"  revoked {key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else ""
            typer.echo(
                f"{key.key_id}  {key.role:<9}  {key.created_at:%Y-%m-%d %H:%M}  {key.name}{revoked}"
            )


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[str, typer.Argument(help="The key's id (from `kb keys list`).")],
) -> None:
    """Revoke a key: requests carrying it are refused from now on."""
    with open_kb() as kb:
        key = kb.revoke_key(key_id.removeprefix("kb_").split("_")[0])
        typer.echo(f"Revoked {key.role} key {key.key_id} ({key.name})")
