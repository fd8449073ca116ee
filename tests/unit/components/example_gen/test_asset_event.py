"""Data-aware ExampleGen: the span, date or folder named by a triggering asset event (pure logic)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from airflow_tfx_provider.components.example_gen import CsvExampleGenSpec
from airflow_tfx_provider.components.example_gen.asset_event import TriggeringEvent, input_from_events
from airflow_tfx_provider.exceptions import InvalidInputDataError

EPOCH = dt.date(1970, 1, 1)
MONTHLY = {"splits": [{"name": "all", "pattern": "{YYYY}{MM}/*.csv"}]}
BY_SPAN = {"splits": [{"name": "all", "pattern": "span-{SPAN}/*.csv"}]}


def params(**given: Any) -> dict[str, Any]:
    return CsvExampleGenSpec.resolve_parameters({"span_from_asset_event": True, **given}, where="test")


def event(minute: int = 0, **extra: Any) -> TriggeringEvent:
    stamp = dt.datetime(2024, 5, 1, 12, minute, tzinfo=dt.UTC)
    return TriggeringEvent(asset="taxi_trips", timestamp=stamp, extra=extra, source="etl/run/land")


def static_span(result: dict[str, Any]) -> int:
    static = result["range_config"]["static_range"]
    assert static["start_span_number"] == static["end_span_number"]
    return int(static["start_span_number"])


def test_date_becomes_the_span_of_that_month(tmp_path: Path) -> None:
    given = params(input_base=str(tmp_path), input_config=MONTHLY)
    chosen = input_from_events(given, [event(date="2024-03")])
    assert static_span(chosen.parameters) == (dt.date(2024, 3, 1) - EPOCH).days
    assert chosen.parameters["input_base"] == str(tmp_path)
    assert "date='2024-03'" in chosen.messages[0] and "etl/run/land" in chosen.messages[0]


def test_span_and_path_inside_input_base(tmp_path: Path) -> None:
    (tmp_path / "landing" / "batch7").mkdir(parents=True)
    given = params(input_base=str(tmp_path / "landing"), input_config=BY_SPAN)
    chosen = input_from_events(given, [event(span=7, path="batch7")])
    assert static_span(chosen.parameters) == 7
    assert chosen.parameters["input_base"] == str((tmp_path / "landing" / "batch7").resolve())
    assert given["input_base"] == str(tmp_path / "landing")  # the operator's parameters are not changed


def test_newest_event_wins_and_the_others_are_named(tmp_path: Path) -> None:
    events = [event(5, date="2024-02"), event(30, date="2024-04"), event(10, date="2024-03")]
    chosen = input_from_events(params(input_base=str(tmp_path), input_config=MONTHLY), events)
    assert static_span(chosen.parameters) == (dt.date(2024, 4, 1) - EPOCH).days
    assert "2 earlier triggering event(s) are not read" in chosen.messages[1]
    assert "'2024-02'" in chosen.messages[1] and "'2024-03'" in chosen.messages[1]


def test_without_events_the_parameters_are_unchanged(tmp_path: Path) -> None:
    given = params(input_base=str(tmp_path), input_config=MONTHLY)
    chosen = input_from_events(given, [])
    assert chosen.parameters == given and "data interval" in chosen.messages[0]


@pytest.mark.parametrize(
    ("config", "extra", "message"),
    [
        (MONTHLY, {"rows": 12}, "names none of ['span', 'date', 'path']"),
        (MONTHLY, {"path": "../elsewhere"}, "leads outside input_base"),
        (MONTHLY, {"path": "/etc"}, "leads outside input_base"),
        (MONTHLY, {"date": "2024-03-15"}, "the input pattern is monthly"),
        (MONTHLY, {"date": "March"}, "'date' must be 'YYYY-MM-DD' or 'YYYY-MM'"),
        (MONTHLY, {"span": 3, "date": "2024-03"}, "not both"),
        (BY_SPAN, {"span": -1}, "'span' must be a non-negative integer"),
        (BY_SPAN, {"date": "2024-03-01"}, "has no {YYYY}{MM}[{DD}]"),
        (None, {"span": 3}, "has neither {SPAN} nor a date; name a 'path' instead"),
    ],
)
def test_unusable_extra_fails_naming_the_event(
    tmp_path: Path, config: Any, extra: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidInputDataError) as err:
        input_from_events(params(input_base=str(tmp_path), input_config=config), [event(**extra)])
    assert message in str(err.value)
    assert "asset event of 'taxi_trips' at 2024-05-01T12:00:00+00:00 from etl/run/land" in str(err.value)
