"""The HTTP API: thin FastAPI routers over `kb.KnowledgeBase`."""

from api.app import create_app

__all__ = ["create_app"]
