"""Transform executor on real TFT/Beam (FnApiRunner) and tiny data.

The expensive runs are module-scoped fixtures shared by several tests: one full run
(``first_run``), a second run fed the first run's analyzer cache with ``materialize=False``
(``cached_run``), and the taxi module file on 500 rows of the taxi CSV (``taxi_run``).
"""

from __future__ import annotations

import glob
import importlib.util
import json
import logging
import math
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from airflow_tfx_provider.components._artifacts import data_validation as tfdv_io
from airflow_tfx_provider.components._artifacts import examples as example_io
from airflow_tfx_provider.components._user_code.module_file import UserFunction
from airflow_tfx_provider.components.example_gen import CsvExampleGenSpec
from airflow_tfx_provider.components.schema_gen import SchemaGenSpec
from airflow_tfx_provider.components.statistics_gen import StatisticsGenSpec
from airflow_tfx_provider.components.transform import TransformSpec
from airflow_tfx_provider.components.transform import graph_layout as transform_io
from airflow_tfx_provider.components.transform.executor import (
    PreprocessingFn,
    load_preprocessing_fn,
    pickle_module_file_by_value,
    resolve_splits,
)
from airflow_tfx_provider.components.transform.parameters import validate_parameters
from airflow_tfx_provider.exceptions import InvalidInputDataError, PipelineDefinitionError, UserCodeError
from tests.conftest import REPO
from tests.unit.components.transform.fixtures import (
    PREPROCESSING_MODULE,
    by_row,
    raw_row,
    raw_splits,
    read_examples,
    split_records,
    write_schema,
    write_text,
)

TAXI_MODULE = REPO / "dags" / "taxi_module" / "preprocessing.py"
TAXI_CSV = REPO / "dags" / "data" / "taxi" / "data.csv"
CUSTOM_CONFIG = {"scale": 2.0}


