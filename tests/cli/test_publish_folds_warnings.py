"""`kb publish` lists a few warnings of each kind and counts the rest; `kb check` lists them all."""

from __future__ import annotations

import json
import re
from collections import Counter

from cli.common import LISTED_WARNINGS
from tests.cli.conftest import Run


def test_publish_counts_the_warnings_of_a_kind_beyond_the_first_few(
    run: Run, imported: None
) -> None:
    checked = json.loads(run("check", "--json").stdout)
    many = Counter(f["code"] for f in checked["findings"] if f["severity"] == "warning")
    code, total = many.most_common(1)[0]
    assert total > LISTED_WARNINGS, many  # the sample's Russian SMS take three segments or more
    locales = Counter(f["locale"] for f in checked["findings"] if f["code"] == code)

    result = run("publish", "-m", "sample")
    assert result.exit_code == 0, result.output
    listed = [line for line in result.output.splitlines() if line.endswith(f"[{code}]")]
    assert len(listed) == LISTED_WARNINGS
    folded = re.findall(
        rf"and (\d+) more \[{code}\] \(([^)]*)\); kb check lists them all", result.output
    )
    assert folded == [
        (
            str(total - LISTED_WARNINGS),
            ", ".join(
                f"{loc}: {n}"
                for loc, n in sorted((locales - Counter(_locale(line) for line in listed)).items())
            ),
        )
    ]
    for other, count in many.items():  # a kind with few warnings is listed whole
        if count <= LISTED_WARNINGS:
            assert sum(line.endswith(f"[{other}]") for line in result.output.splitlines()) == count


def _locale(line: str) -> str:
    """The locale of a finding's line: `  warning: UNIT LOCALE CHANNEL: ...`."""
    return line.split(":", 2)[1].split()[1]
