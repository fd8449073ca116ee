"""``tfx.orchestration.local.local_dag_runner``: runs the pipeline once, now (``dag.test()``)."""

from airflow_tfx_provider.compat._runner import LocalDagRunner

__all__ = ["LocalDagRunner"]
