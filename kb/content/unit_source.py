"""Where an imported unit came from (`source:` in its front matter), so that importing a newer
export of the same silo updates the units it made instead of copying them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from kb.content.yamlsource import YamlSource
from kb.errors import Problem

__all__ = ["SOURCE_FIELDS", "UnitSource", "parse_source"]

#: Keys of `source:` in the order they are written; `system` and `id` are required.
SOURCE_FIELDS = ("system", "id", "url", "updated_at")


@dataclass(frozen=True)
class UnitSource:
    """The silo a unit was imported from and the silo's own id for it (its identity there)."""

    #: The silo's kind: zendesk, rasa, html, markdown (the importer's --from name).
    system: str
    #: The silo's own id for the item: an article id, an intent name, a page and anchor, a path.
    id: str
    #: Where a person sees the item in the silo, when it is known.
    url: str | None = None
    #: When the silo last changed it (ISO 8601 as the silo states it), when it says.
    updated_at: str | None = None

    @property
    def key(self) -> tuple[str, str]:
        """The item's identity across exports: (system, id)."""
        return (self.system, self.id)

    def to_dict(self) -> dict[str, str]:
        """The front-matter mapping: the fields that are set, in the written order."""
        values = {"system": self.system, "id": self.id, "url": self.url}
        values["updated_at"] = self.updated_at
        return {k: v for k, v in values.items() if v is not None}


def parse_source(y: YamlSource, value: Any, problems: list[Problem]) -> UnitSource | None:
    """`source:` of a front matter as a UnitSource; appends what is wrong with it to `problems`."""
    if value is None:
        return None
    if not isinstance(value, dict):
        problems.append(y.problem("must be a mapping with system and id", "source"))
        return None
    found = len(problems)
    for key in value:
        if key not in SOURCE_FIELDS:
            problems.append(
                y.problem(f"unknown field; allowed are {', '.join(SOURCE_FIELDS)}", "source", key)
            )
    texts = {key: _scalar(y, value.get(key), key, problems) for key in SOURCE_FIELDS}
    for key in ("system", "id"):
        if texts[key] is None and value.get(key) is None:
            problems.append(y.problem("is required", "source", key))
    if len(problems) > found:
        return None
    return UnitSource(
        system=texts["system"] or "",
        id=texts["id"] or "",
        url=texts["url"],
        updated_at=texts["updated_at"],
    )


def _scalar(y: YamlSource, value: Any, key: str, problems: list[Problem]) -> str | None:
    """One source field as text: numbers (an article id) and YAML timestamps are written back."""
    if value is None:
        return None
    if isinstance(value, (datetime, date)):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, (dict, list, bool)) or not str(value).strip() or "\n" in str(value):
        problems.append(y.problem("must be a single line of text", "source", key))
        return None
    return str(value).strip()
