"""TFX custom components declared through ``compat``: parse-time checks and their executors.

The executors run here on real folders, the way the launcher calls them (staged output folders,
``ExecutionInfo``); the pipeline-level behaviour (MLMD, cache) is in
``tests/integration/test_custom_components.py``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from airflow_tfx_provider import compat as tfx
from airflow_tfx_provider.compat._artifacts import artifact_class, as_artifact
from airflow_tfx_provider.compat.dsl.components.base import base_component, base_executor, executor_spec
from airflow_tfx_provider.compat.types import artifact_utils, channel_utils
from airflow_tfx_provider.compat.types.artifact import Property, PropertyType
from airflow_tfx_provider.compat.types.component_spec import ChannelParameter, ExecutionParameter
from airflow_tfx_provider.compat.utils import proto_utils
from airflow_tfx_provider.components.spec import ExecutionInfo
from airflow_tfx_provider.exceptions import PipelineDefinitionError
from airflow_tfx_provider.types import ArtifactRef

sa = tfx.types.standard_artifacts
EXAMPLES = tfx.dsl.Channel(type=sa.Examples)
components = tfx.dsl.components
InputArtifact, OutputArtifact, Parameter = (
    components.InputArtifact,
    components.OutputArtifact,
    components.Parameter,
)


def _examples(tmp_path: Path) -> ArtifactRef:
    ref = ArtifactRef(type="Examples", uri=str(tmp_path / "examples"), mlmd_id=7)
    ref.split_names = ["train", "eval"]
    for split in ("train", "eval"):
        (tmp_path / "examples" / f"Split-{split}").mkdir(parents=True)
        (tmp_path / "examples" / f"Split-{split}" / "data.gz").write_bytes(
            b"x" * (3 if split == "train" else 1)
        )
    return ref


def _staged(tmp_path: Path, key: str, type_name: str) -> ArtifactRef:
    folder = tmp_path / "out" / key
    folder.mkdir(parents=True)
    return ArtifactRef(type=type_name, uri=str(folder))


# --- @component ---------------------------------------------------------------------------------


@components.component
def measure(
    examples: InputArtifact[sa.Examples],
    note: OutputArtifact[sa.String],
    factor: Parameter[float] = 2.0,
    label: Parameter[str] = "m",
) -> components.OutputDict(size=int, scaled=float, splits=list):
    sizes = {
        s: (Path(artifact_utils.get_split_uri([examples], s)) / "data.gz").stat().st_size
        for s in artifact_utils.decode_split_names(examples.split_names)
    }
    note.value = f"{label}: {sizes}"
    note.set_string_custom_property("label", label)
    return {"size": sizes["train"], "scaled": sizes["train"] * factor, "splits": sorted(sizes)}


def test_a_function_component_reads_its_signature():
    spec = measure.SPEC
    assert spec.name == "measure" and spec.default_id == "measure"
    assert {k: i.type.name for k, i in spec.inputs.items()} == {"examples": "Examples"}
    assert {k: o.type.name for k, o in spec.outputs.items()} == {
        "note": "String", "size": "Integer", "scaled": "Float", "splits": "JsonValue",
    }  # fmt: skip
    assert {k: p.default for k, p in spec.parameters.items()} == {"factor": 2.0, "label": "m"}
    node = measure(examples=tfx.dsl.Channel(type=sa.Examples), factor=3)
    assert node.id == "measure" and node.exec_properties == {"factor": 3}
    assert set(node.outputs) == {"note", "size", "scaled", "splits"}


def test_a_function_component_runs_into_staged_folders(tmp_path):
    outputs = {
        "note": [_staged(tmp_path, "note", "String")],
        "size": [_staged(tmp_path, "size", "Integer")],
        "scaled": [_staged(tmp_path, "scaled", "Float")],
        "splits": [_staged(tmp_path, "splits", "JsonValue")],
    }
    executor = measure.SPEC.load_executor()
    executor({"examples": [_examples(tmp_path)]}, outputs, {"factor": 1.5, "label": "t"}, ExecutionInfo())
    assert (tmp_path / "out" / "note" / "value").read_text() == "t: {'train': 3, 'eval': 1}"
    assert outputs["note"][0].properties == {"label": "t", "value": "t: {'train': 3, 'eval': 1}"}
    assert (tmp_path / "out" / "size" / "value").read_text() == "3"
    assert outputs["scaled"][0].properties["value"] == 4.5
    assert json.loads((tmp_path / "out" / "splits" / "value").read_text()) == ["eval", "train"]
    # the value artifacts read back what was written, as a downstream component sees them
    assert as_artifact(ArtifactRef(type="Float", uri=str(tmp_path / "out" / "scaled"))).value == 4.5


def test_a_returned_value_of_the_wrong_kind_names_the_output(tmp_path):
    @components.component
    def wrong() -> components.OutputDict(count=int):
        return {"count": "three"}

    with pytest.raises(TypeError, match=r"wrong: returned 'count': Integer artifact: holds an int, got str"):
        wrong.SPEC.load_executor()({}, {"count": [_staged(tmp_path, "c", "Integer")]}, {}, ExecutionInfo())

    @components.component
    def forgetful() -> components.OutputDict(count=int):
        return {}

    with pytest.raises(TypeError, match=r"forgetful returned no value for \['count'\]"):
        forgetful.SPEC.load_executor()(
            {}, {"count": [_staged(tmp_path, "d", "Integer")]}, {}, ExecutionInfo()
        )


@pytest.mark.parametrize(
    ("declare", "message"),
    [
        (lambda: components.component(lambda x: None), "argument 'x' has no type annotation"),
        (lambda: measure(examples=EXAMPLES, factor="big"), "parameter 'factor': expected float, got str"),
        (lambda: measure(examples=EXAMPLES, colour=1), r"\['colour'\] not among its inputs"),
        (lambda: measure(factor=1.0), r"missing input\(s\) \['examples'\]"),
    ],
)  # fmt: skip
def test_function_component_mistakes_fail_at_parse_time(declare, message):
    with pytest.raises(PipelineDefinitionError, match=message):
        declare()


def test_a_component_returning_something_else_than_an_output_dict_is_refused():
    def odd(x: Parameter[int]) -> dict:  # type: ignore[type-arg]
        return {}

    with pytest.raises(PipelineDefinitionError, match="return annotation must be OutputDict"):
        components.component(odd)


# --- class-based -----------------------------------------------------------------------------------


class Report(tfx.types.Artifact):
    TYPE_NAME = "UnitTestReport"
    PROPERTIES = {"lines": Property(type=PropertyType.INT)}


class ReportExecutor(base_executor.BaseExecutor):
    def Do(
        self, input_dict: dict[str, Any], output_dict: dict[str, Any], exec_properties: dict[str, Any]
    ) -> None:
        examples = artifact_utils.get_single_instance(input_dict["examples"])
        report = artifact_utils.get_single_instance(output_dict["report"])
        config = json.loads(exec_properties["config"])
        lines = [
            f"{s} {exec_properties['title']}" for s in artifact_utils.decode_split_names(examples.split_names)
        ]
        Path(report.uri, "report.txt").write_text("\n".join(lines) + f"\n{config}")
        report.lines = len(lines)
        report.set_int_custom_property("tmp_exists", int(Path(self._get_tmp_dir()).is_dir()))


class ReportSpec(tfx.types.ComponentSpec):
    PARAMETERS = {
        "title": ExecutionParameter(type=str),
        "config": ExecutionParameter(type=dict, use_proto=True),
    }
    INPUTS = {"examples": ChannelParameter(type=sa.Examples)}
    OUTPUTS = {"report": ChannelParameter(type=Report)}


class ReportComponent(base_component.BaseComponent):
    SPEC_CLASS = ReportSpec
    EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(ReportExecutor)

    def __init__(self, examples: Any, title: str, report: Any = None) -> None:
        report = report or channel_utils.as_channel([Report()])
        super().__init__(
            spec=ReportSpec(
                examples=examples, title=title, report=report,
                config=tfx.proto.TrainArgs(num_steps=5),
            )
        )  # fmt: skip


def test_a_class_component_becomes_a_node_with_a_provider_spec():
    node = ReportComponent(examples=tfx.dsl.Channel(type=sa.Examples), title="t")
    assert node.id == "ReportComponent"
    assert dict(node.outputs)["report"].type_name == "UnitTestReport"
    assert node.exec_properties == {"title": "t", "config": {"num_steps": 5}}
    assert artifact_class("UnitTestReport") is Report


def test_a_class_components_executor_gets_tfx_style_arguments(tmp_path):
    node = ReportComponent(examples=tfx.dsl.Channel(type=sa.Examples), title="T")
    outputs = {"report": [_staged(tmp_path, "report", "UnitTestReport")]}
    info = ExecutionInfo(temp_dir=str(tmp_path / "scratch"), execution_id=3)
    node.component_spec.load_executor()(
        {"examples": [_examples(tmp_path)]}, outputs, node.exec_properties, info
    )
    assert (tmp_path / "out" / "report" / "report.txt").read_text() == "train T\neval T\n{'num_steps': 5}"
    assert outputs["report"][0].properties == {"lines": 2, "tmp_exists": 1}


@pytest.mark.parametrize(
    ("declare", "message"),
    [
        (lambda: ReportComponent(examples=tfx.dsl.Channel(type=sa.Model), title="t"), "takes Examples"),
        (lambda: ReportComponent(examples=EXAMPLES, title=3), "'title': expected str, got int"),
        (lambda: ReportSpec(title="t", config={}), "'examples' is required"),
        (lambda: executor_spec.ExecutorClassSpec(dict), "subclass of base_executor.BaseExecutor"),
        (lambda: executor_spec.ExecutorContainerSpec(image="x"), "KubernetesPodOperator"),
    ],
)  # fmt: skip
def test_class_component_mistakes_fail_at_parse_time(declare, message):
    with pytest.raises(PipelineDefinitionError, match=message):
        declare()


def test_a_custom_type_declared_twice_differently_is_refused():
    with pytest.raises(PipelineDefinitionError, match="declared twice with different properties"):
        type("Clash", (tfx.types.Artifact,), {"TYPE_NAME": "UnitTestReport", "PROPERTIES": {}})


# --- helpers -------------------------------------------------------------------------------------


def test_proto_utils_round_trips_light_messages():
    config = tfx.proto.RangeConfig(static_range=tfx.proto.StaticRange(start_span_number=3, end_span_number=3))
    text = proto_utils.proto_to_json(config)
    assert json.loads(text) == {"static_range": {"start_span_number": 3, "end_span_number": 3}}
    assert proto_utils.json_to_proto(text, tfx.proto.RangeConfig()) == config
