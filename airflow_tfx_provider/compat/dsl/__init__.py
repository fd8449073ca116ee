"""``tfx.dsl`` (and ``tfx.v1.dsl``): ``Pipeline``, ``Resolver``, ``Channel``, ``Importer``,
``Cond`` (on a blessing), ``experimental`` strategies."""

from airflow_tfx_provider.compat._components import Importer
from airflow_tfx_provider.compat._pipeline import Channel, Cond, Pipeline, Resolver
from airflow_tfx_provider.compat.dsl import experimental

__all__ = ["Channel", "Cond", "Importer", "Pipeline", "Resolver", "experimental"]
