"""Print what one pipeline run did, read from MLMD: each task's outcome and its artifacts.

``python -m airflow_tfx_provider.metadata.report --pipeline-root ROOT --pipeline NAME``
(the latest run, or ``--run-id``). Used by ``make demo``; handy after any run.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass

from airflow_tfx_provider.metadata.config import MetadataConfig
from airflow_tfx_provider.metadata.history import run_contexts
from airflow_tfx_provider.metadata.store import MetadataGateway, execution_state_name


@dataclass(frozen=True)
class TaskOutcome:
    component_id: str
    component_type: str
    state: str
    outputs: list[tuple[str, str, str, str]]  # key, type, uri, note


def run_outcomes(
    gateway: MetadataGateway, pipeline: str, run_id: str | None
) -> tuple[str, list[TaskOutcome]]:
    """The run's id and one outcome per execution recorded under its pipeline_run context."""
    store = gateway.raw
    runs = run_contexts(gateway, pipeline)
    if run_id is not None:
        runs = [c for c in runs if c.name == f"{pipeline}.{run_id}"]
    if not runs:
        raise LookupError(f"no run of pipeline {pipeline!r} in {gateway.config.describe()}")
    run = runs[-1]  # the newest
    types = {t.id: t.name for t in store.get_execution_types()}
    outcomes = []
    for execution in sorted(store.get_executions_by_context(run.id), key=lambda e: e.id):
        outputs = [
            (key, s.ref.type, s.ref.uri, _note(s.ref.properties))
            for key, stored in gateway.execution_outputs(execution.id).items()
            for s in stored
            if s.state == "LIVE"
        ]
        outcomes.append(
            TaskOutcome(
                component_id=execution.custom_properties["component_id"].string_value,
                component_type=types.get(execution.type_id, "?"),
                state=execution_state_name(execution),
                outputs=outputs,
            )
        )
    return run.name[len(pipeline) + 1 :], outcomes


def _note(props: dict) -> str:
    parts = [f"{k}={props[k]}" for k in ("span", "version", "split_names", "blessed") if k in props]
    return " ".join(parts)


def format_report(store_description: str, run_id: str, outcomes: list[TaskOutcome]) -> str:
    lines = [f"Run {run_id}", ""]
    for outcome in outcomes:
        lines.append(f"  {outcome.component_id:<24} {outcome.component_type:<18} {outcome.state}")
        for key, type_name, uri, note in outcome.outputs:
            lines.append(f"      {key}: {type_name} at {uri} {note}".rstrip())
    lines += ["", f"MLMD store: {store_description}"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pipeline", required=True, help="pipeline name (the DAG id)")
    parser.add_argument("--pipeline-root", required=True, help="pipeline root holding metadata.sqlite")
    parser.add_argument("--run-id", default=None, help="Airflow run id (default: the latest run)")
    args = parser.parse_args(argv)
    config = MetadataConfig.sqlite_under(args.pipeline_root)
    gateway = MetadataGateway.connect(config)
    try:
        run_id, outcomes = run_outcomes(gateway, args.pipeline, args.run_id)
    except LookupError as err:
        print(err, file=sys.stderr)
        return 1
    print(format_report(config.describe(), run_id, outcomes))
    succeeded = {o.component_id for o in outcomes if o.state in ("COMPLETE", "CACHED")}
    failed = {o.component_id for o in outcomes} - succeeded
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
