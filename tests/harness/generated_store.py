"""A generated MLMD store of daily retraining runs, for the retention, rollback and history tests.

Each day: examples (span = day) -> schema, a model trained on the examples, evaluated (days in
``NOT_BLESSED_DAYS`` not blessed) and pushed with the real Pusher when blessed. Pure Python
executors, real launcher and MLMD (SQLite under the root, or any ``MetadataConfig``).
"""

from __future__ import annotations

import os
from pathlib import Path

from airflow_tfx_provider.components._artifacts.blessing import write_blessing
from airflow_tfx_provider.components.pusher import PusherSpec
from airflow_tfx_provider.components.spec import (
    ComponentSpec,
    ExecutionInfo,
    InputSpec,
    OutputSpec,
    Parameter,
)
from airflow_tfx_provider.exceptions import ComponentSkipped
from airflow_tfx_provider.metadata.config import MetadataConfig
from airflow_tfx_provider.runtime.launcher import launch
from airflow_tfx_provider.runtime.settings import RunSettings
from airflow_tfx_provider.types import EXAMPLES, MODEL, MODEL_BLESSING
from tests.unit.runtime.toy_components import ToyGenSpec, ToySchemaSpec

PIPELINE = "retention"
NOT_BLESSED_DAYS = {3, 5}


def _train(inputs, outputs, params, info):
    [examples] = inputs["examples"]
    os.makedirs(f"{outputs['model'][0].uri}/Format-Serving")
    with open(f"{outputs['model'][0].uri}/Format-Serving/saved_model.pb", "w") as handle:
        handle.write(f"trained on span {examples.properties['span']}")


def _evaluate(inputs, outputs, params, info):
    [model] = inputs["model"]
    write_blessing(outputs["blessing"][0], params["blessed"])
    outputs["blessing"][0].properties["current_model_id"] = model.mlmd_id


TrainSpec = ComponentSpec(
    "Trainer", {"examples": InputSpec(EXAMPLES)}, {"model": OutputSpec(MODEL)}, {}, _train
)
EvalSpec = ComponentSpec(
    "Evaluator", {"model": InputSpec(MODEL)}, {"blessing": OutputSpec(MODEL_BLESSING)},
    {"blessed": Parameter()}, _evaluate,
)  # fmt: skip


def settings(root: Path, component: str, run_id: str, config: MetadataConfig | None = None) -> RunSettings:
    run = ExecutionInfo(
        pipeline_name=PIPELINE, pipeline_root=str(root), run_id=run_id, component_id=component
    )
    return RunSettings(run=run, metadata=config or MetadataConfig.sqlite_under(str(root)))


def make_day(root: Path, day: int, config: MetadataConfig | None = None) -> dict[str, int]:
    """One daily run, into ``config``'s store (the SQLite file under ``root`` by default)."""
    run = f"day{day}"
    examples = launch(
        ToyGenSpec, settings(root, "example_gen", run, config), {}, {"span": day, "text": f"d{day}"}
    )
    ex = [r.to_json() for r in examples.outputs["examples"]]
    schema = launch(ToySchemaSpec, settings(root, "schema_gen", run, config), {"examples": ex}, {})
    model = launch(TrainSpec, settings(root, "trainer", run, config), {"examples": ex}, {}).outputs["model"]
    blessed = day not in NOT_BLESSED_DAYS
    blessing = launch(
        EvalSpec,
        settings(root, "evaluator", run, config),
        {"model": [m.to_json() for m in model]},
        {"blessed": blessed},
    ).outputs["blessing"]
    destination = {"filesystem": {"base_directory": str(root.parent / "serving")}}
    try:
        launch(PusherSpec, settings(root, "pusher", run, config),
               {"model": [m.to_json() for m in model], "model_blessing": [b.to_json() for b in blessing]},
               {"push_destination": destination})  # fmt: skip
    except ComponentSkipped:
        assert not blessed
    made = {
        "examples": examples.outputs["examples"][0], "schema": schema.outputs["schema"][0],
        "model": model[0], "blessing": blessing[0],
    }  # fmt: skip
    return {key: int(ref.mlmd_id or 0) for key, ref in made.items()}
