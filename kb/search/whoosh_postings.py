"""The postings of a Whoosh segment being written, held in flat arrays rather than tuples.

Whoosh hands its writer's pool one `(field, term bytes, doc, weight, value bytes)` tuple per
posting and takes them back sorted by field, term and document. Kept as tuples, each posting
held about 200 bytes of Python objects: at 40,000 units, millions of postings made the index
build the largest part of a publish's memory (issue 22). Here a posting is four numbers, about
20 bytes: the (field, term) and the value are numbered once each, and the sort is numpy's over
those numbers. The postings given back are the same, in the same order.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator

import numpy as np

__all__ = ["Postings"]

Posting = tuple[str, bytes, int, float, bytes]

#: Postings turned back into tuples at a time when the field writer reads them.
_CHUNK = 65_536


class Postings:
    """A Whoosh writer's posting pool (`add`, `iter_postings`, `cleanup`), in bounded memory."""

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self._terms: dict[tuple[str, bytes], int] = {}
        self._values: dict[bytes, int] = {}
        self._term = array("I")
        self._doc = array("I")
        self._weight = array("d")
        self._value = array("I")

    def add(self, posting: Posting) -> None:
        """Keep one posting."""
        field, term, doc, weight, value = posting
        terms, values = self._terms, self._values
        self._term.append(terms.setdefault((field, term), len(terms)))
        self._doc.append(doc)
        self._weight.append(weight)
        self._value.append(values.setdefault(value, len(values)))

    def __len__(self) -> int:
        return len(self._doc)

    def iter_postings(self) -> Iterator[Posting]:
        """Every posting, sorted by field, term and document, as Whoosh's field writer takes
        them ((field, term, document) is unique, so the order is the tuples' own)."""
        terms = list(self._terms)
        rank = np.empty(len(terms), dtype=np.uint32)
        rank[sorted(range(len(terms)), key=terms.__getitem__)] = np.arange(len(terms))
        term = np.frombuffer(self._term, dtype=np.uint32)
        doc = np.frombuffer(self._doc, dtype=np.uint32)
        order = np.lexsort((doc, rank[term]))
        weight = np.frombuffer(self._weight, dtype=np.float64)
        value_ids = np.frombuffer(self._value, dtype=np.uint32)
        values = list(self._values)
        for start in range(0, len(order), _CHUNK):
            part = order[start : start + _CHUNK]
            for t, d, w, v in zip(
                term[part].tolist(),
                doc[part].tolist(),
                weight[part].tolist(),
                value_ids[part].tolist(),
                strict=True,
            ):
                field, text = terms[t]
                yield field, text, d, w, values[v]

    def cleanup(self) -> None:
        """Forget every posting (Whoosh calls this when the segment is closed)."""
        self._reset()
