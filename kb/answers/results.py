"""What answering and a routing check return: answers, alternatives and publish findings.

Plain data, importable without the matcher's numerical libraries, so that the facade, the API's
schemas and the command line can name them cheaply.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from kb.answers.decision import Status

__all__ = ["Alternative", "Answer", "RoutingCheckIncomplete", "RoutingRegression"]


@dataclass(frozen=True)
class Alternative:
    """A unit offered when the matcher is unsure."""

    unit_id: str
    title: str
    confidence: float


@dataclass(frozen=True)
class Answer:
    """The matcher's verdict on one question, in the release it came from."""

    status: Status
    locale: str
    release: int
    unit_id: str | None = None
    title: str | None = None
    confidence: float = 0.0
    routing: str | None = None
    alternatives: tuple[Alternative, ...] = ()
    #: Why `locale` answered: "parameter", "accept-language", "detected" or "default" (see
    #: kb/answers/locales.py); None from `ReleaseServices.ask`, which is given the locale.
    locale_source: str | None = None


@dataclass(frozen=True)
class RoutingRegression:
    """An example question that routed to its own unit before and will not after publishing."""

    unit_id: str
    locale: str
    question: str
    routes_to: str | None
    #: What kind of finding this is, as `kb check` names its own.
    code: ClassVar[str] = "routing-regression"

    @property
    def blocking(self) -> bool:
        """Editors should look, but it does not stop a release."""
        return False

    @property
    def message(self) -> str:
        """What it says without where: the question and the unit it would route to."""
        target = f"'{self.routes_to}'" if self.routes_to else "no unit"
        return f"example question '{self.question}' would route to {target}"

    def __str__(self) -> str:
        return f"warning: {self.unit_id} {self.locale}: {self.message} [{self.code}]"


@dataclass(frozen=True)
class RoutingCheckIncomplete:
    """More example questions were at risk than a publish checks; `kb eval --self` sees all."""

    locale: str
    checked: int
    unchecked: int
    code: ClassVar[str] = "routing-check-incomplete"

    @property
    def blocking(self) -> bool:
        """A partial check is information, not a reason to stop a release."""
        return False

    @property
    def unit_id(self) -> None:
        """It is about a whole locale, no one unit."""
        return None

    @property
    def message(self) -> str:
        """What it says without where: how many questions were checked and how many were not."""
        return (
            f"checked the {self.checked} example questions most at risk of rerouting; at least "
            f"{self.unchecked} more are at risk: run `kb eval --self` to check them all"
        )

    def __str__(self) -> str:
        return f"warning: {self.locale}: {self.message} [{self.code}]"
