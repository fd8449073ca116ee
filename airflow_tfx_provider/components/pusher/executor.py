"""pusher's executor."""

from __future__ import annotations

import contextlib
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
    Refusal,
)
from airflow_tfx_provider.exceptions import ExecutorError, InvalidInputDataError
from airflow_tfx_provider.types import ArtifactRef

log = logging.getLogger(__name__)


RECORDS_DIR = ".push_records"


PUSH_RECORD_FILE = "push_record.json"


def gate(inputs: Inputs, params: dict[str, Any], info: ExecutionInfo) -> Refusal | None:
    """Skip when a blessing says no, or for a backfill run unless allowed."""
    reason = refusal([*inputs.get("model_blessing", []), *inputs.get("infra_blessing", [])])
    if reason is not None:
        return Refusal("not_blessed", f"not pushing: {reason}")
    if info.run_type == "backfill" and not params["allow_backfill_push"]:
        return Refusal("backfill", "not pushing from a backfill run (set allow_backfill_push=True to push)")
    return None


def _existing_version(base: str, model: ArtifactRef) -> str | None:
    records = os.path.join(base, RECORDS_DIR)
    if not os.path.isdir(records):
        return None
    for name in sorted(os.listdir(records), reverse=True):
        if not name.endswith(".json"):
            continue
        path = os.path.join(records, name)
        try:
            with open(path) as handle:
                record = json.load(handle)
        except (OSError, ValueError) as err:
            raise InvalidInputDataError(
                f"Pusher: push record {path} cannot be read ({type(err).__name__}: {err}); it tells which "
                "model each version holds, so nothing is pushed: repair or remove it (its version folder "
                f"{os.path.join(base, name[: -len('.json')])} is then no longer known as a push)"
            ) from err
        if not isinstance(record, dict):
            raise InvalidInputDataError(f"Pusher: push record {path} is not a JSON object: {record!r}")
        version = str(record.get("version"))
        if (
            record.get("model_id") == model.mlmd_id
            and os.path.normpath(record.get("model_uri", "")) == os.path.normpath(model.uri)
            and os.path.isdir(os.path.join(base, version))
        ):
            return version
    return None


def _new_version(base: str) -> str:
    """The unix time, or one more than the highest version there: TF Serving serves the highest,
    so a new push (or a rollback) must always be the highest."""
    existing = [int(name) for name in os.listdir(base) if name.isdigit()] if os.path.isdir(base) else []
    version = max([int(time.time()), *(v + 1 for v in existing)])
    while os.path.exists(os.path.join(base, str(version))):
        version += 1
    return str(version)


def _write_json_atomically(path: str, data: dict[str, Any]) -> None:
    tmp = f"{path}.tmp-{uuid.uuid4().hex}"
    try:
        with open(tmp, "w") as handle:
            json.dump(data, handle, indent=2, sort_keys=True)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        raise


def _kind(path: str) -> str:
    if os.path.islink(path) and not os.path.exists(path):
        return "a broken symbolic link"
    return "a regular file" if os.path.isfile(path) else "not a directory"


def _inside(path: str, folder: str) -> bool:
    path, folder = os.path.abspath(path), os.path.abspath(folder)
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _what_is_wrong(base: str, source: str, err: OSError) -> str:
    """What is wrong with ``base`` (or its nearest existing parent), judged after ``err``."""
    target = os.path.abspath(base)
    nearest = target
    while not os.path.lexists(nearest) and os.path.dirname(nearest) != nearest:
        nearest = os.path.dirname(nearest)
    if os.path.lexists(nearest) and not os.path.isdir(nearest):
        where = "it" if nearest == target else nearest
        return f"{where} is {_kind(nearest)}, not a directory"
    filename = getattr(err, "filename", None)
    if isinstance(filename, str) and _inside(filename, source):
        return f"the model's files in {source} cannot be read"
    if isinstance(err, PermissionError) or not os.access(nearest, os.W_OK | os.X_OK):
        where = "it" if nearest == target else f"{nearest} (its nearest existing parent)"
        return f"{where} is not writable by this process"
    return "writing there failed"


