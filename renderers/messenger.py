"""The messenger channel: the whole answer as Telegram and WhatsApp messages, from one walk.

A messenger shows formatting, so the answer goes whole (what the web shows, written for
chat): bold headings, bold, italic, strikethrough, code, lists as "• " lines, links. The same
runs (renderers/messenger_marks.py) are written in each platform's syntax and escaping
(renderers/messenger_markup.py), and each payload is shaped for its platform's API as it is:

- `telegram`: the parameters of the Bot API's sendMessage: `text` in MarkdownV2 and an inline
  keyboard: one button per linked unit (its `callback_data` is `unit:ID`; the bot answers it
  with that unit) and a URL button to the answer's page when the public site is known.
- `whatsapp`: a Cloud API message without its recipient: `interactive` with up to three
  reply buttons (id `unit:ID`, title up to 20 characters) when the answer links to other
  units, otherwise `text`.

Limits: 4,096 characters for a Telegram text; 1,024 for a WhatsApp text, the most an
interactive message's body may have (kept for plain text too, so one answer reads the same
whether or not it offers buttons). A longer text is cut at a word with a pointer to the full
answer, and `kb check` warns. The body is the Telegram text; the media type is
application/json, as for the chatbot: a MarkdownV2 string is not CommonMark, and what a bot
uses is the JSON payloads.
"""

from __future__ import annotations

from collections.abc import Mapping

from renderers.base import Finding, RenderContext, Rendering, Rule, Severity, rule_table
from renderers.chatbot import cut_label
from renderers.messenger_marks import MarkedState, Run, marked_rules, runs
from renderers.messenger_markup import fit, length, telegram, telegram_length, whatsapp

__all__ = [
    "TELEGRAM_MAX_CHARS",
    "WHATSAPP_MAX_BUTTONS",
    "WHATSAPP_MAX_CHARS",
    "WHATSAPP_TITLE_CHARS",
    "MessengerRenderer",
]

#: A Telegram message's text, counted after its marks are parsed (Bot API sendMessage).
TELEGRAM_MAX_CHARS = 4096
#: A WhatsApp interactive message's body (Cloud API); the text is kept within it always.
WHATSAPP_MAX_CHARS = 1024
#: Reply buttons one WhatsApp interactive message may have, and a button title's length.
WHATSAPP_MAX_BUTTONS = 3
WHATSAPP_TITLE_CHARS = 20
#: A Telegram button's callback_data, in bytes; long labels wrap badly on a phone.
TELEGRAM_CALLBACK_BYTES = 64
TELEGRAM_LABEL_CHARS = 50

#: The platform's own words by locale language; English when the language is not listed.
_WORDS = {
    "en": {"pointer": "… Full answer: {url}", "open": "Read on the website"},
    "ru": {"pointer": "… Полный ответ: {url}", "open": "Читать на сайте"},
}


def _words(locale: str) -> dict[str, str]:
    return _WORDS.get(locale.split("-")[0], _WORDS["en"])


