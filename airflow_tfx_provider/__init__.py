"""Apache Airflow 3 provider that runs TFX pipelines natively.

Importing this package is cheap on purpose: it pulls in neither Airflow operators
nor TensorFlow. Use the submodules:

- ``airflow_tfx_provider.operators``: one operator per TFX component;
- ``airflow_tfx_provider.dag_factory``: ``create_pipeline_dag`` turns components into a DAG;
- ``airflow_tfx_provider.types``: artifact types and ``ArtifactRef``.
"""

__version__ = "0.1.0"
