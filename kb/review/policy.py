"""Who must approve a change before a release takes it: KB_REVIEW_POLICY for everything, and
per category the data folder's review-policy.yaml (optional):

    categories:
      billing: four-eyes   # someone other than the change's authors approves it
      news: self           # an approval is needed; its author may give it
      drafts-corner: off   # released at the newest revision, as without review
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType

import yaml

from kb.errors import ConfigError
from kb.settings import Settings

__all__ = ["POLICY_FILE", "ReviewPolicy", "ReviewRule", "review_rule"]

#: The per-category policy file in KB_DATA_DIR.
POLICY_FILE = "review-policy.yaml"


class ReviewPolicy(StrEnum):
    """off: a release takes the newest revision, as without review; self: a change needs an
    approval, which its own author may give; four-eyes: someone else must approve it."""

    OFF = "off"
    SELF = "self"
    FOUR_EYES = "four-eyes"

    @property
    def rank(self) -> int:
        """How strict: off < self < four-eyes."""
        return _RANKS[self]

    @classmethod
    def strictest(cls, policies: Iterable[ReviewPolicy]) -> ReviewPolicy:
        """The strictest of `policies` (off when there are none)."""
        return max(policies, key=lambda p: p.rank, default=cls.OFF)


_RANKS = {ReviewPolicy.OFF: 0, ReviewPolicy.SELF: 1, ReviewPolicy.FOUR_EYES: 2}


@dataclass(frozen=True)
class ReviewRule:
    """The review policy for everything (`default`) and for each category that names its own."""

    default: ReviewPolicy = ReviewPolicy.OFF
    categories: Mapping[str, ReviewPolicy] = field(default_factory=dict)

    @property
    def active(self) -> bool:
        """Whether any change needs approval at all; if not, publishing is as without review."""
        return self.default is not ReviewPolicy.OFF or any(
            p is not ReviewPolicy.OFF for p in self.categories.values()
        )

    def for_categories(self, categories: Iterable[str | None]) -> ReviewPolicy:
        """The strictest policy of these categories (a unit's now and as released): moving a
        unit out of a reviewed category is itself a change that needs that review."""
        return ReviewPolicy.strictest(
            self.categories.get(c, self.default) if c is not None else self.default
            for c in categories
        )


def _parse(value: object, where: str) -> ReviewPolicy:
    if value is False:
        return ReviewPolicy.OFF  # YAML reads a bare `off` as false
    try:
        return ReviewPolicy(str(value).strip().lower())
    except ValueError:
        known = ", ".join(p.value for p in ReviewPolicy)
        raise ConfigError(f"{where} must be one of {known}, not {value!r}") from None


def _category_policies(path: Path) -> dict[str, ReviewPolicy]:
    """`categories.<name>` of the policy file: each category's policy."""
    if not path.is_file():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    categories = data.get("categories", {}) if isinstance(data, dict) else None
    if not isinstance(categories, dict):
        raise ConfigError(f"{path}: expected 'categories:' mapping each category to a policy")
    return {str(n): _parse(v, f"{path.name}: categories.{n}") for n, v in categories.items()}


def review_rule(settings: Settings) -> ReviewRule:
    """The rule in force now: KB_REVIEW_POLICY, and the policy file's categories (read on
    every call, so an edited file counts from the next publish on, with no restart)."""
    default = _parse(settings.review_policy, "KB_REVIEW_POLICY")
    categories = _category_policies(settings.data_dir / POLICY_FILE)
    return ReviewRule(default, MappingProxyType(categories))
