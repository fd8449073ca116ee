"""A TFX-style pipeline whose Transform reads a rolling window of spans (TFX's SpanRangeStrategy).

Each run's CsvExampleGen writes that day's span; ``span_resolver`` (``SpanRangeStrategy`` with a
``RollingRange(num_spans=...)``, after ExampleGen through ``add_upstream_node``, as in TFX's
penguin example) picks the newest spans, and Transform analyzes and transforms them together.
Settings: ``dag_id``, ``data_root``, ``pipeline_root``, ``metadata_path``, ``module_file``, ``num_spans``.
"""

from __future__ import annotations

import datetime

from airflow_tfx_provider import compat as tfx
from tests.dags._config import dag_config

CONFIG = dag_config(__file__)


def _create_pipeline() -> tfx.dsl.Pipeline:
    example_gen = tfx.components.CsvExampleGen(input_base=CONFIG["data_root"])
    statistics_gen = tfx.components.StatisticsGen(examples=example_gen.outputs["examples"])
    schema_gen = tfx.components.SchemaGen(statistics=statistics_gen.outputs["statistics"])
    span_resolver = tfx.dsl.Resolver(
        strategy_class=tfx.dsl.experimental.SpanRangeStrategy,
        config={
            "range_config": tfx.proto.RangeConfig(
                rolling_range=tfx.proto.RollingRange(num_spans=CONFIG["num_spans"])
            )
        },
        examples=tfx.dsl.Channel(
            type=tfx.types.standard_artifacts.Examples, producer_component_id=example_gen.id
        ),
    ).with_id("span_resolver")
    span_resolver.add_upstream_node(example_gen)
    transform = tfx.components.Transform(
        examples=span_resolver.outputs["examples"],
        schema=schema_gen.outputs["schema"],
        module_file=CONFIG["module_file"],
    )
    return tfx.dsl.Pipeline(
        pipeline_name=CONFIG["dag_id"],
        pipeline_root=CONFIG["pipeline_root"],
        components=[example_gen, statistics_gen, schema_gen, span_resolver, transform],
        enable_cache=True,
        metadata_connection_config=tfx.orchestration.metadata.sqlite_metadata_connection_config(
            CONFIG["metadata_path"]
        ),
        beam_pipeline_args=["--direct_running_mode=in_memory"],
    )


DAG = tfx.orchestration.AirflowDagRunner(
    tfx.orchestration.AirflowPipelineConfig(
        {
            "schedule": "@daily",
            "start_date": datetime.datetime(2024, 1, 1),
            "catchup": False,
            "dag_id": CONFIG["dag_id"],
        }
    )
).run(_create_pipeline())
