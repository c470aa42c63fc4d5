"""`kb ask`: the answer a channel would give, in the question's own language unless told."""

from __future__ import annotations

import json

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


def test_ask_json_answers_a_russian_question_in_russian_and_says_why(
    published: dict[str, str],
) -> None:
    result = runner.invoke(app, ["ask", "у меня украли телефон", "--json"], env=published)
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert (body["status"], body["unit_id"]) == ("answered", "lost-or-stolen-phone")
    assert (body["locale"], body["locale_source"]) == ("ru", "detected")
    assert body["content"]["text"].startswith("Сразу позвоните нам")


def test_ask_with_a_locale_says_the_parameter_chose_it(published: dict[str, str]) -> None:
    args = ["ask", "my phone was stolen", "--locale", "en", "--json"]
    body = json.loads(runner.invoke(app, args, env=published).stdout)
    assert (body["locale"], body["locale_source"]) == ("en", "parameter")
    text = runner.invoke(app, ["ask", "у меня украли телефон"], env=published).stdout
    assert text.splitlines()[0].endswith("locale ru (detected)")
