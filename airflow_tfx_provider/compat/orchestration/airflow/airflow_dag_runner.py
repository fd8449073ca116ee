"""``tfx.orchestration.airflow.airflow_dag_runner``: TFX's Airflow runner, for Airflow 3."""

from airflow_tfx_provider.compat._runner import AirflowDagRunner, AirflowPipelineConfig

__all__ = ["AirflowDagRunner", "AirflowPipelineConfig"]
