"""``tfx.dsl`` (and ``tfx.v1.dsl``): ``Pipeline``, ``Resolver``, ``Channel``, ``Importer``,
``Cond`` (on a blessing), ``Artifact``, ``components`` (``@component``), ``io``, ``experimental``."""

from airflow_tfx_provider.compat._artifacts import Artifact
from airflow_tfx_provider.compat._components import Importer
from airflow_tfx_provider.compat._pipeline import Channel, Cond, Pipeline, Resolver
from airflow_tfx_provider.compat.dsl import components, experimental, io

__all__ = [
    "Artifact",
    "Channel",
    "Cond",
    "Importer",
    "Pipeline",
    "Resolver",
    "components",
    "experimental",
    "io",
]
