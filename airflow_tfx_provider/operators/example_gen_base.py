"""What the ExampleGen operators share: reading the span the triggering asset event names."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from airflow.sdk import Context

from airflow_tfx_provider.components.example_gen.asset_event import (
    TriggeringEvent,
    input_from_events,
)
from airflow_tfx_provider.operators.component import ComponentOperator

log = logging.getLogger(__name__)


def triggering_events(context: Context) -> list[TriggeringEvent]:
    """The run's triggering asset events (none for scheduled, manual and backfill runs), deduplicated.

    Airflow lists an event once per asset and once per alias it came through.
    """
    accessor = context.get("triggering_asset_events") or {}
    seen: dict[tuple[str, str, str], TriggeringEvent] = {}
    for key in accessor:
        for event in accessor[key]:
            parts = (event.source_dag_id, event.source_run_id, event.source_task_id)
            source = "/".join(p for p in parts if p)
            asset = event.asset.name or event.asset.uri
            seen[(asset, event.timestamp.isoformat(), source)] = TriggeringEvent(
                asset=asset, timestamp=event.timestamp, extra=dict(event.extra or {}), source=source
            )
    return list(seen.values())


class ExampleGenOperator(ComponentOperator):
    """Base of the ExampleGen operators (subclasses set ``spec`` and a typed signature)."""

    def launch_parameters(self, context: Context) -> Mapping[str, Any]:
        if not self.parameters.get("span_from_asset_event"):
            return self.parameters
        chosen = input_from_events(self.parameters, triggering_events(context))
        for message in chosen.messages:
            (log.warning if "not read" in message else log.info)("%s: %s", self.task_id, message)
        return chosen.parameters
