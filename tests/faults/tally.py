"""Figures of the fault suite, printed at the end of the test session (``conftest.py``)."""

from __future__ import annotations

from collections import Counter

TALLY: Counter[str] = Counter()


def record(kind: str, **counts: int) -> None:
    """Count one case of ``kind`` and add ``counts`` (e.g. ``clear_error=1``)."""
    TALLY[f"{kind}: cases"] += 1
    for name, value in counts.items():
        TALLY[f"{kind}: {name}"] += value
