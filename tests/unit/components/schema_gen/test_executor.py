"""SchemaGen and ImportSchemaGen executors on real TFDV."""

from __future__ import annotations

import os

import pytest

from airflow_tfx_provider.components._artifacts import data_validation as tfdv_io
from airflow_tfx_provider.components.schema_gen import (
    ImportSchemaGenSpec,
    SchemaGenSpec,
    validate_import_parameters,
    validate_parameters,
)
from airflow_tfx_provider.components.schema_gen.import_executor import (
    input_fingerprint as import_schema_fingerprint,
)
from airflow_tfx_provider.components.spec import ExecutionInfo
from airflow_tfx_provider.components.statistics_gen import StatisticsGenSpec
from airflow_tfx_provider.exceptions import InvalidInputDataError, PipelineDefinitionError
from airflow_tfx_provider.types import ArtifactRef


@pytest.fixture(scope="module")
def statistics(tmp_path_factory, write_examples, run_component, make_clean_splits) -> ArtifactRef:
    """Statistics of train (clean) and eval (clean plus a new company value and a new feature)."""
    splits = make_clean_splits()
    splits["eval"] = [*splits["eval"], {"trips": 1, "fare": 2.0, "company": "delta", "tips": 0.5}]
    root = tmp_path_factory.mktemp("schema_gen")
    examples = write_examples(root / "examples", splits)
    return run_component(StatisticsGenSpec, root, {"examples": examples})["statistics"]


def _feature(schema, name):
    (feature,) = [f for f in schema.feature if f.name == name]
    return feature


def test_infers_types_domain_and_shape(statistics, run_component, tmp_path):
    from tensorflow_metadata.proto.v0 import schema_pb2

    out = run_component(SchemaGenSpec, tmp_path, {"statistics": statistics}, exclude_splits=["eval"])[
        "schema"
    ]

    assert os.listdir(out.uri) == ["schema.pbtxt"]
    schema = tfdv_io.load_schema(out)
    assert {f.name for f in schema.feature} == {"trips", "fare", "company"}
    assert _feature(schema, "trips").type == schema_pb2.INT
    assert _feature(schema, "fare").type == schema_pb2.FLOAT
    company = _feature(schema, "company")
    assert company.type == schema_pb2.BYTES
    (domain,) = [d for d in schema.string_domain if d.name == company.domain]
    assert sorted(domain.value) == ["alpha", "beta", "gamma"]
    # infer_feature_shape=True (default): always-present single values get a fixed shape
    assert [d.size for d in _feature(schema, "fare").shape.dim] == [1]


def test_infer_feature_shape_false(statistics, run_component, tmp_path):
    out = run_component(
        SchemaGenSpec,
        tmp_path,
        {"statistics": statistics},
        infer_feature_shape=False,
        exclude_splits=["eval"],
    )["schema"]
    fare = _feature(tfdv_io.load_schema(out), "fare")
    assert not fare.HasField("shape")
    assert fare.value_count.min == 1 and fare.value_count.max == 1


def test_later_splits_update_the_schema(statistics, run_component, tmp_path):
    out = run_component(SchemaGenSpec, tmp_path, {"statistics": statistics})["schema"]
    schema = tfdv_io.load_schema(out)
    assert "tips" in {f.name for f in schema.feature}  # only in eval
    company = _feature(schema, "company")
    (domain,) = [d for d in schema.string_domain if d.name == company.domain]
    assert "delta" in domain.value


def test_missing_statistics_file_is_named(statistics, run_component, tmp_path):
    broken = ArtifactRef(type="ExampleStatistics", uri=str(tmp_path / "nothing"), mlmd_id=99)
    broken.split_names = ["train"]
    with pytest.raises(InvalidInputDataError, match=r"nothing/Split-train/FeatureStats\.pb"):
        run_component(SchemaGenSpec, tmp_path, {"statistics": broken})


def test_schema_gen_validates_parameters():
    with pytest.raises(PipelineDefinitionError, match="infer_feature_shape"):
        validate_parameters({"infer_feature_shape": "yes", "exclude_splits": []})
    with pytest.raises(PipelineDefinitionError, match="exclude_splits"):
        validate_parameters({"infer_feature_shape": True, "exclude_splits": "eval"})


# --- ImportSchemaGen ------------------------------------------------------------------------------
SCHEMA_TEXT = """
# a curated schema
feature {
  name: "company"
  type: BYTES
  domain: "company"
}
feature {
  name: "fare"
  type: FLOAT
}
string_domain {
  name: "company"
  value: "alpha"
  value: "beta"
}
"""


def test_import_schema(run_component, tmp_path):
    from tensorflow_metadata.proto.v0 import schema_pb2

    source = tmp_path / "curated.pbtxt"
    source.write_text(SCHEMA_TEXT)
    out = run_component(ImportSchemaGenSpec, tmp_path, schema_file=str(source))["schema"]

    assert os.listdir(out.uri) == ["schema.pbtxt"]
    schema = tfdv_io.load_schema(out)
    assert [f.name for f in schema.feature] == ["company", "fare"]
    assert schema.feature[1].type == schema_pb2.FLOAT
    assert list(schema.string_domain[0].value) == ["alpha", "beta"]


def test_import_unparseable_schema(run_component, tmp_path):
    source = tmp_path / "broken.pbtxt"
    source.write_text('feature {\n  name: "fare"\n  typ: FLOAT\n}\n')
    with pytest.raises(InvalidInputDataError) as info:
        run_component(ImportSchemaGenSpec, tmp_path, schema_file=str(source))
    message = str(info.value)
    assert str(source) in message
    assert "line 3" in message and "typ" in message


def test_import_missing_schema(run_component, tmp_path):
    with pytest.raises(InvalidInputDataError, match=r"nope\.pbtxt does not exist"):
        run_component(ImportSchemaGenSpec, tmp_path, schema_file=str(tmp_path / "nope.pbtxt"))


def test_import_schema_parameters(tmp_path):
    with pytest.raises(PipelineDefinitionError, match="needs parameter 'schema_file'"):
        ImportSchemaGenSpec.resolve_parameters({}, where="t")
    with pytest.raises(PipelineDefinitionError, match="schema_file"):
        validate_import_parameters({"schema_file": " "})


def test_import_schema_fingerprint_follows_content(tmp_path):
    source = tmp_path / "s.pbtxt"
    source.write_text(SCHEMA_TEXT)
    info = ExecutionInfo()
    first = import_schema_fingerprint({"schema_file": str(source)}, info)
    assert first == import_schema_fingerprint({"schema_file": str(source)}, info)
    source.write_text(SCHEMA_TEXT.replace("beta", "gamma"))
    assert import_schema_fingerprint({"schema_file": str(source)}, info) != first
