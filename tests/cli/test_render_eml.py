"""`kb render --channel email --eml PATH`: an e-mail answer as a message file that Python's own
mail parser reads back with its subject and both parts."""

from __future__ import annotations

import email.policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest

from tests.cli.conftest import Run


def read_message(path: Path) -> EmailMessage:
    message = BytesParser(policy=email.policy.default).parsebytes(path.read_bytes())
    assert isinstance(message, EmailMessage)
    return message


@pytest.mark.parametrize(
    ("locale", "title", "opening"),
    [
        ("en", "How do I check my balance and remaining allowance?", "Dial *100# from your"),
        ("ru", "Как проверить баланс и остаток пакета?", "Наберите *100# со своего"),
    ],
)
def test_render_eml_writes_a_message_with_subject_and_both_parts(
    run: Run, imported: None, tmp_path: Path, locale: str, title: str, opening: str
) -> None:
    out = tmp_path / "out.eml"
    result = run(
        "render", "check-balance", "--drafts", "-l", locale, "--channel", "email", "--eml", str(out)
    )
    assert result.exit_code == 0, result.output
    assert f"Wrote {out}" in result.stderr

    message = read_message(out)
    assert message["Subject"] == title
    assert message.get_content_type() == "multipart/alternative"
    plain, html = message.iter_parts()
    assert plain.get_content_type() == "text/plain"
    assert html.get_content_type() == "text/html"
    text = plain.get_content()
    assert text.startswith(opening)
    assert text == result.stdout  # the printed body is the text part
    assert "\n-- \n" in text and "+44 20 7946 0000" in text  # the locale's footer snippet
    assert opening in html.get_content() and 'href="tel:+442079460000"' in html.get_content()
    assert "identity check" not in message.as_string().lower()  # internal notes stay out


def test_render_eml_needs_the_email_channel(run: Run, imported: None, tmp_path: Path) -> None:
    out = tmp_path / "out.eml"
    result = run("render", "check-balance", "--drafts", "-c", "web", "--eml", str(out))
    assert result.exit_code == 2
    assert "--eml needs --channel email (not web)" in result.output
    assert "<p>" not in result.output and not out.exists()
