"""``tfx.orchestration`` (and ``tfx.v1.orchestration``): ``pipeline``, ``metadata``, runners."""

from airflow_tfx_provider.compat._runner import LocalDagRunner
from airflow_tfx_provider.compat.orchestration import metadata, pipeline
from airflow_tfx_provider.compat.orchestration.airflow.airflow_dag_runner import (
    AirflowDagRunner,
    AirflowPipelineConfig,
)

__all__ = ["AirflowDagRunner", "AirflowPipelineConfig", "LocalDagRunner", "metadata", "pipeline"]
