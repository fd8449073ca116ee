"""Training curves for the UI: the scalar summaries in the TensorBoard event files of a ModelRun.

``run_fn`` writes TensorBoard logs into ``fn_args.model_run_dir`` (the ModelRun artifact); Keras'
TensorBoard callback puts them in ``train/`` and ``validation/`` (tags ``epoch_loss``,
``epoch_<metric>``, ...). Each folder holding ``events.out.tfevents.*`` files is one run.

The files are TFRecords of ``Event`` protos. They are parsed here with ``_files.iter_tfrecords``
and TensorBoard's proto classes: TensorBoard's own loaders (``event_accumulator``,
``event_file_loader``) use ``tensorboard.compat.tf``, which imports TensorFlow when installed.
Scalars come as ``simple_value`` (TF1) or as a scalar tensor (``tf.summary.scalar`` in TF2).
"""

from __future__ import annotations

import os
import posixpath
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from airflow_tfx_provider.ui.data import _files

EVENT_FILE_MARK = "tfevents"
ROOT_RUN = "."

#: TensorFlow ``DataType`` -> (``TensorProto`` field, struct format of ``tensor_content``)
_DTYPES: dict[int, tuple[str, str]] = {
    1: ("float_val", "<f"),  # DT_FLOAT
    2: ("double_val", "<d"),  # DT_DOUBLE
    3: ("int_val", "<i"),  # DT_INT32
    9: ("int64_val", "<q"),  # DT_INT64
    19: ("half_val", "<e"),  # DT_HALF (half_val holds the raw 16 bits)
}


@dataclass(frozen=True)
class Point:
    step: int
    value: float
    wall_time: float


@dataclass(frozen=True)
class Series:
    tag: str
    run: str
    points: tuple[Point, ...]

    @property
    def steps(self) -> list[int]:
        return [p.step for p in self.points]

    @property
    def values(self) -> list[float]:
        return [p.value for p in self.points]


def event_files(run_dir: str) -> dict[str, list[str]]:
    """run (folder relative to ``run_dir``, ``.`` for itself) -> its event files, oldest first."""
    runs: dict[str, list[str]] = {}
    for rel in _files.walk_files(run_dir):
        name = os.path.basename(rel)
        if EVENT_FILE_MARK not in name:
            continue
        folder = os.path.dirname(rel) or ROOT_RUN
        runs.setdefault(folder.replace(os.sep, "/"), []).append(rel)
    return {run: sorted(files) for run, files in sorted(runs.items())}


def tensor_scalar(tensor: Any) -> float | None:
    """The value of a scalar numeric ``TensorProto`` (None for anything else)."""
    if tensor.tensor_shape.dim and any(d.size != 1 for d in tensor.tensor_shape.dim):
        return None
    if tensor.dtype not in _DTYPES:
        return None
    field, fmt = _DTYPES[tensor.dtype]
    if tensor.tensor_content:
        if len(tensor.tensor_content) != struct.calcsize(fmt):
            return None
        return float(struct.unpack(fmt, tensor.tensor_content)[0])
    values = getattr(tensor, field)
    if len(values) != 1:
        return None
    if field == "half_val":
        return float(struct.unpack("<e", struct.pack("<H", values[0]))[0])
    return float(values[0])


def summary_scalar(value: Any) -> float | None:
    kind = value.WhichOneof("value")
    if kind == "simple_value":
        return float(value.simple_value)
    if kind == "tensor":
        return tensor_scalar(value.tensor)
    return None


def scalars_of_events(records: list[bytes]) -> dict[str, list[Point]]:
    """tag -> points of the scalar summaries in serialized ``Event`` records (in file order)."""
    from tensorboard.compat.proto import event_pb2

    found: dict[str, list[Point]] = {}
    for record in records:
        event = event_pb2.Event.FromString(record)
        if not event.HasField("summary"):
            continue
        for value in event.summary.value:
            number = summary_scalar(value)
            if number is not None:
                found.setdefault(value.tag, []).append(Point(int(event.step), number, float(event.wall_time)))
    return found


def _merge(points: list[Point]) -> tuple[Point, ...]:
    """By step; where a step repeats (a restarted run), the value written last wins."""
    by_step: dict[int, Point] = {}
    for point in sorted(points, key=lambda p: p.wall_time):
        by_step[point.step] = point
    return tuple(by_step[s] for s in sorted(by_step))


def read_scalars(run_dir: str) -> dict[str, dict[str, Series]]:
    """tag -> run -> series, for every scalar in the event files under ``run_dir``.

    ``ArtifactDataMissing`` if ``run_dir`` is not a folder; ``{}`` if it holds no event file.
    A record cut short at the end of a file (training still running) is left out.
    """
    if not _files.isdir(run_dir):
        raise _files.ArtifactDataMissing(f"model run folder {run_dir} does not exist")
    collected: dict[str, dict[str, list[Point]]] = {}
    for run, files in event_files(run_dir).items():
        for rel in files:
            path = _files.join(run_dir, *rel.split(posixpath.sep))
            records = list(_files.iter_tfrecords(_files.read_bytes(path, "events"), path))
            for tag, points in scalars_of_events(records).items():
                collected.setdefault(tag, {}).setdefault(run, []).extend(points)
    return {
        tag: {run: Series(tag, run, _merge(points)) for run, points in sorted(runs.items())}
        for tag, runs in sorted(collected.items())
    }


def chart_series(by_run: Mapping[str, Series]) -> dict[str, list[tuple[float, float]]]:
    """One tag's series as ``svg.line_chart`` takes them: run -> [(step, value), ...]."""
    return {run: [(float(p.step), p.value) for p in series.points] for run, series in by_run.items()}
