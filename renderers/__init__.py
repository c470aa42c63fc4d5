"""Channel renderers: one module per channel behind one protocol, looked up by name.

Built-in channels register here through the same call a plug-in uses; third-party packages
can add one with an entry point in the `kb.renderers` group.
"""

from renderers import registry
from renderers.base import Finding, RenderContext, Renderer, Rendering, RenderLimits, Severity
from renderers.chatbot import ChatbotRenderer
from renderers.email import EmailRenderer
from renderers.ivr import IvrRenderer
from renderers.messenger import MessengerRenderer
from renderers.operator import OperatorRenderer
from renderers.sms import SmsRenderer
from renderers.web import WebRenderer

#: Built-in channels, one a line.
_BUILT_IN = (
    WebRenderer(),
    ChatbotRenderer(),
    OperatorRenderer(),
    IvrRenderer(),
    EmailRenderer(),
    SmsRenderer(),
    MessengerRenderer(),
)
for _builtin in _BUILT_IN:
    registry.register(_builtin)
registry.load_plugins()

__all__ = [
    "Finding",
    "RenderContext",
    "RenderLimits",
    "Renderer",
    "Rendering",
    "Severity",
    "registry",
]
