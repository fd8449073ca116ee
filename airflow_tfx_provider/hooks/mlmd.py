"""``MLMDHook``: an Airflow connection of type ``mlmd`` -> ``MetadataConfig``.

Connection fields: ``backend`` (extra: sqlite, mysql or postgresql); for SQLite the
file path (extra ``sqlite_path``, or the host field); for servers host, port, schema
(database name), login and password.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import BaseHook

from airflow_tfx_provider.exceptions import PipelineDefinitionError
from airflow_tfx_provider.metadata.config import Backend, MetadataConfig


class MLMDHook(BaseHook):
    """Reads the connection settings of an ML Metadata store."""

    conn_name_attr = "mlmd_conn_id"
    default_conn_name = "mlmd_default"
    conn_type = "mlmd"
    hook_name = "ML Metadata (MLMD)"

    def __init__(self, mlmd_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.mlmd_conn_id = mlmd_conn_id

    def get_conn(self) -> MetadataConfig:
        return self.get_metadata_config()

    def get_metadata_config(self) -> MetadataConfig:
        conn = self.get_connection(self.mlmd_conn_id)
        return config_from_fields(
            conn_id=self.mlmd_conn_id,
            host=conn.host,
            port=conn.port,
            schema=conn.schema,
            login=conn.login,
            password=conn.password,
            extra=conn.extra_dejson,
        )


def config_from_fields(
    *,
    conn_id: str,
    host: str | None,
    port: int | None,
    schema: str | None,
    login: str | None,
    password: str | None,
    extra: dict[str, Any],
) -> MetadataConfig:
    """Build a ``MetadataConfig`` from connection fields, naming the connection in errors."""
    raw_backend = str(extra.get("backend") or "sqlite").lower()
    try:
        backend = Backend(raw_backend)
    except ValueError:
        raise PipelineDefinitionError(
            f"connection {conn_id!r}: backend {raw_backend!r} is not one of sqlite, mysql, postgresql"
        ) from None
    if backend is Backend.SQLITE:
        path = extra.get("sqlite_path") or host
        if not path:
            raise PipelineDefinitionError(f"connection {conn_id!r}: a SQLite MLMD store needs a file path")
        return MetadataConfig(backend=backend, path=str(path))
    if not host:
        raise PipelineDefinitionError(f"connection {conn_id!r}: a {backend.value} MLMD store needs a host")
    return MetadataConfig(
        backend=backend,
        host=host,
        port=int(port) if port else None,
        database=schema or "mlmd",
        user=login or "",
        password=password or "",
    )
