"""The chatbot channel: the short answer as a chat reply, with quick replies and link cards.

A bot shows one message: the `::: summary` (or the first paragraph) plus what was written for
the chatbot, cut to the channel's length with a pointer to the full answer. Other units linked
anywhere the chatbot may show become quick-reply buttons. After the answer the bot asks whether
it helped, with two quick replies whose payloads the bot platform posts back to
POST /api/v1/feedback with the response's receipt (its `X-KB-Receipt` header).
"""

from __future__ import annotations

from collections.abc import Mapping

from renderers.base import (
    Finding,
    RenderContext,
    Rendering,
    Rule,
    Severity,
    rule_table,
    short_answer,
)
from renderers.text import TextState, inert, text_rules

__all__ = ["ChatbotRenderer"]

#: "… Full answer: <url>" by locale language; English when the language is not listed.
_POINTER = {"en": "… Full answer: {url}", "ru": "… Полный ответ: {url}"}
#: "Did it help?" and its yes and no replies by locale language; English when not listed.
_FEEDBACK = {
    "en": ("Did this answer your question?", "Yes, thanks", "No"),
    "ru": ("Это ответ на ваш вопрос?", "Да, спасибо", "Нет"),
    "bg": ("Това отговори ли на въпроса ви?", "Да, благодаря", "Не"),
}


def _language(locale: str) -> str:
    return locale.split("-")[0]


def cut_label(label: str, limit: int) -> str:
    """`label` shortened to at most `limit` characters, ending in "…" when it was cut."""
    if len(label) <= limit:
        return label
    return label[: max(limit - 1, 0)].rstrip() + "…"


def cut_text(text: str, budget: int) -> str:
    """The longest start of `text` that ends at a word boundary and fits in `budget` chars."""
    if budget <= 0:
        return ""
    head = text[: budget + 1]
    space = max(head.rfind(" "), head.rfind("\n"))
    head = head[:space] if space > 0 else text[:budget]
    return head.rstrip()


class ChatbotRenderer:
    """A chat reply: plain text with light formatting, never internal notes or markup."""

    name = "chatbot"
    for_staff = False
    media_type = "application/json"
    rules: Mapping[str, Rule] = rule_table(text_rules())

    def render(self, context: RenderContext) -> Rendering:
        """The short answer as text, quick replies from every visible unit link, findings."""
        tokens = context.parsed.tokens
        reply = TextState(context, self.name, self.rules, shows_summary=True)
        reply.render(short_answer(tokens, self.name))
        whole = TextState(context, self.name, self.rules, shows_summary=True)
        whole.render(tokens)
        findings = [*reply.findings, *whole.findings]

        doc = context.unit.document
        # Absolute when the public site is known: a chat message has no page to be relative to.
        more_url = context.public_unit_url(doc.id) or context.unit_url(doc.id, doc.locale)
        text = reply.text()
        limit = context.limits.chatbot_max_chars
        truncated = len(text) > limit
        if truncated:
            pointer = _POINTER.get(_language(doc.locale), _POINTER["en"]).format(url=more_url)
            findings.append(
                context.finding(
                    Severity.WARNING,
                    "chatbot-too-long",
                    f"the reply is {len(text)} characters, more than the {limit} a chat "
                    "message may have; it was cut with a link to the full answer",
                    self.name,
                )
            )
            head = cut_text(text, limit - len(pointer))
            text = head + pointer if head else pointer.removeprefix("… ")
        if not text:
            findings.append(
                context.finding(
                    Severity.ERROR,
                    "no-output",
                    "the short answer is empty: add a first paragraph or a ::: summary block",
                    self.name,
                )
            )

        quick_replies = self._quick_replies(context, whole, findings)
        return Rendering(
            channel=self.name,
            media_type=self.media_type,
            body=text,
            data={
                "text": text,
                "quick_replies": quick_replies,
                "links": reply.links,
                "truncated": truncated,
                "more_url": more_url,
                "feedback": _feedback(doc.id, doc.locale),
            },
            findings=tuple(dict.fromkeys(findings)),
        )

    def _quick_replies(
        self, context: RenderContext, whole: TextState, findings: list[Finding]
    ) -> list[dict[str, str]]:
        """One button per linked unit (first label wins), at most the channel's number."""
        limits = context.limits
        buttons: dict[str, dict[str, str]] = {}
        for link in whole.unit_links:
            unit_id = link["unit_id"]
            if unit_id not in buttons:
                label = link["label"] or inert(context.unit_titles[unit_id])
                buttons[unit_id] = {
                    "label": cut_label(label, limits.chatbot_label_chars),
                    "unit_id": unit_id,
                }
        if len(buttons) > limits.chatbot_max_buttons:
            findings.append(
                context.finding(
                    Severity.ERROR,
                    "chatbot-too-many-buttons",
                    f"links to {len(buttons)} units; a chat reply shows at most "
                    f"{limits.chatbot_max_buttons} quick replies, so the rest are dropped",
                    self.name,
                )
            )
        return list(buttons.values())[: limits.chatbot_max_buttons]


def _feedback(unit_id: str, locale: str) -> dict[str, object]:
    """The question asked after the answer and its quick replies; a reply's `payload` plus the
    response's `receipt` is the body of POST /api/v1/feedback (the unit id counts the vote even
    when events, and so receipts, are off)."""
    prompt, yes, no = _FEEDBACK.get(_language(locale), _FEEDBACK["en"])
    return {
        "prompt": prompt,
        "quick_replies": [
            {"label": yes, "payload": {"unit_id": unit_id, "helpful": True}},
            {"label": no, "payload": {"unit_id": unit_id, "helpful": False}},
        ],
    }
