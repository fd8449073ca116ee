"""ExampleGen executor and spec: real pyarrow / tfx-bsl / TensorFlow on tiny data in tmp_path."""

from __future__ import annotations

import datetime as dt
import glob
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from airflow_tfx_provider.components.example_gen import CsvExampleGenSpec, ImportExampleGenSpec
from airflow_tfx_provider.components.example_gen.executor import input_fingerprint, resolve_input
from airflow_tfx_provider.components.example_gen.executor import run as run_executor
from airflow_tfx_provider.components.example_gen.parameters import validate_parameters
from airflow_tfx_provider.components.spec import ExecutionInfo
from airflow_tfx_provider.exceptions import InvalidInputDataError, PipelineDefinitionError
from airflow_tfx_provider.types import EXAMPLES, ArtifactRef
from tests.conftest import REPO

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

TAXI_CSV = REPO / "dags" / "data" / "taxi" / "data.csv"
EPOCH = dt.date(1970, 1, 1)


# --------------------------------------------------------------------------------------------- helpers


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def csv_rows(n: int, start: int = 0, tag: str = "x") -> str:
    lines = ["id,value,name"]
    lines += [f"{i},{i * 0.5},{tag}{i}" for i in range(start, start + n)]
    return "\n".join(lines) + "\n"


def params(spec: Any = CsvExampleGenSpec, **given: Any) -> dict[str, Any]:
    return spec.resolve_parameters(given, where="test")


def run(
    tmp_path: Path,
    spec: Any = CsvExampleGenSpec,
    info: ExecutionInfo | None = None,
    out: str = "out",
    **given: Any,
) -> ArtifactRef:
    ref = ArtifactRef(type="Examples", uri=str(tmp_path / out))
    run_executor({}, {"examples": [ref]}, params(spec, **given), info or ExecutionInfo())
    return ref


def read_split(ref: ArtifactRef, split: str) -> list[Any]:
    import tensorflow as tf

    files = sorted(glob.glob(os.path.join(ref.split_uri(split), "*.gz")))
    assert files, f"no record files in {ref.split_uri(split)}"
    dataset = tf.data.TFRecordDataset(files, compression_type="GZIP")
    return [tf.train.Example.FromString(r) for r in dataset.as_numpy_iterator()]


def feature(example: Any, name: str) -> tuple[str | None, list[Any]]:
    """(kind, values) of one feature; kind None = present without values. KeyError if absent."""
    if name not in example.features.feature:
        raise KeyError(name)
    f = example.features.feature[name]
    kind = f.WhichOneof("kind")
    return kind, (list(getattr(f, kind).value) if kind else [])


def ids(examples: list[Any], name: str = "id") -> list[int]:
    return sorted(feature(e, name)[1][0] for e in examples)


def all_ids(ref: ArtifactRef) -> list[int]:
    """Ids over every split of the artifact (a single input split is hash-split 2:1 by default)."""
    return sorted(i for split in ref.split_names for i in ids(read_split(ref, split)))


def interval(day: dt.date) -> ExecutionInfo:
    start = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
    return ExecutionInfo(
        logical_date=start, data_interval_start=start, data_interval_end=start + dt.timedelta(days=1)
    )


ALL_IN_ONE = {"split_config": {"splits": [{"name": "all", "hash_buckets": 1}]}}


# --------------------------------------------------------------------------------------------- spec


def test_specs_declare_tfx_names_and_defaults() -> None:
    for spec, name, fmt in (
        (CsvExampleGenSpec, "CsvExampleGen", "csv"),
        (ImportExampleGenSpec, "ImportExampleGen", "tfrecord"),
    ):
        assert spec.name == name
        assert spec.default_id == "example_gen"
        assert dict(spec.inputs) == {}
        assert list(spec.outputs) == ["examples"] and spec.outputs["examples"].type is EXAMPLES
        assert spec.load_executor() is run_executor
        assert spec.load_input_fingerprint() is input_fingerprint
        assert spec.parameters["input_base"].required
        assert spec.parameters["input_format"].default == fmt
        assert spec.parameters["span_from_data_interval"].default is True
        for key in ("input_config", "output_config", "range_config"):
            assert spec.parameters[key].default is None


