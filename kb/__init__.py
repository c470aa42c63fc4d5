"""The knowledge-base domain: content units, revisions, snippets and releases."""

from kb.document import UnitDocument, parse_unit
from kb.errors import (
    ConfigError,
    InvalidContent,
    KBError,
    NotFound,
    Problem,
    ReleaseNotFound,
    RevisionNotFound,
    SnippetNotFound,
    UnitNotFound,
    VersionConflict,
)
from kb.importing import ContentBatch, ImportReport, SourcedUnit
from kb.knowledge_base import KnowledgeBase
from kb.publishing import PublishBlocked, PublishPlan
from kb.settings import Settings
from kb.snapshot import Snapshot, StoredUnit
from kb.snippets import SnippetDocument, SnippetType
from kb.store import SaveOutcome, SaveResult

__all__ = [
    "ConfigError",
    "ContentBatch",
    "ImportReport",
    "InvalidContent",
    "KBError",
    "KnowledgeBase",
    "NotFound",
    "Problem",
    "PublishBlocked",
    "PublishPlan",
    "ReleaseNotFound",
    "RevisionNotFound",
    "SaveOutcome",
    "SaveResult",
    "Settings",
    "Snapshot",
    "SnippetDocument",
    "SnippetNotFound",
    "SnippetType",
    "SourcedUnit",
    "StoredUnit",
    "UnitDocument",
    "UnitNotFound",
    "VersionConflict",
    "parse_unit",
]
