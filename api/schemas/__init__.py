"""Request and response bodies of API v1, with the examples the OpenAPI document shows.

One module per resource; every body is importable from here, as `from api.schemas import X`.
"""

from api.schemas.common import ProblemOut
from api.schemas.consistency import (
    ConsistencyOut,
    ContradictionOut,
    DuplicateOut,
    MentionOut,
    MergeIn,
    MergeOut,
    RepeatedValueOut,
    ReplacedUnitOut,
    ReportUnitOut,
    SavedUnitOut,
    SnippetExtractIn,
    SnippetExtractOut,
)
from api.schemas.delivery import (
    AlternativeOut,
    AnswerOut,
    FaqItem,
    FaqOut,
    SearchHitOut,
    SearchOut,
    UnitOut,
)
from api.schemas.drafts import (
    DiffOut,
    DraftIn,
    DraftOut,
    DraftSummary,
    RevisionOut,
    SnippetIn,
    SnippetOut,
    SnippetUpdate,
    UnitFields,
)
from api.schemas.editing import (
    ChannelPreviewOut,
    CheckFindingOut,
    DraftStatusOut,
    PreviewIn,
    PreviewOut,
)
from api.schemas.keys import KeyIn, KeyOut, NewKeyOut
from api.schemas.releases import PublishIn, PublishOut, ReleaseOut, RollbackIn

__all__ = [
    "AlternativeOut",
    "AnswerOut",
    "ChannelPreviewOut",
    "CheckFindingOut",
    "ConsistencyOut",
    "ContradictionOut",
    "DiffOut",
    "DraftIn",
    "DraftOut",
    "DraftStatusOut",
    "DraftSummary",
    "DuplicateOut",
    "FaqItem",
    "FaqOut",
    "KeyIn",
    "KeyOut",
    "MentionOut",
    "MergeIn",
    "MergeOut",
    "NewKeyOut",
    "PreviewIn",
    "PreviewOut",
    "ProblemOut",
    "PublishIn",
    "PublishOut",
    "ReleaseOut",
    "RepeatedValueOut",
    "ReplacedUnitOut",
    "ReportUnitOut",
    "RevisionOut",
    "RollbackIn",
    "SavedUnitOut",
    "SearchHitOut",
    "SearchOut",
    "SnippetExtractIn",
    "SnippetExtractOut",
    "SnippetIn",
    "SnippetOut",
    "SnippetUpdate",
    "UnitFields",
    "UnitOut",
]
