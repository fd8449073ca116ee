"""A model worse than the baseline beyond the change threshold: NOT_BLESSED, Pusher skipped."""

from __future__ import annotations

import os

import pytest

from tests.harness.dag_runs import install_dag, load_dag, run_dag, utc
from tests.unit.components.conftest import _write_examples
from tests.unit.components.evaluator import fixtures as fx

pytestmark = pytest.mark.integration

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
    path = install_dag(
        dags_folder, "gating_pipeline", "gating", examples=examples.uri, candidate=str(tmp_path / "bad"),
        baseline=str(tmp_path / "good"), eval_config=EVAL_CONFIG, serving=str(serving),
        pipeline_root=str(root),
    )  # fmt: skip
    dag = load_dag(path, "gating")
    states = run_dag(dag, utc(2024, 1, 1))
    assert states["evaluator"] == "success" and states["pusher"] == "skipped"
    [blessing_dir] = (root / "evaluator" / "blessing").iterdir()
    assert sorted(os.listdir(blessing_dir)) == ["NOT_BLESSED"]
    assert not serving.exists() or [p for p in os.listdir(serving) if p.isdigit()] == []
