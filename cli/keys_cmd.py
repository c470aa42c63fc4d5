"""`kb keys create|list|revoke`: API keys (only their hashes are stored)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

import typer

from cli.common import open_kb
from cli.output import JsonOpt, print_rows

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
def keys_list(as_json: JsonOpt = False) -> None:
    """Every key: id, role, name, created, and revoked when it was (never its secret)."""
    with open_kb() as kb:
        rows = [
            {
                "key_id": key.key_id,
                "role": key.role,
                "name": key.name,
                "author": key.author,
                "created_at": key.created_at,
                "revoked_at": key.revoked_at,
            }
            for key in kb.api_keys()
        ]
    print_rows(rows, as_json, _key_line)


def _key_line(key: Mapping[str, Any]) -> str:
    revoked = f"  revoked {key['revoked_at']:%Y-%m-%d %H:%M}" if key["revoked_at"] else ""
    return (
        f"{key['key_id']}  {key['role']:<9}  {key['created_at']:%Y-%m-%d %H:%M}  "
        f"{key['name']}{revoked}"
    )


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[str, typer.Argument(help="The key's id (from `kb keys list`).")],
) -> None:
    """Revoke a key: requests carrying it are refused from now on."""
    with open_kb() as kb:
        key = kb.revoke_key(key_id.removeprefix("kb_").split("_")[0], author=kb.settings.author)
        typer.echo(f"Revoked {key.role} key {key.key_id} ({key.name})")
