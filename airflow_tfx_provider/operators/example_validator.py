"""``ExampleValidatorOperator``: TFX's ExampleValidator."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from airflow_tfx_provider.components.example_validator import ExampleValidatorSpec
from airflow_tfx_provider.operators.component import ComponentOperator
from airflow_tfx_provider.operators.wiring import ArtifactInput


class ExampleValidatorOperator(ComponentOperator):
    """Checks statistics against the schema, for drift and skew with TFDV (TFX's ExampleValidator).

    .. Generated from the spec by ``make docs`` (``ExampleValidator``); edit the spec, not this block.

    :param statistics: statistics to validate (input ``ExampleStatistics``, required).
    :param schema: the schema to validate against (input ``Schema``, required).
    :param previous_statistics: the previous span's statistics
        (``ResolverOperator(strategy="previous_span")``), for drift (input ``ExampleStatistics``,
        optional).
    :param exclude_splits: names of splits not to validate (parameter, default ``[]``).
    :param fail_on_anomalies: ``True``: any anomaly fails the task (``AnomaliesFoundError`` listing
        split, feature, description) and nothing is published; ``False``: anomalies are only logged and
        written (parameter, default ``False``).
    :param drift_thresholds: ``{feature: threshold}``: compare each split with the same split of
        ``previous_statistics`` (L-infinity distance for categorical features, Jensen-Shannon divergence
        for numeric ones); skipped, with a log line, when there is no previous span (parameter, default
        ``None``).
    :param skew_thresholds: ``{feature: threshold}``: compare every non-train split with ``train`` (same
        measures); skipped, with a warning, when there is no ``train`` split (parameter, default
        ``None``).
    :param task_id: task id, default ``'example_validator'``.

    Outputs (``task.outputs[key]``):

    - ``anomalies`` (``ExampleAnomalies``): ``Split-<name>/SchemaDiff.pb`` per split, a binary
        ``Anomalies`` proto

    Pipeline settings (``pipeline_root``, ``metadata_conn_id``, ``enable_cache``,
    ``beam_pipeline_args``, usually given once through ``create_pipeline_dag``) and every
    ``BaseOperator`` argument are accepted as well.
    """

    spec = ExampleValidatorSpec

    def __init__(
        self,
        *,
        statistics: ArtifactInput,
        schema: ArtifactInput,
        previous_statistics: ArtifactInput | None = None,
        exclude_splits: Sequence[str] = (),
        fail_on_anomalies: bool = False,
        drift_thresholds: Mapping[str, float] | None = None,
        skew_thresholds: Mapping[str, float] | None = None,
        task_id: str = "example_validator",
        **kwargs: Any,
    ) -> None:
        super().__init__(
            task_id=task_id,
            statistics=statistics,
            schema=schema,
            previous_statistics=previous_statistics,
            exclude_splits=exclude_splits,
            fail_on_anomalies=fail_on_anomalies,
            drift_thresholds=drift_thresholds,
            skew_thresholds=skew_thresholds,
            **kwargs,
        )
