"""``ImportExampleGenOperator``: TFX's ImportExampleGen."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from airflow_tfx_provider.components.example_gen import ImportExampleGenSpec
from airflow_tfx_provider.operators.example_gen_base import ExampleGenOperator


class ImportExampleGenOperator(ExampleGenOperator):
    """Reads TFRecord (tf.Example) or Parquet files into an Examples artifact (TFX's ImportExampleGen).

    .. Generated from the spec by ``make docs`` (``ImportExampleGen``); edit the spec, not this block.

    :param input_base: folder of the input files; templates allowed (``/data/{{ ds_nodash }}``)
        (parameter, required).
    :param input_config: ``{"splits": [{"name": "train", "pattern": "train/*"}, ...]}``: glob patterns
        relative to ``input_base``, may contain ``{SPAN}``, ``{VERSION}`` (optionally with a width,
        ``{SPAN:2}``) or a date, ``{YYYY}{MM}{DD}`` or monthly ``{YYYY}{MM}``; ``None``: one split,
        pattern ``*`` (parameter, default ``None``).
    :param output_config: ``{"split_config": {"splits": [{"name": "train", "hash_buckets": 2}, {"name":
        "eval", "hash_buckets": 1}]}, "partition_feature_name": "..."}``: hash-split a single input
        split (by the whole row, or by the partition feature); ``None``: train:eval 2:1 when the input
        has one split, else the input's splits (parameter, default ``None``).
    :param range_config: ``{"static_range": {"start_span_number": N, "end_span_number": N}}``: read span
        N (start and end equal; the pattern needs ``{SPAN}`` or ``{YYYY}{MM}{DD}``) (parameter, default
        ``None``).
    :param span_from_data_interval: take the span from the run's data interval start: the
        ``{YYYY}{MM}{DD}`` date (or its month for ``{YYYY}{MM}``) to read, or days since 1970-01-01
        without a span placeholder; ``False``: latest date on disk, or span 0 (parameter, default
        ``True``).
    :param span_from_asset_event: read what the asset event that triggered the run names in its extra:
        ``span``, ``date`` (``YYYY-MM-DD`` / ``YYYY-MM``) and/or ``path`` (a folder inside
        ``input_base``); runs not triggered by an asset follow the rules above (parameter, default
        ``False``).
    :param input_format: ``'tfrecord'`` (``tf.Example`` records; ``.gz`` files are read as gzip) or
        ``'parquet'`` (parameter, default ``'tfrecord'``).
    :param task_id: task id, default ``'example_gen'``.

    Outputs (``task.outputs[key]``):

    - ``examples`` (``Examples``): gzipped TFRecords of ``tf.Example`` under ``Split-<name>/``;
        properties ``span``, ``version``, ``split_names``

    Pipeline settings (``pipeline_root``, ``metadata_conn_id``, ``enable_cache``,
    ``beam_pipeline_args``, usually given once through ``create_pipeline_dag``) and every
    ``BaseOperator`` argument are accepted as well.
    """

    spec = ImportExampleGenSpec

    def __init__(
        self,
        *,
        input_base: str,
        input_config: Mapping[str, Any] | None = None,
        output_config: Mapping[str, Any] | None = None,
        range_config: Mapping[str, Any] | None = None,
        span_from_data_interval: bool = True,
        span_from_asset_event: bool = False,
        input_format: str = "tfrecord",
        task_id: str = "example_gen",
        **kwargs: Any,
    ) -> None:
        super().__init__(
            task_id=task_id,
            input_base=input_base,
            input_config=input_config,
            output_config=output_config,
            range_config=range_config,
            span_from_data_interval=span_from_data_interval,
            span_from_asset_event=span_from_asset_event,
            input_format=input_format,
            **kwargs,
        )
