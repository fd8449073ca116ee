"""``tfx.dsl.io``: ``fileio``."""

from airflow_tfx_provider.compat.dsl.io import fileio

__all__ = ["fileio"]
