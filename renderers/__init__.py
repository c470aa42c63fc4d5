"""Channel renderers: one module per channel behind one protocol (see PRODUCT.md)."""

from renderers.markdown_source import channel_markdown

__all__ = ["channel_markdown"]
