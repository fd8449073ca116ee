"""Pusher: deliver a blessed model to a serving location (TFX's Pusher).

Filesystem destination in TensorFlow Serving's layout, ``<base_directory>/<version>/``
(version = unix timestamp, seconds, or one more than the highest version there: a new
version is always the highest, the one TF Serving serves). The copy goes to a hidden
temporary folder first and is renamed into place, so TF Serving never sees half a model. A
push record per version (``<base_directory>/.push_records/<version>.json``) remembers which
model artifact it holds: pushing the same model artifact again reuses that version instead of adding one.

Gate: the Pusher runs only when every given blessing (``model_blessing``,
``infra_blessing``) is positive, and not for backfill runs unless ``allow_backfill_push``.
"""

from __future__ import annotations

from typing import Any

from airflow_tfx_provider.components.spec import (
    ComponentSpec,
    InputSpec,
    OutputSpec,
    Parameter,
)
from airflow_tfx_provider.exceptions import PipelineDefinitionError
from airflow_tfx_provider.types import INFRA_BLESSING, MODEL, MODEL_BLESSING, PUSHED_MODEL


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


def base_directory(params: dict[str, Any]) -> str:
    return str(params["push_destination"]["filesystem"]["base_directory"])


PusherSpec = ComponentSpec(
    name="Pusher",
    inputs={
        "model": InputSpec(MODEL, doc="the model to push"),
        "model_blessing": InputSpec(
            MODEL_BLESSING, optional=True, doc="Evaluator's verdict; not blessed: the task is skipped"
        ),
        "infra_blessing": InputSpec(
            INFRA_BLESSING, optional=True, doc="InfraValidator's verdict; not blessed: the task is skipped"
        ),
    },
    outputs={
        "pushed_model": OutputSpec(
            PUSHED_MODEL,
            doc="``push_record.json``; properties ``pushed``, ``pushed_destination``, ``pushed_version``",
        )
    },
    parameters={
        "push_destination": Parameter(
            doc='``{"filesystem": {"base_directory": "/serving/models/taxi"}}``: the model is copied to '
            "``<base_directory>/<version>/`` (version = unix timestamp), TF Serving's layout"
        ),
        "allow_backfill_push": Parameter(False, "push also from backfill runs (otherwise they are skipped)"),
        "custom_config": Parameter(
            None,
            "free-form dict, accepted as in TFX; the filesystem push does not use it (it only enters "
            "the cache key)",
        ),
    },
    executor="airflow_tfx_provider.components.pusher.executor.run",
    default_id="pusher",
    doc="Pushes a blessed model to a serving directory in TF Serving's layout (TFX's Pusher).",
    validate_parameters=validate_parameters,
    gate="airflow_tfx_provider.components.pusher.executor.gate",
)


#: ``airflow tfx rollback``: push an earlier model again as a new version. Recorded as a Pusher
#: execution (node ``rollback``), so the newest push, and with it the serving model and the next
#: run's baseline, is the rolled-back model. No gate and no cache: the command checks the model.
RollbackSpec = ComponentSpec(
    name="Pusher",
    inputs={"model": InputSpec(MODEL, doc="the earlier model to serve again")},
    outputs={"pushed_model": PusherSpec.outputs["pushed_model"]},
    parameters={"push_destination": PusherSpec.parameters["push_destination"]},
    executor="airflow_tfx_provider.components.pusher.executor.rollback",
    default_id="rollback",
    doc="Pushes an earlier model again as a new serving version (airflow tfx rollback).",
    validate_parameters=validate_parameters,
)
