"""pusher's executor."""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
import uuid
from typing import Any

from airflow_tfx_provider.components._artifacts import model as model_io
from airflow_tfx_provider.components._artifacts import single
from airflow_tfx_provider.components._artifacts.blessing import refusal
from airflow_tfx_provider.components.pusher import base_directory, validate_parameters
from airflow_tfx_provider.components.spec import (
    ExecutionInfo,
    Inputs,
    Outputs,
)
from airflow_tfx_provider.types import ArtifactRef

log = logging.getLogger(__name__)


RECORDS_DIR = ".push_records"


PUSH_RECORD_FILE = "push_record.json"


def gate(inputs: Inputs, params: dict[str, Any], info: ExecutionInfo) -> str | None:
    """Skip when a blessing says no, or for a backfill run unless allowed."""
    reason = refusal([*inputs.get("model_blessing", []), *inputs.get("infra_blessing", [])])
    if reason is not None:
        return f"not pushing: {reason}"
    if info.run_type == "backfill" and not params["allow_backfill_push"]:
        return "not pushing from a backfill run (set allow_backfill_push=True to push)"
    return None


def _existing_version(base: str, model: ArtifactRef) -> str | None:
    records = os.path.join(base, RECORDS_DIR)
    if not os.path.isdir(records):
        return None
    for name in sorted(os.listdir(records), reverse=True):
        if not name.endswith(".json"):
            continue
        with open(os.path.join(records, name)) as handle:
            record = json.load(handle)
        version = str(record.get("version"))
        if (
            record.get("model_id") == model.mlmd_id
            and os.path.normpath(record.get("model_uri", "")) == os.path.normpath(model.uri)
            and os.path.isdir(os.path.join(base, version))
        ):
            return version
    return None


def _new_version(base: str) -> str:
    version = int(time.time())
    while os.path.exists(os.path.join(base, str(version))):
        version += 1
    return str(version)


def _write_json_atomically(path: str, data: dict[str, Any]) -> None:
    tmp = f"{path}.tmp-{uuid.uuid4().hex}"
    with open(tmp, "w") as handle:
        json.dump(data, handle, indent=2, sort_keys=True)
    os.replace(tmp, path)


def run(inputs: Inputs, outputs: Outputs, params: dict[str, Any], info: ExecutionInfo) -> None:
    validate_parameters(params)
    model = single(inputs, "model")
    pushed = single(outputs, "pushed_model")
    source = model_io.saved_model_dir(model, "Pusher")
    base = base_directory(params)
    os.makedirs(os.path.join(base, RECORDS_DIR), exist_ok=True)

    version = _existing_version(base, model)
    if version is not None:
        log.info(
            "Model #%s is already pushed as version %s in %s; not pushing it again",
            model.mlmd_id,
            version,
            base,
        )
        fresh = False
    else:
        version = _new_version(base)
        staging = os.path.join(base, f".tmp-{version}-{uuid.uuid4().hex[:8]}")
        try:
            shutil.copytree(source, staging)
            os.rename(staging, os.path.join(base, version))
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        fresh = True
        log.info("pushed Model #%s from %s to %s", model.mlmd_id, source, os.path.join(base, version))
    destination = os.path.join(base, version)
    record = {
        "model_id": model.mlmd_id,
        "model_uri": model.uri,
        "version": version,
        "destination": destination,
        "run_id": info.run_id,
        "pushed_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    if fresh:
        _write_json_atomically(os.path.join(base, RECORDS_DIR, f"{version}.json"), record)
    _write_json_atomically(os.path.join(pushed.uri, PUSH_RECORD_FILE), {**record, "new_version": fresh})
    pushed.properties.update(
        {
            "pushed": 1,
            "pushed_destination": destination,
            "pushed_version": version,
            "pushed_model_id": model.mlmd_id or 0,
            "new_version": 1 if fresh else 0,
        }
    )
