"""A pager channel written the way a third party would: one module, one class, one register call.

Used by test_plugin_channel.py to prove that adding a channel needs nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping

from renderers.base import RenderContext, Rendering, Rule, rule_table, short_answer
from renderers.text import TextState, text_rules

PAGER_LIMIT = 160


class PagerRenderer:
    """The short answer as one pager message of at most 160 characters."""

    name = "pager"
    for_staff = False
    media_type = "text/plain"
    rules: Mapping[str, Rule] = rule_table(text_rules())

    def render(self, context: RenderContext) -> Rendering:
        """Short answer plus `::: only pager` blocks, cut to one message."""
        state = TextState(context, self.name, self.rules, shows_summary=True)
        state.render(short_answer(context.parsed.tokens, self.name))
        text = state.text()
        return Rendering(self.name, self.media_type, text[:PAGER_LIMIT], {}, tuple(state.findings))
