"""Which MLMD store and pipeline root hold a DAG's records: read from the ``tfx_store`` XCom.

Every TFX task pushes where its pipeline's store is (``PipelineTaskOperator.store_reference``):
a connection id or a SQLite path, and the pipeline root. The pages open only stores found there,
never a path or connection named by a request; artifact files are read only under the root.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from airflow_tfx_provider.operators.pipeline_task import STORE_XCOM_KEY


@dataclass(frozen=True)
class PipelineStore:
    dag_id: str
    pipeline_root: str
    conn_id: str | None
    sqlite_path: str | None

    def gateway(self) -> Any:
        """The MLMD store (imported here: MLMD loads on the first page, not with the plugin)."""
        from airflow_tfx_provider.hooks.mlmd import MLMDHook
        from airflow_tfx_provider.metadata.config import MetadataConfig
        from airflow_tfx_provider.metadata.store import MetadataGateway

        if self.conn_id:
            return MetadataGateway.connect(MLMDHook(self.conn_id).get_metadata_config())
        return MetadataGateway.connect(MetadataConfig(path=self.sqlite_path or ""))

    def holds(self, uri: str) -> bool:
        """Whether ``uri`` is inside the pipeline root (what the pages may read)."""
        if "://" in uri and not uri.startswith("file://"):
            return uri.startswith(self.pipeline_root.rstrip("/") + "/")
        path = os.path.realpath(uri.removeprefix("file://"))
        root = os.path.realpath(self.pipeline_root)
        return path == root or path.startswith(root + os.sep)


def _newest_reference(dag_id: str, run_id: str | None) -> Any:
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    query = select(XComModel.value).where(XComModel.dag_id == dag_id, XComModel.key == STORE_XCOM_KEY)
    if run_id is not None:
        query = query.where(XComModel.run_id == run_id)
    with create_session() as session:
        row = session.execute(query.order_by(XComModel.timestamp.desc()).limit(1)).first()
    return None if row is None else XComModel.deserialize_value(row)


def find_store(dag_id: str, run_id: str | None = None) -> PipelineStore | None:
    """The store of a DAG's run (or its newest run); ``None`` when no TFX task of it ever ran."""
    value = _newest_reference(dag_id, run_id)
    if run_id is not None and value is None:
        value = _newest_reference(dag_id, None)
    if not isinstance(value, dict) or not isinstance(value.get("pipeline_root"), str):
        return None
    conn_id, sqlite_path = value.get("conn_id"), value.get("sqlite_path")
    if not (isinstance(conn_id, str) or isinstance(sqlite_path, str)):
        return None
    if conn_id is None and not os.path.isfile(str(sqlite_path)):
        return None
    return PipelineStore(dag_id, value["pipeline_root"], conn_id, sqlite_path)


def dags_with_stores() -> list[str]:
    """Every DAG whose tasks recorded a store, by name."""
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        rows = session.execute(select(XComModel.dag_id).where(XComModel.key == STORE_XCOM_KEY).distinct())
        return sorted(str(r[0]) for r in rows)
