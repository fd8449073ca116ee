"""``ImporterOperator``: register an existing file or folder as an artifact (TFX's Importer)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from airflow.sdk import Context

from airflow_tfx_provider.operators.component import prepare_tensorflow_environment
from airflow_tfx_provider.operators.pipeline_task import PipelineTaskOperator
from airflow_tfx_provider.types import artifact_type


class ImporterOperator(PipelineTaskOperator):
    """Bring an external artifact (e.g. a hand-written schema) into the pipeline.

    :param source_uri: the file or folder (templated).
    :param artifact_type: a registered type name, e.g. ``"Schema"``.
    :param properties: properties to record on the artifact (templated).
    :param reimport: register a new artifact even if this URI was imported before.

    Output ``result``. The artifact is marked external, so its URI may lie outside the
    pipeline root.
    """

    template_fields: Sequence[str] = ("pipeline_root", "source_uri", "properties")
    ui_color = "#fdf3e1"

    def __init__(
        self,
        *,
        source_uri: str,
        artifact_type: str,
        properties: Mapping[str, Any] | None = None,
        reimport: bool = False,
        task_id: str = "importer",
        **kwargs: Any,
    ) -> None:
        super().__init__(task_id=task_id, **kwargs)
        self.source_uri = source_uri
        self.artifact_type = artifact_type
        self.properties = dict(properties or {})
        self.reimport = reimport

    @property
    def output_types(self) -> dict[str, str]:  # type: ignore[override]
        return {"result": artifact_type(self.artifact_type).name}

    def execute(self, context: Context) -> dict[str, Any]:
        prepare_tensorflow_environment()  # before MLMD loads: its native log level
        from airflow_tfx_provider.runtime.importer import import_artifact  # loads MLMD: not at parse time

        outputs = import_artifact(
            self.run_settings(context),
            source_uri=self.source_uri,
            type_name=self.artifact_type,
            properties=self.properties,
            reimport=self.reimport,
        )
        return self.push_outputs(context, outputs)
