"""``tfx.orchestration.beam.beam_dag_runner``: runs the pipeline once, now (see ``LocalDagRunner``)."""

from airflow_tfx_provider.compat._runner import BeamDagRunner

__all__ = ["BeamDagRunner"]
