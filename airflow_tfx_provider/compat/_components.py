"""TFX's component classes by their TFX names, standing for this provider's operators."""

from __future__ import annotations

from typing import Any

from airflow_tfx_provider.compat._pipeline import BaseNode, Component, type_name

_OPS = "airflow_tfx_provider.operators"
_SPECS = "airflow_tfx_provider.components"


def _component(name: str, operator: str, spec: str, **fixed: Any) -> type[Component]:
    namespace = {
        "OPERATOR": f"{_OPS}.{operator}",
        "SPEC": f"{_SPECS}.{spec}",
        "FIXED": fixed,
        "__doc__": f"TFX's ``{name}``, run as ``{operator.rpartition('.')[2]}``.",
    }
    return type(name, (Component,), namespace)


CsvExampleGen = _component("CsvExampleGen", "CsvExampleGenOperator", "example_gen.CsvExampleGenSpec")
ImportExampleGen = _component(
    "ImportExampleGen", "ImportExampleGenOperator", "example_gen.ImportExampleGenSpec"
)
StatisticsGen = _component("StatisticsGen", "StatisticsGenOperator", "statistics_gen.StatisticsGenSpec")
SchemaGen = _component("SchemaGen", "SchemaGenOperator", "schema_gen.SchemaGenSpec")
ImportSchemaGen = _component("ImportSchemaGen", "ImportSchemaGenOperator", "schema_gen.ImportSchemaGenSpec")
ExampleValidator = _component(
    "ExampleValidator", "ExampleValidatorOperator", "example_validator.ExampleValidatorSpec"
)
Transform = _component("Transform", "TransformOperator", "transform.TransformSpec")
Trainer = _component("Trainer", "TrainerOperator", "trainer.TrainerSpec")
Tuner = _component("Tuner", "TunerOperator", "tuner.TunerSpec")
Evaluator = _component("Evaluator", "EvaluatorOperator", "evaluator.EvaluatorSpec")
InfraValidator = _component("InfraValidator", "InfraValidatorOperator", "infra_validator.InfraValidatorSpec")
Pusher = _component("Pusher", "PusherOperator", "pusher.PusherSpec")
BulkInferrer = _component("BulkInferrer", "BulkInferrerOperator", "bulk_inferrer.BulkInferrerSpec")


class Importer(BaseNode):
    """TFX's ``Importer(source_uri=..., artifact_type=..., reimport=..., properties=...)``."""

    def __init__(
        self,
        source_uri: str,
        artifact_type: Any,
        reimport: bool = False,
        properties: dict[str, Any] | None = None,
        custom_properties: dict[str, Any] | None = None,
    ) -> None:
        super().__init__("importer")
        self.source_uri = source_uri
        self.artifact_type = type_name(artifact_type)
        self.reimport = reimport
        self.properties = {**(properties or {}), **(custom_properties or {})}

    def output_types(self) -> dict[str, str]:
        return {"result": self.artifact_type}

    def inputs(self) -> dict[str, Any]:
        return {}

    def render(self, built: Any) -> Any:
        from airflow_tfx_provider.operators import ImporterOperator

        return ImporterOperator(
            task_id=self.id, source_uri=self.source_uri, artifact_type=self.artifact_type,
            properties=self.properties, reimport=self.reimport,
        )  # fmt: skip


__all__ = [
    "BulkInferrer", "CsvExampleGen", "Evaluator", "ExampleValidator", "ImportExampleGen", "ImportSchemaGen",
    "Importer", "InfraValidator", "Pusher", "SchemaGen", "StatisticsGen", "Trainer", "Transform", "Tuner",
]  # fmt: skip
