"""The ``mlmd`` connection's fields mapped to metadata configs (no Airflow DB needed)."""

from __future__ import annotations

import pytest

from airflow_tfx_provider.exceptions import PipelineDefinitionError
from airflow_tfx_provider.hooks.mlmd import config_from_fields
from airflow_tfx_provider.metadata.config import Backend, MetadataConfig
from airflow_tfx_provider.metadata.store import connection_proto


def test_connection_fields_map_to_metadata_configs():
    sqlite = config_from_fields(
        conn_id="c", host=None, port=None, schema=None, login=None, password=None,
        extra={"backend": "sqlite", "sqlite_path": "/data/mlmd.sqlite"},
    )  # fmt: skip
    assert sqlite == MetadataConfig(backend=Backend.SQLITE, path="/data/mlmd.sqlite")
    mysql = config_from_fields(
        conn_id="c", host="db", port=3307, schema="ml", login="u", password="p", extra={"backend": "mysql"}
    )
    proto = connection_proto(mysql)
    assert (proto.mysql.host, proto.mysql.port, proto.mysql.database, proto.mysql.user) == (
        "db",
        3307,
        "ml",
        "u",
    )
    postgres = config_from_fields(
        conn_id="c",
        host="pg",
        port=None,
        schema=None,
        login="u",
        password="s3cret",
        extra={"backend": "postgresql"},
    )
    assert connection_proto(postgres).postgresql.port == "5432" and "s3cret" not in postgres.describe()
    with pytest.raises(PipelineDefinitionError, match="'c': backend 'oracle'"):
        config_from_fields(conn_id="c", host="h", port=None, schema=None, login=None, password=None,
                           extra={"backend": "oracle"})  # fmt: skip
    with pytest.raises(PipelineDefinitionError, match="needs a host"):
        config_from_fields(conn_id="c", host=None, port=None, schema=None, login=None, password=None,
                           extra={"backend": "postgresql"})  # fmt: skip