def test_module_import_is_cheap() -> None:
    code = (
        "import sys, airflow_tfx_provider.components.example_gen\n"
        "heavy = ('tensorflow', 'pyarrow', 'apache_beam', 'tfx_bsl', 'airflow')\n"
        "heavy = [m for m in heavy if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


@pytest.mark.parametrize(
    ("given", "message"),
    [
        (
            {"input_config": {"splits": [{"name": "tr ain", "pattern": "*"}]}},
            "split name 'tr ain' is not valid",
        ),
        ({"input_config": {"splits": [{"name": "", "pattern": "*"}]}}, "split name '' is not valid"),
        (
            {"input_config": {"splits": [{"name": "a", "pattern": "a/*"}, {"name": "a", "pattern": "b/*"}]}},
            "duplicate split name(s) ['a']",
        ),
        ({"input_config": {"splits": []}}, "non-empty list 'splits'"),
        ({"input_config": {"splits": [{"name": "a"}]}}, "'pattern' must be a non-empty string"),
        ({"input_config": {"split": []}}, "unknown key(s) ['split']"),
        (
            {"output_config": {"split_config": {"splits": [{"name": "train", "hash_buckets": 0}]}}},
            "hash_buckets must be a positive integer, got 0",
        ),
        (
            {
                "output_config": {
                    "split_config": {
                        "splits": [{"name": "t", "hash_buckets": 1}, {"name": "t", "hash_buckets": 2}]
                    }
                }
            },
            "duplicate split name(s) ['t']",
        ),
        (
            {"output_config": {"split_config": {"splits": [{"name": "a/b", "hash_buckets": 1}]}}},
            "split name 'a/b' is not valid",
        ),
        (
            {
                "input_config": {
                    "splits": [{"name": "train", "pattern": "t/*"}, {"name": "eval", "pattern": "e/*"}]
                },
                "output_config": ALL_IN_ONE,
            },
            "give one or the other",
        ),
        (
            {
                "input_config": {"splits": [{"name": "a", "pattern": "{SPAN}/*"}]},
                "range_config": {"static_range": {"start_span_number": 1, "end_span_number": 2}},
            },
            "must select one span",
        ),
        (
            {"range_config": {"static_range": {"start_span_number": 1, "end_span_number": 1}}},
            "has neither {SPAN} nor a date",
        ),
        ({"input_config": {"splits": [{"name": "a", "pattern": "{YYYY}{DD}/*"}]}}, "must come together"),
        ({"input_config": {"splits": [{"name": "a", "pattern": "{MM}{DD}/*"}]}}, "must come together"),
        ({"input_config": {"splits": [{"name": "a", "pattern": "{SPAN}/{YYYY}{MM}{DD}"}]}}, "not both"),
        ({"input_config": {"splits": [{"name": "a", "pattern": "v{VERSION}/*"}]}}, "{VERSION} needs {SPAN}"),
        ({"input_config": {"splits": [{"name": "a", "pattern": "{SPAN}/{SPAN}"}]}}, "more than once"),
        (
            {
                "input_config": {
                    "splits": [{"name": "a", "pattern": "{SPAN}/*"}, {"name": "b", "pattern": "b/*"}]
                }
            },
            "same placeholders",
        ),
        ({"input_format": "xml"}, "input_format must be one of"),
        ({"input_base": ""}, "input_base must be a non-empty string"),
    ],
)
def test_validate_parameters_rejects_bad_configs(given: dict[str, Any], message: str) -> None:
    values = {"input_base": "/data", "input_format": "csv", **given}
    with pytest.raises(PipelineDefinitionError) as err:
        validate_parameters(params(CsvExampleGenSpec, **values))
    assert message in str(err.value)


def test_spec_validators_check_the_format_and_executor_validates(tmp_path: Path) -> None:
    assert CsvExampleGenSpec.validate_parameters is not None
    assert ImportExampleGenSpec.validate_parameters is not None
    CsvExampleGenSpec.validate_parameters(params(input_base="/data"))
    with pytest.raises(PipelineDefinitionError, match="input_format"):
        CsvExampleGenSpec.validate_parameters(params(input_base="/data", input_format="parquet"))
    ImportExampleGenSpec.validate_parameters(
        params(ImportExampleGenSpec, input_base="/data", input_format="parquet")
    )
    with pytest.raises(PipelineDefinitionError, match="input_format"):
        ImportExampleGenSpec.validate_parameters(
            params(ImportExampleGenSpec, input_base="/d", input_format="csv")
        )
    write(tmp_path / "in" / "a.csv", csv_rows(3))
    bad = {"split_config": {"splits": [{"name": "train", "hash_buckets": 0}]}}
    with pytest.raises(PipelineDefinitionError, match="hash_buckets"):
        run(tmp_path, input_base=str(tmp_path / "in"), output_config=bad)


# --------------------------------------------------------------------------------------------- CSV


def test_csv_round_trip_types_and_empty_values(tmp_path: Path) -> None:
    write(
        tmp_path / "in" / "data.csv",
        "i,f,mixed,s,empty_int,all_empty,big\n"
        '1,1.5,1,"hello, world",7,,1\n'
        "-2,2,2.5,b,,,99999999999999999999\n"
        "3,nan, 3 ,,-4,,2\n",
    )
    ref = run(tmp_path, input_base=str(tmp_path / "in"), output_config=ALL_IN_ONE)
    assert ref.split_names == ["all"]
    files = glob.glob(os.path.join(ref.split_uri("all"), "*.gz"))
    assert [os.path.basename(f) for f in files] == ["data_tfrecord-00000-of-00001.gz"]
    rows = sorted(read_split(ref, "all"), key=lambda e: feature(e, "i")[1][0])
    assert [feature(e, "i") for e in rows] == [("int64_list", [-2]), ("int64_list", [1]), ("int64_list", [3])]
    kinds_f, values_f = zip(*(feature(e, "f") for e in rows), strict=True)
    assert set(kinds_f) == {"float_list"}
    assert values_f[0] == [2.0] and values_f[1] == [1.5] and values_f[2][0] != values_f[2][0]  # nan
    assert [feature(e, "mixed") for e in rows] == [
        ("float_list", [2.5]),
        ("float_list", [1.0]),
        ("float_list", [3.0]),
    ]
    # an empty cell is an empty list of the column's kind, as in TFX's CsvExampleGen
    assert [feature(e, "s") for e in rows] == [
        ("bytes_list", [b"b"]),
        ("bytes_list", [b"hello, world"]),
        ("bytes_list", []),
    ]
    assert [feature(e, "empty_int") for e in rows] == [
        ("int64_list", []),
        ("int64_list", [7]),
        ("int64_list", [-4]),
    ]
    # a column with no value at all has no kind: tf.train.Feature(), as in TFX
    assert [feature(e, "all_empty") for e in rows] == [(None, [])] * 3
    # an integer beyond int64 makes the column BYTES, as in TFX
    assert [feature(e, "big") for e in rows] == [
        ("bytes_list", [b"99999999999999999999"]),
        ("bytes_list", [b"1"]),
        ("bytes_list", [b"2"]),
    ]
    assert ref.properties["span"] == 0 and ref.properties["version"] == 0
    assert "data.csv" in str(ref.properties["input_fingerprint"])


def test_type_inference_uses_every_block_and_file_of_the_split(tmp_path: Path) -> None:
    # 60k integer rows, then one float in a second file: the column must be FLOAT everywhere
    big = "a,b\n" + "".join(f"{i},{i}\n" for i in range(60_000))
    write(tmp_path / "in" / "1.csv", big)
    write(tmp_path / "in" / "2.csv", "a,b\n0.5,text\n")
    ref = run(tmp_path, input_base=str(tmp_path / "in"), output_config=ALL_IN_ONE)
    rows = read_split(ref, "all")
    assert len(rows) == 60_001
    assert {feature(e, "a")[0] for e in rows} == {"float_list"}
    assert {feature(e, "b")[0] for e in rows} == {"bytes_list"}


def test_empty_cells_keep_the_column_kind_in_a_split_where_the_column_is_always_empty(
    tmp_path: Path,
) -> None:
    # Regression (TFX's taxi example, pickup_census_tract): with the default 2:1 hash split, the
    # only values of tract/fare/name land in train. Kinds are inferred over the whole input, as TFX
    # does before hash-splitting, so eval's empty cells must be empty lists of that kind, not
    # kind-less features (which TFDV types STRING, SchemaGen deprecates, and Transform drops).
    lines = ["id,tract,fare,name,never"]
    lines += [f"{i},{1000 + i},{i}.5,n{i}," for i in range(3)]
    lines += [f"{i},,,," for i in range(3, 12)]
    write(tmp_path / "in" / "data.csv", "\n".join(lines) + "\n")
    ref = run(tmp_path, input_base=str(tmp_path / "in"))
    train, eval_ = read_split(ref, "train"), read_split(ref, "eval")
    assert ids(train) == [0, 1, 2, 6, 8, 9, 10] and ids(eval_) == [3, 4, 5, 7, 11]  # the data's premise
    for example in eval_:
        assert feature(example, "tract") == ("int64_list", [])
        assert feature(example, "fare") == ("float_list", [])
        assert feature(example, "name") == ("bytes_list", [])
        assert feature(example, "never") == (None, [])  # no value anywhere: no kind, as in TFX
    by_id = {feature(e, "id")[1][0]: e for e in train}
    assert feature(by_id[1], "tract") == ("int64_list", [1001])
    assert feature(by_id[1], "fare") == ("float_list", [1.5])
    assert feature(by_id[1], "name") == ("bytes_list", [b"n1"])
    assert feature(by_id[6], "tract") == ("int64_list", [])
    assert feature(by_id[6], "fare") == ("float_list", [])
    assert feature(by_id[6], "name") == ("bytes_list", [])
    assert all(feature(e, "never") == (None, []) for e in train)


def test_kinds_are_inferred_per_input_split_as_in_tfx(tmp_path: Path) -> None:
    # TFX's CsvExampleGen infers column types once per input split (each split's pattern is read by
    # its own _CsvToExample), so with input_config splits a column's kind can differ by split, and
    # a column empty in every row of one input split has no kind there.
    write(tmp_path / "in" / "train" / "t.csv", "id,a,b,c\n1,10,1,x\n2,,2,\n")
    write(tmp_path / "in" / "eval" / "e.csv", "id,a,b,c\n3,,0.5,\n4,,,y\n")
    config = {"splits": [{"name": "train", "pattern": "train/*"}, {"name": "eval", "pattern": "eval/*"}]}
    ref = run(tmp_path, input_base=str(tmp_path / "in"), input_config=config)
    train = sorted(read_split(ref, "train"), key=lambda e: feature(e, "id")[1][0])
    eval_ = sorted(read_split(ref, "eval"), key=lambda e: feature(e, "id")[1][0])
    assert [feature(e, "a") for e in train] == [("int64_list", [10]), ("int64_list", [])]
    assert [feature(e, "a") for e in eval_] == [(None, []), (None, [])]
    assert [feature(e, "b") for e in train] == [("int64_list", [1]), ("int64_list", [2])]
    assert [feature(e, "b") for e in eval_] == [("float_list", [0.5]), ("float_list", [])]
    assert [feature(e, "c") for e in train] == [("bytes_list", [b"x"]), ("bytes_list", [])]
    assert [feature(e, "c") for e in eval_] == [("bytes_list", []), ("bytes_list", [b"y"])]


def test_partition_feature_empty_in_every_row_is_rejected(tmp_path: Path) -> None:
    # Its features would have no kind set, which TFX's partitioning rejects too.
    write(tmp_path / "in" / "data.csv", "id,user\n1,\n2,\n")
    with pytest.raises(InvalidInputDataError, match="'user' is empty in every row"):
        run(tmp_path, input_base=str(tmp_path / "in"), output_config={"partition_feature_name": "user"})


def test_default_hash_split_is_two_to_one_and_deterministic(tmp_path: Path) -> None:
    write(tmp_path / "in" / "data.csv", csv_rows(600))
    first = run(tmp_path, input_base=str(tmp_path / "in"), out="one")
    second = run(tmp_path, input_base=str(tmp_path / "in"), out="two")
    assert first.split_names == ["train", "eval"]
    train, eval_ = ids(read_split(first, "train")), ids(read_split(first, "eval"))
    assert len(train) + len(eval_) == 600 and not set(train) & set(eval_)
    assert 340 <= len(train) <= 460
    assert ids(read_split(second, "train")) == train and ids(read_split(second, "eval")) == eval_


def test_custom_hash_buckets_and_partition_feature(tmp_path: Path) -> None:
    lines = ["user,item"] + [f"u{i % 20},{i}" for i in range(400)]
    write(tmp_path / "in" / "data.csv", "\n".join(lines) + "\n")
    config = {
        "split_config": {
            "splits": [
                {"name": "a", "hash_buckets": 1},
                {"name": "b", "hash_buckets": 1},
                {"name": "c", "hash_buckets": 2},
            ]
        },
        "partition_feature_name": "user",
    }
    ref = run(tmp_path, input_base=str(tmp_path / "in"), output_config=config)
    assert ref.split_names == ["a", "b", "c"]
    users = {s: {feature(e, "user")[1][0] for e in read_split(ref, s)} for s in ("a", "b", "c")}
    assert sum(len(u) for u in users.values()) == 20  # each user lands in exactly one split
    with pytest.raises(InvalidInputDataError, match="partition_feature_name 'nope' is not a column"):
        run(
            tmp_path,
            input_base=str(tmp_path / "in"),
            out="x",
            output_config={"partition_feature_name": "nope"},
        )


def test_input_config_splits(tmp_path: Path) -> None:
    write(tmp_path / "in" / "train" / "part1.csv", csv_rows(5))
    write(tmp_path / "in" / "train" / "part2.csv", csv_rows(5, start=5))
    write(tmp_path / "in" / "eval" / "e.csv", csv_rows(3, start=100))
    config = {
        "splits": [{"name": "train", "pattern": "train/*"}, {"name": "eval", "pattern": "./eval/*.csv"}]
    }
    ref = run(tmp_path, input_base=str(tmp_path / "in"), input_config=config)
    assert ref.split_names == ["train", "eval"]
    assert ids(read_split(ref, "train")) == list(range(10))
    assert ids(read_split(ref, "eval")) == [100, 101, 102]


def test_span_placeholder_takes_latest_span_or_range_config(tmp_path: Path) -> None:
    for span in (1, 2, 10):
        write(tmp_path / "in" / f"span-{span}" / "data.csv", csv_rows(2, start=span * 100))
    config = {"splits": [{"name": "all", "pattern": "span-{SPAN}/*"}]}
    ref = run(tmp_path, input_base=str(tmp_path / "in"), input_config=config, out="latest")
    assert ref.properties["span"] == 10 and ref.properties["version"] == 0
    assert all_ids(ref) == [1000, 1001]

    fixed = {"static_range": {"start_span_number": 2, "end_span_number": 2}}
    ref = run(tmp_path, input_base=str(tmp_path / "in"), input_config=config, range_config=fixed, out="two")
    assert ref.properties["span"] == 2
    assert all_ids(ref) == [200, 201]

    missing = {"static_range": {"start_span_number": 5, "end_span_number": 5}}
    with pytest.raises(InvalidInputDataError) as err:
        run(tmp_path, input_base=str(tmp_path / "in"), input_config=config, range_config=missing, out="x")
    assert "span 5" in str(err.value) and str(tmp_path / "in" / "span-5" / "*") in str(err.value)


def test_date_placeholders_from_data_interval_range_config_and_latest(tmp_path: Path) -> None:
    for day, start in (("20240101", 0), ("20240102", 10), ("20240105", 20)):
        write(tmp_path / "in" / day / "data.csv", csv_rows(2, start=start))
    config = {"splits": [{"name": "all", "pattern": "{YYYY}{MM}{DD}/*.csv"}]}
    base = str(tmp_path / "in")

    ref = run(tmp_path, info=interval(dt.date(2024, 1, 2)), input_base=base, input_config=config, out="a")
    assert ref.properties["span"] == (dt.date(2024, 1, 2) - EPOCH).days
    assert all_ids(ref) == [10, 11]

    jan1 = (dt.date(2024, 1, 1) - EPOCH).days
    by_range = {"static_range": {"start_span_number": jan1, "end_span_number": jan1}}
    ref = run(
        tmp_path,
        info=interval(dt.date(2024, 1, 2)),
        input_base=base,
        input_config=config,
        range_config=by_range,
        out="b",
    )
    assert ref.properties["span"] == jan1
    assert all_ids(ref) == [0, 1]

    ref = run(tmp_path, input_base=base, input_config=config, out="c")  # no data interval: latest date
    assert ref.properties["span"] == (dt.date(2024, 1, 5) - EPOCH).days

    ref = run(
        tmp_path,
        info=interval(dt.date(2024, 1, 2)),
        input_base=base,
        input_config=config,
        span_from_data_interval=False,
        out="d",
    )
    assert ref.properties["span"] == (dt.date(2024, 1, 5) - EPOCH).days

    with pytest.raises(InvalidInputDataError) as err:
        run(tmp_path, info=interval(dt.date(2024, 1, 3)), input_base=base, input_config=config, out="e")
    message = str(err.value)
    assert "2024-01-03" in message
    assert os.path.join(base, "{YYYY}{MM}{DD}/*.csv") in message
    assert os.path.join(base, "20240103/*.csv") in message


def test_version_placeholder_takes_latest_version_of_the_span(tmp_path: Path) -> None:
    write(tmp_path / "in" / "span-1" / "ver-1" / "d.csv", csv_rows(1, start=11))
    write(tmp_path / "in" / "span-1" / "ver-2" / "d.csv", csv_rows(1, start=12))
    write(tmp_path / "in" / "span-2" / "ver-1" / "d.csv", csv_rows(1, start=21))
    config = {"splits": [{"name": "all", "pattern": "span-{SPAN}/ver-{VERSION}/*"}]}
    ref = run(tmp_path, input_base=str(tmp_path / "in"), input_config=config, out="a")
    assert (ref.properties["span"], ref.properties["version"]) == (2, 1)
    assert all_ids(ref) == [21]
    one = {"static_range": {"start_span_number": 1, "end_span_number": 1}}
    ref = run(tmp_path, input_base=str(tmp_path / "in"), input_config=config, range_config=one, out="b")
    assert (ref.properties["span"], ref.properties["version"]) == (1, 2)
    assert all_ids(ref) == [12]


def test_splits_must_resolve_to_the_same_span(tmp_path: Path) -> None:
    write(tmp_path / "in" / "train" / "span-3" / "d.csv", csv_rows(1))
    write(tmp_path / "in" / "eval" / "span-2" / "d.csv", csv_rows(1))
    config = {
        "splits": [
            {"name": "train", "pattern": "train/span-{SPAN}/*"},
            {"name": "eval", "pattern": "eval/span-{SPAN}/*"},
        ]
    }
    with pytest.raises(InvalidInputDataError, match="different spans"):
        run(tmp_path, input_base=str(tmp_path / "in"), input_config=config)


def test_span_without_placeholders_comes_from_data_interval(tmp_path: Path) -> None:
    write(tmp_path / "in" / "data.csv", csv_rows(3))
    base = str(tmp_path / "in")
    day = dt.date(2024, 3, 1)
    assert (
        run(tmp_path, info=interval(day), input_base=base, out="a").properties["span"] == (day - EPOCH).days
    )
    assert run(tmp_path, input_base=base, out="b").properties["span"] == 0
    off = run(tmp_path, info=interval(day), input_base=base, span_from_data_interval=False, out="c")
    assert off.properties["span"] == 0
    # two data intervals over the same static file make two spans (backfill)
    other = run(tmp_path, info=interval(day + dt.timedelta(days=1)), input_base=base, out="d")
    assert other.properties["span"] == (day - EPOCH).days + 1


# --------------------------------------------------------------------------------------------- import


def _write_tfrecords(path: Path, ids_: range, gzip: bool) -> None:
    import tensorflow as tf

    path.parent.mkdir(parents=True, exist_ok=True)
    options = tf.io.TFRecordOptions(compression_type="GZIP" if gzip else "")
    with tf.io.TFRecordWriter(str(path), options) as writer:
        for i in ids_:
            example = tf.train.Example(
                features=tf.train.Features(
                    feature={
                        "id": tf.train.Feature(int64_list=tf.train.Int64List(value=[i])),
                        "tag": tf.train.Feature(bytes_list=tf.train.BytesList(value=[b"t", b"u"])),
                    }
                )
            )
            writer.write(example.SerializeToString())


def test_import_tfrecord_gzipped_and_plain(tmp_path: Path) -> None:
    _write_tfrecords(tmp_path / "in" / "train" / "a.tfrecord.gz", range(0, 30), gzip=True)
    _write_tfrecords(tmp_path / "in" / "train" / "b.tfrecord", range(30, 60), gzip=False)
    _write_tfrecords(tmp_path / "in" / "eval" / "c.tfrecord", range(60, 70), gzip=False)
    config = {"splits": [{"name": "train", "pattern": "train/*"}, {"name": "eval", "pattern": "eval/*"}]}
    ref = run(tmp_path, ImportExampleGenSpec, input_base=str(tmp_path / "in"), input_config=config)
    assert ref.split_names == ["train", "eval"]
    train = read_split(ref, "train")
    assert ids(train) == list(range(60))
    assert feature(train[0], "tag") == ("bytes_list", [b"t", b"u"])
    assert ids(read_split(ref, "eval")) == list(range(60, 70))

    # single input split: hash-split 2:1
    ref = run(tmp_path, ImportExampleGenSpec, input_base=str(tmp_path / "in" / "train"), out="hashed")
    assert sorted(ids(read_split(ref, "train")) + ids(read_split(ref, "eval"))) == list(range(60))


def test_import_tfrecord_bad_files(tmp_path: Path) -> None:
    write(tmp_path / "in" / "broken.gz", "this is not gzip")
    with pytest.raises(InvalidInputDataError, match=r"cannot read TFRecord file .*broken\.gz"):
        run(tmp_path, ImportExampleGenSpec, input_base=str(tmp_path / "in"))


def test_import_tfrecord_copies_missing_values_and_rejects_a_partition_feature_without_value(
    tmp_path: Path,
) -> None:
    import tensorflow as tf

    path = tmp_path / "in" / "data.tfrecord"
    path.parent.mkdir(parents=True)
    with tf.io.TFRecordWriter(str(path)) as writer:
        for i in range(4):
            example = tf.train.Example()
            example.features.feature["id"].int64_list.value.append(i)
            example.features.feature["user"].bytes_list.value.append(b"u%d" % (i % 2))
            example.features.feature["none"].CopyFrom(tf.train.Feature())
            example.features.feature["empty"].float_list.SetInParent()
            writer.write(example.SerializeToString())
    by_user = {"partition_feature_name": "user"}
    ref = run(tmp_path, ImportExampleGenSpec, input_base=str(path.parent), output_config=by_user)
    rows = read_split(ref, "train") + read_split(ref, "eval")
    assert sorted(ids(rows)) == [0, 1, 2, 3]
    assert {str(feature(e, "none")) for e in rows} == {"(None, [])"}  # copied as they are, as TFX
    assert {str(feature(e, "empty")) for e in rows} == {"('float_list', [])"}
    # TFX's partitioning fails on a partition feature with no kind set ("does not contain any value")
    with pytest.raises(InvalidInputDataError, match=r"record 0 has no value for feature 'none'"):
        run(
            tmp_path,
            ImportExampleGenSpec,
            input_base=str(path.parent),
            out="x",
            output_config={"partition_feature_name": "none"},
        )


def test_import_parquet(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    (tmp_path / "in").mkdir()
    table = pa.table(
        {
            "id": pa.array([1, 2, 3], pa.int32()),
            "score": pa.array([0.5, None, 2.0], pa.float64()),
            "name": pa.array(["a", "b", None]),
            "flag": pa.array([True, False, True]),
            "tags": pa.array([[1, 2], [], None], pa.list_(pa.int64())),
        }
    )
    pq.write_table(table, tmp_path / "in" / "part-0.parquet")
    ref = run(
        tmp_path,
        ImportExampleGenSpec,
        input_base=str(tmp_path / "in"),
        input_format="parquet",
        output_config=ALL_IN_ONE,
    )
    rows = sorted(read_split(ref, "all"), key=lambda e: feature(e, "id")[1][0])
    assert [feature(e, "id") for e in rows] == [("int64_list", [1]), ("int64_list", [2]), ("int64_list", [3])]
    assert [feature(e, "score") for e in rows] == [("float_list", [0.5]), (None, []), ("float_list", [2.0])]
    assert [feature(e, "name") for e in rows] == [("bytes_list", [b"a"]), ("bytes_list", [b"b"]), (None, [])]
    assert [feature(e, "flag") for e in rows] == [
        ("int64_list", [1]),
        ("int64_list", [0]),
        ("int64_list", [1]),
    ]
    assert feature(rows[0], "tags") == ("int64_list", [1, 2])
    assert feature(rows[1], "tags") == ("int64_list", [])
    assert feature(rows[2], "tags") == (None, [])


def test_import_parquet_null_typed_column_has_no_kind_and_agrees_with_other_files(tmp_path: Path) -> None:
    # pandas writes an all-None column as Arrow type null: TFX writes tf.train.Feature() for its
    # values and does not compare kinds across files, so the split must be accepted.
    import pyarrow as pa
    import pyarrow.parquet as pq

    (tmp_path / "in").mkdir()
    pq.write_table(
        pa.table({"id": [1, 2], "x": pa.nulls(2), "tags": pa.array([[], None], pa.list_(pa.null()))}),
        tmp_path / "in" / "a.parquet",
    )
    pq.write_table(
        pa.table({"id": [3], "x": pa.array([7], pa.int64()), "tags": pa.array([["t"]])}),
        tmp_path / "in" / "b.parquet",
    )
    ref = run(
        tmp_path,
        ImportExampleGenSpec,
        input_base=str(tmp_path / "in"),
        input_format="parquet",
        output_config=ALL_IN_ONE,
    )
    rows = sorted(read_split(ref, "all"), key=lambda e: feature(e, "id")[1][0])
    assert [feature(e, "x") for e in rows] == [(None, []), (None, []), ("int64_list", [7])]
    assert [feature(e, "tags") for e in rows] == [(None, []), (None, []), ("bytes_list", [b"t"])]


def test_import_parquet_keeps_falsy_values_and_rejects_nulls_inside_lists(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    (tmp_path / "in").mkdir()
    # TFX's dict_to_example tests values by truthiness (0, "" -> tf.train.Feature()); values are kept
    pq.write_table(pa.table({"id": [0, 1], "s": ["", "a"]}), tmp_path / "in" / "ok.parquet")
    ref = run(
        tmp_path,
        ImportExampleGenSpec,
        input_base=str(tmp_path / "in"),
        input_format="parquet",
        output_config=ALL_IN_ONE,
    )
    rows = sorted(read_split(ref, "all"), key=lambda e: feature(e, "id")[1][0])
    assert [feature(e, "id") for e in rows] == [("int64_list", [0]), ("int64_list", [1])]
    assert [feature(e, "s") for e in rows] == [("bytes_list", [b""]), ("bytes_list", [b"a"])]

    # a null inside a list was written as 0; TFX fails on it (Int64List(value=[1, None]))
    (tmp_path / "bad").mkdir()
    values = pa.array([[1, 2], [3, None, 5]], pa.list_(pa.int64()))
    pq.write_table(pa.table({"id": [0, 1], "v": values}), tmp_path / "bad" / "b.parquet")
    with pytest.raises(InvalidInputDataError, match=r"column 'v' .*row 1: a list holds a null value"):
        run(tmp_path, ImportExampleGenSpec, input_base=str(tmp_path / "bad"), input_format="parquet", out="x")


def test_import_parquet_rejects_a_null_partition_value(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    (tmp_path / "in").mkdir()
    pq.write_table(pa.table({"id": [0, 1, 2], "user": ["a", "b", None]}), tmp_path / "in" / "p.parquet")
    by_user = {"partition_feature_name": "user"}
    # TFX writes the null as tf.train.Feature(), which its partitioning rejects
    with pytest.raises(InvalidInputDataError, match=r"row 2 has no value for .*'user'"):
        run(
            tmp_path,
            ImportExampleGenSpec,
            input_base=str(tmp_path / "in"),
            input_format="parquet",
            output_config=by_user,
        )


def test_import_parquet_bad_files(tmp_path: Path) -> None:
    write(tmp_path / "in" / "x.parquet", "not parquet at all")
    with pytest.raises(InvalidInputDataError, match=r"cannot read Parquet file .*x\.parquet"):
        run(tmp_path, ImportExampleGenSpec, input_base=str(tmp_path / "in"), input_format="parquet")


# --------------------------------------------------------------------------------------------- bad input


def test_missing_input_base(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputDataError, match=r"input_base .*nowhere does not exist"):
        run(tmp_path, input_base=str(tmp_path / "nowhere"))


def test_no_file_matches_pattern(tmp_path: Path) -> None:
    write(tmp_path / "in" / "other" / "a.csv", csv_rows(1))
    config = {"splits": [{"name": "train", "pattern": "train/*.csv"}]}
    with pytest.raises(InvalidInputDataError) as err:
        run(tmp_path, input_base=str(tmp_path / "in"), input_config=config)
    assert f"no input file matches {tmp_path / 'in' / 'train' / '*.csv'}" in str(err.value)
    # a pattern matching only folders says so
    with pytest.raises(InvalidInputDataError, match="matches only folders"):
        run(
            tmp_path,
            input_base=str(tmp_path / "in"),
            input_config={"splits": [{"name": "a", "pattern": "other"}]},
        )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "is empty (0 bytes)"),
        ("a,b,c\n", "has a header but no data rows"),
        ("a,b,c", "has a header but no data rows"),
        ("a,b,c\n\n\n", "has a header but no data rows"),
        ("1,2,3\n4,5,6\n", "does not look like a header: field 1 ('1') is a number"),
        (",12.45,x\n,3,y\n", "does not look like a header: field 1 is empty"),
        ("a,b,a\n1,2,3\n", "field 3 ('a') is a duplicate"),
        ("a,b,c\n1,2,3\n4,5\n6,7,8\n", "line 3 has 2 field(s) but the header has 3"),
        ("a,b,c\n1,2,3\n4,5,6,7\n", "line 3 has 4 field(s) but the header has 3"),
    ],
)
def test_bad_csv_files(tmp_path: Path, content: str, message: str) -> None:
    path = write(tmp_path / "in" / "bad.csv", content)
    with pytest.raises(InvalidInputDataError) as err:
        run(tmp_path, input_base=str(tmp_path / "in"))
    assert message in str(err.value)
    assert str(path) in str(err.value)


def test_ragged_row_far_into_the_file_names_its_line(tmp_path: Path) -> None:
    body = "".join(f"{i},{i}\n" for i in range(50_000))
    write(tmp_path / "in" / "big.csv", "a,b\n" + body + "1,2,3\n")
    with pytest.raises(InvalidInputDataError, match=r"big\.csv: line 50002 has 3 field\(s\)"):
        run(tmp_path, input_base=str(tmp_path / "in"))


def test_csv_headers_must_agree_within_a_split(tmp_path: Path) -> None:
    write(tmp_path / "in" / "a.csv", "x,y\n1,2\n")
    write(tmp_path / "in" / "b.csv", "x,z\n1,2\n")
    with pytest.raises(InvalidInputDataError) as err:
        run(tmp_path, input_base=str(tmp_path / "in"))
    message = str(err.value)
    assert "different headers" in message and "a.csv" in message and "b.csv" in message


# --------------------------------------------------------------------------------------------- fingerprint


def test_input_fingerprint_follows_the_files(tmp_path: Path) -> None:
    path = write(tmp_path / "in" / "data.csv", csv_rows(3))
    given = params(input_base=str(tmp_path / "in"))
    info = ExecutionInfo()
    first = input_fingerprint(given, info)
    assert str(path) in first
    assert input_fingerprint(given, info) == first
    path.write_text(csv_rows(4))
    second = input_fingerprint(given, info)
    assert second != first
    # same size, new content: the mtime changes the fingerprint
    stat = path.stat()
    path.write_text(csv_rows(4, tag="y"))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert input_fingerprint(given, info) != second
    # a new span is picked up without any file change in the old one
    assert input_fingerprint(given, interval(dt.date(2024, 1, 1))) != input_fingerprint(given, info)
    # resolution failures are the executor's errors
    with pytest.raises(InvalidInputDataError, match="does not exist"):
        input_fingerprint(params(input_base=str(tmp_path / "gone")), info)
    resolved = resolve_input(given, info)
    assert [name for name, _ in resolved.splits] == ["single_split"]
    assert resolved.splits[0][1][0].path == str(path)


# --------------------------------------------------------------------------------------------- taxi


@pytest.mark.skipif(not TAXI_CSV.exists(), reason="taxi data not present")
def test_taxi_data(tmp_path: Path) -> None:
    ref = run(tmp_path, input_base=str(TAXI_CSV.parent))
    train, eval_ = read_split(ref, "train"), read_split(ref, "eval")
    assert len(train) + len(eval_) == 15002
    assert 0.6 < len(train) / 15002 < 0.73
    example = train[0]
    assert feature(example, "tips")[0] == "float_list"
    assert feature(example, "trip_start_hour")[0] == "int64_list"
    assert feature(example, "company")[0] in ("bytes_list", None)
    assert len(example.features.feature) == 18
    # Every column has a value somewhere in the input, so every feature of both splits has a kind;
    # pickup_census_tract has a single value, so one split has it empty in every row (TFX's taxi
    # module fails with KeyError: 'pickup_census_tract' when it is written without a kind).
    for rows in (train, eval_):
        assert all(f.WhichOneof("kind") for e in rows for f in e.features.feature.values())
        assert {feature(e, "pickup_census_tract")[0] for e in rows} == {"int64_list"}


def test_monthly_placeholders_read_the_month_of_the_data_interval(tmp_path: Path) -> None:
    for month, start in (("202401", 0), ("202402", 10), ("202404", 20)):
        write(tmp_path / "in" / month / "trips.csv", csv_rows(2, start=start))
    config = {"splits": [{"name": "all", "pattern": "{YYYY}{MM}/*.csv"}]}
    base = str(tmp_path / "in")

    # a data interval starting mid-month reads that month; the span is the 1st of the month
    ref = run(tmp_path, info=interval(dt.date(2024, 2, 17)), input_base=base, input_config=config, out="a")
    assert ref.properties["span"] == (dt.date(2024, 2, 1) - EPOCH).days
    assert all_ids(ref) == [10, 11]

    ref = run(tmp_path, input_base=base, input_config=config, out="b")  # no interval: the latest month
    assert ref.properties["span"] == (dt.date(2024, 4, 1) - EPOCH).days

    with pytest.raises(InvalidInputDataError) as err:
        run(tmp_path, info=interval(dt.date(2024, 3, 5)), input_base=base, input_config=config, out="c")
    assert "month 2024-03" in str(err.value) and os.path.join(base, "202403/*.csv") in str(err.value)

    write(tmp_path / "in" / "202413" / "trips.csv", csv_rows(1))
    with pytest.raises(InvalidInputDataError, match="2024-13 is not a valid date"):
        run(tmp_path, input_base=base, input_config=config, out="d")
