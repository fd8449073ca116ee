"""``tfx.types``: ``Channel``, ``Artifact`` and ``standard_artifacts``."""

from airflow_tfx_provider.compat._artifacts import Artifact
from airflow_tfx_provider.compat._pipeline import Channel
from airflow_tfx_provider.compat.types import standard_artifacts

__all__ = ["Artifact", "Channel", "standard_artifacts"]
