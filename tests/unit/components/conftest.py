"""Shared fixtures for component tests: tiny Examples artifacts and a way to run a component spec."""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

# Must be set before TensorFlow is imported (see DESIGN.md, "Known frictions").
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from airflow_tfx_provider.components._artifacts import examples as example_io
from airflow_tfx_provider.components.spec import ComponentSpec, ExecutionInfo
from airflow_tfx_provider.types import ArtifactRef

Row = Mapping[str, int | float | str | None]
COMPANIES = ("alpha", "beta", "gamma")


def clean_row(i: int) -> dict[str, Any]:
    """Row ``i`` of the clean data set: an int, a float and a string feature."""
    return {"trips": i % 7, "fare": 5.0 + (i % 10) * 1.25, "company": COMPANIES[i % 3]}


def clean_splits() -> dict[str, list[dict[str, Any]]]:
    """60 examples: 40 in train, 20 in eval, from the same distribution."""
    rows = [clean_row(i) for i in range(60)]
    return {"train": rows[:40], "eval": rows[40:]}


def _example(row: Row) -> bytes:
    import tensorflow as tf

    features = {}
    for name, value in row.items():
        if value is None:
            continue
        if isinstance(value, int):
            features[name] = tf.train.Feature(int64_list=tf.train.Int64List(value=[int(value)]))
        elif isinstance(value, float):
            features[name] = tf.train.Feature(float_list=tf.train.FloatList(value=[value]))
        else:
            features[name] = tf.train.Feature(bytes_list=tf.train.BytesList(value=[str(value).encode()]))
    return tf.train.Example(features=tf.train.Features(feature=features)).SerializeToString()


_ids = itertools.count(1)


def _write_examples(
    uri: Path, splits: Mapping[str, Sequence[Row]], *, span: int = 3, mlmd_id: int | None = None
) -> ArtifactRef:
    import tensorflow as tf

    ref = ArtifactRef(
        type="Examples",
        uri=str(uri),
        mlmd_id=mlmd_id if mlmd_id is not None else next(_ids),
        properties={"span": span, "version": 0, "split_names": json.dumps(list(splits))},
    )
    for split, rows in splits.items():
        split_dir = ref.split_uri(split)
        os.makedirs(split_dir, exist_ok=True)
        with tf.io.TFRecordWriter(example_io.shard_path(split_dir), options="GZIP") as writer:
            for row in rows:
                writer.write(_example(row))
    return ref


WriteExamples = Callable[..., ArtifactRef]
RunComponent = Callable[..., dict[str, ArtifactRef]]


@pytest.fixture(scope="session")
def write_examples() -> WriteExamples:
    """``write_examples(uri, {split: [row, ...]}, span=3)``: an Examples artifact in TFX's layout."""
    return _write_examples


def _run_component(
    spec: ComponentSpec,
    root: Path,
    inputs: Mapping[str, ArtifactRef | list[ArtifactRef] | None] | None = None,
    **params: Any,
) -> dict[str, ArtifactRef]:
    resolved = spec.resolve_parameters(params, where=f"test {spec.name}")
    if spec.validate_parameters is not None:
        spec.validate_parameters(resolved)
    run_dir = root / f"{spec.default_id}-{next(_ids)}"
    outputs = {}
    for key, out in spec.outputs.items():
        (run_dir / key).mkdir(parents=True)
        outputs[key] = [ArtifactRef(type=out.type.name, uri=str(run_dir / key), mlmd_id=next(_ids))]
    given = {
        key: list(ref) if isinstance(ref, list) else [ref]
        for key, ref in (inputs or {}).items()
        if ref is not None
    }
    spec.load_executor()(given, outputs, resolved, ExecutionInfo(component_id=spec.default_id))
    return {key: refs[0] for key, refs in outputs.items()}


@pytest.fixture(scope="session")
def run_component() -> RunComponent:
    """``run_component(spec, root, {input: ref or [refs]}, **params)`` -> {output key: ref}."""
    return _run_component


@pytest.fixture(scope="session")
def make_clean_splits() -> Callable[[], dict[str, list[dict[str, Any]]]]:
    """``make_clean_splits()``: a fresh copy of the clean rows by split (to modify in a test)."""
    return clean_splits


@pytest.fixture
def examples(tmp_path: Path) -> ArtifactRef:
    """The clean Examples artifact (train 40 / eval 20, span 3) in ``tmp_path``."""
    return _write_examples(tmp_path / "examples", clean_splits())


@pytest.fixture(scope="module")
def module_examples(tmp_path_factory: pytest.TempPathFactory) -> ArtifactRef:
    """The clean Examples artifact, shared by one test module."""
    return _write_examples(tmp_path_factory.mktemp("examples"), clean_splits())
