"""Training curves read from real event files: tf.summary, Keras' TensorBoard callback, and a
TF1-style ``simple_value`` written by TensorBoard's own writer."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from airflow_tfx_provider.ui.data import _files
from airflow_tfx_provider.ui.data import training as tr
from tests.unit.ui.conftest import KerasRun

LOSS = [1.0, 0.5, 0.25, 0.125, 0.0625]
ACCURACY = [0.5, 0.75, 0.875]


@pytest.fixture(scope="module")
def summary_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import numpy as np
    import tensorflow as tf
    from tensorboard.compat.proto import event_pb2, summary_pb2
    from tensorboard.summary.writer.event_file_writer import EventFileWriter

    root = tmp_path_factory.mktemp("summaries")
    train = tf.summary.create_file_writer(str(root / "train"))
    with train.as_default():
        for step, loss in enumerate(LOSS):
            tf.summary.scalar("loss", loss, step=step)
            tf.summary.histogram("weights", np.arange(4.0) * step, step=step)  # not a scalar: left out
        tf.summary.text("notes", "a text summary", step=0)  # a string: left out
        tf.summary.scalar("loss", 0.03125, step=4)  # step 4 again: the later value wins
    train.close()
    validation = tf.summary.create_file_writer(str(root / "validation"))
    with validation.as_default():
        for step, accuracy in enumerate(ACCURACY):
            tf.summary.scalar("accuracy", tf.constant(accuracy, dtype=tf.float64), step=step * 2)
    validation.close()
    legacy = EventFileWriter(str(root))
    legacy.add_event(
        event_pb2.Event(
            step=7,
            wall_time=1.0,
            summary=summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag="lr", simple_value=0.5)]),
        )
    )
    legacy.close()
    return root


def test_scalars_from_tf_summary(summary_dir: Path) -> None:
    scalars = tr.read_scalars(str(summary_dir))
    assert sorted(scalars) == ["accuracy", "loss", "lr"]
    loss = scalars["loss"]["train"]
    assert loss.steps == [0, 1, 2, 3, 4]
    assert loss.values == pytest.approx([*LOSS[:4], 0.03125])
    accuracy = scalars["accuracy"]["validation"]
    assert (accuracy.steps, accuracy.values) == ([0, 2, 4], ACCURACY)  # float64: exact
    assert (scalars["lr"][tr.ROOT_RUN].steps, scalars["lr"][tr.ROOT_RUN].values) == ([7], [0.5])
    assert list(tr.event_files(str(summary_dir))) == [tr.ROOT_RUN, "train", "validation"]


def test_keras_tensorboard_callback(keras_run: KerasRun) -> None:
    scalars = tr.read_scalars(str(keras_run.run_dir))
    assert sorted(scalars["epoch_loss"]) == ["train", "validation"]
    train, validation = scalars["epoch_loss"]["train"], scalars["epoch_loss"]["validation"]
    assert train.steps == validation.steps == [0, 1, 2, 3]
    assert train.values == pytest.approx(keras_run.history["loss"], rel=1e-6)
    assert validation.values == pytest.approx(keras_run.history["val_loss"], rel=1e-6)
    assert train.values[-1] < train.values[0]  # it learned
    chart = tr.chart_series(scalars["epoch_loss"])
    assert chart["train"] == [(float(p.step), p.value) for p in train.points]


def test_truncated_file_reads_the_complete_records(summary_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "run"
    shutil.copytree(summary_dir / "train", copy / "train")
    (events,) = (copy / "train").iterdir()
    events.write_bytes(events.read_bytes()[:-5])  # the last record cut short, as while writing
    loss = tr.read_scalars(str(copy))["loss"]["train"]
    assert loss.steps == [0, 1, 2, 3, 4] and loss.values[-1] == pytest.approx(LOSS[-1])


def test_empty_and_missing_run_dir(tmp_path: Path) -> None:
    assert tr.read_scalars(str(tmp_path)) == {}
    with pytest.raises(_files.ArtifactDataMissing):
        tr.read_scalars(str(tmp_path / "nowhere"))


def test_tensor_scalars_of_every_numeric_dtype() -> None:
    import struct

    from tensorboard.compat.proto import tensor_pb2, tensor_shape_pb2

    half = struct.unpack("<H", struct.pack("<e", 1.5))[0]
    cases = [
        (tensor_pb2.TensorProto(dtype=1, float_val=[0.25]), 0.25),
        (tensor_pb2.TensorProto(dtype=2, tensor_content=struct.pack("<d", 2.5)), 2.5),
        (tensor_pb2.TensorProto(dtype=3, int_val=[7]), 7.0),
        (tensor_pb2.TensorProto(dtype=9, int64_val=[8]), 8.0),
        (tensor_pb2.TensorProto(dtype=19, half_val=[half]), 1.5),
        (tensor_pb2.TensorProto(dtype=7, string_val=[b"x"]), None),  # a string
        (tensor_pb2.TensorProto(dtype=1, float_val=[1.0, 2.0]), None),  # not a scalar
    ]
    vector = tensor_pb2.TensorProto(dtype=1, float_val=[1.0, 2.0])
    vector.tensor_shape.CopyFrom(
        tensor_shape_pb2.TensorShapeProto(dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=2)])
    )
    cases.append((vector, None))
    assert [tr.tensor_scalar(t) for t, _ in cases] == [expected for _, expected in cases]
