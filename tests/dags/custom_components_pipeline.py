"""TFX custom components in a pipeline file: a Python-function one and a class-based one.

Written as a TFX user writes them (TFX's names, imports pointing at ``compat``):

- ``count_rows`` (``@component``): reads the train split of ExampleGen's Examples, writes a
  ``String`` report (an ``OutputArtifact`` with a custom property) and returns ``rows``/``share``;
- ``SplitSummary`` (``BaseComponent`` + ``ComponentSpec`` + executor class with ``Do``): writes a
  ``SplitSummaryReport`` (a custom artifact type with a declared property) with each split's files;
- ``check_summary`` (``@component``): takes ``rows`` (a value artifact, as ``int``) and the report.

Settings: ``dag_id``, ``data_root``, ``pipeline_root``, ``metadata_path``, ``min_rows``.
"""

from __future__ import annotations

import datetime
import json
import os
from typing import Any

from airflow_tfx_provider import compat as tfx
from airflow_tfx_provider.compat.dsl.components import InputArtifact, OutputArtifact, OutputDict, Parameter
from airflow_tfx_provider.compat.dsl.components.base import base_component, base_executor, executor_spec
from airflow_tfx_provider.compat.types import artifact_utils, standard_artifacts
from airflow_tfx_provider.compat.types.artifact import Property, PropertyType
from airflow_tfx_provider.compat.types.component_spec import ChannelParameter, ExecutionParameter
from airflow_tfx_provider.compat.utils import io_utils
from tests.dags._config import dag_config

CONFIG = dag_config(__file__)


@tfx.dsl.components.component
def count_rows(
    examples: InputArtifact[standard_artifacts.Examples],
    report: OutputArtifact[standard_artifacts.String],
    min_rows: Parameter[int] = 1,
) -> OutputDict(rows=int, share=float):  # type: ignore[valid-type]
    """Count the train split's records; fail below ``min_rows``."""
    import tensorflow as tf

    def records(split: str) -> int:
        files = tf.io.gfile.glob(os.path.join(artifact_utils.get_split_uri([examples], split), "*"))
        return sum(1 for _ in tf.data.TFRecordDataset(files, compression_type="GZIP"))

    train, evaluation = records("train"), records("eval")
    if train < min_rows:
        raise ValueError(f"only {train} train rows, fewer than min_rows={min_rows}")
    report.value = f"{train} train rows, {evaluation} eval rows"
    report.set_int_custom_property("train_rows", train)
    return {"rows": train, "share": train / (train + evaluation)}


class SplitSummaryReport(tfx.types.Artifact):  # type: ignore[misc]
    """Which files each split of an Examples artifact holds."""

    TYPE_NAME = "SplitSummaryReport"
    PROPERTIES = {"split_count": Property(type=PropertyType.INT)}


class SplitSummaryExecutor(base_executor.BaseExecutor):  # type: ignore[misc]
    def Do(
        self, input_dict: dict[str, Any], output_dict: dict[str, Any], exec_properties: dict[str, Any]
    ) -> None:
        self._log_startup(input_dict, output_dict, exec_properties)
        examples = artifact_utils.get_single_instance(input_dict["examples"])
        summary = artifact_utils.get_single_instance(output_dict["summary"])
        splits = artifact_utils.decode_split_names(examples.split_names)
        listing = {s: sorted(os.listdir(artifact_utils.get_split_uri([examples], s))) for s in splits}
        document = {"title": exec_properties["title"], "splits": listing}
        io_utils.write_string_file(os.path.join(summary.uri, "summary.json"), json.dumps(document))
        summary.split_count = len(splits)


class SplitSummarySpec(tfx.types.ComponentSpec):  # type: ignore[misc]
    PARAMETERS = {"title": ExecutionParameter(type=str)}
    INPUTS = {"examples": ChannelParameter(type=standard_artifacts.Examples)}
    OUTPUTS = {"summary": ChannelParameter(type=SplitSummaryReport)}


class SplitSummary(base_component.BaseComponent):  # type: ignore[misc]
    SPEC_CLASS = SplitSummarySpec
    EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(SplitSummaryExecutor)

    def __init__(self, examples: Any, title: str) -> None:
        super().__init__(spec=SplitSummarySpec(examples=examples, title=title))


@tfx.dsl.components.component
def check_summary(
    rows: int,
    summary: InputArtifact[SplitSummaryReport],
) -> OutputDict(verdict=str):  # type: ignore[valid-type]
    with open(os.path.join(summary.uri, "summary.json")) as handle:
        document = json.load(handle)
    return {"verdict": f"{rows} rows in {summary.split_count} splits ({document['title']})"}


def _create_pipeline() -> tfx.dsl.Pipeline:
    example_gen = tfx.components.CsvExampleGen(input_base=CONFIG["data_root"])
    counted = count_rows(examples=example_gen.outputs["examples"], min_rows=CONFIG["min_rows"])
    summary = SplitSummary(examples=example_gen.outputs["examples"], title="taxi").with_id("split_summary")
    checked = check_summary(rows=counted.outputs["rows"], summary=summary.outputs["summary"])
    return tfx.dsl.Pipeline(
        pipeline_name=CONFIG["dag_id"],
        pipeline_root=CONFIG["pipeline_root"],
        components=[example_gen, counted, summary, checked],
        enable_cache=True,
        metadata_connection_config=tfx.orchestration.metadata.sqlite_metadata_connection_config(
            CONFIG["metadata_path"]
        ),
    )


DAG = tfx.orchestration.AirflowDagRunner(
    tfx.orchestration.AirflowPipelineConfig(
        {"schedule": None, "start_date": datetime.datetime(2024, 1, 1), "dag_id": CONFIG["dag_id"]}
    )
).run(_create_pipeline())
