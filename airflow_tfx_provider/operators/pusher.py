"""``PusherOperator``: TFX's Pusher, plus an Airflow Asset event per newly pushed model."""

from __future__ import annotations

import os
from typing import Any

from airflow.sdk import Asset, AssetAlias, Context

from airflow_tfx_provider.components.pusher import PusherSpec, base_directory
from airflow_tfx_provider.operators.component import ComponentOperator
from airflow_tfx_provider.runtime.launcher import LaunchResult


def pushed_model_asset(base_directory: str) -> Asset:
    """The Asset that gets an event each time a new model version lands in ``base_directory``.

    Schedule a downstream DAG on it: ``schedule=[pushed_model_asset("/serving/taxi")]``.
    """
    path = os.path.abspath(base_directory)
    return Asset(name=f"tfx-model:{path}", uri=f"file://{path}")


class PusherOperator(ComponentOperator):
    """TFX's Pusher.

    See ``PusherSpec`` for inputs, outputs and parameters. When a new version is written,
    an event for ``pushed_model_asset(base_directory)`` is emitted (through an asset alias,
    so that skipped runs and re-pushes of an already pushed model emit nothing), with the
    model id, version and destination in its extra.
    """

    spec = PusherSpec
    ui_color = "#e6f4ea"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
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
