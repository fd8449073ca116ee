"""The Tuner's pages: its trials, best first, and the link to them from the best hyperparameters."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from airflow_tfx_provider.components.spec import ComponentSpec, ExecutionInfo, OutputSpec
from airflow_tfx_provider.metadata.config import MetadataConfig
from airflow_tfx_provider.plugins import pages
from airflow_tfx_provider.plugins.store import PipelineStore
from airflow_tfx_provider.runtime.launcher import launch
from airflow_tfx_provider.runtime.settings import RunSettings
from airflow_tfx_provider.types import HYPER_PARAMETERS, TUNER_RESULTS

TRIALS = [
    {"trial_id": "03", "score": 0.91, "learning_rate": 0.01, "num_layers": 3},
    {"trial_id": "01", "score": 0.87, "learning_rate": 0.1, "num_layers": 2},
]


def _tune(inputs: Any, outputs: Any, params: Any, info: Any) -> None:
    """Writes what the Tuner's executor writes (components/tuner/executor.py)."""
    best = outputs["best_hyperparameters"][0].uri
    with open(os.path.join(best, "best_hyperparameters.txt"), "w") as handle:
        json.dump({"space": [], "values": {"learning_rate": 0.01, "num_layers": 3}}, handle)
    with open(os.path.join(outputs["tuner_results"][0].uri, "tuner_results.json"), "w") as handle:
        json.dump(TRIALS, handle)


TUNER_OUTPUTS = {
    "best_hyperparameters": OutputSpec(HYPER_PARAMETERS),
    "tuner_results": OutputSpec(TUNER_RESULTS),
}
TuneSpec = ComponentSpec("Tuner", {}, TUNER_OUTPUTS, {}, _tune)


def test_trials_best_first_and_the_link_from_the_best_hyperparameters(tmp_path: Path) -> None:
    root = tmp_path / "root"
    info = ExecutionInfo(pipeline_name="tuned", pipeline_root=str(root), run_id="r1", component_id="tuner")
    result = launch(TuneSpec, RunSettings(run=info, metadata=MetadataConfig.sqlite_under(str(root))), {}, {})
    store = PipelineStore(
        "tuned", str(root), conn_id=None, sqlite_path=MetadataConfig.sqlite_under(str(root)).path
    )
    pages.forget_records()
    [results] = result.outputs["tuner_results"]
    html = pages.artifact_page(store, int(results.mlmd_id or 0))
    assert html.index(">03<") < html.index(">01<")  # best first
    assert "learning_rate" in html and "0.91" in html and 'id="trials"' in html
    [best] = result.outputs["best_hyperparameters"]
    html = pages.artifact_page(store, int(best.mlmd_id or 0))
    assert 'id="hyperparameters"' in html and f"TunerResults #{results.mlmd_id}" in html
