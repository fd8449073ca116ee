"""Small real artifacts for the UI data layer, made with the real libraries (session-scoped: each
costs seconds) and written in the project's layout with the project's own writers.

- ``dv``: ExampleStatistics (TFDV on two tiny pandas frames), the Schema TFDV infers from train,
  and ExampleAnomalies of both splits (eval has an unseen string value, a missing number and
  drifts from train);
- ``evaluation``: the Evaluator on the evaluator tests' tiny data and models (bad candidate,
  good baseline, sliced by hour), with the evaluation and blessing artifacts;
- ``keras_run``: a tf_keras fit with the TensorBoard callback, as the taxi ``run_fn`` does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from airflow_tfx_provider.types import ArtifactRef

TRAIN = {
    "fare": [0.0, 1.5, 2.5, 2.5, 4.0, 0.0, 7.5, 3.0, 2.0, 9.0, 1.0, 6.0],
    "company": [
        "alpha",
        "beta",
        "alpha",
        "gamma",
        "alpha",
        "beta",
        "alpha",
        "beta",
        "gamma",
        "alpha",
        "beta",
        "alpha",
    ],
    "trips": [1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3],
}
EVAL = {
    "fare": [2.0, None, 5.0, 0.0, 8.0, 3.5],
    "company": ["zeta", "zeta", "zeta", "alpha", "zeta", "beta"],
    "trips": [4, 1, 2, 2, 3, 1],
}


@dataclass
class DataValidation:
    frames: dict[str, Any]
    stats: dict[str, Any]
    schema: Any
    anomalies: dict[str, Any]
    statistics_ref: ArtifactRef
    schema_ref: ArtifactRef
    anomalies_ref: ArtifactRef


@pytest.fixture(scope="session")
def dv(tmp_path_factory: pytest.TempPathFactory) -> DataValidation:
    import pandas as pd
    import tensorflow_data_validation as tfdv

    from airflow_tfx_provider.components._artifacts import data_validation as tfdv_io

    root = tmp_path_factory.mktemp("data_validation")
    frames = {"train": pd.DataFrame(TRAIN), "eval": pd.DataFrame(EVAL)}
    stats = {split: tfdv.generate_statistics_from_dataframe(frame) for split, frame in frames.items()}
    statistics_ref = ArtifactRef(type="ExampleStatistics", uri=str(root / "statistics"), mlmd_id=1)
    statistics_ref.split_names = list(stats)
    for split, proto in stats.items():
        path = Path(tfdv_io.statistics_path(statistics_ref, split))  # the layout StatisticsGen writes
        path.parent.mkdir(parents=True)
        path.write_bytes(proto.SerializeToString())

    schema = tfdv.infer_schema(stats["train"])
    schema_ref = ArtifactRef(type="Schema", uri=str(root / "schema"), mlmd_id=2)
    tfdv_io.write_schema(schema, schema_ref)

    checked = tfdv_io.load_schema(schema_ref)  # as ExampleValidator does: drift vs the previous span
    tfdv.get_feature(checked, "company").drift_comparator.infinity_norm.threshold = 0.1
    anomalies_ref = ArtifactRef(type="ExampleAnomalies", uri=str(root / "anomalies"), mlmd_id=3)
    anomalies = {
        split: tfdv.validate_statistics(stats[split], checked, previous_statistics=stats["train"])
        for split in stats
    }
    for split, proto in anomalies.items():
        tfdv_io.write_anomalies(proto, anomalies_ref, split)
    return DataValidation(frames, stats, schema, anomalies, statistics_ref, schema_ref, anomalies_ref)


@dataclass
class Evaluation:
    evaluation: ArtifactRef
    blessing: ArtifactRef


#: Bad candidate against the good baseline: ExampleCount >= 1 holds, BinaryAccuracy >= 0.3 fails
#: (the bad model ranks backwards), AUC may not drop by more than 0.05 (it drops by ~0.9).
EVAL_CONFIG = {
    "model_specs": [{"label_key": "label"}],
    "slicing_specs": [{}, {"feature_keys": ["trip_start_hour"]}],
    "metrics_specs": [
        {
            "metrics": [
                {
                    "class_name": "ExampleCount",
                    "threshold": {"value_threshold": {"lower_bound": {"value": 1}}},
                },
                {
                    "class_name": "AUC",
                    "threshold": {
                        "change_threshold": {"absolute": {"value": -0.05}, "direction": "HIGHER_IS_BETTER"}
                    },
                },
                {
                    "class_name": "BinaryAccuracy",
                    "threshold": {"value_threshold": {"lower_bound": {"value": 0.3}}},
                },
            ]
        }
    ],
}


@pytest.fixture(scope="session")
def evaluation(tmp_path_factory: pytest.TempPathFactory) -> Evaluation:
    from airflow_tfx_provider.components.evaluator import EvaluatorSpec
    from tests.unit.components.conftest import _run_component, _write_examples
    from tests.unit.components.evaluator import fixtures as fx

    root = tmp_path_factory.mktemp("evaluation")
    rows = fx.make_rows(200)
    examples = _write_examples(root / "examples", {"eval": rows}, mlmd_id=11)
    good = ArtifactRef(type="Model", uri=str(root / "good"), mlmd_id=21)
    bad = ArtifactRef(type="Model", uri=str(root / "bad"), mlmd_id=22)
    model = fx.train(rows)
    fx.export(model, Path(good.uri))
    fx.export(fx.reversed_model(model), Path(bad.uri))
    out = _run_component(
        EvaluatorSpec,
        root,
        {"examples": examples, "model": bad, "baseline_model": good},
        eval_config=json.dumps(EVAL_CONFIG),
    )
    return Evaluation(out["evaluation"], out["blessing"])


@dataclass
class KerasRun:
    run_dir: Path
    history: dict[str, list[float]]


@pytest.fixture(scope="session")
def keras_run(tmp_path_factory: pytest.TempPathFactory) -> KerasRun:
    import numpy as np
    import tensorflow as tf

    run_dir = tmp_path_factory.mktemp("model_run")
    tf.keras.utils.set_random_seed(3)
    x = np.linspace(-1.0, 1.0, 32, dtype=np.float32).reshape(-1, 1)
    y = (x > 0).astype(np.float32)
    model = tf.keras.Sequential([tf.keras.Input(shape=(1,)), tf.keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=tf.keras.optimizers.Adam(0.1), loss="binary_crossentropy", run_eagerly=True)
    history = model.fit(
        x,
        y,
        validation_data=(x[::2], y[::2]),
        epochs=4,
        batch_size=16,
        verbose=0,
        callbacks=[tf.keras.callbacks.TensorBoard(log_dir=str(run_dir), update_freq="epoch")],
    )
    return KerasRun(run_dir, {k: [float(v) for v in vs] for k, vs in history.history.items()})
