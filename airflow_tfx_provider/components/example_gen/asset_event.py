"""Data-aware ExampleGen: which span or folder to read, from the asset event that triggered the run.

An upstream DAG (an ETL job) lands new data and emits an event on an Asset; a pipeline scheduled
on that Asset reads what the event names, with ``span_from_asset_event=True``. The event's
``extra`` holds one or two of:

- ``"span"``: the span number (``{SPAN}`` patterns; for date patterns, days since 1970-01-01);
- ``"date"``: ``"YYYY-MM-DD"`` or ``"YYYY-MM"``, for ``{YYYY}{MM}{DD}`` / ``{YYYY}{MM}`` patterns;
- ``"path"``: a folder relative to ``input_base`` (or absolute, inside it) to read instead of
  ``input_base``; it never leads outside ``input_base``.

``span`` and ``date`` become ``range_config``, ``path`` becomes ``input_base``; everything else
(patterns, splits, versions, the cache key) works as for any run. A run takes one span: when
several events triggered it (the upstream DAG ran more often than the pipeline), the newest is
read and the others are named in the log. Pure functions of the standard library.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from airflow_tfx_provider.components.example_gen.parameters import input_splits
from airflow_tfx_provider.exceptions import InvalidInputDataError

_EPOCH = dt.date(1970, 1, 1)
EVENT_KEYS = ("span", "date", "path")


@dataclass(frozen=True)
class TriggeringEvent:
    """What ExampleGen needs of one triggering asset event."""

    asset: str
    timestamp: dt.datetime
    extra: Mapping[str, Any]
    source: str = ""  # "dag_id/run_id/task_id" of the producing task, if any

    def describe(self) -> str:
        by = f" from {self.source}" if self.source else ""
        return f"asset event of {self.asset!r} at {self.timestamp.isoformat()}{by}"


@dataclass(frozen=True)
class EventInput:
    """The parameters to run with, and what to tell the task log."""

    parameters: dict[str, Any]
    messages: tuple[str, ...]


def _parse_date(where: str, value: Any) -> dt.date:
    if isinstance(value, str):
        for fmt in ("%Y-%m-%d", "%Y-%m"):
            try:
                return dt.datetime.strptime(value, fmt).date()
            except ValueError:
                continue
    raise InvalidInputDataError(f"{where}: 'date' must be 'YYYY-MM-DD' or 'YYYY-MM', got {value!r}")


def _span_of(event: TriggeringEvent, has_date_pattern: bool, monthly: bool) -> int | None:
    where = event.describe()
    extra = event.extra
    if "span" in extra and "date" in extra:
        raise InvalidInputDataError(f"{where}: give 'span' or 'date' in the extra, not both: {dict(extra)}")
    if "span" in extra:
        span = extra["span"]
        if isinstance(span, bool) or not isinstance(span, int) or span < 0:
            raise InvalidInputDataError(f"{where}: 'span' must be a non-negative integer, got {span!r}")
        return span
    if "date" in extra:
        if not has_date_pattern:
            raise InvalidInputDataError(
                f"{where} names date {extra['date']!r}, but the input pattern has no {{YYYY}}{{MM}}[{{DD}}]"
            )
        day = _parse_date(where, extra["date"])
        if monthly and day.day != 1:
            raise InvalidInputDataError(
                f"{where} names date {extra['date']!r}, but the input pattern is monthly ({{YYYY}}{{MM}}): "
                "give 'YYYY-MM' or the 1st of the month"
            )
        return (day - _EPOCH).days
    return None


def _input_base(event: TriggeringEvent, input_base: str) -> str | None:
    if "path" not in event.extra:
        return None
    path = event.extra["path"]
    where = event.describe()
    if not isinstance(path, str) or not path.strip():
        raise InvalidInputDataError(f"{where}: 'path' must be a non-empty string, got {path!r}")
    base = os.path.realpath(input_base)
    target = os.path.realpath(os.path.join(base, path))
    if os.path.commonpath([base, target]) != base:
        raise InvalidInputDataError(
            f"{where}: 'path' {path!r} leads outside input_base {input_base}; the event may only name a "
            "folder inside it"
        )
    return target


def _named(event: TriggeringEvent) -> str:
    return ", ".join(f"{k}={event.extra[k]!r}" for k in EVENT_KEYS if k in event.extra)


def input_from_events(parameters: Mapping[str, Any], events: Sequence[TriggeringEvent]) -> EventInput:
    """The ExampleGen parameters for a run triggered by ``events`` (see the module docstring).

    Raises ``InvalidInputDataError`` naming the event when its extra cannot be used.
    """
    params = dict(parameters)
    if not events:
        return EventInput(params, ("no triggering asset event: the data interval rules apply",))
    ordered = sorted(events, key=lambda e: e.timestamp)
    event = ordered[-1]
    if not any(key in event.extra for key in EVENT_KEYS):
        raise InvalidInputDataError(
            f"{event.describe()}: its extra {dict(event.extra)} names none of {list(EVENT_KEYS)}; the "
            "upstream task should emit e.g. extra={'span': 12} or {'date': '2024-05-01', 'path': '202405'}"
        )
    pattern = input_splits(params)[0][1]
    span = _span_of(event, pattern.has_date, pattern.has_date and not pattern.has_day)
    messages = []
    if span is not None:
        if not (pattern.has_span or pattern.has_date):
            raise InvalidInputDataError(
                f"{event.describe()} names span {span}, but the input pattern {pattern.text!r} has neither "
                "{SPAN} nor a date; name a 'path' instead"
            )
        params["range_config"] = {"static_range": {"start_span_number": span, "end_span_number": span}}
    base = _input_base(event, str(params["input_base"]))
    if base is not None:
        params["input_base"] = base
    messages.append(f"reading {_named(event)} named by the {event.describe()}")
    if len(ordered) > 1:
        others = "; ".join(_named(e) or "no span" for e in ordered[:-1])
        messages.append(
            f"{len(ordered) - 1} earlier triggering event(s) are not read by this run (one span per run): "
            f"{others}; trigger a run for each to ingest them"
        )
    return EventInput(params, tuple(messages))
