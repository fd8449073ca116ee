import pytest

from airflow_tfx_provider.types import (
    ARTIFACT_TYPES,
    ArtifactRef,
    ArtifactType,
    PropertyKind,
    artifact_type,
    refs_to_json,
    register_artifact_type,
)

TFX_TYPE_NAMES = {
    "Examples", "ExampleStatistics", "Schema", "ExampleAnomalies", "TransformGraph", "TransformCache",
    "Model", "ModelRun", "HyperParameters", "TunerResults", "ModelEvaluation", "ModelBlessing",
    "InfraBlessing", "PushedModel", "InferenceResult",
    "String", "Integer", "Float", "Boolean", "Bytes", "JsonValue",
}  # fmt: skip


def test_registry_has_every_tfx_type_with_tfx_properties():
    assert set(ARTIFACT_TYPES) == TFX_TYPE_NAMES
    assert set(artifact_type("Examples").properties) == {"span", "version", "split_names"}
    assert set(artifact_type("ExampleStatistics").properties) == {"span", "split_names"}


def test_unknown_type_names_the_known_ones():
    with pytest.raises(KeyError, match="Examples"):
        artifact_type("Exampels")


def test_ref_json_round_trip_and_splits():
    ref = ArtifactRef(type="Examples", uri="/root/eg/examples/3", mlmd_id=3, properties={"span": 5})
    ref.split_names = ["train", "eval"]
    data = refs_to_json({"examples": [ref]})
    back = ArtifactRef.from_json(data["examples"][0])
    assert back == ref
    assert back.split_names == ["train", "eval"]
    assert back.split_uri("eval") == "/root/eg/examples/3/Split-eval"


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ("not a dict", "JSON object"),
        ({"uri": "/x"}, "lacks field"),
        ({"type": "Examples", "uri": "/x", "mlmd_id": "7"}, "mlmd_id must be an integer"),
        ({"type": "Nope", "uri": "/x"}, "unknown artifact type"),
    ],
)
def test_malformed_refs_are_rejected_with_reason(payload, message):
    with pytest.raises(ValueError, match=message):
        ArtifactRef.from_json(payload)


def test_a_custom_type_is_known_once_registered_and_cannot_change():
    with pytest.raises(KeyError):
        ArtifactRef(type="TestOnlyReport", uri="/tmp/x")
    declared = ArtifactType("TestOnlyReport", {"pages": PropertyKind.INT})
    assert register_artifact_type(declared) is declared
    assert register_artifact_type(ArtifactType("TestOnlyReport", {"pages": PropertyKind.INT})) is declared
    assert ArtifactRef(type="TestOnlyReport", uri="/tmp/x").type == "TestOnlyReport"
    with pytest.raises(ValueError, match="declared twice with different properties"):
        register_artifact_type(ArtifactType("TestOnlyReport", {"pages": PropertyKind.STRING}))
    with pytest.raises(ValueError, match="standard types"):
        register_artifact_type(ArtifactType("Model"))