@contextmanager
def captured_logs() -> Iterator[list[str]]:
    """INFO messages of the provider's loggers (for module-scoped fixtures, where caplog is unavailable)."""
    messages: list[str] = []

    class _Handler(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            messages.append(record.getMessage())

    logger = logging.getLogger("airflow_tfx_provider")
    handler, level = _Handler(logging.INFO), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield messages
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def _files(folder: str) -> list[str]:
    return sorted(os.path.relpath(os.path.join(d, f), folder) for d, _, fs in os.walk(folder) for f in fs)


# --- shared runs ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory, write_examples: Any) -> SimpleNamespace:
    root = tmp_path_factory.mktemp("transform")
    return SimpleNamespace(
        root=root,
        examples=write_examples(root / "examples", raw_splits(), span=7),
        schema=write_schema(root / "schema"),
        module_file=write_text(root / "module" / "prep.py", PREPROCESSING_MODULE),
    )


@pytest.fixture(scope="module")
def first_run(data: SimpleNamespace, run_component: Any) -> SimpleNamespace:
    with captured_logs() as logs:
        out = run_component(
            TransformSpec,
            data.root / "first",
            {"examples": data.examples, "schema": data.schema},
            module_file=data.module_file,
            custom_config=CUSTOM_CONFIG,
        )
    return SimpleNamespace(out=out, logs=logs)


@pytest.fixture(scope="module")
def cached_run(data: SimpleNamespace, first_run: SimpleNamespace, run_component: Any) -> SimpleNamespace:
    with captured_logs() as logs:
        out = run_component(
            TransformSpec,
            data.root / "second",
            {
                "examples": data.examples,
                "schema": data.schema,
                "analyzer_cache": first_run.out["updated_analyzer_cache"],
            },
            module_file=data.module_file,
            custom_config=CUSTOM_CONFIG,
            materialize=False,
        )
    return SimpleNamespace(out=out, logs=logs)


def _load_file(path: str | Path, name: str) -> Any:
    """Import a Python file as a module, independently of the provider's loader."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _direct_tft(data: SimpleNamespace, folder: Path) -> dict[str, list[dict[str, list[Any]]]]:
    """TFT alone on the same files: AnalyzeAndTransformDataset on train, TransformDataset on eval."""
    import apache_beam as beam
    import tensorflow_transform.beam as tft_beam
    from apache_beam.options.pipeline_options import PipelineOptions
    from tfx_bsl.public import tfxio

    user_fn = _load_file(data.module_file, "transform_test_reference_module").preprocessing_fn

    def preprocessing_fn(inputs: dict[str, Any]) -> dict[str, Any]:
        return user_fn(inputs, dict(CUSTOM_CONFIG))

    schema = tfdv_io.load_schema(data.schema)
    sources = {
        split: tfxio.TFExampleRecord(example_io.split_file_pattern(data.examples, split), schema=schema)
        for split in ("train", "eval")
    }
    options = PipelineOptions(["--runner=FnApiRunner"])
    with beam.Pipeline(options=options) as pipeline, tft_beam.Context(temp_dir=str(folder / "tmp")):
        train = pipeline | "ReadTrain" >> sources["train"].BeamSource()
        train_out, transform_fn = (
            train,
            sources["train"].TensorAdapterConfig(),
        ) | tft_beam.AnalyzeAndTransformDataset(preprocessing_fn)
        evaluation = pipeline | "ReadEval" >> sources["eval"].BeamSource()
        eval_out = (
            (evaluation, sources["eval"].TensorAdapterConfig()),
            transform_fn,
        ) | tft_beam.TransformDataset()
        for split, dataset in (("train", train_out), ("eval", eval_out)):
            _ = (
                dataset
                | f"Encode[{split}]" >> tft_beam.EncodeTransformedDataset()
                | f"Write[{split}]"
                >> beam.io.WriteToTFRecord(str(folder / split), file_name_suffix=".tfrecord")
            )
    return {
        split: read_examples(sorted(glob.glob(str(folder / f"{split}-*.tfrecord"))), gzip=False)
        for split in ("train", "eval")
    }


def _assert_rows_equal(ours: dict[int, Any], theirs: dict[int, Any]) -> None:
    assert ours.keys() == theirs.keys()
    for row_id, row in ours.items():
        assert row.keys() == theirs[row_id].keys(), row_id
        for name, values in row.items():
            assert values == pytest.approx(theirs[row_id][name], rel=1e-6, abs=1e-6), (row_id, name)


# --- (1) equal to TFT applied directly, and to hand-computed values -------------------------------
def test_materialized_examples_equal_direct_tft(
    data: SimpleNamespace, first_run: SimpleNamespace, tmp_path: Path
) -> None:
    out = first_run.out["transformed_examples"]
    reference = _direct_tft(data, tmp_path)
    splits = raw_splits()
    for split in ("train", "eval"):
        ours = by_row(read_examples(split_records(out, split)))
        assert set(ours) == {r["row"] for r in splits[split]}
        _assert_rows_equal(ours, by_row(reference[split]))


def test_values_match_hand_computed_analyzers(data: SimpleNamespace, first_run: SimpleNamespace) -> None:
    graph = first_run.out["transform_graph"]
    train = raw_splits()["train"]
    fares = [r["fare"] for r in train]
    mean = sum(fares) / len(fares)
    std = math.sqrt(sum((f - mean) ** 2 for f in fares) / len(fares))

    # vocabulary: the train split's values, most frequent first; TFT leaves out "" (missing),
    # which thus lands in the OOV bucket (id len(vocab))
    counts: dict[str, int] = {}
    for r in train:
        if r["company"]:
            counts[r["company"]] = counts.get(r["company"], 0) + 1
    lines = Path(transform_io.transform_fn_dir(graph), "assets", "company").read_text().split("\n")
    assert lines[-1] == ""  # one value per line
    vocab = lines[:-1]
    assert sorted(vocab) == sorted(counts)
    assert [counts[v] for v in vocab] == sorted(counts.values(), reverse=True)

    rows = raw_splits()
    for split in ("train", "eval"):
        raw = {r["row"]: r for r in rows[split]}
        for row_id, got in by_row(
            read_examples(split_records(first_run.out["transformed_examples"], split))
        ).items():
            assert got["fare_z"] == pytest.approx([(raw[row_id]["fare"] - mean) / std], rel=1e-5)
            company = raw[row_id]["company"]
            assert got["company_id"] == [vocab.index(company) if company else len(vocab)]
            # (4) custom_config reached preprocessing_fn(inputs, custom_config)
            assert got["trips_scaled"] == pytest.approx([raw[row_id]["trips"] * CUSTOM_CONFIG["scale"]])


def test_several_spans_are_analyzed_and_transformed_together(
    data: SimpleNamespace, run_component: Any, write_examples: Any
) -> None:
    """A span range (TFX's SpanRangeStrategy) gives Transform several Examples artifacts: the
    analyzers see every span's analyze split, and each transform split holds every span's rows."""
    rows = [raw_row(i) for i in range(60, 120)]
    later = write_examples(data.root / "examples-span8", {"train": rows[:40], "eval": rows[40:]}, span=8)
    with captured_logs() as logs:
        out = run_component(
            TransformSpec, data.root / "spans", {"examples": [data.examples, later], "schema": data.schema},
            module_file=data.module_file, custom_config=CUSTOM_CONFIG,
        )  # fmt: skip
    transformed = out["transformed_examples"]
    assert transformed.properties["span"] == 8 and json.loads(str(transformed.properties["spans"])) == [7, 8]
    fares = [r["fare"] for r in [*raw_splits()["train"], *rows[:40]]]
    mean = sum(fares) / len(fares)
    std = math.sqrt(sum((f - mean) ** 2 for f in fares) / len(fares))
    raw = {r["row"]: r for r in [*raw_splits()["train"], *raw_splits()["eval"], *rows]}
    for split, expected in (("train", 80), ("eval", 40)):
        got = by_row(read_examples(split_records(transformed, split)))
        assert len(got) == expected
        for row_id, values in got.items():
            assert values["fare_z"] == pytest.approx([(raw[row_id]["fare"] - mean) / std], rel=1e-5)
    assert any("span 7" in m and "span 8" in m for m in logs)


# --- (2) the transform graph reproduces the materialized values -----------------------------------
def test_transform_graph_layout_and_tf_transform_output(
    data: SimpleNamespace, first_run: SimpleNamespace
) -> None:
    import tensorflow as tf
    import tensorflow_transform as tft

    graph = first_run.out["transform_graph"]
    assert {"transform_fn", "transformed_metadata", "metadata"} <= set(os.listdir(graph.uri))
    output = tft.TFTransformOutput(graph.uri)
    assert output.transformed_feature_spec() == {
        "row": tf.io.FixedLenFeature([], tf.int64),
        "fare_z": tf.io.FixedLenFeature([], tf.float32),
        "company_id": tf.io.FixedLenFeature([], tf.int64),
        "trips_scaled": tf.io.FixedLenFeature([], tf.float32),
    }
    assert set(output.raw_feature_spec()) == {"row", "fare", "trips", "company"}  # from metadata/

    examples = first_run.out["transformed_examples"]
    assert examples.split_names == ["train", "eval"]
    assert examples.properties["span"] == 7 and examples.properties["version"] == 0
    for split in ("train", "eval"):
        names = os.listdir(examples.split_uri(split))
        assert names and all(n.startswith("transformed_examples-") and n.endswith(".gz") for n in names)

        records = [r.numpy() for r in tf.data.TFRecordDataset(split_records(data.examples, split), "GZIP")]
        raw = tf.io.parse_example(tf.constant(records), output.raw_feature_spec())
        transformed = {k: v.numpy().tolist() for k, v in output.transform_raw_features(raw).items()}
        recomputed = by_row([{k: [v[i]] for k, v in transformed.items()} for i in range(len(records))])
        _assert_rows_equal(by_row(read_examples(split_records(examples, split))), recomputed)

    logs = "\n".join(first_run.logs)
    assert "analyzing split(s) ['train'], transforming ['train', 'eval']" in logs
    assert "split 'train': wrote 40 transformed example(s)" in logs
    assert "split 'eval': wrote 20 transformed example(s)" in logs
    # statistics are off by default: their outputs stay empty (and are not published)
    for key in (
        "pre_transform_schema",
        "pre_transform_stats",
        "post_transform_schema",
        "post_transform_stats",
    ):
        assert _files(first_run.out[key].uri) == []


# --- (3) materialize=False and (5) the analyzer cache ---------------------------------------------
def test_materialize_false_leaves_transformed_examples_empty(cached_run: SimpleNamespace) -> None:
    out = cached_run.out["transformed_examples"]
    assert _files(out.uri) == []
    assert "split_names" not in out.properties
    assert any("transformed_examples is left empty" in m for m in cached_run.logs)


def test_analyzer_cache_second_run_gives_the_same_transform_fn(
    data: SimpleNamespace, first_run: SimpleNamespace, cached_run: SimpleNamespace
) -> None:
    import tensorflow as tf
    import tensorflow_transform as tft

    cache = first_run.out["updated_analyzer_cache"]
    (key_dir,) = os.listdir(cache.uri)
    assert key_dir == transform_io.dataset_key_name([data.examples], "train")
    assert "MANIFEST" in os.listdir(os.path.join(cache.uri, key_dir))
    logs = "\n".join(cached_run.logs)
    assert "split(s) ['train'] fully served from it" in logs

    first, second = first_run.out["transform_graph"], cached_run.out["transform_graph"]
    vocab = ("assets", "company")
    assert (
        Path(transform_io.transform_fn_dir(first), *vocab).read_text()
        == Path(transform_io.transform_fn_dir(second), *vocab).read_text()
    )
    records = [r.numpy() for r in tf.data.TFRecordDataset(split_records(data.examples, "eval"), "GZIP")]
    results = []
    for graph in (first, second):
        output = tft.TFTransformOutput(graph.uri)
        raw = tf.io.parse_example(tf.constant(records), output.raw_feature_spec())
        results.append({k: v.numpy().tolist() for k, v in output.transform_raw_features(raw).items()})
    assert results[0].keys() == results[1].keys()
    for name in results[0]:
        assert results[0][name] == pytest.approx(results[1][name]), name
    # the second run's cache carries the first one's entries over
    assert _files(cached_run.out["updated_analyzer_cache"].uri) == _files(cache.uri)


# --- (4) custom_config binding (no TF needed) -----------------------------------------------------
def _fn(func: Any, config: dict[str, Any] | None) -> PreprocessingFn:
    return PreprocessingFn(UserFunction(func, "preprocessing_fn", "/m.py"), config)


def test_custom_config_is_passed_only_when_the_signature_takes_it() -> None:
    def one(inputs: Any) -> dict[str, Any]:
        return {"seen": None}

    def named(inputs: Any, custom_config: Any) -> dict[str, Any]:
        return {"seen": custom_config}

    def keyword_only(inputs: Any, *, custom_config: Any = None) -> dict[str, Any]:
        return {"seen": custom_config}

    def positional(inputs: Any, config: Any) -> dict[str, Any]:
        return {"seen": config}

    def optional_other(inputs: Any, other: int = 5) -> dict[str, Any]:
        return {"seen": other}

    assert _fn(one, {"a": 1})({})["seen"] is None
    assert _fn(named, {"a": 1})({})["seen"] == {"a": 1}
    assert _fn(named, None)({})["seen"] == {}  # TFX passes {} when unset
    assert _fn(keyword_only, {"a": 1})({})["seen"] == {"a": 1}
    assert _fn(positional, {"a": 1})({})["seen"] == {"a": 1}
    assert _fn(optional_other, {"a": 1})({})["seen"] == 5


def test_preprocessing_fn_from_dotted_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_text(tmp_path / "prep_pkg" / "__init__.py", "")
    write_text(tmp_path / "prep_pkg" / "steps.py", "def preprocessing_fn(inputs):\n    return dict(inputs)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    fn = load_preprocessing_fn({"module_file": None, "preprocessing_fn": "prep_pkg.steps.preprocessing_fn"})
    assert fn({"x": 1}) == {"x": 1}
    assert fn.where == "preprocessing_fn in prep_pkg.steps"


def test_module_file_functions_unpickle_where_the_module_cannot_be_imported(tmp_path: Path) -> None:
    """Beam worker processes (multi_processing, remote runners) get the module file by value."""
    import sys

    from apache_beam.internal import pickler

    write_text(tmp_path / "transform_mp_helpers.py", "def scale(x):\n    return 3 * x\n")
    module_file = write_text(
        tmp_path / "transform_mp_prep.py",
        "from transform_mp_helpers import scale\n\ndef preprocessing_fn(inputs):\n"
        "    return {'y': scale(inputs['x'])}\n",
    )
    fn = load_preprocessing_fn({"module_file": module_file, "custom_config": None})
    registered = pickle_module_file_by_value(module_file, fn.user_fn)
    assert "transform_mp_helpers" in registered and fn.user_fn.func.__module__ in registered
    data = pickler.dumps(fn)
    hidden = {name: sys.modules.pop(name) for name in registered}  # as in a fresh worker process
    try:
        assert pickler.loads(data)({"x": 2}) == {"y": 6}
    finally:
        sys.modules.update(hidden)


# --- (6) bad input --------------------------------------------------------------------------------
def _run_module(
    data: SimpleNamespace, run_component: Any, root: Path, source: str | None, **params: Any
) -> Any:
    if source is not None:
        params.setdefault("module_file", write_text(root / "bad_module.py", source))
    return run_component(TransformSpec, root, {"examples": data.examples, "schema": data.schema}, **params)


def test_missing_module_file(data: SimpleNamespace, run_component: Any, tmp_path: Path) -> None:
    missing = str(tmp_path / "nope.py")
    with pytest.raises(UserCodeError, match=f"module file {missing} does not exist"):
        _run_module(data, run_component, tmp_path, None, module_file=missing)


def test_module_file_with_syntax_error(data: SimpleNamespace, run_component: Any, tmp_path: Path) -> None:
    with pytest.raises(UserCodeError, match=r"bad_module.py has a syntax error at line 2"):
        _run_module(data, run_component, tmp_path, "def preprocessing_fn(inputs):\n    return {\n")


def test_module_file_without_preprocessing_fn(
    data: SimpleNamespace, run_component: Any, tmp_path: Path
) -> None:
    with pytest.raises(
        UserCodeError, match=r"bad_module.py defines no function 'preprocessing_fn'.*'other_fn'"
    ):
        _run_module(data, run_component, tmp_path, "def other_fn(inputs):\n    return inputs\n")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("raise ValueError('boom in user code')", r"raised ValueError: boom in user code"),
        ("return {'x': inputs['no_such_feature']}", r"raised KeyError: 'no_such_feature'"),
        ("return [inputs['fare']]", r"must return a dict of feature name -> Tensor.*got list"),
        ("return {}", r"returned an empty dict"),
    ],
    ids=["raises", "unknown-feature", "returns-list", "returns-empty"],
)
def test_preprocessing_fn_errors_name_file_and_function(
    data: SimpleNamespace, run_component: Any, tmp_path: Path, body: str, message: str
) -> None:
    source = f"def preprocessing_fn(inputs):\n    {body}\n"
    with pytest.raises(UserCodeError, match=message) as info:
        _run_module(data, run_component, tmp_path, source)
    assert "preprocessing_fn" in str(info.value) and str(tmp_path / "bad_module.py") in str(info.value)
    (graph_dir,) = glob.glob(str(tmp_path / "transform-*" / "transform_graph"))
    assert _files(graph_dir) == []


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (  # TFT raises inside the user's function
            "import tensorflow_transform as tft\n\ndef preprocessing_fn(inputs):\n"
            "    return {'z': tft.scale_to_z_score(inputs['company'])}  # a string feature\n",
            r"preprocessing_fn in .*bad_module.py raised TypeError: Tensor type tf.string is not supported",
        ),
        (  # TF/TFT reject the output after the user's function returned
            "def preprocessing_fn(inputs):\n    return {'z': object()}\n",
            r"tracing preprocessing_fn in .*bad_module.py failed: TypeError: .*not a Tensor",
        ),
    ],
    ids=["inside-user-code", "after-return"],
)
def test_errors_raised_by_tft_while_tracing_are_user_code_errors(
    data: SimpleNamespace, run_component: Any, tmp_path: Path, source: str, message: str
) -> None:
    with pytest.raises(UserCodeError, match=message):
        _run_module(data, run_component, tmp_path, source)


def test_splits_config_naming_an_unknown_split(
    data: SimpleNamespace, run_component: Any, tmp_path: Path
) -> None:
    with pytest.raises(
        InvalidInputDataError, match=r"names split\(s\) \['test'\].*it has \['train', 'eval'\]"
    ):
        _run_module(
            data,
            run_component,
            tmp_path,
            PREPROCESSING_MODULE,
            splits_config={"analyze": ["train"], "transform": ["eval", "test"]},
        )


def test_schema_that_cannot_decode_the_examples(
    data: SimpleNamespace, run_component: Any, tmp_path: Path
) -> None:
    schema = write_schema(
        tmp_path / "schema", 'feature { name: "fare" type: FLOAT shape { dim { size: 1 } } }'
    )
    with pytest.raises(
        InvalidInputDataError, match=r"schema .*schema.pbtxt cannot decode the examples.*fare"
    ):
        run_component(
            TransformSpec,
            tmp_path,
            {"examples": data.examples, "schema": schema},
            module_file=data.module_file,
        )


def test_resolve_splits(data: SimpleNamespace) -> None:
    assert resolve_splits([data.examples], None) == (["train"], ["train", "eval"])
    assert resolve_splits([data.examples], {"analyze": ["train", "eval"]}) == (
        ["train", "eval"],
        ["train", "eval"],
    )
    assert resolve_splits([data.examples], {"analyze": ["eval"], "transform": []}) == (["eval"], [])
    with pytest.raises(InvalidInputDataError, match=r"default splits_config.*\['train'\]"):
        resolve_splits(
            [data.examples.__class__(type="Examples", uri="/x", properties={"split_names": '["a"]'})], None
        )


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "not neither"),
        ({"module_file": "/m.py", "preprocessing_fn": "a.b.preprocessing_fn"}, "not both"),
        ({"preprocessing_fn": "no_dots"}, "dotted path"),
        ({"module_file": 3}, "module_file must be a str"),
        ({"module_file": "/m.py", "custom_config": [1]}, "custom_config must be a dict"),
        ({"module_file": "/m.py", "custom_config": {"f": object()}}, "JSON-serializable"),
        ({"module_file": "/m.py", "splits_config": ["train"]}, "splits_config must be None or a dict"),
        (
            {"module_file": "/m.py", "splits_config": {"analyse": ["train"]}},
            r"unknown key\(s\) \['analyse'\]",
        ),
        ({"module_file": "/m.py", "splits_config": {"analyze": []}}, "analyze cannot be empty"),
        ({"module_file": "/m.py", "splits_config": {"analyze": ["a", "a"]}}, r"names \['a'\] more than once"),
        (
            {"module_file": "/m.py", "splits_config": {"analyze": ["a"], "transform": "b"}},
            "list of split names",
        ),
        (
            {"module_file": "/m.py", "splits_config": {"analyze": ["a"], "transform": []}},
            "nothing to materialize",
        ),
        ({"module_file": "/m.py", "materialize": "yes"}, "materialize must be a bool"),
    ],
)
def test_validate_parameters(params: dict[str, Any], message: str) -> None:
    full = TransformSpec.resolve_parameters(params, where="test")
    with pytest.raises(PipelineDefinitionError, match=message):
        validate_parameters(full)


def test_defaults_validate() -> None:
    params = TransformSpec.resolve_parameters({"module_file": "/m.py"}, where="test")
    validate_parameters(params)
    assert params["materialize"] is True and params["disable_statistics"] is True
    assert TransformSpec.name == "Transform" and TransformSpec.default_id == "transform"


# --- (7) the taxi module file on 500 rows of the taxi data ----------------------------------------
TAXI_FEATURES = {
    **{f"{k}_xf": "float32" for k in ("trip_miles", "fare", "trip_seconds")},
    **{
        f"{k}_xf": "int64"
        for k in (
            "pickup_latitude",
            "pickup_longitude",
            "dropoff_latitude",
            "dropoff_longitude",
            "trip_start_hour",
            "trip_start_day",
            "trip_start_month",
            "payment_type",
            "company",
            "tips",
        )
    },
}


@pytest.fixture(scope="module")
def taxi_run(tmp_path_factory: pytest.TempPathFactory, run_component: Any) -> SimpleNamespace:
    root = tmp_path_factory.mktemp("taxi")
    (root / "csv").mkdir()
    with open(TAXI_CSV) as source, open(root / "csv" / "data.csv", "w") as target:
        for i, line in enumerate(source):
            if i > 500:
                break
            target.write(line)
    examples = run_component(CsvExampleGenSpec, root, input_base=str(root / "csv"))["examples"]
    statistics = run_component(StatisticsGenSpec, root, {"examples": examples})["statistics"]
    schema = run_component(SchemaGenSpec, root, {"statistics": statistics})["schema"]
    out = run_component(
        TransformSpec,
        root,
        {"examples": examples, "schema": schema},
        module_file=str(TAXI_MODULE),
        disable_statistics=False,
    )
    return SimpleNamespace(examples=examples, out=out)


@pytest.mark.slow
def test_taxi_preprocessing_produces_the_documented_features(taxi_run: SimpleNamespace) -> None:
    import tensorflow as tf
    import tensorflow_transform as tft

    features = _load_file(TAXI_MODULE.parent / "features.py", "transform_test_taxi_features")
    output = tft.TFTransformOutput(taxi_run.out["transform_graph"].uri)
    assert output.transformed_feature_spec() == {
        name: tf.io.FixedLenFeature([], tf.as_dtype(dtype)) for name, dtype in TAXI_FEATURES.items()
    }

    for split in ("train", "eval"):
        rows = read_examples(split_records(taxi_run.out["transformed_examples"], split))
        raw = read_examples(split_records(taxi_run.examples, split))
        assert len(rows) == len(raw) > 100
        assert all(set(r) == set(TAXI_FEATURES) and all(len(v) == 1 for v in r.values()) for r in rows)
        column = {name: [r[name][0] for r in rows] for name in TAXI_FEATURES}
        for key in features.BUCKET_FEATURE_KEYS:
            assert set(column[f"{key}_xf"]) <= set(range(features.FEATURE_BUCKET_COUNT))
        assert len(set(column["pickup_latitude_xf"])) > 5
        for key in features.VOCAB_FEATURE_KEYS:
            assert set(column[f"{key}_xf"]) <= set(range(features.VOCAB_SIZE + features.OOV_SIZE))
        for key, top in zip(
            features.CATEGORICAL_FEATURE_KEYS, features.CATEGORICAL_FEATURE_MAX_VALUES, strict=True
        ):
            assert set(column[f"{key}_xf"]) <= set(range(top + 1))
        # the label: tips > 0.2 * fare, counted on the raw examples of the same split
        f32 = np.float32
        big_tips = sum(1 for r in raw if f32((r["tips"] or [0])[0]) > f32(0.2) * f32((r["fare"] or [0])[0]))
        assert sorted(column["tips_xf"]) == [0] * (len(raw) - big_tips) + [1] * big_tips
        if split == "train":  # z-scores over the analyzed split
            fares = column["fare_xf"]
            mean = sum(fares) / len(fares)
            assert mean == pytest.approx(0.0, abs=1e-4)
            assert math.sqrt(sum((f - mean) ** 2 for f in fares) / len(fares)) == pytest.approx(1.0, rel=1e-3)


@pytest.mark.slow
def test_taxi_statistics_and_schemas(taxi_run: SimpleNamespace) -> None:
    out = taxi_run.out
    assert out["pre_transform_stats"].split_names == ["train"]
    assert out["post_transform_stats"].split_names == ["train", "eval"]
    pre = tfdv_io.load_statistics(out["pre_transform_stats"], "train").datasets[0]
    post = tfdv_io.load_statistics(out["post_transform_stats"], "eval").datasets[0]
    assert {".".join(f.path.step) for f in post.features} == set(TAXI_FEATURES)
    assert {"fare", "tips", "company"} <= {".".join(f.path.step) for f in pre.features}
    assert pre.num_examples == len(read_examples(split_records(taxi_run.examples, "train")))
    assert {f.name for f in tfdv_io.load_schema(out["post_transform_schema"]).feature} == set(TAXI_FEATURES)
    assert "company" in {f.name for f in tfdv_io.load_schema(out["pre_transform_schema"]).feature}
