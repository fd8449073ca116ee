"""Pusher: deliver a blessed model to a serving location (TFX's Pusher).

Filesystem destination in TensorFlow Serving's layout, ``<base_directory>/<version>/``
(version = unix timestamp, seconds). The copy goes to a hidden temporary folder first and
is renamed into place, so TF Serving never sees half a model. A push record per version
(``<base_directory>/.push_records/<version>.json``) remembers which model artifact it
holds: pushing the same model artifact again reuses that version instead of adding one.

Gate: the Pusher runs only when every given blessing (``model_blessing``,
``infra_blessing``) is positive, and not for backfill runs unless ``allow_backfill_push``.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
import uuid
from typing import Any

from airflow_tfx_provider.components import model_io
from airflow_tfx_provider.components.base import (
    ComponentSpec,
    ExecutionInfo,
    Inputs,
    InputSpec,
    Outputs,
    OutputSpec,
    Parameter,
)
from airflow_tfx_provider.components.blessing import refusal
from airflow_tfx_provider.exceptions import PipelineDefinitionError
from airflow_tfx_provider.types import INFRA_BLESSING, MODEL, MODEL_BLESSING, PUSHED_MODEL, ArtifactRef

log = logging.getLogger(__name__)

RECORDS_DIR = ".push_records"
PUSH_RECORD_FILE = "push_record.json"


def base_directory(params: dict[str, Any]) -> str:
    return str(params["push_destination"]["filesystem"]["base_directory"])


def validate_parameters(params: dict[str, Any]) -> None:
    destination = params.get("push_destination")
    if not isinstance(destination, dict) or not isinstance(destination.get("filesystem"), dict):
        raise PipelineDefinitionError(
            'Pusher: push_destination must be {"filesystem": {"base_directory": "/path/to/serving/model"}}'
        )
    base = destination["filesystem"].get("base_directory")
    if not isinstance(base, str) or not base:
        raise PipelineDefinitionError(
            "Pusher: push_destination.filesystem.base_directory must be a non-empty path"
        )


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


def run_executor(inputs: Inputs, outputs: Outputs, params: dict[str, Any], info: ExecutionInfo) -> None:
    validate_parameters(params)
    [model] = inputs["model"]
    [pushed] = outputs["pushed_model"]
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


PusherSpec = ComponentSpec(
    name="Pusher",
    inputs={
        "model": InputSpec(MODEL, doc="the model to push"),
        "model_blessing": InputSpec(MODEL_BLESSING, optional=True, doc="Evaluator's verdict"),
        "infra_blessing": InputSpec(INFRA_BLESSING, optional=True, doc="InfraValidator's verdict"),
    },
    outputs={"pushed_model": OutputSpec(PUSHED_MODEL, doc="push_record.json: where and which version")},
    parameters={
        "push_destination": Parameter(doc='{"filesystem": {"base_directory": "/serving/models/taxi"}}'),
        "allow_backfill_push": Parameter(False, "push also from backfill runs"),
        "custom_config": Parameter(None, "free-form, recorded for custom pushers"),
    },
    executor=run_executor,
    default_id="pusher",
    validate_parameters=validate_parameters,
    gate=gate,
)