class MessengerRenderer:
    """Telegram and WhatsApp messages of the whole answer; never internal notes."""

    name = "messenger"
    for_staff = False
    media_type = "application/json"
    rules: Mapping[str, Rule] = rule_table(marked_rules())

    def render(self, context: RenderContext) -> Rendering:
        """Both messages from one walk of the unit, their buttons, and what was wrong."""
        state = MarkedState(context, self.name, self.rules)
        state.render(context.parsed.tokens)
        findings = list(state.findings)
        answer = runs(state.text())
        doc = context.unit.document
        more_url = context.public_unit_url(doc.id) or context.unit_url(doc.id, doc.locale)
        pointer = _words(doc.locale)["pointer"].format(url=more_url)

        telegram_runs = [run for run in answer if not run.alt]
        telegram_runs, telegram_cut = fit(
            telegram_runs, TELEGRAM_MAX_CHARS, telegram_length, pointer
        )
        if telegram_cut:
            findings.append(_too_long(context, "telegram", telegram_length(answer)))
        whatsapp_runs = [Run(run.text, run.marks) for run in answer]
        whatsapp_runs, whatsapp_cut = fit(
            whatsapp_runs, WHATSAPP_MAX_CHARS, lambda r: length(whatsapp(r)), pointer
        )
        if whatsapp_cut:
            findings.append(_too_long(context, "whatsapp", length(whatsapp(answer))))

        linked = self._linked_units(context, state.unit_links, findings)
        telegram_text = telegram(telegram_runs, state.targets)
        return Rendering(
            channel=self.name,
            media_type=self.media_type,
            body=telegram_text,
            data={
                "telegram": _telegram_message(
                    telegram_text,
                    linked,
                    context.public_unit_url(doc.id),
                    _words(doc.locale)["open"],
                ),
                "whatsapp": _whatsapp_message(whatsapp(whatsapp_runs), linked),
                "truncated": {"telegram": telegram_cut, "whatsapp": whatsapp_cut},
                "more_url": more_url,
            },
            findings=tuple(dict.fromkeys(findings)),
        )

    def _linked_units(
        self, context: RenderContext, unit_links: list[dict[str, str]], findings: list[Finding]
    ) -> list[dict[str, str]]:
        """One button per linked unit (the first label wins); ids too long for a button's
        payload are left out, and more than WhatsApp can show is said."""
        buttons: dict[str, dict[str, str]] = {}
        for link in unit_links:
            unit_id = link["unit_id"]
            if unit_id in buttons:
                continue
            payload = f"unit:{unit_id}"
            if len(payload.encode()) > TELEGRAM_CALLBACK_BYTES:
                findings.append(
                    context.finding(
                        Severity.WARNING,
                        "messenger-button-id-too-long",
                        f"links to unit '{unit_id}', whose id is too long for a messenger "
                        f"button ('{payload}' is over {TELEGRAM_CALLBACK_BYTES} bytes): no "
                        "button offers it; a shorter unit id fixes this",
                        self.name,
                    )
                )
                continue
            buttons[unit_id] = {"label": link["label"], "payload": payload}
        if len(buttons) > WHATSAPP_MAX_BUTTONS:
            dropped = ", ".join(list(buttons)[WHATSAPP_MAX_BUTTONS:])
            findings.append(
                context.finding(
                    Severity.WARNING,
                    "whatsapp-too-many-buttons",
                    f"links to {len(buttons)} units; a WhatsApp message shows at most "
                    f"{WHATSAPP_MAX_BUTTONS} reply buttons, so {dropped} get none (Telegram "
                    "shows them all); link fewer units or put the rest in '::: only web'",
                    self.name,
                )
            )
        return list(buttons.values())


def _too_long(context: RenderContext, platform: str, size: int) -> Finding:
    """The warning for a text over `platform`'s limit, cut to fit."""
    limit = TELEGRAM_MAX_CHARS if platform == "telegram" else WHATSAPP_MAX_CHARS
    name = "Telegram" if platform == "telegram" else "WhatsApp"
    return context.finding(
        Severity.WARNING,
        f"{platform}-too-long",
        f"the {name} text is {size} characters, more than the {limit} a {name} message may "
        "have; it was cut with a link to the full answer (shorten the answer or move detail "
        "into '::: only web')",
        "messenger",
    )


def _telegram_message(
    text: str, linked: list[dict[str, str]], page: str | None, open_label: str
) -> dict[str, object]:
    """sendMessage's parameters (the chat id aside)."""
    rows: list[list[dict[str, str]]] = [
        [{"text": cut_label(b["label"], TELEGRAM_LABEL_CHARS), "callback_data": b["payload"]}]
        for b in linked
    ]
    if page is not None:
        rows.append([{"text": open_label, "url": page}])
    message: dict[str, object] = {"text": text, "parse_mode": "MarkdownV2"}
    if rows:
        message["reply_markup"] = {"inline_keyboard": rows}
    return message


def _whatsapp_message(text: str, linked: list[dict[str, str]]) -> dict[str, object]:
    """A Cloud API message (messaging_product and the recipient aside)."""
    if not linked:
        return {"type": "text", "text": {"body": text, "preview_url": False}}
    buttons: list[dict[str, object]] = []
    titles: set[str] = set()
    for button in linked[:WHATSAPP_MAX_BUTTONS]:
        title = cut_label(button["label"], WHATSAPP_TITLE_CHARS)
        if title in titles:  # titles must differ within a message: number the repeats
            suffix = f" {len(buttons) + 1}"
            title = cut_label(button["label"], WHATSAPP_TITLE_CHARS - len(suffix)) + suffix
        titles.add(title)
        buttons.append({"type": "reply", "reply": {"id": button["payload"], "title": title}})
    return {
        "type": "interactive",
        "interactive": {
            "type": "button",
            "body": {"text": text},
            "action": {"buttons": buttons},
        },
    }
