"""``PipelineTaskOperator``: what every TFX task shares (pipeline settings, outputs, XCom)."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping, Sequence
from typing import Any

from airflow.sdk import BaseOperator, Context
from airflow.sdk.exceptions import AirflowNotFoundException

from airflow_tfx_provider.components.spec import ExecutionInfo
from airflow_tfx_provider.exceptions import InputResolutionError, PipelineDefinitionError
from airflow_tfx_provider.hooks.mlmd import MLMDHook
from airflow_tfx_provider.metadata.config import MetadataConfig
from airflow_tfx_provider.operators.links import TfxArtifactsLink
from airflow_tfx_provider.operators.wiring import OutputRef, Outputs, producer_task_ids
from airflow_tfx_provider.runtime.settings import RunSettings, TaskOutput
from airflow_tfx_provider.types import ArtifactRef, refs_to_json

log = logging.getLogger(__name__)

PIPELINE_ROOT_ENV = "AIRFLOW_TFX_PIPELINE_ROOT_BASE"


#: The XCom key under which every TFX task records where its pipeline's store is (the UI reads it).
STORE_XCOM_KEY = "tfx_store"


def check_local_root(root: str, *, where: str) -> None:
    """Refuse a pipeline root on object storage: outputs are staged in a folder and published
    with an atomic rename of the local filesystem (``runtime/output_dirs.py``), which ``gs://``
    or ``s3://`` do not offer; ``os.path.abspath`` would silently make ``gs://b/r`` a local
    folder ``gs:/b/r``. Mount shared storage at the same path on every worker instead."""
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", root):
        raise PipelineDefinitionError(
            f"{where}: pipeline root {root!r} is a URL; it must be a plain path (object storage such "
            "as gs:// or s3:// is not supported yet: mount a filesystem every worker shares, e.g. "
            "NFS or a ReadWriteMany volume, at the same path; see docs/deploying.md)"
        )


def default_pipeline_root(dag_id: str) -> str:
    """``$AIRFLOW_TFX_PIPELINE_ROOT_BASE/<dag_id>``, else ``$AIRFLOW_HOME/tfx_pipelines/<dag_id>``."""
    base = os.environ.get(PIPELINE_ROOT_ENV) or os.path.join(
        os.environ.get("AIRFLOW_HOME", os.path.expanduser("~/airflow")), "tfx_pipelines"
    )
    return os.path.join(base, dag_id)


def _run_type(context: Context) -> str:
    """The DagRun's run type as a plain string ("scheduled", "manual", "backfill", ...)."""
    dag_run = context.get("dag_run")
    run_type = getattr(dag_run, "run_type", "") if dag_run is not None else ""
    return str(getattr(run_type, "value", run_type) or "")


