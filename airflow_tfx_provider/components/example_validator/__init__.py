"""ExampleValidator: check statistics against a schema, and optionally for drift and skew.

Output layout (TFX 1.x): ``<anomalies.uri>/Split-<name>/SchemaDiff.pb``, a binary
``tensorflow_metadata`` ``Anomalies`` proto per processed split (empty ``anomaly_info`` when
the split is clean).

For each split, one ``tfdv.validate_statistics`` call checks the split's statistics against the
schema and, when configured, against two control data sets:

- **drift** (``drift_thresholds``): the same split of ``previous_statistics`` (the previous
  span's statistics). Without ``previous_statistics`` drift is skipped, saying so in the log.
- **skew** (``skew_thresholds``): the ``train`` split of ``statistics`` (train/eval skew). Every
  other split is compared with it through TFDV's ``serving_statistics`` mechanism and the
  schema's ``skew_comparator`` (the split being validated plays TFDV's "current" data, ``train``
  the control; both measures are symmetric). ``train`` is used as the baseline even if it is
  in ``exclude_splits``.

Thresholds are a dict feature name -> threshold. The comparator is chosen from the feature's
type in the schema: the L-infinity distance for string (BYTES) and categorical INT features,
the Jensen-Shannon divergence for numeric (FLOAT, INT) ones. They are set on a copy of the
schema (``drift_comparator`` / ``skew_comparator``); comparators already present in the schema
are kept and also apply.

``fail_on_anomalies`` raises ``AnomaliesFoundError`` (listing split, feature, description)
after every split is validated and written.
"""

from __future__ import annotations

from typing import Any

from airflow_tfx_provider.components._parameters import check_exclude_splits, check_thresholds
from airflow_tfx_provider.components.spec import (
    ComponentSpec,
    InputSpec,
    OutputSpec,
    Parameter,
)
from airflow_tfx_provider.exceptions import (
    PipelineDefinitionError,
)
from airflow_tfx_provider.types import EXAMPLE_ANOMALIES, EXAMPLE_STATISTICS, SCHEMA

_NAME = "ExampleValidator"


def validate_parameters(params: dict[str, Any]) -> None:
    """Cheap structural checks, run when the DAG is parsed."""
    check_exclude_splits(params, _NAME)
    fail = params.get("fail_on_anomalies", False)
    if not isinstance(fail, bool):
        raise PipelineDefinitionError(f"{_NAME}: fail_on_anomalies must be a bool, got {fail!r}")
    check_thresholds(params, "drift_thresholds", _NAME)
    check_thresholds(params, "skew_thresholds", _NAME)


ExampleValidatorSpec = ComponentSpec(
    name=_NAME,
    default_id="example_validator",
    doc="Checks statistics against the schema, for drift and skew with TFDV (TFX's ExampleValidator).",
    inputs={
        "statistics": InputSpec(EXAMPLE_STATISTICS, doc="statistics to validate"),
        "schema": InputSpec(SCHEMA, doc="the schema to validate against"),
        "previous_statistics": InputSpec(
            EXAMPLE_STATISTICS,
            optional=True,
            doc='the previous span\'s statistics (``ResolverOperator(strategy="previous_span")``), for drift',
        ),
    },
    outputs={
        "anomalies": OutputSpec(
            EXAMPLE_ANOMALIES, doc="``Split-<name>/SchemaDiff.pb`` per split, a binary ``Anomalies`` proto"
        )
    },
    parameters={
        "exclude_splits": Parameter([], "names of splits not to validate"),
        "fail_on_anomalies": Parameter(
            False,
            "``True``: any anomaly fails the task (``AnomaliesFoundError`` listing split, feature, "
            "description) and nothing is published; ``False``: anomalies are only logged and written",
        ),
        "drift_thresholds": Parameter(
            None,
            "``{feature: threshold}``: compare each split with the same split of ``previous_statistics`` "
            "(L-infinity distance for categorical features, Jensen-Shannon divergence for numeric ones); "
            "skipped, with a log line, when there is no previous span",
        ),
        "skew_thresholds": Parameter(
            None,
            "``{feature: threshold}``: compare every non-train split with ``train`` (same measures); "
            "skipped, with a warning, when there is no ``train`` split",
        ),
    },
    executor="airflow_tfx_provider.components.example_validator.executor.run",
    validate_parameters=validate_parameters,
)
