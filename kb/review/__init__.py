"""Review and approval of draft changes before a release takes them (issue 18)."""

from __future__ import annotations

from kb.review.policy import POLICY_FILE, ReviewPolicy, ReviewRule, review_rule
from kb.review.selection import (
    ApprovedChange,
    ReviewSummary,
    WaitingChange,
    reviewed_drafts,
    summary_fields,
    waiting_fields,
)
from kb.review.service import Reviews, RevisionReview
from kb.review.steps import Kind, ReviewRefused, ReviewState, ReviewStep, approve_restored

__all__ = [
    "POLICY_FILE",
    "ApprovedChange",
    "Kind",
    "ReviewPolicy",
    "ReviewRefused",
    "ReviewRule",
    "ReviewState",
    "ReviewStep",
    "ReviewSummary",
    "Reviews",
    "RevisionReview",
    "WaitingChange",
    "approve_restored",
    "review_rule",
    "reviewed_drafts",
    "summary_fields",
    "waiting_fields",
]
