"""``tfx.dsl.components.common.importer``: ``Importer``."""

from airflow_tfx_provider.compat._components import Importer

__all__ = ["Importer"]
