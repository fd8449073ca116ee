"""The Beam components on Beam's PortableRunner, against a job server this test starts.

Beam's Python job server (``local_job_service_main``) stands where Flink's and Spark's job
servers stand: the pipeline is submitted over the Job API and the job server runs it, handing
the work to SDK workers. With ``--environment_type=LOOPBACK`` the workers are threads of the
submitting process (the Airflow task); with ``--environment_type=EXTERNAL`` they are processes
that a worker pool (``worker_pool_main``, as in Flink/Spark deployments) starts, so executor code,
TensorFlow settings and artifact paths must work from a separate process.

The DAG runs the taxi pipeline's four Beam components (StatisticsGen, Transform, Evaluator,
BulkInferrer), plus what they need, with
``--runner=PortableRunner --job_endpoint=localhost:<port> --environment_type=...``. The test
asks the job server which jobs it ran and compares each component's outputs with what the same
executor writes with the default (in-process) runner from the same input artifacts.
"""

from __future__ import annotations

import itertools
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO
from tests.harness.dag_runs import install_dag, load_dag, run_dag, taxi_sample, utc

pytestmark = pytest.mark.integration

BEAM_COMPONENTS = ("statistics_gen", "transform", "evaluator", "bulk_inferrer")
#: A step that only this component's Beam pipeline has, as the job server received it.
STEP_OF = {
    "statistics_gen": "GenerateStatistics[train]",
    "transform": "WriteTransformFn",
    "evaluator": "ExtractEvaluateAndWriteResults",
    "bulk_inferrer": "RunInference[eval]",
}
EVAL_CONFIG: dict[str, Any] = {
    "model_specs": [
        {
            "signature_name": "serving_default",
            "label_key": "tips_xf",
            "preprocessing_function_names": ["transform_features"],
        }
    ],
    "slicing_specs": [{}, {"feature_keys": ["trip_start_hour"]}],
    "options": {"include_default_metrics": False},
    "metrics_specs": [{"metrics": [{"class_name": "ExampleCount"}, {"class_name": "BinaryAccuracy"}]}],
}
PREPROCESSING = str(REPO / "dags" / "taxi_module" / "preprocessing.py")
MODEL = str(REPO / "dags" / "taxi_module" / "model.py")
CSV_LINES = 2001  # header + 2000 trips
STARTUP_SECONDS = 120


# --- services --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Service:
    address: str  # host:port
    log: Path


