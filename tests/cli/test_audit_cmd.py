"""The audit log from the command line: every write command leaves an entry whose actor is
KB_AUTHOR (a meta-test walks the commands, as tests/api/test_audit_routes walks the routes),
and `kb audit` lists entries newest first, filtered by --since, --actor and --action."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from cli.main import app
from kb import KnowledgeBase
from kb.store.audit import AuditEntry, AuditFilter, audit_entries, record
from tests.cli.conftest import Run
from tests.conftest import SAMPLE_CONTENT, make_unit

AUDITOR = "cli auditor"

#: Commands that write nothing the audit log covers, and why; each must still exist.
NOT_WRITES: dict[str, str] = {
    "releases": "lists releases",
    "history": "lists a unit's revisions",
    "diff": "compares revisions",
    "export": "writes files from the database, changes nothing in it",
    "stale": "lists units due for review or verification",
    "consistency": "reports duplicates and contradictions; its actions are API routes",
    "insights": "reports on delivery events",
    "check": "checks content",
    "render": "renders a unit",
    "ask": "answers a question",
    "search": "searches",
    "reindex": "rebuilds the current release's index files; no content, release or key changes",
    "serve": "serves the API, whose write routes tests/api/test_audit_routes covers",
    "eval": "works in a throwaway knowledge base of its own",
    "audit": "reads the audit log",
    "keys list": "lists keys",
    "scheduler list": "lists scheduled releases",
    "review list": "lists what waits for review",
    "review show": "shows a revision's review",
    "webhooks list": "lists webhook endpoints",
    "webhooks deliveries": "lists an endpoint's deliveries",
    "webhooks deliver": "sends queued deliveries and keeps each attempt in the delivery log; "
    "no content, release, key or endpoint changes",
    "scheduler run": "runs the scheduler, whose releases record release.published as their "
    "schedule's author (tests/kb/test_scheduling)",
    "events purge": "deletes delivery events past their age (retention, as the server does "
    "hourly): no content, release or access changes",
}


@dataclass(frozen=True)
class Command:
    """A write command's arguments (`prepare` sets the knowledge base up and may add some),
    and the audit action it must record."""

    action: str
    args: tuple[str, ...] = ()
    prepare: Callable[[KnowledgeBase], tuple[str, ...]] = lambda _kb: ()


def _drafts(kb: KnowledgeBase) -> tuple[str, ...]:
    for unit_id in ("refunds", "lost-card"):
        kb.save_unit(make_unit(unit_id), author="tester")
    return ()


def _two_releases(kb: KnowledgeBase) -> tuple[str, ...]:
    _drafts(kb)
    kb.publish(author="tester")
    kb.save_unit(make_unit("refunds", body="Refunds within 60 days."), author="tester")
    kb.publish(author="tester")
    return ("1",)


def _a_schedule(kb: KnowledgeBase) -> tuple[str, ...]:
    from kb.scheduling.schedules import schedule_release

    _drafts(kb)
    at = datetime(2099, 1, 1, tzinfo=UTC)
    return (str(schedule_release(kb, at=at, note="later", author="tester").id),)


#: Nothing listens there: a delivery would fail and wait for its retry.
HOOK_URL = "http://127.0.0.1:9/kb"


def _an_endpoint(kb: KnowledgeBase) -> tuple[str, ...]:
    from kb.webhooks import endpoints as hooks

    made = hooks.create_endpoint(kb.db, HOOK_URL, ["release.published"], author="tester")
    return (str(made.endpoint.id),)


def _a_disabled_endpoint(kb: KnowledgeBase) -> tuple[str, ...]:
    from kb.webhooks import endpoints as hooks

    (endpoint_id,) = _an_endpoint(kb)
    hooks.set_enabled(kb.db, int(endpoint_id), False, author="tester")
    return (endpoint_id,)


def _a_delivery(kb: KnowledgeBase) -> tuple[str, ...]:
    from kb.webhooks import endpoints as hooks

    (endpoint_id,) = _an_endpoint(kb)
    _drafts(kb)
    kb.publish(author="tester")  # queues a release.published delivery to it
    return (str(hooks.deliveries(kb.db, int(endpoint_id))[0].id),)


def _a_key(kb: KnowledgeBase) -> tuple[str, ...]:
    return (kb.create_key(name="old widget", role="reader", author="tester").key.key_id,)


#: Every write command (its words, and options when a variant of a command writes something
#: else: "publish --at"), how to run it so that it succeeds, and what it records.
WRITES: dict[str, Command] = {
    "import": Command("content.imported", (str(SAMPLE_CONTENT),)),
    "publish": Command("release.published", ("-m", "audited"), _drafts),
    "publish --at": Command("schedule.created", ("2099-01-01T00:00Z",), _drafts),
    "scheduler cancel": Command("schedule.cancelled", (), _a_schedule),
    "rollback": Command("release.rolled_back", (), _two_releases),
    "archive": Command("unit.archived", ("refunds",), _drafts),
    "verify": Command("unit.verified", ("refunds",), _drafts),
    "review submit": Command("review.submitted", ("refunds",), _drafts),
    "review approve": Command("review.approved", ("refunds",), _drafts),
    "review request-changes": Command(
        "review.changes_requested", ("refunds", "--comment", "Say which app."), _drafts
    ),
    "webhooks add": Command("webhook.created", (HOOK_URL, "--events", "release.published")),
    "webhooks disable": Command("webhook.disabled", (), _an_endpoint),
    "webhooks enable": Command("webhook.enabled", (), _a_disabled_endpoint),
    "webhooks remove": Command("webhook.deleted", (), _an_endpoint),
    "webhooks redeliver": Command("webhook.redelivered", (), _a_delivery),
    "keys create": Command("key.created", ("--role", "reader", "--name", "widget")),
    "keys revoke": Command("key.revoked", (), _a_key),
}


def _commands(group: Any, words: tuple[str, ...] = ()) -> Iterator[str]:
    """The words of every command `kb` has, subcommands of groups included."""
    if getattr(group, "commands", None):  # a group (typer's, which may not be click's own)
        for name, sub in group.commands.items():
            yield from _commands(sub, (*words, name))
    else:
        yield " ".join(words)


def _command_of(label: str) -> str:
    """The command a WRITES label runs: its words up to the first option."""
    return " ".join(word for word in label.split() if not word.startswith("-"))


def test_every_command_is_a_write_or_exempt() -> None:
    commands = set(_commands(typer.main.get_command(app)))
    writes = {_command_of(label) for label in WRITES}

    missing = sorted(commands - writes - NOT_WRITES.keys())
    assert not missing, f"record an audit entry and add to WRITES, or to NOT_WRITES: {missing}"


def test_every_exemption_and_write_names_a_command_that_exists() -> None:
    commands = set(_commands(typer.main.get_command(app)))
    writes = {_command_of(label) for label in WRITES}

    assert sorted((writes | NOT_WRITES.keys()) - commands) == []
    assert writes & NOT_WRITES.keys() == set()


@pytest.mark.parametrize("command", sorted(WRITES))
def test_each_write_command_records_its_action_by_kb_author(
    command: str, kb: KnowledgeBase, env: dict[str, str]
) -> None:
    write = WRITES[command]
    args = (*command.split(), *write.args, *write.prepare(kb))

    result = CliRunner().invoke(app, list(args), env={**env, "KB_AUTHOR": AUDITOR})

    assert result.exit_code == 0, result.output
    mine = audit_entries(kb.db, AuditFilter(actor=AUDITOR))
    assert write.action in [e.action for e in mine]


@pytest.fixture
def logged(kb: KnowledgeBase) -> KnowledgeBase:
    """Three entries by two actors, the first written long ago."""
    with kb.db.write() as session:
        old = record(session, actor="ann", action="unit.updated", object_kind="unit",
                     object_id="refunds", locale="en", detail={"revision": 2})  # fmt: skip
    with kb.db.write() as session:
        at = datetime(2020, 1, 1, tzinfo=UTC)
        session.add(AuditEntry(at=at, actor="old", action="key.created", object_kind="key",
                               object_id="abc"))  # fmt: skip
        session.flush()
        record(session, actor="bob", action="release.published", object_kind="release",
               object_id=7, detail={"units": 2, "snippets": 0})  # fmt: skip
    assert old.id is not None
    return kb


def test_kb_audit_json_lists_entries_newest_first_with_every_field(
    run: Run, logged: KnowledgeBase
) -> None:
    result = run("audit", "--json")

    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [(r["actor"], r["action"]) for r in rows] == [
        ("bob", "release.published"),
        ("old", "key.created"),
        ("ann", "unit.updated"),
    ]
    assert rows[2]["object_kind"] == "unit" and rows[2]["object_id"] == "refunds"
    assert rows[2]["locale"] == "en" and rows[2]["detail"] == {"revision": 2}
    assert rows[0]["at"].endswith(("Z", "+00:00"))


def test_kb_audit_filters_by_actor_action_object_and_since(run: Run, logged: KnowledgeBase) -> None:
    by_ann = json.loads(run("audit", "--actor", "ann", "--json").stdout)
    by_object = json.loads(run("audit", "--object", "refunds", "--json").stdout)
    published = json.loads(run("audit", "--action", "release.published", "--json").stdout)
    recent = json.loads(run("audit", "--since", "7d", "--json").stdout)
    since_2019 = json.loads(run("audit", "--since", "2019-06-01", "--json").stdout)

    assert [r["actor"] for r in by_ann] == ["ann"]
    assert [r["actor"] for r in by_object] == ["ann"]
    assert [r["actor"] for r in published] == ["bob"]
    assert [r["actor"] for r in recent] == ["bob", "ann"]
    assert [r["actor"] for r in since_2019] == ["bob", "old", "ann"]


def test_kb_audit_prints_one_line_an_entry(run: Run, logged: KnowledgeBase) -> None:
    lines = run("audit", "--actor", "ann").stdout.splitlines()

    assert len(lines) == 1
    assert "ann" in lines[0] and "unit.updated" in lines[0] and "unit refunds (en)" in lines[0]
    assert '{"revision": 2}' in lines[0]


def test_kb_audit_refuses_a_since_it_cannot_read_naming_the_option(run: Run, kb: object) -> None:
    result = run("audit", "--since", "last tuesday")

    assert result.exit_code == 2
    assert "--since" in result.output and "last tuesday" in result.output
