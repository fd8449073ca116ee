"""``PusherOperator``: Pushes a blessed model to a serving directory in TF Serving's layout (TFX's Pusher)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from airflow.sdk import Asset, Context

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

    The task declares ``pushed_model_asset(base_directory)`` as its outlet, so Airflow's asset
    views show the Pusher as its producer, and an event (model id, version and destination in
    its extra) is emitted each time a new version is written. A run that writes no new version
    (a cache hit, or a model pushed before) ends *skipped*, saying so: Airflow emits an outlet's
    event whenever its task succeeds, and "success" here means "a new version serves now".

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
        # push_destination was checked by the spec above, so base_directory() is safe here
        # (a templated base directory names its asset by the unrendered text).
        self.model_asset = pushed_model_asset(base_directory(self.parameters))
        self.outlets = [*self.outlets, self.model_asset]

    def after_launch(self, context: Context, result: LaunchResult) -> None:
        """Fill the asset event's extra when this run wrote a new version; otherwise end skipped."""
        [pushed] = result.outputs["pushed_model"]
        props = pushed.properties
        if result.cached or not props.get("new_version"):
            why = "the model was pushed before"
            if result.cached:
                why = "a cache hit: this model and destination were pushed by an earlier run"
            self.skip(
                context,
                "nothing_new",
                f"nothing new to push: Model #{props.get('pushed_model_id')} is version "
                f"{props.get('pushed_version')} at {props.get('pushed_destination')} ({why}); "
                "no asset event emitted",
            )
        super().after_launch(context, result)
        context["outlet_events"][self.model_asset].extra.update(
            {
                "model_id": props.get("pushed_model_id"),
                "version": props.get("pushed_version"),
                "destination": props.get("pushed_destination"),
            }
        )