def _destination_error(
    base: str, source: str, model: ArtifactRef, err: OSError, left: list[str] | None = None
) -> ExecutorError:
    if left:
        outcome = f"Nothing was pushed, but removing the partial copy failed: remove {left} by hand"
    else:
        outcome = "Nothing was pushed: no new version folder or push record is left there"
    return ExecutorError(
        f"Pusher: cannot push Model #{model.mlmd_id} to push_destination.filesystem.base_directory "
        f"{base}: {_what_is_wrong(base, source, err)} ({type(err).__name__}: {err}). {outcome}"
    )


def _push_new_version(base: str, source: str, record: dict[str, Any], model: ArtifactRef) -> None:
    """Copy ``source`` to ``<base>/<version>`` and write its push record; all or nothing.

    The copy goes to a hidden folder renamed into place; if the push record cannot be written
    after that, the version folder is removed again, so that a retry pushes afresh.
    """
    version = str(record["version"])
    staging = os.path.join(base, f".tmp-{version}-{uuid.uuid4().hex[:8]}")
    destination = os.path.join(base, version)
    ours = [staging]
    try:
        try:
            shutil.copytree(source, staging)
            os.rename(staging, destination)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        ours = [destination]
        try:
            _write_json_atomically(os.path.join(base, RECORDS_DIR, f"{version}.json"), record)
        except BaseException:
            shutil.rmtree(destination, ignore_errors=True)
            raise
    except OSError as err:
        left = [path for path in ours if os.path.lexists(path)]
        raise _destination_error(base, source, model, err, left) from err


def run(inputs: Inputs, outputs: Outputs, params: dict[str, Any], info: ExecutionInfo) -> None:
    """Push the model as a new version, or record the version that already holds it."""
    validate_parameters(params)
    _deliver(
        single(inputs, "model"), single(outputs, "pushed_model"), base_directory(params), info, reuse=True
    )


def rollback(inputs: Inputs, outputs: Outputs, params: dict[str, Any], info: ExecutionInfo) -> None:
    """Push an earlier model again as a new version (the newest version is what TF Serving serves)."""
    validate_parameters(params)
    _deliver(
        single(inputs, "model"), single(outputs, "pushed_model"), base_directory(params), info, reuse=False
    )


def _deliver(model: ArtifactRef, pushed: ArtifactRef, base: str, info: ExecutionInfo, *, reuse: bool) -> None:
    source = model_io.saved_model_dir(model, "Pusher")
    try:
        os.makedirs(os.path.join(base, RECORDS_DIR), exist_ok=True)
        version = _existing_version(base, model) if reuse else None
        fresh = version is None
        if version is None:
            version = _new_version(base)
    except OSError as err:
        raise _destination_error(base, source, model, err) from err
    destination = os.path.join(base, version)
    record = {
        "model_id": model.mlmd_id,
        "model_uri": model.uri,
        "version": version,
        "destination": destination,
        "run_id": info.run_id,
        "pushed_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        **({} if reuse else {"rollback": True}),
    }
    if fresh:
        _push_new_version(base, source, record, model)
        log.info(
            "pushed Model #%s from %s to %s%s",
            model.mlmd_id,
            source,
            destination,
            "" if reuse else " (rollback)",
        )
    else:
        log.info(
            "Model #%s is already pushed as version %s in %s; not pushing it again",
            model.mlmd_id,
            version,
            base,
        )
    _write_json_atomically(os.path.join(pushed.uri, PUSH_RECORD_FILE), {**record, "new_version": fresh})
    pushed.properties.update(
        {
            "pushed": 1,
            "pushed_destination": destination,
            "pushed_version": version,
            "pushed_model_id": model.mlmd_id or 0,
            "new_version": 1 if fresh else 0,
            **({} if reuse else {"rollback": 1}),
        }
    )
