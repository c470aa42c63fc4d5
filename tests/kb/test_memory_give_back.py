"""Memory freed by Python goes back to the system when a worker drops an old release."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from kb.answers.memory import give_back_memory

_FREE_THEN_GIVE_BACK = """
import json, os
from kb.answers.memory import give_back_memory

def rss_mb():
    for line in open(f"/proc/{os.getpid()}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024

# Many bodies of a few KB (allocated by malloc, not Python's small-object arenas), as a
# release's texts, rows and tables are, with a few kept (as a new release's objects would be)
# so that the heap cannot simply shrink from its top.
held = [str(i).rjust(2000, "x") for i in range(150_000)]
kept = held[::1000]
before = rss_mb()
del held
freed = rss_mb()
done = give_back_memory()
print(json.dumps({"before": before, "freed": freed, "after": rss_mb(), "done": done}))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim: Linux")
def test_memory_python_freed_is_given_back_to_the_system() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _FREE_THEN_GIVE_BACK],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    rss = json.loads(done.stdout)

    assert rss["done"] is True
    assert rss["before"] - rss["freed"] < 50  # freed by Python, still held by the allocator
    assert rss["freed"] - rss["after"] > 50  # given back: the worker's RSS comes down


def test_giving_back_memory_is_harmless_where_it_cannot_be_done() -> None:
    assert give_back_memory() in (True, False)
