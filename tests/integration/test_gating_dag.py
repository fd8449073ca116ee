"""A model worse than the baseline beyond the change threshold: NOT_BLESSED, Pusher skipped."""

from __future__ import annotations

import json
import os

import pytest

from tests.dag_runs import load_dag, run_dag, utc, write_dag_file
from tests.unit.components import evaluator_fixtures as fx
from tests.unit.components.conftest import _write_examples

pytestmark = pytest.mark.integration

GATING_DAG = """
# airflow DAG file for tests
from airflow_tfx_provider.dag_factory import create_pipeline_dag
from airflow_tfx_provider.operators import (
    EvaluatorOperator, ImporterOperator, PusherOperator,
)

examples = ImporterOperator(task_id="examples", source_uri={examples!r}, artifact_type="Examples",
                            properties={{"split_names": '["eval"]', "span": 1}})
candidate = ImporterOperator(task_id="candidate", source_uri={bad!r}, artifact_type="Model")
baseline = ImporterOperator(task_id="baseline", source_uri={good!r}, artifact_type="Model")
evaluator = EvaluatorOperator(
    examples=examples.outputs["result"], model=candidate.outputs["result"],
    baseline_model=baseline.outputs["result"], eval_config={config!r},
)
pusher = PusherOperator(model=candidate.outputs["result"], model_blessing=evaluator.outputs["blessing"],
                        push_destination={{"filesystem": {{"base_directory": {serving!r}}}}})
dag = create_pipeline_dag(dag_id="gating", components=[examples, candidate, baseline, evaluator, pusher],
                          pipeline_root={root!r})
"""  # fmt: skip

EVAL_CONFIG = {
    "model_specs": [{"label_key": fx.LABEL}],
    "slicing_specs": [{}],
    "metrics_specs": [
        {
            "metrics": [
                {
                    "class_name": "AUC",
                    "threshold": {
                        "change_threshold": {"direction": "HIGHER_IS_BETTER", "absolute": {"value": -0.01}}
                    },
                }
            ]
        }
    ],
}


def test_worse_candidate_is_not_blessed_and_not_pushed(airflow_db, dags_folder, tmp_path):
    rows = fx.make_rows(200)
    examples = _write_examples(tmp_path / "examples", {"eval": rows})
    model = fx.train(rows)
    fx.export(model, tmp_path / "good")
    fx.export(fx.reversed_model(model), tmp_path / "bad")
    serving, root = tmp_path / "serving", tmp_path / "root"
    source = GATING_DAG.format(
        examples=examples.uri, bad=str(tmp_path / "bad"), good=str(tmp_path / "good"),
        config=json.loads(json.dumps(EVAL_CONFIG)), serving=str(serving), root=str(root),
    )  # fmt: skip
    dag = load_dag(write_dag_file(dags_folder, "gating", source), "gating")
    states = run_dag(dag, utc(2024, 1, 1))
    assert states["evaluator"] == "success" and states["pusher"] == "skipped"
    [blessing_dir] = (root / "evaluator" / "blessing").iterdir()
    assert sorted(os.listdir(blessing_dir)) == ["NOT_BLESSED"]
    assert not serving.exists() or [p for p in os.listdir(serving) if p.isdigit()] == []
