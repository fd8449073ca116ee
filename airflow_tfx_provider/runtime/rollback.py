"""Roll back: serve an earlier model of a pipeline again (``airflow tfx rollback``).

The earlier model is pushed again as a new version (TF Serving serves the highest version), as
an execution of the Pusher (node ``rollback``) through the launcher, so MLMD records the push
and its lineage. The newest push names the serving model, which is then also the baseline of
the pipeline's next run (``latest_blessed_model``). Only a model that was blessed (pushed
before, or named by a positive ModelBlessing) is accepted, unless forced.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from airflow_tfx_provider.components.pusher import RollbackSpec
from airflow_tfx_provider.components.spec import ExecutionInfo
from airflow_tfx_provider.metadata import history
from airflow_tfx_provider.metadata.config import MetadataConfig
from airflow_tfx_provider.metadata.store import MetadataGateway
from airflow_tfx_provider.runtime.launcher import LaunchResult, launch
from airflow_tfx_provider.runtime.settings import RunSettings
from airflow_tfx_provider.types import ArtifactRef

log = logging.getLogger(__name__)


class RollbackRefused(Exception):
    """The rollback cannot or should not happen; the message says why."""


@dataclass(frozen=True)
class RollbackPlan:
    model: ArtifactRef
    base_directory: str  # the serving location of the newest push
    pipeline_root: str
    serving_model_id: int
    why_allowed: str


def plan_rollback(
    gateway: MetadataGateway,
    pipeline: str,
    target: str,
    *,
    force: bool = False,
    pipeline_root: str | None = None,
) -> RollbackPlan:
    """Which model ``target`` (a pushed version, or a Model artifact id) names, and where it goes."""
    pushes = history.pushes(gateway, pipeline)  # newest first
    if not pushes:
        raise RollbackRefused(
            f"pipeline {pipeline!r} never pushed a model: there is no serving location to roll back"
        )
    by_version = {
        str(p.properties.get("pushed_version")): int(p.properties["pushed_model_id"]) for p in pushes
    }
    if target in by_version:
        model_id = by_version[target]
    elif target.isdigit():
        model_id = int(target)
    else:
        raise RollbackRefused(f"{target!r} is neither a pushed version ({sorted(by_version)}) nor a model id")
    stored = gateway.get_artifact(model_id)
    if stored is None or stored.ref.type != "Model":
        raise RollbackRefused(
            f"{target!r} names no Model of pipeline {pipeline!r} (pushed versions: {sorted(by_version)})"
        )
    if stored.state != "LIVE" or not os.path.isdir(stored.ref.uri):
        raise RollbackRefused(
            f"Model #{model_id} is {stored.state} or its files at {stored.ref.uri} are gone"
        )
    serving = int(pushes[0].properties["pushed_model_id"])
    if model_id == serving:
        raise RollbackRefused(
            f"Model #{model_id} is already serving (version {pushes[0].properties.get('pushed_version')})"
        )
    pushed_before = [
        str(p.properties.get("pushed_version"))
        for p in pushes
        if int(p.properties["pushed_model_id"]) == model_id
    ]
    blessings = gateway.latest_artifacts(
        "ModelBlessing",
        pipeline_name=pipeline,
        limit=100_000,
        where=lambda r: (
            int(r.properties.get("current_model_id", -1)) == model_id
            and int(r.properties.get("blessed", 0)) == 1
        ),
    )
    if pushed_before:
        why = f"pushed before as version(s) {sorted(pushed_before)}"
    elif blessings:
        why = f"blessed by ModelBlessing #{blessings[0].mlmd_id}"
    elif force:
        why = "never blessed; forced"
    else:
        raise RollbackRefused(
            f"Model #{model_id} was never blessed nor pushed; use --force to serve it anyway"
        )
    newest = pushes[0]
    base = os.path.dirname(str(newest.properties["pushed_destination"]).rstrip("/"))
    root = pipeline_root or str(Path(newest.uri).parents[2])  # <root>/<node>/pushed_model/<execution>
    return RollbackPlan(stored.ref, base, root, serving, why)


def roll_back(config: MetadataConfig, pipeline: str, plan: RollbackPlan, run_id: str) -> LaunchResult:
    """Push ``plan.model`` again as a new version, recorded in MLMD as a Pusher execution."""
    settings = RunSettings(
        run=ExecutionInfo(
            pipeline_name=pipeline, pipeline_root=plan.pipeline_root, run_id=run_id,
            component_id=RollbackSpec.default_id, run_type="rollback",
        ),
        metadata=config,
        enable_cache=False,
    )  # fmt: skip
    params = {"push_destination": {"filesystem": {"base_directory": plan.base_directory}}}
    log.info("rolling back %s to Model #%s (%s)", pipeline, plan.model.mlmd_id, plan.why_allowed)
    return launch(RollbackSpec, settings, {"model": [plan.model.to_json()]}, params)
