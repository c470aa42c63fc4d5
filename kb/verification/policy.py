"""How often each unit must be verified: its own `verify_every`, else its category's.

Categories take theirs from `KB_DATA_DIR/verification-policy.yaml` (optional):

    categories:
      billing:
        verify_every: 90

A unit's front matter wins over its category; neither means verification is off for it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from kb.content.document import UnitDocument
from kb.errors import ConfigError

__all__ = ["POLICY_FILE", "VerificationPolicy", "load_policy"]

#: The policy file's name in the data directory.
POLICY_FILE = "verification-policy.yaml"


@dataclass(frozen=True)
class VerificationPolicy:
    """Days between verifications per category (the units' own `verify_every` wins)."""

    categories: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "categories", MappingProxyType(dict(self.categories)))

    def days_for(self, document: UnitDocument) -> tuple[int | None, str | None]:
        """The unit's period in days and where it comes from (`unit`, `category`), or
        (None, None) when verification is off for it."""
        if document.verify_every is not None:
            return document.verify_every, "unit"
        days = self.categories.get(document.category or "")
        return (days, "category") if days is not None else (None, None)


def load_policy(data_dir: Path) -> VerificationPolicy:
    """The policy in `data_dir`'s verification-policy.yaml; an empty one when there is none.
    ConfigError naming the file, the category and the key for anything it cannot use."""
    path = data_dir / POLICY_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return VerificationPolicy()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror})") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({exc})") from exc
    return VerificationPolicy(_categories(path, data))


def _categories(path: Path, data: Any) -> dict[str, int]:
    """`categories.<name>.verify_every` of the parsed file, each checked."""
    if data is None:
        return {}
    categories = data.get("categories") if isinstance(data, dict) else None
    if categories is None:
        if isinstance(data, dict):
            return {}
        raise ConfigError(f"{path}: must be a mapping with a 'categories' key")
    if not isinstance(categories, dict):
        raise ConfigError(f"{path}: categories must map each category to its settings")
    found: dict[str, int] = {}
    for name, settings in categories.items():
        where = f"{path}: categories.{name}"
        if not isinstance(settings, dict):
            raise ConfigError(f"{where} must be a mapping, e.g. {{verify_every: 90}}")
        days = settings.get("verify_every")
        if days is None:
            continue
        if isinstance(days, bool) or not isinstance(days, int) or days < 1:
            raise ConfigError(f"{where}.verify_every must be a whole number of days above 0")
        found[str(name)] = days
    return found
