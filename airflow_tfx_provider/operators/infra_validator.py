"""``InfraValidatorOperator``: TFX's InfraValidator."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from airflow_tfx_provider.components.infra_validator import InfraValidatorSpec
from airflow_tfx_provider.operators.component import ComponentOperator
from airflow_tfx_provider.operators.wiring import ArtifactInput


class InfraValidatorOperator(ComponentOperator):
    """Loads the model in a sandboxed model server and queries it (TFX's InfraValidator).

    .. Generated from the spec by ``make docs`` (``InfraValidator``); edit the spec, not this block.

    :param model: the candidate model (SavedModel under ``Format-Serving/``) (input ``Model``,
        required).
    :param examples: examples to build requests from (LOAD_AND_QUERY, with ``request_spec``) (input
        ``Examples``, optional).
    :param serving_spec: ``None`` (the built-in server) or ``{"tensorflow_serving": {"tags":
        ["latest"]}, "model_name": "taxi"}``: a ``tensorflow_model_server`` binary on the ``PATH``
        serves the model, else the built-in server (same REST API) (parameter, default ``None``).
    :param validation_spec: ``{"max_loading_time_seconds": 300, "num_tries": 5}`` (the defaults); the
        time includes the server's TensorFlow import (parameter, default ``None``).
    :param request_spec: ``{"tensorflow_serving": {"signature_names": ["serving_default"]},
        "split_name": "eval", "num_examples": 1}``: query the model with examples (LOAD_AND_QUERY, needs
        ``examples``); ``None``: load only (parameter, default ``None``).
    :param task_id: task id, default ``'infra_validator'``.

    Outputs (``task.outputs[key]``):

    - ``blessing`` (``InfraBlessing``): ``INFRA_BLESSED`` or ``INFRA_NOT_BLESSED``; property
        ``blessed``, the reason as custom property ``reason``

    Pipeline settings (``pipeline_root``, ``metadata_conn_id``, ``enable_cache``,
    ``beam_pipeline_args``, usually given once through ``create_pipeline_dag``) and every
    ``BaseOperator`` argument are accepted as well.
    """

    spec = InfraValidatorSpec

    def __init__(
        self,
        *,
        model: ArtifactInput,
        examples: ArtifactInput | None = None,
        serving_spec: Mapping[str, Any] | None = None,
        validation_spec: Mapping[str, Any] | None = None,
        request_spec: Mapping[str, Any] | None = None,
        task_id: str = "infra_validator",
        **kwargs: Any,
    ) -> None:
        super().__init__(
            task_id=task_id,
            model=model,
            examples=examples,
            serving_spec=serving_spec,
            validation_spec=validation_spec,
            request_spec=request_spec,
            **kwargs,
        )
