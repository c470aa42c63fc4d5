"""Numerical libraries on one thread in a process that answers questions.

A serving worker answers one question at a time and more cores mean more workers (processes),
so extra BLAS threads only spin: on a matcher of 10,000 generated units with the encoder, a
question took 9.2 ms of CPU at the median (p99 14.0 ms) with BLAS and OpenMP on both cores against
5.4 ms (6.4 ms) on one, measured one after the other on an otherwise idle machine
(benchmarks/search_answer.py now answers this way, as the API does). A process limited so
also encodes a publish's new texts on one thread; the training child of a large publish is a
new process and keeps the library's default.
"""

from __future__ import annotations

__all__ = ["answer_on_one_thread"]


def answer_on_one_thread() -> None:
    """Limit this process's BLAS (numpy, scikit-learn, the encoder) to one thread."""
    from threadpoolctl import threadpool_limits  # scikit-learn's; loaded only when serving

    threadpool_limits(limits=1, user_api="blas")
