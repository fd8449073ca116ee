"""Turn a list of TFX components into a scheduled Airflow DAG.

``plan`` holds the pure graph (validated without Airflow); ``render`` turns it into a DAG.
"""

from airflow_tfx_provider.dag_factory.plan import PipelinePlan, build_plan
from airflow_tfx_provider.dag_factory.render import create_pipeline_dag

__all__ = ["PipelinePlan", "build_plan", "create_pipeline_dag"]
