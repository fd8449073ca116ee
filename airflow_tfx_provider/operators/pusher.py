"""``PusherOperator``: Pushes a blessed model to a serving directory in TF Serving's layout (TFX's Pusher)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from airflow.sdk import Asset, AssetAlias, Context

from airflow_tfx_provider.components.pusher import PusherSpec, base_directory
from airflow_tfx_provider.operators.component import ComponentOperator
from airflow_tfx_provider.operators.wiring import ArtifactInput

if TYPE_CHECKING:
    from airflow_tfx_provider.runtime.launcher import LaunchResult


def pushed_model_asset(base_directory: str) -> Asset:
    """The Asset that gets an event each time a new model version lands in ``base_directory``.

    Schedule a downstream DAG on it: ``schedule=[pushed_model_asset("/serving/taxi")]``.
    """
    path = os.path.abspath(base_directory)
    return Asset(name=f"tfx-model:{path}", uri=f"file://{path}")


class PusherOperator(ComponentOperator):
    """Pushes a blessed model to a serving directory in TF Serving's layout (TFX's Pusher).

    When a new version is written, an event for ``pushed_model_asset(base_directory)`` is
    emitted (through an asset alias, so that skipped runs and re-pushes of an already pushed
    model emit nothing), with the model id, version and destination in its extra.

    .. Generated from the spec by ``make docs`` (``Pusher``); edit the spec, not this block.

    :param model: the model to push (input ``Model``, required).
    :param push_destination: ``{"filesystem": {"base_directory": "/serving/models/taxi"}}``: the model
        is copied to ``<base_directory>/<version>/`` (version = unix timestamp), TF Serving's layout
        (parameter, required).
    :param model_blessing: Evaluator's verdict; not blessed: the task is skipped (input
        ``ModelBlessing``, optional).
    :param infra_blessing: InfraValidator's verdict; not blessed: the task is skipped (input
        ``InfraBlessing``, optional).
    :param allow_backfill_push: push also from backfill runs (otherwise they are skipped) (parameter,
        default ``False``).
    :param custom_config: free-form dict, accepted as in TFX; the filesystem push does not use it (it
        only enters the cache key) (parameter, default ``None``).
    :param task_id: task id, default ``'pusher'``.

    Outputs (``task.outputs[key]``):

    - ``pushed_model`` (``PushedModel``): ``push_record.json``; properties ``pushed``,
        ``pushed_destination``, ``pushed_version``

    Pipeline settings (``pipeline_root``, ``metadata_conn_id``, ``enable_cache``,
    ``beam_pipeline_args``, usually given once through ``create_pipeline_dag``) and every
    ``BaseOperator`` argument are accepted as well.
    """

    spec = PusherSpec
    ui_color = "#e6f4ea"

    def __init__(
        self,
        *,
        model: ArtifactInput,
        push_destination: Mapping[str, Any],
        model_blessing: ArtifactInput | None = None,
        infra_blessing: ArtifactInput | None = None,
        allow_backfill_push: bool = False,
        custom_config: Mapping[str, Any] | None = None,
        task_id: str = "pusher",
        **kwargs: Any,
    ) -> None:
        super().__init__(
            task_id=task_id,
            model=model,
            model_blessing=model_blessing,
            infra_blessing=infra_blessing,
            push_destination=push_destination,
            allow_backfill_push=allow_backfill_push,
            custom_config=custom_config,
            **kwargs,
        )
        # push_destination was checked by the spec above, so base_directory() is safe here.
        alias_path = os.path.abspath(base_directory(self.parameters))
        self.model_alias = AssetAlias(name=f"tfx-pushed-model:{alias_path}")
        self.outlets = [*self.outlets, self.model_alias]

    def after_launch(self, context: Context, result: LaunchResult) -> None:
        """Emit the asset event only when this run wrote a new version (not on cache hits)."""
        if result.cached or not result.outputs["pushed_model"]:
            return
        props = result.outputs["pushed_model"][0].properties
        if props.get("new_version"):
            context["outlet_events"][self.model_alias].add(
                pushed_model_asset(base_directory(self.parameters)),
                extra={
                    "model_id": props.get("pushed_model_id"),
                    "version": props.get("pushed_version"),
                    "destination": props.get("pushed_destination"),
                },
            )
