"""An e-mail rendering as an RFC 5322 message: multipart/alternative, plain text first.

The standard library builds it (`email.message.EmailMessage`): both parts in UTF-8, the
subject encoded (RFC 2047) when it is not ASCII, lines folded. A mailer adds From, To and the
rest; `kb render --channel email --eml out.eml` writes one to a file.
"""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

from renderers.base import Rendering

__all__ = ["NotAnEmail", "email_message", "write_eml"]


class NotAnEmail(ValueError):
    """The rendering has no subject and HTML part: it was not made by the email channel."""


def email_message(rendering: Rendering) -> EmailMessage:
    """The message a mail client shows: Subject, then text/plain and text/html alternatives."""
    subject = rendering.data.get("subject")
    html = rendering.data.get("html")
    if not isinstance(subject, str) or not isinstance(html, str):
        raise NotAnEmail(
            f"a {rendering.channel} rendering has no subject and HTML part to make an e-mail of"
        )
    message = EmailMessage()
    message["Subject"] = subject
    message.set_content(rendering.body, subtype="plain", charset="utf-8")
    message.add_alternative(html, subtype="html", charset="utf-8")
    return message


def write_eml(rendering: Rendering, path: Path) -> None:
    """Write the message as an .eml file (the bytes a mail server would be given)."""
    path.write_bytes(bytes(email_message(rendering)))
