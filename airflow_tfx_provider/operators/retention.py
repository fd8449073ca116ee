"""``RetentionOperator``: a pipeline cleans up after itself (``airflow tfx gc`` as a task)."""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Sequence
from typing import Any

from airflow.sdk import Context

from airflow_tfx_provider.exceptions import PipelineDefinitionError
from airflow_tfx_provider.operators.component import prepare_tensorflow_environment
from airflow_tfx_provider.operators.pipeline_task import PipelineTaskOperator
from airflow_tfx_provider.runtime.retention_policy import RetentionPolicy, parse_duration

log = logging.getLogger(__name__)


def _run_in_progress(dag_id: str, run_id: str) -> bool:
    """Asked through the Task SDK (tasks have no database access); unknown runs are not running."""
    from airflow.sdk.execution_time.task_runner import RuntimeTaskInstance

    try:
        state = RuntimeTaskInstance.get_dagrun_state(dag_id=dag_id, run_id=run_id)
    except Exception:  # e.g. a rollback's MLMD run, which is no DAG run: nothing to protect
        return False
    return str(state) in ("queued", "running", "DagRunState.QUEUED", "DagRunState.RUNNING")


class RetentionOperator(PipelineTaskOperator):
    """Deletes what this pipeline no longer needs, keeping lineage safe (see ``airflow tfx gc``).

    Kept: the serving model and the models of the last ``keep_models`` pushes with their input
    lineage and direct products, everything made from the newest ``keep_spans`` spans, what
    running executions use, the push history and external files. The rest (older than
    ``older_than``, e.g. ``"30d"``, if given) has its folder removed and its MLMD artifact marked
    DELETED. Put it after the Pusher: ``pusher >> RetentionOperator(keep_spans=30, keep_models=5)``.
    The XCom value says what was deleted and how many bytes were freed.

    :param keep_spans: keep what was made from the newest N spans (>= 1).
    :param keep_models: keep the last N pushed models with their lineage (>= 1).
    :param older_than: only delete what is older (``"30d"``, ``"12h"``, ``"2w"``).
    :param report_only: log what would be deleted; change nothing (a dry run).
    """

    template_fields: Sequence[str] = ("pipeline_root", "older_than")
    ui_color = "#fce8e6"

    def __init__(
        self,
        *,
        keep_spans: int,
        keep_models: int,
        older_than: str | None = None,
        report_only: bool = False,
        task_id: str = "retention",
        **kwargs: Any,
    ) -> None:
        super().__init__(task_id=task_id, **kwargs)
        try:
            RetentionPolicy(keep_spans, keep_models, parse_duration(older_than) if older_than else None)
        except ValueError as err:
            raise PipelineDefinitionError(f"RetentionOperator {task_id!r}: {err}") from None
        self.keep_spans = keep_spans
        self.keep_models = keep_models
        self.older_than = older_than
        self.report_only = report_only

    def execute(self, context: Context) -> dict[str, Any]:
        prepare_tensorflow_environment()  # before MLMD loads: its native log level
        # Imported here: retention reads MLMD, which DAG parsing must not load.
        from airflow_tfx_provider.metadata.store import MetadataGateway
        from airflow_tfx_provider.runtime.retention import apply_retention, plan_retention

        settings = self.run_settings(context)
        older = parse_duration(self.older_than) if self.older_than else None
        gateway = MetadataGateway.connect(settings.metadata)
        plan = plan_retention(
            gateway,
            settings.run.pipeline_name,
            RetentionPolicy(self.keep_spans, self.keep_models, older),
            run_in_progress=functools.partial(_run_in_progress, self.dag_id),
        )
        log.info(
            "keeping %d artifact(s); %d to delete (%d bytes)", len(plan.kept), len(plan.doomed), plan.bytes
        )
        if self.report_only:
            for doomed in plan.doomed:
                log.info("would delete %s #%d at %s", doomed.type, doomed.artifact_id, doomed.uri)
            return {"dry_run": True, "deleted": [], "bytes": plan.bytes}
        stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        deleted, freed = apply_retention(
            gateway, plan, f"{self.dag_id}.{self.task_id} run {settings.run.run_id} at {stamp}"
        )
        log.info("deleted %d artifact(s), freed %d bytes", len(deleted), freed)
        return {"dry_run": False, "deleted": deleted, "bytes": freed}
