"""`kb render`: one unit as a channel renders it, from the release or the drafts."""

from __future__ import annotations

import json
import wave
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from tests.conftest import SAMPLE_CONTENT

runner = CliRunner()


@pytest.fixture
def published(env: dict[str, str]) -> dict[str, str]:
    assert runner.invoke(app, ["import", str(SAMPLE_CONTENT)], env=env).exit_code == 0
    result = runner.invoke(app, ["publish", "-m", "sample"], env=env)
    assert result.exit_code == 0, result.output
    return env


def test_render_prints_each_channel(published: dict[str, str]) -> None:
    web = runner.invoke(app, ["render", "check-balance", "--channel", "web"], env=published)
    assert web.exit_code == 0, web.output
    assert web.stdout.startswith("<p>Dial *100#")
    ivr = runner.invoke(app, ["render", "check-balance", "-c", "ivr", "-l", "ru"], env=published)
    assert ivr.stdout.startswith('<speak version="1.1"') and 'xml:lang="ru-RU"' in ivr.stdout
    bot = runner.invoke(app, ["render", "check-balance", "-c", "chatbot", "--json"], env=published)
    data = json.loads(bot.stdout)
    assert data["channel"] == "chatbot" and len(data["quick_replies"]) == 2


def test_render_shows_drafts_only_when_asked(published: dict[str, str], tmp_path: Path) -> None:
    source = (SAMPLE_CONTENT / "en" / "billing" / "check-balance.md").read_text(encoding="utf-8")
    changed = tmp_path / "c" / "en"
    changed.mkdir(parents=True)
    (changed / "check-balance.md").write_text(source.replace("free of charge", "for free"))
    assert runner.invoke(app, ["import", str(changed.parent)], env=published).exit_code == 0
    live = runner.invoke(app, ["render", "check-balance"], env=published).stdout
    draft = runner.invoke(app, ["render", "check-balance", "--drafts"], env=published).stdout
    assert "free of charge" in live and "for free" in draft


def test_render_unknown_channel_or_unit_is_a_clear_error(published: dict[str, str]) -> None:
    channel = runner.invoke(app, ["render", "check-balance", "-c", "fax"], env=published)
    assert channel.exit_code != 0 and "unknown channel 'fax'" in channel.output
    unit = runner.invoke(app, ["render", "no-such-unit"], env=published)
    assert unit.exit_code == 1 and "no unit 'no-such-unit'" in unit.output


@pytest.mark.requires_tool("espeak-ng")
def test_render_ivr_writes_audio_an_editor_can_listen_to(
    published: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "prompt.wav"
    result = runner.invoke(
        app, ["render", "check-balance", "-c", "ivr", "--audio", str(out)], env=published
    )
    assert result.exit_code == 0, result.output
    with wave.open(str(out)) as audio:
        seconds = audio.getnframes() / audio.getframerate()
    assert 5 < seconds < 30


def test_render_refuses_a_unit_the_channel_does_not_show(published: dict[str, str]) -> None:
    internal = runner.invoke(
        app, ["render", "sim-swap-fraud-procedure", "--channel", "web"], env=published
    )
    assert internal.exit_code == 1
    assert "error: unit 'sim-swap-fraud-procedure' (en) is internal" in internal.stderr
    assert "fraud desk" not in internal.output
    not_enabled = runner.invoke(app, ["render", "puk-code", "-c", "ivr"], env=published)
    assert not_enabled.exit_code == 1
    assert (
        "is not enabled for channel 'ivr' (its channels: web, chatbot, operator, email, messenger)"
        in (not_enabled.stderr)
    )


def test_render_for_the_operator_shows_an_internal_unit(published: dict[str, str]) -> None:
    result = runner.invoke(
        app, ["render", "sim-swap-fraud-procedure", "-c", "operator"], env=published
    )
    assert result.exit_code == 0, result.output
    assert "fraud desk" in result.stdout


def test_render_copy_text_keeps_links_absolute_under_kb_public_url(
    published: dict[str, str],
) -> None:
    env = {**published, "KB_PUBLIC_URL": "https://help.aurora.example/"}
    args = ["render", "check-balance", "-c", "operator", "--json"]
    copy_text = json.loads(runner.invoke(app, args, env=env).stdout)["copy_text"]
    assert "Open My Account (https://aurora-mobile.example/my-account) to see" in copy_text
    assert "top up (https://help.aurora.example/units/top-up?locale=en)." in copy_text
