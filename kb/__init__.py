"""The knowledge-base domain: content units, revisions, snippets and releases."""

from kb.content.document import UnitDocument, parse_unit
from kb.content.snippets import SnippetDocument, SnippetType
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
from kb.knowledge_base import KnowledgeBase
from kb.releases.publishing import PublishBlocked, PublishPlan
from kb.settings import Settings
from kb.store.importing import ContentBatch, ImportOptions, ImportReport, SourcedUnit
from kb.store.revisions import SaveOutcome, SaveResult
from kb.store.snapshot import Snapshot, StoredUnit

__all__ = [
    "ConfigError",
    "ContentBatch",
    "ImportOptions",
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
