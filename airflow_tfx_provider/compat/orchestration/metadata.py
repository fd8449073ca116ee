"""``tfx.orchestration.metadata``: MLMD connection configs."""

from airflow_tfx_provider.compat._runner import (
    mysql_metadata_connection_config,
    sqlite_metadata_connection_config,
)

__all__ = ["mysql_metadata_connection_config", "sqlite_metadata_connection_config"]
