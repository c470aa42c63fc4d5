"""The e-mail channel: a reply an agent or an automated mailer sends, in two parts.

The subject is the unit's title. The body is the whole answer twice: as plain text (the
`text/plain` part, the walk the chatbot and the operator's copy text use, links written as
"label (URL)") and as HTML that survives mail clients (the `text/html` part: every element
styled inline, no style sheets, classes or scripts; see renderers/email_html.py). Both end
with the `email_footer` snippet of the unit's locale, rendered by the same rules; a locale
without that snippet sends no footer. renderers/email_message.py makes the MIME message.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from markdown_it.token import Token

from kb.content.markdown import parse_fragment
from renderers.base import Finding, RenderContext, Rendering, Rule, Severity, rule_table
from renderers.bidi import without_bidi_controls
from renderers.email_html import email_html_rules, html_document
from renderers.html import HtmlState
from renderers.text import TextState, inert, text_rules

__all__ = ["CLIP_BYTES", "FOOTER_SNIPPET", "SIGNATURE_SEPARATOR", "EmailRenderer"]

#: The snippet every answer ends with, defined once per locale.
FOOTER_SNIPPET = "email_footer"
#: Gmail shows only this much of an HTML part (102 KB) and hides the rest behind a link.
CLIP_BYTES = 102 * 1024
#: The line that starts a signature in plain-text mail (RFC 3676): clients grey out what
#: follows and leave it out of quotes in a reply.
SIGNATURE_SEPARATOR = "-- "


def subject_line(title: str) -> str:
    """The title as one header line: runs of whitespace (line breaks too) as one space, no bidi
    controls, inert like all plain text."""
    return inert(" ".join(without_bidi_controls(title).split()))


def _footer_tokens(context: RenderContext) -> tuple[Token, ...] | None:
    """The footer as a paragraph using the snippet, rendered as a unit's body would render it
    (a markdown snippet as its own blocks), or None when the unit's locale has none."""
    if FOOTER_SNIPPET not in context.snippets:
        return None
    return parse_fragment(f"{{{{ {FOOTER_SNIPPET} }}}}", inline=False)


def _in_footer(findings: Sequence[Finding]) -> list[Finding]:
    """Findings met in the footer, saying so: the unit's own text is not where to fix them."""
    return [replace(f, message=f"in snippet '{FOOTER_SNIPPET}': {f.message}") for f in findings]


class EmailRenderer:
    """An e-mail reply: subject, plain text and inline-styled HTML, a footer; never internal."""

    name = "email"
    for_staff = False
    media_type = "text/plain"
    #: The plain-text part's rules (the contract tests check this table).
    rules: Mapping[str, Rule] = rule_table(text_rules())
    #: The HTML part's rules.
    html_rules: Mapping[str, Rule] = rule_table(email_html_rules())

    def render(self, context: RenderContext) -> Rendering:
        """Both parts of the whole answer plus the footer; the subject and HTML in the data."""
        doc = context.unit.document
        text = TextState(context, self.name, self.rules)
        text.render(context.parsed.tokens)
        html = HtmlState(context, self.name, shows_internal=False, rules=self.html_rules)
        html.render(context.parsed.tokens)
        findings = [*text.findings, *html.findings]

        footer_text, footer_html, footer_findings = self._footer(context)
        findings += footer_findings
        subject = subject_line(doc.title)
        answer = text.text()
        body = answer + (f"\n\n{SIGNATURE_SEPARATOR}\n{footer_text}" if footer_text else "")
        html_part = html_document(subject, doc.locale, "".join(html.out), footer_html or None)
        findings += self._checks(context, subject, answer, html_part)
        return Rendering(
            channel=self.name,
            media_type=self.media_type,
            body=body + "\n",
            data={"subject": subject, "html": html_part, "footer": footer_text or None},
            findings=tuple(dict.fromkeys(findings)),
        )

    def _footer(self, context: RenderContext) -> tuple[str, str, list[Finding]]:
        """The footer as plain text and as HTML (both empty when the locale has none), and what
        was wrong in it."""
        tokens = _footer_tokens(context)
        if tokens is None:
            return "", "", []
        text = TextState(context, self.name, self.rules)
        text.render(tokens)
        html = HtmlState(context, self.name, shows_internal=False, rules=self.html_rules)
        html.render(tokens)
        return text.text(), "".join(html.out), _in_footer([*text.findings, *html.findings])

    def _checks(
        self, context: RenderContext, subject: str, answer: str, html_part: str
    ) -> list[Finding]:
        """The channel's own rules: a subject to send under, an answer to send, and an HTML
        part that Gmail shows whole."""
        found: list[Finding] = []
        if not subject:
            found.append(
                context.finding(
                    Severity.ERROR,
                    "email-no-subject",
                    "the title is empty once spaces and bidi controls are left out, and an "
                    "e-mail's subject is its title: give the unit a title",
                    self.name,
                )
            )
        if not answer:
            found.append(
                context.finding(
                    Severity.ERROR,
                    "no-output",
                    "the answer is empty in an e-mail (only the footer would be sent): write "
                    "text outside '::: only' blocks for other channels, or '::: only email'",
                    self.name,
                )
            )
        size = len(html_part.encode("utf-8"))
        if size > CLIP_BYTES:
            found.append(
                context.finding(
                    Severity.WARNING,
                    "email-clipped",
                    f"the HTML part is {size // 1024} KB; Gmail shows only the first "
                    f"{CLIP_BYTES // 1024} KB and hides the rest, footer included, behind "
                    "'View entire message': shorten the answer or split it",
                    self.name,
                )
            )
        return found
