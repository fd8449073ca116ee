"""``tfx.dsl.components.common.resolver``: ``Resolver``."""

from airflow_tfx_provider.compat._pipeline import Resolver

__all__ = ["Resolver"]
