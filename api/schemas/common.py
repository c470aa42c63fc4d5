"""What every body shares: the problem shape, examples, timestamps and strict request bodies."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict

__all__ = ["ProblemOut", "Timestamp", "WholeNumber"]


def _examples(*examples: dict[str, Any]) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": list(examples)})


def _in_utc(value: datetime) -> datetime:
    """SQLite gives back our UTC times without their offset; an RFC 3339 date-time needs one."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


#: A moment as the API shows it: always with its offset (e.g. `2026-11-30T09:15:00Z`).
Timestamp = Annotated[datetime, AfterValidator(_in_utc)]


def _whole(value: object) -> object:
    """JSON Schema's integer: `11.0` is `11` (strict mode alone would refuse it)."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


#: An integer in a request body, as JSON Schema counts them.
WholeNumber = Annotated[int, BeforeValidator(_whole)]


class _Body(BaseModel):
    """A request body, taken exactly as documented: `0` is no `false`, `"11"` no `11`."""

    model_config = ConfigDict(strict=True)


class ProblemOut(BaseModel):
    """RFC 9457 problem details: every error response has this shape."""

    model_config = _examples(
        {
            "type": "about:blank",
            "title": "Invalid content",
            "status": 422,
            "detail": "1 problem found:",
            "errors": [
                {"message": "required", "source": "body", "line": 2, "field": "title"},
            ],
        }
    )
    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[dict[str, Any]] | None = None
