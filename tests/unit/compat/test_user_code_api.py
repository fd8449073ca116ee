"""The TFX user-code API (``airflow_tfx_provider.compat``): names, aliases, data factories, keras-tuner."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys

import pytest

from airflow_tfx_provider import compat as tfx
from airflow_tfx_provider.compat import DataAccessor, FnArgs, TunerFnResult
from tests.conftest import REPO
from tests.unit.components._fixtures.training import SCHEMA_TEXT, tiny_rows, write_schema
from tests.unit.components.conftest import _write_examples

# FnArgs's fields in TFX 1.x (tfx/components/trainer/fn_args_utils.py), in order.
TFX_FN_ARGS_FIELDS = [
    "working_dir", "train_files", "eval_files", "train_steps", "eval_steps", "schema_path", "schema_file",
    "transform_graph_path", "transform_output", "data_accessor", "serving_model_dir", "eval_model_dir",
    "model_run_dir", "base_model", "hyperparameters", "custom_config",
]  # fmt: skip


def test_importing_compat_loads_no_tensorflow():
    probe = (
        "import sys, json; from airflow_tfx_provider import compat as tfx; tfx.components.FnArgs(); "
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('tensorflow', 'tf_keras', 'keras', 'keras_tuner', 'tfx_bsl', 'pyarrow'))))"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []


def test_fn_args_has_tfx_field_names_and_aliases():
    assert [f.name for f in dataclasses.fields(FnArgs)] == TFX_FN_ARGS_FIELDS
    args = FnArgs(schema_path="/s/schema.pbtxt", transform_graph_path="/t")
    assert args.schema_file == "/s/schema.pbtxt" and args.transform_output == "/t"
    old_style = FnArgs(schema_file="/s/schema.pbtxt", transform_output="/t")
    assert old_style.schema_path == "/s/schema.pbtxt" and old_style.transform_graph_path == "/t"
    assert FnArgs().hyperparameters is None and FnArgs().custom_config is None
    args.train_steps = 7  # mutable, like TFX's attrs class
    assert args.train_steps == 7


def test_tfx_style_namespaces():
    assert tfx.components.FnArgs is FnArgs
    assert tfx.components.DataAccessor is DataAccessor
    assert tfx.components.TunerFnResult is TunerFnResult
    result = tfx.components.TunerFnResult(tuner="t", fit_kwargs={"epochs": 1})
    tuner, fit_kwargs = result
    assert (tuner, fit_kwargs) == ("t", {"epochs": 1}) and result._fields == ("tuner", "fit_kwargs")
    assert DataAccessor._fields == ("tf_dataset_factory", "record_batch_factory", "data_view_decode_fn")
    accessor = tfx.make_data_accessor()
    assert accessor.tf_dataset_factory is tfx.tf_dataset_factory and accessor.data_view_decode_fn is None


@pytest.fixture(scope="module")
def tiny_data(tmp_path_factory):
    root = tmp_path_factory.mktemp("compat")
    examples = _write_examples(root / "examples", {"train": tiny_rows(23)})
    schema = write_schema(root / "schema")
    return examples, schema


def test_parse_pbtxt_file(tiny_data):
    from tensorflow_metadata.proto.v0 import schema_pb2

    _, schema_ref = tiny_data
    schema = tfx.utils.parse_pbtxt_file(f"{schema_ref.uri}/schema.pbtxt", schema_pb2.Schema())
    assert [f.name for f in schema.feature] == ["x", "label"]


def test_tf_dataset_factory_reads_gzipped_records_with_label_and_batch_size(tiny_data):
    from google.protobuf import text_format
    from tensorflow_metadata.proto.v0 import schema_pb2
    from tfx_bsl.public import tfxio

    examples, _ = tiny_data
    schema = text_format.Parse(SCHEMA_TEXT, schema_pb2.Schema())
    pattern = f"{examples.split_uri('train')}/*.gz"
    options = tfxio.TensorFlowDatasetOptions(batch_size=5, label_key="label", num_epochs=1, shuffle=False)
    batches = list(tfx.tf_dataset_factory([pattern], options, schema))
    assert [len(labels) for _, labels in batches] == [5, 5, 5, 5, 3]
    features, labels = batches[0]
    assert sorted(features) == ["x"] and features["x"].shape == (5, 1)
    expected = tiny_rows(23)
    assert features["x"].numpy()[:, 0].tolist() == pytest.approx([r["x"] for r in expected[:5]])
    assert labels.numpy()[:, 0].tolist() == [r["label"] for r in expected[:5]]

    # A single pattern string works too; without num_epochs the dataset repeats (TFX's default).
    repeating = tfx.tf_dataset_factory(pattern, tfxio.TensorFlowDatasetOptions(batch_size=10), schema)
    assert sum(1 for _ in repeating.take(5)) == 5
    # The record batch factory reads the same rows.
    batches_rb = list(
        tfx.record_batch_factory(pattern, tfxio.RecordBatchesOptions(batch_size=10, num_epochs=1), schema)
    )
    assert sum(b.num_rows for b in batches_rb) == 23


def test_tf_dataset_factory_without_schema_says_what_to_pass(tiny_data):
    from tfx_bsl.public import tfxio

    examples, _ = tiny_data
    with pytest.raises(ValueError, match="needs a schema"):
        tfx.tf_dataset_factory(f"{examples.split_uri('train')}/*.gz", tfxio.TensorFlowDatasetOptions(4), None)


def test_import_keras_tuner_binds_to_tf_keras_even_after_a_keras3_import(monkeypatch):
    import tf_keras

    monkeypatch.setenv("TF_USE_LEGACY_KERAS", "1")
    for name in [n for n in sys.modules if n.split(".")[0] in ("keras_tuner", "kerastuner")]:
        del sys.modules[name]
    import keras_tuner as plain  # binds to Keras 3, as keras-tuner 1.4.8 does on its own

    assert plain.src.backend.config.multi_backend()
    keras_before = sys.modules.get("keras")

    kt = tfx.import_keras_tuner()  # leaves the process with keras-tuner bound to tf_keras
    assert kt is not plain
    assert not kt.src.backend.config.multi_backend()
    assert kt.src.backend.keras.Model is tf_keras.Model
    assert sys.modules.get("keras") is keras_before  # the swap is undone
    assert tfx.import_keras_tuner() is kt  # idempotent
    assert kt.HyperParameters.from_config(kt.HyperParameters().get_config()).values == {}


def test_autograph_leaves_tf_keras_alone():
    from tensorflow.python.autograph.core import config

    tfx.exclude_tf_keras_from_autograph()
    assert not tfx.exclude_tf_keras_from_autograph()  # idempotent
    assert sum(getattr(r, "_prefix", None) == "tf_keras" for r in config.CONVERSION_RULES) == 1
