"""The "Was this helpful?" box of an answer page: hidden until /static/feedback.js shows it
(without JavaScript there are no buttons at all) and posts the vote, with the receipt of the
response that served the page, to POST /api/v1/feedback."""

from __future__ import annotations

from html import escape

from api.help.words import ui_language, words

__all__ = ["COMMENT_CHARS", "feedback_box"]

#: What a feedback comment may hold: POST /api/v1/feedback refuses longer ones.
COMMENT_CHARS = 1000


def feedback_box(locale: str, unit_id: str, receipt: str | None, root: str) -> str:
    """The box for the page of `unit_id` sent with `receipt` (API under `root`, the proxy's
    prefix); "" without a receipt (KB_EVENTS off: nothing to vote on)."""
    if not receipt:
        return ""
    w = {k: escape(v) for k, v in words(locale).items()}
    ui = ui_language(locale)
    lang = "" if ui == locale.split("-")[0].lower() else f' lang="{ui}"'
    return (
        f'<section class="kb-feedback" aria-labelledby="kb-feedback-q" hidden{lang} '
        f'data-receipt="{escape(receipt)}" data-unit="{escape(unit_id)}" '
        f'data-action="{escape(root)}/api/v1/feedback">\n'
        f'<h2 id="kb-feedback-q">{w["helpful"]}</h2>\n<p class="kb-feedback-vote">'
        f'<button type="button" value="true">{w["yes"]}</button>'
        f'<button type="button" value="false">{w["no"]}</button></p>\n'
        f'<form class="kb-feedback-more" hidden><label for="kb-feedback-comment">{w["more"]}'
        f'</label>\n<textarea id="kb-feedback-comment" name="comment" rows="3" '
        f'maxlength="{COMMENT_CHARS}"></textarea>\n<button type="submit">{w["send"]}</button>'
        f'</form>\n<p class="kb-feedback-status" aria-live="polite" tabindex="-1" '
        f'data-thanks="{w["thanks"]}" data-unsent="{w["unsent"]}"></p>\n</section>\n'
        f'<script src="{escape(root)}/static/feedback.js" defer></script>\n'
    )