class PipelineTaskOperator(BaseOperator):
    """Base of every TFX operator of this provider.

    The pipeline settings below are ordinary keyword arguments, so they reach an operator
    at construction like any Airflow argument: given directly, or through ``default_args`` of
    the DAG (``create_pipeline_dag`` puts its pipeline-wide settings there and builds the
    components inside the DAG). A component's own value wins over the DAG's.

    :param pipeline_root: folder holding the artifacts (and the default SQLite MLMD store);
        defaults to ``$AIRFLOW_TFX_PIPELINE_ROOT_BASE/<dag_id>`` or
        ``$AIRFLOW_HOME/tfx_pipelines/<dag_id>``.
    :param metadata_conn_id: Airflow connection (type ``mlmd``) of the MLMD store. When not
        given, the connection ``mlmd_default`` is used if it exists, else a SQLite file
        ``metadata.sqlite`` under the pipeline root.
    :param metadata_path: a SQLite file as the MLMD store (TFX's ``metadata_path``), used when
        no ``metadata_conn_id`` is given; a connection is the way for a shared server.
    :param enable_cache: reuse outputs of an earlier identical execution (default True).
    :param beam_pipeline_args: options for Beam-based components (DirectRunner by default).
    """

    template_fields: Sequence[str] = ("pipeline_root",)
    output_types: Mapping[str, str] = {}
    operator_extra_links = (TfxArtifactsLink(),)

    def __init__(
        self,
        *,
        pipeline_root: str | None = None,
        metadata_conn_id: str | None = None,
        metadata_path: str | None = None,
        enable_cache: bool | None = None,
        beam_pipeline_args: Sequence[str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if pipeline_root and "{{" not in pipeline_root:
            check_local_root(pipeline_root, where=f"task {self.task_id!r}")
        self.pipeline_root = pipeline_root
        self.metadata_conn_id = metadata_conn_id
        self.metadata_path = metadata_path
        self.enable_cache = enable_cache
        self.beam_pipeline_args = list(beam_pipeline_args) if beam_pipeline_args is not None else None
        self.component_inputs: dict[str, list[Any]] = {}

    # ------------------------------------------------------------------ wiring
    @property
    def outputs(self) -> Outputs:
        """``task.outputs["key"]``: pass it to a downstream task as an input argument."""
        return Outputs(self, self.output_types)

    def upstream_component_ids(self) -> list[str]:
        return producer_task_ids(self.component_inputs)

    def wire_inputs(self) -> None:
        """Set upstream dependencies on every task whose output this task consumes."""
        for items in self.component_inputs.values():
            for item in items:
                if not isinstance(item, OutputRef):
                    continue
                if not item.task.has_dag():
                    raise PipelineDefinitionError(
                        f"task {self.task_id!r} takes {item} from a task that belongs to no DAG; build "
                        f"{item.task_id!r} inside the same DAG (or the same components function)"
                    )
                self.set_upstream(item.task)

    # ------------------------------------------------------------- run helpers
    def resolved_pipeline_root(self) -> str:
        root = self.pipeline_root or default_pipeline_root(self.dag_id)
        check_local_root(root, where=f"task {self.task_id!r}")
        return os.path.abspath(root)

    def store_reference(self, pipeline_root: str) -> dict[str, str]:
        """Where this task's artifacts and MLMD records live: the pipeline root, and the MLMD store
        as a connection id or a SQLite path (never credentials). Pushed to XCom (``tfx_store``) so
        that the UI pages find a DAG's store without parsing its file."""
        if self.metadata_conn_id:
            return {"pipeline_root": pipeline_root, "conn_id": self.metadata_conn_id}
        if self.metadata_path:
            return {"pipeline_root": pipeline_root, "sqlite_path": os.path.abspath(self.metadata_path)}
        try:
            MLMDHook(MLMDHook.default_conn_name).get_metadata_config()
            return {"pipeline_root": pipeline_root, "conn_id": MLMDHook.default_conn_name}
        except AirflowNotFoundException:
            embedded = MetadataConfig.sqlite_under(pipeline_root).path
            return {"pipeline_root": pipeline_root, "sqlite_path": embedded}

    def metadata_config(self, pipeline_root: str) -> MetadataConfig:
        reference = self.store_reference(pipeline_root)
        if "conn_id" in reference:
            return MLMDHook(reference["conn_id"]).get_metadata_config()
        return MetadataConfig(path=reference["sqlite_path"])

    def run_settings(self, context: Context) -> RunSettings:
        """The run's settings, built once: the executor gets ``.run`` as its ``ExecutionInfo``.

        Also pushes the ``tfx_store`` XCom (:meth:`store_reference`) for the UI pages.
        """
        root = self.resolved_pipeline_root()
        context["ti"].xcom_push(key=STORE_XCOM_KEY, value=self.store_reference(root))
        run = ExecutionInfo(
            pipeline_name=self.dag_id,
            pipeline_root=root,
            run_id=str(context["run_id"]),
            component_id=self.task_id,
            logical_date=context.get("logical_date"),
            data_interval_start=context.get("data_interval_start"),
            data_interval_end=context.get("data_interval_end"),
            beam_pipeline_args=tuple(self.beam_pipeline_args or ()),
            temp_dir=os.path.join(root, ".temp", self.task_id),
            run_type=_run_type(context),
        )
        enable_cache = True if self.enable_cache is None else bool(self.enable_cache)
        return RunSettings(run=run, metadata=self.metadata_config(root), enable_cache=enable_cache)

    def pull_inputs(self, context: Context) -> dict[str, list[Any]]:
        """Replace each ``OutputRef`` by the artifact references its producer pushed to XCom.

        Each pulled reference is wrapped in a ``TaskOutput`` naming its producer, so that the
        launcher can check that this task made it in this very run.
        """
        pulled: dict[str, list[Any]] = {}
        for key, items in self.component_inputs.items():
            pulled[key] = []
            for item in items:
                if not isinstance(item, OutputRef):
                    pulled[key].append(item)
                    continue
                where = f"task {self.task_id!r}: input {key!r} (XCom {item.key!r} of task {item.task_id!r})"
                try:
                    value = context["ti"].xcom_pull(task_ids=item.task_id, key=item.key)
                except Exception as err:  # e.g. a value that is not JSON: Airflow cannot even return it
                    raise InputResolutionError(f"{where}: the XCom cannot be read: {err}") from err
                if value is None:
                    raise InputResolutionError(f"{where} has no value (did that task run in this DAG run?)")
                if not isinstance(value, list):
                    raise InputResolutionError(f"{where} is not a list of artifact references: {value!r}")
                pulled[key].extend(TaskOutput(entry, item.task_id) for entry in value)
        return pulled

    def push_outputs(self, context: Context, outputs: Mapping[str, list[ArtifactRef]]) -> dict[str, Any]:
        payload = refs_to_json(outputs)
        for key, refs in payload.items():
            context["ti"].xcom_push(key=key, value=refs)
        return payload
