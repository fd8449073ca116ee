"""What a retention run keeps (``airflow tfx gc``, ``RetentionOperator``): light, checked at parse time."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class RetentionPolicy:
    keep_spans: int
    keep_models: int
    older_than: dt.timedelta | None = None

    def __post_init__(self) -> None:
        if self.keep_spans < 1 or self.keep_models < 1:
            raise ValueError("keep at least one span and one model (--keep-spans, --keep-models >= 1)")


_UNITS = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_duration(text: str) -> dt.timedelta:
    """``30d``, ``12h``, ``90m``, ``2w`` as a timedelta; ``ValueError`` naming the accepted form."""
    number, unit = text[:-1], text[-1:].lower()
    if unit not in _UNITS or not number.isdigit():
        raise ValueError(f"duration {text!r}: give a whole number and one of m, h, d, w (e.g. 30d)")
    return dt.timedelta(seconds=int(number) * _UNITS[unit])
