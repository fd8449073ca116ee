"""SchemaGen's executor: ``tfdv.infer_schema`` on the first split, ``tfdv.update_schema`` with the others."""

from __future__ import annotations

import logging
from typing import Any

import tensorflow_data_validation as tfdv

from airflow_tfx_provider.components._artifacts import data_validation as tfdv_io
from airflow_tfx_provider.components._artifacts import examples as example_io
from airflow_tfx_provider.components._artifacts import single
from airflow_tfx_provider.components.spec import ExecutionInfo, Inputs, Outputs
from airflow_tfx_provider.exceptions import InvalidInputDataError

log = logging.getLogger(__name__)


def run(inputs: Inputs, outputs: Outputs, params: dict[str, Any], info: ExecutionInfo) -> None:
    """Executor: infer the schema from the first split's statistics, update it with the others."""
    statistics = single(inputs, "statistics")
    target = single(outputs, "schema")
    infer_feature_shape = bool(params.get("infer_feature_shape", True))
    splits = example_io.selected_splits(statistics, params.get("exclude_splits"))
    log.info(
        "inferring schema from split(s) %s of statistics artifact %s (%s), infer_feature_shape=%s",
        splits,
        statistics.mlmd_id,
        statistics.uri,
        infer_feature_shape,
    )

    schema = None
    for split in splits:
        stats = tfdv_io.load_statistics(statistics, split)
        try:
            if schema is None:
                schema = tfdv.infer_schema(stats, infer_feature_shape=infer_feature_shape)
            else:
                schema = tfdv.update_schema(schema, stats, infer_feature_shape=infer_feature_shape)
        except (ValueError, TypeError, RuntimeError) as err:
            raise InvalidInputDataError(
                f"cannot infer a schema from {tfdv_io.statistics_path(statistics, split)}: {err}"
            ) from err
        log.info("split %r: schema now has %d feature(s)", split, len(schema.feature))
    tfdv_io.write_schema(schema, target)
