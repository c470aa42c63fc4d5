"""Channel renderers: one module per channel behind one protocol, looked up by name.

Built-in channels register here through the same call a plug-in uses; third-party packages
can add one with an entry point in the `kb.renderers` group.
"""

from renderers import registry
from renderers.base import Finding, RenderContext, Renderer, Rendering, RenderLimits, Severity
from renderers.markdown_source import channel_markdown
from renderers.web import WebRenderer

registry.register(WebRenderer())

__all__ = [
    "Finding",
    "RenderContext",
    "RenderLimits",
    "Renderer",
    "Rendering",
    "Severity",
    "channel_markdown",
    "registry",
]
