"""The web channel: a unit as a safe HTML fragment for the help-center page and the FAQ widget."""

from __future__ import annotations

from collections.abc import Mapping

from renderers.base import RenderContext, Rendering, Rule, rule_table
from renderers.html import HtmlState, html_rules

__all__ = ["WebRenderer"]


class WebRenderer:
    """Customer-facing HTML: no internal notes, no other channels' blocks, only safe markup."""

    name = "web"
    for_staff = False
    media_type = "text/html"
    rules: Mapping[str, Rule] = rule_table(html_rules())

    def render(self, context: RenderContext) -> Rendering:
        """The whole answer as HTML (the `::: summary` block is for short channels only)."""
        state = HtmlState(context, self.name, shows_internal=False, rules=self.rules)
        state.render(context.parsed.tokens)
        return Rendering(
            channel=self.name,
            media_type=self.media_type,
            body="".join(state.out).strip() + "\n",
            data={"title": context.unit.document.title},
            findings=tuple(state.findings),
        )
