"""``AirflowDagRunner(AirflowPipelineConfig(...)).run(pipeline)``: a TFX pipeline as an Airflow 3 DAG."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

from airflow_tfx_provider.compat._pipeline import MetadataConnection, Pipeline
from airflow_tfx_provider.exceptions import PipelineDefinitionError

#: Airflow 2 DAG arguments TFX users' configs carry, and their Airflow 3 names.
_RENAMED = {"schedule_interval": "schedule"}
#: Airflow 2 DAG arguments Airflow 3 dropped, and why they can go.
_DROPPED = {
    "concurrency": "use max_active_tasks",
    "full_filepath": "Airflow 3 sets it",
}


def sqlite_metadata_connection_config(metadata_db_uri: str) -> MetadataConnection:
    """TFX's ``metadata.sqlite_metadata_connection_config(path)``: a SQLite MLMD file."""
    return MetadataConnection(backend="sqlite", path=metadata_db_uri)


def mysql_metadata_connection_config(
    host: str, port: int, database: str, username: str, password: str
) -> MetadataConnection:
    """TFX's MySQL config. Here a server store is an Airflow connection (type ``mlmd``): the
    runner refuses this at parse time, saying how to make the connection."""
    return MetadataConnection(
        backend="mysql", settings={"host": host, "port": port, "database": database, "user": username}
    )


class AirflowPipelineConfig:
    """TFX's ``AirflowPipelineConfig(airflow_dag_config={...})``: keyword arguments of the DAG."""

    def __init__(self, airflow_dag_config: Mapping[str, Any] | None = None, **kwargs: Any) -> None:
        self.airflow_dag_config = dict(airflow_dag_config or {})
        self.airflow_dag_config.update(kwargs)


def _dag_arguments(config: Mapping[str, Any], pipeline_name: str) -> dict[str, Any]:
    arguments = dict(config)
    for old, new in _RENAMED.items():
        if old in arguments:
            warnings.warn(
                f"pipeline {pipeline_name!r}: airflow_dag_config[{old!r}] is an Airflow 2 name; using it as "
                f"Airflow 3's {new!r}",
                UserWarning,
                stacklevel=3,
            )
            arguments.setdefault(new, arguments.pop(old))
    dropped = sorted(set(arguments) & set(_DROPPED))
    if dropped:
        reasons = "; ".join(f"{key}: {_DROPPED[key]}" for key in dropped)
        raise PipelineDefinitionError(
            f"pipeline {pipeline_name!r}: Airflow 3 has no DAG argument {dropped} ({reasons})"
        )
    return arguments


def _metadata_settings(pipeline: Pipeline) -> dict[str, Any]:
    connection = pipeline.metadata_connection_config
    if connection is None:
        return {}
    if connection.backend == "sqlite":
        return {"metadata_path": connection.path}
    raise PipelineDefinitionError(
        f"pipeline {pipeline.pipeline_name!r}: a {connection.backend} MLMD store is an Airflow connection "
        "here: create one of type 'mlmd' (README, 'MLMD') and pass "
        "AirflowPipelineConfig(airflow_dag_config={'metadata_conn_id': '<its id>'}) instead of "
        "metadata_connection_config"
    )


class AirflowDagRunner:
    """TFX's Airflow runner for Airflow 3: ``run(pipeline)`` returns the DAG for the DAG file."""

    def __init__(self, config: AirflowPipelineConfig | Mapping[str, Any] | None = None) -> None:
        if isinstance(config, AirflowPipelineConfig):
            self.dag_config = dict(config.airflow_dag_config)
        else:
            self.dag_config = dict(config or {})

    def run(self, pipeline: Pipeline) -> Any:
        from airflow_tfx_provider.dag_factory import create_pipeline_dag

        if not isinstance(pipeline, Pipeline):
            raise PipelineDefinitionError(f"AirflowDagRunner.run() takes a Pipeline, got {pipeline!r}")
        arguments = _dag_arguments(self.dag_config, pipeline.pipeline_name)
        settings = _metadata_settings(pipeline)
        if "metadata_conn_id" in arguments:
            settings = {"metadata_conn_id": arguments.pop("metadata_conn_id")}
        return create_pipeline_dag(
            dag_id=arguments.pop("dag_id", pipeline.pipeline_name),
            components=pipeline.builder(),
            pipeline_root=pipeline.pipeline_root,
            enable_cache=pipeline.enable_cache,
            beam_pipeline_args=pipeline.beam_pipeline_args,
            **settings,
            **arguments,
        )


class LocalDagRunner:
    """TFX's ``LocalDagRunner`` / ``BeamDagRunner``: ``run(pipeline)`` runs it once, now, in this
    process (the DAG through ``dag.test()``, as ``airflow dags test`` does). For a schedule, build
    the DAG with ``AirflowDagRunner`` in a DAG file instead."""

    def __init__(self, config: Any = None) -> None:
        self.config = config

    def run(self, pipeline: Pipeline) -> Any:
        dag = AirflowDagRunner().run(pipeline)
        return dag.test()


BeamDagRunner = LocalDagRunner