def _stop(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    process.send_signal(sig)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _wait_for(process: subprocess.Popen[bytes], log: Path, ready: Any) -> str:
    """Poll until ``ready()`` gives the service's address; fail with the log if the process exits."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while (address := ready()) is None:
        assert process.poll() is None, f"{process.args} exited:\n{log.read_text()[-3000:]}"
        assert time.monotonic() < deadline, f"{process.args} did not start:\n{log.read_text()[-3000:]}"
        time.sleep(0.2)
    return str(address)


@pytest.fixture(scope="module")
def job_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """Beam's Python job server; it binds ``localhost``, port 0 = a free port it writes to a file."""
    folder = tmp_path_factory.mktemp("job_server")
    port_file, log = folder / "port", folder / "job_server.log"
    command = [
        sys.executable, "-m", "apache_beam.runners.portability.local_job_service_main",
        "--port", "0", "--port_file", str(port_file), "--staging_dir", str(folder / "staging"),
    ]  # fmt: skip
    with open(log, "wb") as out:
        server = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    try:
        # the port file is written (to a temporary name, then renamed) once the gRPC server listens
        port = _wait_for(server, log, lambda: port_file.read_text() if port_file.exists() else None)
        yield Service(f"localhost:{int(port)}", log)
    finally:
        _stop(server)


@pytest.fixture(scope="module")
def worker_pool(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """Beam's SDK worker pool: a new ``python`` process (found on PATH) per worker the runner asks for."""
    log = tmp_path_factory.mktemp("worker_pool") / "worker_pool.log"
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    command = [sys.executable, "-m", "apache_beam.runners.worker.worker_pool_main", "--service_port=0"]
    with open(log, "wb") as out:
        pool = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
    try:

        def started() -> str | None:
            found = re.search(r"Started worker pool servicer at port: (\S+:\d+)", log.read_text())
            return found.group(1) if found else None

        yield Service(_wait_for(pool, log, started), log)
    finally:
        # SIGINT: the pool's KeyboardInterrupt path exits normally, so its atexit hook stops the
        # worker processes it started (SIGTERM would end it without running atexit)
        _stop(pool, signal.SIGINT)


def _jobs(endpoint: str) -> dict[str, tuple[str, set[str]]]:
    """Job id -> (state, top-level step names) of each job the job server has run."""
    import grpc
    from apache_beam.portability.api import beam_job_api_pb2, beam_job_api_pb2_grpc

    jobs = {}
    with grpc.insecure_channel(endpoint) as channel:
        stub = beam_job_api_pb2_grpc.JobServiceStub(channel)
        for job in stub.GetJobs(beam_job_api_pb2.GetJobsRequest(), timeout=30).job_info:
            pipeline = stub.GetPipeline(
                beam_job_api_pb2.GetJobPipelineRequest(job_id=job.job_id), timeout=30
            ).pipeline
            steps = {t.unique_name for t in pipeline.components.transforms.values()}
            jobs[job.job_id] = (beam_job_api_pb2.JobState.Enum.Name(job.state), steps)
    return jobs


def _started_workers(pool: Service) -> int:
    """How many SDK worker processes the worker pool has started (it logs each command)."""
    return pool.log.read_text(errors="replace").count("Starting worker with command")


# --- outputs, read back ------------------------------------------------------------------------
def _records(folder: str) -> list[bytes]:
    import tensorflow as tf

    files = sorted(tf.io.gfile.glob(os.path.join(folder, "*.gz")))
    assert files, f"no records in {folder}"
    return [bytes(r.numpy()) for r in tf.data.TFRecordDataset(files, compression_type="GZIP")]


def _statistics(uri: str, split: str) -> tuple[dict[str, float], dict[str, Any]]:
    """(numbers, everything else) of one split's FeatureStats.pb, by ``feature/field``."""
    import tensorflow_data_validation as tfdv

    [dataset] = tfdv.load_stats_binary(os.path.join(uri, f"Split-{split}", "FeatureStats.pb")).datasets
    numbers: dict[str, float] = {"num_examples": dataset.num_examples}
    exact: dict[str, Any] = {}
    for feature in dataset.features:
        name = ".".join(feature.path.step)
        exact[f"{name}/type"] = feature.type
        which = feature.WhichOneof("stats")
        stats = getattr(feature, which)
        common = stats.common_stats
        for field in ("num_non_missing", "num_missing", "min_num_values", "max_num_values"):
            numbers[f"{name}/{field}"] = getattr(common, field)
        if which == "num_stats":
            for field in ("mean", "std_dev", "min", "max", "median", "num_zeros"):
                numbers[f"{name}/{field}"] = getattr(stats, field)
        else:
            numbers[f"{name}/unique"] = stats.unique
            exact[f"{name}/top_values"] = [(v.value, v.frequency) for v in stats.top_values]
    return numbers, exact


def _columns(records: list[bytes]) -> tuple[dict[str, list[float]], dict[str, list[Any]]]:
    """(float columns, other columns) of serialized tf.Examples, each column's values sorted."""
    import tensorflow as tf

    floats: dict[str, list[float]] = {}
    others: dict[str, list[Any]] = {}
    for record in records:
        for name, feature in tf.train.Example.FromString(record).features.feature.items():
            kind = feature.WhichOneof("kind")
            values = list(getattr(feature, kind).value)
            (floats if kind == "float_list" else others).setdefault(name, []).extend(values)
    return {k: sorted(v) for k, v in floats.items()}, {k: sorted(v) for k, v in others.items()}


def _metrics(uri: str) -> dict[str, float]:
    """``<slice>/<metric>`` -> value of every metric TFMA wrote to ``uri``."""
    import tensorflow_model_analysis as tfma

    from airflow_tfx_provider.components.evaluator.naming import slice_name

    return {
        f"{slice_name(for_slice.slice_key)}/{kv.key.name}": kv.value.double_value.value
        for for_slice in tfma.load_metrics(uri)
        for kv in for_slice.metric_keys_and_values
    }


def _predictions(uri: str) -> dict[bytes, list[float]]:
    """Serialized input example -> the model's output, from BulkInferrer's PredictionLogs."""
    import tensorflow as tf
    from tensorflow_serving.apis import prediction_log_pb2

    predictions = {}
    for record in _records(os.path.join(uri, "Split-eval")):
        log = prediction_log_pb2.PredictionLog.FromString(record).predict_log
        [example] = log.request.inputs["examples"].string_val
        [output] = log.response.outputs.values()
        predictions[bytes(example)] = [float(v) for v in tf.make_ndarray(output).reshape(-1)]
    return predictions


# --- the default runner, on the same inputs ------------------------------------------------------
def _run_default(spec: Any, root: Path, inputs: Mapping[str, Any], **params: Any) -> dict[str, Any]:
    """Run ``spec``'s executor in this process with the default runner (no ``beam_pipeline_args``)."""
    from airflow_tfx_provider.components.spec import ExecutionInfo
    from airflow_tfx_provider.types import ArtifactRef

    ids = itertools.count(10_000)
    outputs = {}
    for key, out in spec.outputs.items():
        (root / spec.default_id / key).mkdir(parents=True)
        outputs[key] = [
            ArtifactRef(type=out.type.name, uri=str(root / spec.default_id / key), mlmd_id=next(ids))
        ]
    resolved = spec.resolve_parameters(params, where=f"reference {spec.name}")
    executor = spec.load_executor()
    executor(
        {k: [v] for k, v in inputs.items()}, outputs, resolved, ExecutionInfo(component_id=spec.default_id)
    )
    return {key: refs[0] for key, refs in outputs.items()}


def _live(root: Path) -> dict[str, Any]:
    """``<task>/<output key>`` -> the LIVE artifact (an ArtifactRef) the DAG run published there."""
    from ml_metadata.proto import metadata_store_pb2 as pb

    from airflow_tfx_provider.metadata.config import MetadataConfig
    from airflow_tfx_provider.metadata.convert import ref_from_proto
    from airflow_tfx_provider.metadata.store import MetadataGateway

    mlmd = MetadataGateway.connect(MetadataConfig.sqlite_under(str(root))).raw
    types = {t.id: t.name for t in mlmd.get_artifact_types()}
    found = {}
    for artifact in mlmd.get_artifacts():
        if artifact.state == pb.Artifact.LIVE:
            task, key = Path(artifact.uri).relative_to(root).parts[:2]
            assert f"{task}/{key}" not in found, f"two LIVE artifacts at {task}/{key}"
            found[f"{task}/{key}"] = ref_from_proto(artifact, types[artifact.type_id])
    return found


# --- a run, and the check against the default runner -------------------------------------------
def _run_pipeline(dags_folder: Path, tmp_path: Path, dag_id: str, beam_pipeline_args: list[str]) -> Path:
    """Run the test DAG with ``beam_pipeline_args``; every task must succeed. Its pipeline root."""
    root = tmp_path / "root"
    path = install_dag(
        dags_folder, "beam_components_pipeline", dag_id, pipeline_root=str(root),
        input_base=str(taxi_sample(tmp_path / "data", CSV_LINES)), preprocessing_module=PREPROCESSING,
        model_module=MODEL, train_steps=10, eval_config=EVAL_CONFIG, beam_pipeline_args=beam_pipeline_args,
    )  # fmt: skip
    states = run_dag(load_dag(path, dag_id), utc(2024, 1, 1))
    assert set(states.values()) == {"success"}, states
    return root


def _assert_as_default_runner(root: Path, tmp_path: Path) -> None:
    """The Beam components' outputs under ``root`` are complete and what the default runner writes."""
    from airflow_tfx_provider.components.bulk_inferrer import BulkInferrerSpec
    from airflow_tfx_provider.components.evaluator import EvaluatorSpec
    from airflow_tfx_provider.components.statistics_gen import StatisticsGenSpec
    from airflow_tfx_provider.components.transform import TransformSpec

    # the same executors with the default in-process runner, on the same input artifacts
    live = _live(root)
    examples, schema, model = live["example_gen/examples"], live["schema_gen/schema"], live["trainer/model"]
    ref = tmp_path / "default_runner"
    statistics = _run_default(StatisticsGenSpec, ref, {"examples": examples})["statistics"]
    transform = _run_default(
        TransformSpec, ref, {"examples": examples, "schema": schema}, module_file=PREPROCESSING
    )
    evaluation = _run_default(
        EvaluatorSpec, ref, {"examples": examples, "model": model}, eval_config=EVAL_CONFIG
    )["evaluation"]
    inference = _run_default(
        BulkInferrerSpec, ref, {"examples": examples, "model": model}, data_spec={"example_splits": ["eval"]}
    )["inference_result"]

    counts = {split: len(_records(examples.split_uri(split))) for split in ("train", "eval")}
    assert sum(counts.values()) == CSV_LINES - 1

    # StatisticsGen: every split complete, the same statistics
    for split, count in counts.items():
        numbers, exact = _statistics(live["statistics_gen/statistics"].uri, split)
        want_numbers, want_exact = _statistics(statistics.uri, split)
        assert numbers["num_examples"] == count
        assert exact == want_exact
        assert numbers == pytest.approx(want_numbers, rel=1e-6)

    # Transform: every example transformed, the same values; the same vocabularies
    for split, count in counts.items():
        records = _records(live["transform/transformed_examples"].split_uri(split))
        assert len(records) == count
        floats, others = _columns(records)
        want_floats, want_others = _columns(_records(transform["transformed_examples"].split_uri(split)))
        assert others == want_others
        assert floats.keys() == want_floats.keys()
        for name, values in floats.items():
            assert values == pytest.approx(want_floats[name], rel=1e-5, abs=1e-6), name
    assets = Path(live["transform/transform_graph"].uri) / "transform_fn" / "assets"
    want_assets = Path(transform["transform_graph"].uri) / "transform_fn" / "assets"
    assert sorted(os.listdir(assets)) == sorted(os.listdir(want_assets)) != []
    for name in os.listdir(assets):
        assert (assets / name).read_bytes() == (want_assets / name).read_bytes(), name

    # Evaluator: the whole eval split counted, the same metrics for every slice
    metrics = _metrics(live["evaluator/evaluation"].uri)
    assert metrics["Overall/example_count"] == counts["eval"]
    assert metrics == pytest.approx(_metrics(evaluation.uri), rel=1e-5)

    # BulkInferrer: one prediction per eval example, the same predictions
    predictions = _predictions(live["bulk_inferrer/inference_result"].uri)
    want = _predictions(inference.uri)
    assert len(predictions) == counts["eval"] and predictions.keys() == want.keys()
    for example, values in predictions.items():
        assert values == pytest.approx(want[example], rel=1e-5, abs=1e-6)


# --- the test ---------------------------------------------------------------------------------
@pytest.mark.parametrize("environment", ["LOOPBACK", "EXTERNAL"])
def test_beam_components_on_the_portable_runner(
    environment: str, airflow_db: Path, dags_folder: Path, job_server: Service, request: Any, tmp_path: Path
) -> None:
    args = [
        "--runner=PortableRunner",
        f"--job_endpoint={job_server.address}",
        f"--environment_type={environment}",
    ]
    pool: Service | None = None
    if environment == "EXTERNAL":
        pool = request.getfixturevalue("worker_pool")
        args.append(f"--environment_config={pool.address}")
        workers_before = _started_workers(pool)
    jobs_before = set(_jobs(job_server.address))

    root = _run_pipeline(dags_folder, tmp_path, f"beam_portable_{environment.lower()}", args)

    # each Beam component submitted one job to the job server, and it finished
    jobs = {k: v for k, v in _jobs(job_server.address).items() if k not in jobs_before}
    ran = sorted(
        c for state, steps in jobs.values() if state == "DONE" for c in BEAM_COMPONENTS if STEP_OF[c] in steps
    )
    assert ran == sorted(BEAM_COMPONENTS) and len(jobs) == len(BEAM_COMPONENTS), jobs
    if pool is not None:  # each job had the worker pool start SDK worker processes
        assert _started_workers(pool) - workers_before >= len(BEAM_COMPONENTS), pool.log.read_text()[-3000:]
    _assert_as_default_runner(root, tmp_path)
