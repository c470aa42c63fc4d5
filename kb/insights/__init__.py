"""Insights for editors: what the delivery events and feedback of a period say, the content
gaps among the questions nobody answered, and the one-step fix of a gap."""

from kb.insights.fix import GapFix, add_gap_questions
from kb.insights.gaps import GapCluster, GapsReport, Nearest, content_gaps
from kb.insights.period import Period, parse_age, parse_moment, period
from kb.insights.report import InsightsReport, insights_report

__all__ = [
    "GapCluster",
    "GapFix",
    "GapsReport",
    "InsightsReport",
    "Nearest",
    "Period",
    "add_gap_questions",
    "content_gaps",
    "insights_report",
    "parse_age",
    "parse_moment",
    "period",
]
