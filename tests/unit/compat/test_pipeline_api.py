"""TFX's pipeline API (components, protos, TFMA configs, Resolver, Pipeline, AirflowDagRunner)
rendered into this provider's operators, checked without running anything."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from airflow_tfx_provider import compat as tfx
from airflow_tfx_provider.compat import tfma
from airflow_tfx_provider.compat.orchestration import metadata
from airflow_tfx_provider.compat.orchestration.airflow.airflow_dag_runner import AirflowDagRunner
from airflow_tfx_provider.exceptions import PipelineDefinitionError
from tests.conftest import REPO
from tests.harness.dag_runs import install_dag, load_dag


def _taxi_dag(dags_folder, tmp_path, dag_id="tfx_api"):
    path = install_dag(
        dags_folder, "tfx_api_pipeline", dag_id, data_root=str(tmp_path / "data"),
        pipeline_root=str(tmp_path / "root"), metadata_path=str(tmp_path / "mlmd" / "metadata.db"),
        serving_dir=str(tmp_path / "serving"),
        module_file=str(REPO / "dags" / "taxi_module" / "preprocessing.py"),
    )  # fmt: skip
    return load_dag(path, dag_id)  # its Airflow 2 "schedule_interval" becomes "schedule" (with a warning)


def test_a_tfx_style_pipeline_file_becomes_a_dag(dags_folder, tmp_path):
    dag = _taxi_dag(dags_folder, tmp_path)
    assert set(dag.task_ids) == {
        "example_gen", "statistics_gen", "schema_gen", "example_validator", "transform", "trainer",
        "latest_blessed_model_resolver", "evaluator", "pusher",
    }  # fmt: skip
    assert dag.get_task("pusher").upstream_task_ids == {"trainer", "evaluator"}
    assert dag.get_task("evaluator").upstream_task_ids == {
        "example_gen",
        "trainer",
        "latest_blessed_model_resolver",
    }
    trainer = dag.get_task("trainer")
    assert trainer.parameters["train_args"] == {"num_steps": 50}
    assert trainer.metadata_path == str(tmp_path / "mlmd" / "metadata.db")
    assert trainer.enable_cache is True and trainer.beam_pipeline_args == ["--direct_running_mode=in_memory"]
    pusher = dag.get_task("pusher")
    assert pusher.parameters["push_destination"] == {
        "filesystem": {"base_directory": str(tmp_path / "serving")}
    }
    eval_config = dag.get_task("evaluator").parameters["eval_config"]
    threshold = eval_config["metrics_specs"][0]["metrics"][0]["threshold"]
    assert threshold["change_threshold"]["direction"] == "HIGHER_IS_BETTER"
    resolver = dag.get_task("latest_blessed_model_resolver")
    assert resolver.strategy == "latest_blessed_model" and set(resolver.output_types) == {"model"}
    # the baseline resolver knows the Evaluator's candidate, so it never returns it as the baseline
    assert resolver.upstream_task_ids == {"trainer"}
    assert resolver.queries["model"].producer_task_id == "trainer"
    assert type(dag.timetable).__name__ == "NullTimetable"  # schedule_interval=None -> schedule=None


def test_airflow_2_dag_arguments_are_mapped_with_a_warning_or_refused():
    from airflow_tfx_provider.compat._runner import _dag_arguments

    with pytest.warns(UserWarning, match="schedule_interval.* is an Airflow 2 name"):
        assert _dag_arguments({"schedule_interval": "@daily"}, "p") == {"schedule": "@daily"}
    with pytest.raises(
        PipelineDefinitionError,
        match=r"no DAG argument \['concurrency'\] \(concurrency: use max_active_tasks\)",
    ):
        _dag_arguments({"concurrency": 4}, "p")


def test_parsing_the_tfx_style_file_loads_no_tensorflow_or_tfma(dags_folder, tmp_path):
    path = install_dag(
        dags_folder, "tfx_api_pipeline", "tfx_api_light", data_root="/d", pipeline_root=str(tmp_path),
        metadata_path=str(tmp_path / "m.db"), serving_dir="/s", module_file="/m.py",
    )  # fmt: skip
    probe = (
        "import json, runpy, sys, warnings; warnings.simplefilter('ignore'); runpy.run_path(sys.argv[1]); "
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('tensorflow', 'tensorflow_model_analysis', 'apache_beam', 'ml_metadata', 'tfx_bsl'))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe, str(path)], capture_output=True, text=True, cwd=REPO
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []


def test_what_is_not_supported_fails_at_parse_time_naming_it():
    with pytest.raises(
        PipelineDefinitionError, match=r"CsvExampleGen: \['custom_executor_spec'\] not supported"
    ):
        tfx.components.CsvExampleGen(input_base="/d", custom_executor_spec=object())
    with pytest.raises(PipelineDefinitionError, match="SpanRangeStrategy needs config="):
        tfx.dsl.Resolver(
            strategy_class=tfx.dsl.experimental.SpanRangeStrategy, examples=tfx.dsl.Channel(type="Examples")
        )
    with pytest.raises(
        PipelineDefinitionError, match=r"outputs\['examples'\].future\(\)\[0\].value: a parameter"
    ):
        _ = tfx.components.CsvExampleGen(input_base="/d").outputs["examples"].future()[0].value
    with pytest.raises(PipelineDefinitionError, match=r"TrainArgs has no field\(s\) \['num_stepz'\]"):
        tfx.proto.TrainArgs(num_stepz=3)
    with pytest.raises(PipelineDefinitionError, match="has no output 'exmaples'"):
        _ = tfx.components.CsvExampleGen(input_base="/d").outputs["exmaples"]
    with pytest.raises(PipelineDefinitionError, match=r"\['dsl_context_registry'\] not supported here"):
        tfx.dsl.Pipeline(pipeline_name="p", dsl_context_registry=object())
    mysql = tfx.dsl.Pipeline(
        pipeline_name="p", components=[tfx.components.CsvExampleGen(input_base="/d")],
        metadata_connection_config=metadata.mysql_metadata_connection_config("h", 3306, "db", "u", "p"),
    )  # fmt: skip
    with pytest.raises(PipelineDefinitionError, match="mysql MLMD store is an Airflow connection here"):
        AirflowDagRunner().run(mysql)


def test_protos_and_tfma_configs_become_the_dicts_operators_take():
    config = tfx.proto.Input(splits=[tfx.proto.Input.Split(name="train", pattern="train/*")])
    assert config.to_dict() == {"splits": [{"name": "train", "pattern": "train/*"}]}
    spec = tfma.SlicingSpec(feature_keys=["trip_start_hour"])
    assert tfma.EvalConfig(slicing_specs=[spec]).to_dict() == {
        "slicing_specs": [{"feature_keys": ["trip_start_hour"]}]
    }
    assert tfx.proto.RangeConfig(
        static_range=tfx.proto.StaticRange(start_span_number=2, end_span_number=2)
    ).to_dict() == {"static_range": {"start_span_number": 2, "end_span_number": 2}}


def test_cond_on_a_blessing_gates_the_pusher_through_its_blessing_input():
    trainer_like = tfx.components.ImportExampleGen(input_base="/d")  # stands in for an upstream
    evaluator = tfx.components.Evaluator(
        examples=trainer_like.outputs["examples"], model=tfx.dsl.Channel(type="Model"), eval_config={}
    )
    blessed = evaluator.outputs["blessing"].future()[0].custom_property("blessed") == 1
    with tfx.dsl.Cond(blessed):
        pusher = tfx.components.Pusher(
            model=tfx.dsl.Channel(type="Model"),
            push_destination=tfx.proto.PushDestination(
                filesystem=tfx.proto.PushDestination.Filesystem(base_directory="/serving")
            ),
        )
    assert pusher.inputs()["model_blessing"] == evaluator.outputs["blessing"]
    assert pusher.upstream_component_ids() == ["evaluator"]
    with pytest.raises(
        PipelineDefinitionError, match="a Cond can guard only components that take a ModelBlessing"
    ):
        with tfx.dsl.Cond(blessed):
            tfx.components.StatisticsGen(examples=trainer_like.outputs["examples"])
    with pytest.raises(PipelineDefinitionError, match="is not supported: here a Cond gates on a blessing"):
        tfx.dsl.Cond(evaluator.outputs["blessing"].future()[0].custom_property("blessed") == 0)


def test_a_span_range_resolver_renders_with_its_range_config(dags_folder, tmp_path):
    from airflow_tfx_provider.compat.orchestration.airflow.airflow_dag_runner import (
        AirflowDagRunner,
        AirflowPipelineConfig,
    )

    example_gen = tfx.components.CsvExampleGen(input_base=str(tmp_path))
    spans = tfx.dsl.Resolver(
        strategy_class=tfx.dsl.experimental.SpanRangeStrategy,
        config={"range_config": tfx.proto.RangeConfig(rolling_range=tfx.proto.RollingRange(num_spans=2))},
        examples=tfx.dsl.Channel(
            type=tfx.types.standard_artifacts.Examples, producer_component_id=example_gen.id
        ),
    ).with_id("span_resolver")
    spans.add_upstream_node(example_gen)
    pipeline = tfx.dsl.Pipeline(
        pipeline_name="spans", pipeline_root=str(tmp_path), components=[example_gen, spans]
    )
    dag = AirflowDagRunner(AirflowPipelineConfig({"schedule": None})).run(pipeline)
    resolver = dag.get_task("span_resolver")
    assert resolver.strategy == "span_range"
    assert resolver.range_config == {"rolling_range": {"num_spans": 2}}
    assert resolver.queries["examples"].producer_task_id == "example_gen"
    assert resolver.upstream_task_ids == {"example_gen"}  # add_upstream_node


@pytest.mark.parametrize(
    ("range_config", "message"),
    [
        ({"rolling_range": {"num_spans": 0}}, "num_spans must be at least 1"),
        ({"static_range": {"start_span_number": 5, "end_span_number": 2}}, "starts after it ends"),
        ({"static_range": {"start_span_number": 1}}, "static_range needs end_span_number"),
        ({"rolling_range": {"num_spans": 2}, "static_range": {}}, "exactly one of"),
        ({"rolling_range": {"num_spans": "2"}}, "must be a non-negative int"),
    ],
)
def test_a_bad_range_config_fails_at_parse_time(range_config, message):
    from airflow_tfx_provider.operators import ArtifactQuery, ResolverOperator

    with pytest.raises(PipelineDefinitionError, match=message):
        ResolverOperator(
            task_id="r", strategy="span_range", range_config=range_config, examples=ArtifactQuery("Examples")
        )
