"""InfraValidator: LOAD_ONLY, LOAD_AND_QUERY, bad models, timeouts, cleanup, and the REST server.

Each server start imports TensorFlow in a fresh process (10-30 s on a busy machine), so the
tests that need a loaded model are few; the others stop the server while it is still
importing, which is cheap.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from airflow_tfx_provider.components._artifacts.blessing import is_blessed
from airflow_tfx_provider.components.infra_validator import InfraValidatorSpec
from airflow_tfx_provider.components.infra_validator import executor as iv
from airflow_tfx_provider.components.infra_validator.executor import http_json, stop_process
from airflow_tfx_provider.exceptions import PipelineDefinitionError
from airflow_tfx_provider.types import ArtifactRef
from tests.unit.components.infra_validator.fixtures import (
    SERVING_DIR,
    copy_model,
    export_tiny_model,
    predict_in_process,
    x_rows,
)

psutil = pytest.importorskip("psutil")

QUERY_SPEC = {
    "tensorflow_serving": {"signature_names": ["serving_default"]},
    "split_name": "eval",
    "num_examples": 10,
}


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> ArtifactRef:
    return export_tiny_model(tmp_path_factory.mktemp("tiny") / "model")


@pytest.fixture(scope="module")
def x_examples(tmp_path_factory: pytest.TempPathFactory, write_examples: Any) -> ArtifactRef:
    return write_examples(
        tmp_path_factory.mktemp("x_examples"), {"train": x_rows(4), "eval": x_rows(20, offset=4)}
    )


@pytest.fixture
def model(tiny_model: ArtifactRef, tmp_path: Path) -> ArtifactRef:
    """A private copy of the tiny model; its path marks this test's server processes."""
    return copy_model(tiny_model, tmp_path / f"model-{uuid.uuid4().hex}")


def run(run_component: Any, tmp_path: Path, inputs: dict[str, Any], **params: Any) -> ArtifactRef:
    return run_component(InfraValidatorSpec, tmp_path, inputs, **params)["blessing"]


def started_pids(caplog: pytest.LogCaptureFixture) -> list[int]:
    found = (re.search(r"model server started: pid (\d+)", r.getMessage()) for r in caplog.records)
    return [int(m.group(1)) for m in found if m]


def assert_no_server_left(pids: list[int], marker: str) -> None:
    assert pids, "no model server was started"
    for pid in pids:
        if psutil.pid_exists(pid):
            assert psutil.Process(pid).status() == psutil.STATUS_ZOMBIE, f"server pid {pid} still runs"
    left = []
    for proc in psutil.process_iter(["pid", "cmdline", "status"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        if marker in cmdline and proc.info["status"] != psutil.STATUS_ZOMBIE:
            left.append((proc.info["pid"], cmdline))
    assert left == []


def wait_gone(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
            return True
        time.sleep(0.1)
    return False


# --- verdicts -----------------------------------------------------------------------------
def test_load_only_blesses_a_loadable_model(run_component, model, tmp_path, caplog):
    caplog.set_level(logging.INFO, logger=iv.__name__)
    blessing = run(run_component, tmp_path, {"model": model})
    assert is_blessed(blessing) and blessing.properties["blessed"] == 1
    assert (Path(blessing.uri) / "INFRA_BLESSED").exists()
    assert blessing.properties["validation_mode"] == "LOAD_ONLY"
    assert str(blessing.properties["reason"]).startswith("loaded in ")
    assert "model AVAILABLE after" in caplog.text
    assert_no_server_left(started_pids(caplog), model.uri)


def test_load_and_query_blesses_when_every_example_is_answered(
    run_component, model, x_examples, tmp_path, caplog
):
    caplog.set_level(logging.INFO, logger=iv.__name__)
    blessing = run(
        run_component,
        tmp_path,
        {"model": model, "examples": x_examples},
        request_spec=QUERY_SPEC,
        validation_spec={"max_loading_time_seconds": 240, "num_tries": 1},
    )
    assert is_blessed(blessing), blessing.properties
    assert blessing.properties["validation_mode"] == "LOAD_AND_QUERY"
    assert "10 examples answered by ['serving_default']" in str(blessing.properties["reason"])
    assert "signature serving_default: 10 examples sent, HTTP 200 with 10 predictions" in caplog.text
    assert_no_server_left(started_pids(caplog), model.uri)


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_a_corrupt_saved_model_is_not_blessed_and_not_retried(damage, run_component, model, tmp_path, caplog):
    caplog.set_level(logging.INFO, logger=iv.__name__)
    pb = Path(model.uri) / SERVING_DIR / "saved_model.pb"
    pb.write_bytes(b"this is not a SavedModel" if damage == "garbage" else pb.read_bytes()[:-100])
    blessing = run(run_component, tmp_path, {"model": model})  # TFX defaults: 5 tries
    assert not is_blessed(blessing) and blessing.properties["blessed"] == 0
    assert (Path(blessing.uri) / "INFRA_NOT_BLESSED").exists()
    reason = str(blessing.properties["reason"])
    assert "could not load the model" in reason and "is not a valid SavedModel" in reason
    assert "verdict: INFRA_NOT_BLESSED" in caplog.text and "attempt 2/5" not in caplog.text
    assert_no_server_left(started_pids(caplog), model.uri)


def test_a_missing_saved_model_is_not_blessed_without_starting_a_server(run_component, tmp_path, caplog):
    caplog.set_level(logging.INFO, logger=iv.__name__)
    (tmp_path / "empty_model").mkdir()
    empty = ArtifactRef(type="Model", uri=str(tmp_path / "empty_model"), mlmd_id=3)
    blessing = run(run_component, tmp_path, {"model": empty})
    assert not is_blessed(blessing)
    assert "no SavedModel" in str(blessing.properties["reason"])
    assert started_pids(caplog) == []


def test_a_model_too_slow_to_load_is_not_blessed_and_every_server_is_stopped(
    run_component, model, tmp_path, caplog
):
    caplog.set_level(logging.INFO, logger=iv.__name__)
    blessing = run(
        run_component,
        tmp_path,
        {"model": model},
        validation_spec={"max_loading_time_seconds": 1, "num_tries": 2},
    )
    assert not is_blessed(blessing)
    assert "did not load within 1 s" in str(blessing.properties["reason"])
    assert "attempt 2/2" in caplog.text
    pids = started_pids(caplog)
    assert len(pids) == 2
    assert_no_server_left(pids, model.uri)


def test_an_interrupted_executor_stops_its_server(run_component, model, tmp_path, caplog, monkeypatch):
    caplog.set_level(logging.INFO, logger=iv.__name__)

    def interrupted(server: Any, plan: Any) -> float:
        raise KeyboardInterrupt

    monkeypatch.setattr(iv, "_wait_until_available", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run(run_component, tmp_path, {"model": model})
    assert_no_server_left(started_pids(caplog), model.uri)


def test_the_server_exits_when_its_parent_dies(tiny_model, tmp_path):
    """The launcher waits until the server listens (its watchdog runs), then dies abruptly."""
    marker = str(tmp_path / f"orphan-{uuid.uuid4().hex}")
    model = copy_model(tiny_model, Path(marker))
    status_file = tmp_path / "orphan_status.json"
    launcher = textwrap.dedent(
        f"""
        import os, subprocess, sys, time
        proc = subprocess.Popen([sys.executable, "-m", {iv.SERVER_MODULE!r}, "--port", "0",
                                 "--model_dir", {str(Path(model.uri) / SERVING_DIR)!r},
                                 "--status_file", {str(status_file)!r},
                                 "--parent_pid", str(os.getpid())],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        print(proc.pid, flush=True)
        deadline = time.monotonic() + 60
        while not os.path.exists({str(status_file)!r}) and time.monotonic() < deadline:
            time.sleep(0.05)
        os._exit(0)
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", launcher], capture_output=True, text=True, check=True, env=iv._server_env()
    )
    pid = int(out.stdout.strip())
    assert json.loads(status_file.read_text())["pid"] == pid  # it was up and listening
    assert wait_gone(pid, 20), f"orphaned server {pid} still runs"
    assert_no_server_left([pid], marker)


def test_stop_process_kills_a_server_that_ignores_sigterm():
    script = (
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        "print('ok', flush=True); time.sleep(60)"
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE)
    assert proc.stdout is not None and proc.stdout.readline() == b"ok\n"
    started = time.monotonic()
    stop_process(proc, grace=0.5)
    assert proc.returncode == -9 and time.monotonic() - started < 10
    assert not psutil.pid_exists(proc.pid)


#: A stand-in for TF Serving's binary: records its arguments, then either never gets ready
#: ("hang") or serves TF Serving's REST API with one prediction too few ("short").
FAKE_TF_SERVING = """
import json, os, sys, time
from http.server import BaseHTTPRequestHandler, HTTPServer

args = dict(a[2:].split("=", 1) for a in sys.argv[1:])
base = args["model_base_path"]
with open(os.environ["FAKE_TFS_RECORD"], "w") as handle:
    json.dump({"argv": sys.argv[1:], "version_1": os.readlink(os.path.join(base, "1"))}, handle)
if os.environ["FAKE_TFS_MODE"] == "hang":
    time.sleep(60)
SIGNATURES = {"serving_default": {"inputs": {"examples": {"dtype": "DT_STRING"}}, "outputs": {}}}


class Handler(BaseHTTPRequestHandler):
    def answer(self, payload):
        data = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path.endswith("/metadata"):
            self.answer({"metadata": {"signature_def": {"signature_def": SIGNATURES}}})
        else:
            self.answer({"model_version_status": [{"version": "1", "state": "AVAILABLE"}]})

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.answer({"predictions": [0.5] * (len(body["instances"]) - 1)})


HTTPServer(("127.0.0.1", int(args["rest_api_port"])), Handler).serve_forever()
"""


@pytest.mark.parametrize("mode", ["hang", "short"])
def test_a_tensorflow_model_server_on_path_is_used_when_asked_for(
    mode, run_component, model, x_examples, tmp_path, caplog, monkeypatch
):
    caplog.set_level(logging.INFO, logger=iv.__name__)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / iv.TF_SERVING_BINARY
    fake.write_text(f"#!{sys.executable}\n{FAKE_TF_SERVING}")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_TFS_MODE", mode)
    monkeypatch.setenv("FAKE_TFS_RECORD", str(tmp_path / "argv.json"))
    blessing = run(
        run_component,
        tmp_path,
        {"model": model, "examples": x_examples},
        serving_spec={"tensorflow_serving": {"tags": ["latest"]}, "model_name": "taxi"},
        validation_spec={"max_loading_time_seconds": 5, "num_tries": 1},
        request_spec=QUERY_SPEC,
    )
    assert not is_blessed(blessing)
    expected = "did not load within 5 s" if mode == "hang" else "10 examples sent but 9 predictions returned"
    assert expected in str(blessing.properties["reason"])
    called = json.loads((tmp_path / "argv.json").read_text())
    assert "--model_name=taxi" in called["argv"] and "--saved_model_tags=serve" in called["argv"]
    assert any(a.startswith("--rest_api_port=") for a in called["argv"])
    assert called["version_1"] == str(Path(model.uri) / SERVING_DIR)
    assert_no_server_left(started_pids(caplog), str(fake))


def test_load_and_query_needs_a_signature_taking_serialized_examples():
    iv._check_query_signature("ok", {"inputs": {"examples": {"dtype": "DT_STRING"}}})
    with pytest.raises(iv._Failure, match=r"one tf\.string input") as failure:
        iv._check_query_signature("raw", {"inputs": {"x": {"dtype": "DT_FLOAT"}}})
    assert failure.value.final
    shape = {"dim": [{"size": "-1"}, {"size": "3"}]}
    with pytest.raises(iv._Failure) as failure:
        iv._check_query_signature("raw", {"inputs": {"x": {"dtype": "DT_FLOAT", "tensor_shape": shape}}})
    assert failure.value.reason == (
        "signature 'raw' takes input(s) 'x' (float32, shape [None, 3]); LOAD_AND_QUERY sends serialized "
        "tf.Examples and needs a signature with one tf.string input"
    )


# --- outputs TF Serving's REST API cannot write, a rank-1 string output it can ----------------------------
def export_output_zoo_model(uri: Path) -> ArtifactRef:
    """A Model whose ``serving_default`` returns a rank-1 string ``label`` ([batch]) and a float ``x``,
    ``complex`` a complex64 output (TF Serving cannot write it as JSON) and ``scalar`` an output
    without a batch dimension."""
    import tensorflow as tf

    spec = [tf.TensorSpec([None], tf.string, name="examples")]

    def parse(serialized: Any) -> Any:
        parsed = tf.io.parse_example(serialized, {"x": tf.io.FixedLenFeature([1], tf.float32, [0.0])})
        return parsed["x"][:, 0]

    class Zoo(tf.Module):
        @tf.function(input_signature=spec)
        def serve(self, serialized: Any) -> dict[str, Any]:
            x = parse(serialized)
            return {"label": tf.where(x > 0.0, "positive", "negative"), "x": x}

        @tf.function(input_signature=spec)
        def complex(self, serialized: Any) -> dict[str, Any]:
            x = parse(serialized)
            return {"z": tf.complex(x, x)}

        @tf.function(input_signature=spec)
        def scalar(self, serialized: Any) -> dict[str, Any]:
            return {"total": tf.reduce_sum(parse(serialized))}

    zoo = Zoo()
    signatures = {"serving_default": zoo.serve, "complex": zoo.complex, "scalar": zoo.scalar}
    tf.saved_model.save(zoo, str(uri / SERVING_DIR), signatures=signatures)
    return ArtifactRef(type="Model", uri=str(uri), mlmd_id=650)


def test_an_output_tf_serving_cannot_write_is_named_with_the_model_and_signature(
    run_component, x_examples, tmp_path, caplog
):
    caplog.set_level(logging.INFO, logger=iv.__name__)
    model = export_output_zoo_model(tmp_path / f"zoo-{uuid.uuid4().hex}")
    blessing = run(
        run_component,
        tmp_path,
        {"model": model, "examples": x_examples},
        request_spec={
            **QUERY_SPEC,
            "tensorflow_serving": {"signature_names": ["serving_default", "complex"]},
        },
        validation_spec={"max_loading_time_seconds": 240, "num_tries": 1},
    )
    assert not is_blessed(blessing)
    reason = str(blessing.properties["reason"])
    assert reason == (
        f"Model #650 ({Path(model.uri) / SERVING_DIR}): signature 'complex' has output(s) 'z' "
        "(complex64, shape [None]) that TF Serving's REST API cannot write as JSON (it answers 'Failed to "
        "write JSON value for tensor type: ...'); it writes only float32, float64, int8, int16, int32, "
        "int64, uint8, uint32, uint64, bool, string tensors"
    )
    assert f"verdict: INFRA_NOT_BLESSED: {reason}" in caplog.text
    # The rank-1 string output is served (as TF Serving does), with a note for BulkInferrer.
    assert "signature serving_default: 10 examples sent, HTTP 200 with 10 predictions" in caplog.text
    assert (
        "signature 'serving_default': output(s) 'label' (string, shape [None]) are rank-1 strings: TF "
        "Serving serves them, but BulkInferrer (tfx_bsl's RunInference) cannot write them" in caplog.text
    )
    assert_no_server_left(started_pids(caplog), model.uri)


def test_the_server_names_the_signature_and_output_it_cannot_write(tmp_path):
    from airflow_tfx_provider.components.infra_validator import model_server

    model = export_output_zoo_model(tmp_path / "zoo")
    served = model_server.ServedModel("zoo")
    model_server.load(served, str(Path(model.uri) / SERVING_DIR), ["serve"])
    served.set_state("AVAILABLE")
    records = [{"b64": base64.b64encode(b"").decode()}, {"b64": base64.b64encode(b"").decode()}]

    answer = served.predict({"signature_name": "serving_default", "instances": records})
    assert answer == {"predictions": [{"label": "negative", "x": 0.0}, {"label": "negative", "x": 0.0}]}
    with pytest.raises(model_server.RequestError) as raised:
        served.predict({"signature_name": "complex", "instances": records})
    assert raised.value.status == 400
    assert raised.value.message == (
        "signature 'complex': output 'z' (complex64, shape [2]) cannot be written as JSON as TF Serving does "
        "(it answers 'Failed to write JSON value for tensor type: complex64'): TF Serving's REST API writes "
        "only float32, float64, int8, int16, int32, int64, uint8, uint32, uint64, bool, string tensors"
    )
    with pytest.raises(model_server.RequestError) as raised:
        served.predict({"signature_name": "scalar", "instances": records})
    assert raised.value.message == (
        "signature 'scalar': output 'total' (float32, shape []) has no batch dimension of size 2; use the "
        'columnar format ("inputs") for this signature'
    )


# --- parameters -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"serving_spec": {"kubernetes": {}}}, "kubernetes is not supported"),
        ({"serving_spec": {"tensorflow_serving": {"tags": "latest"}}}, "list of non-empty strings"),
        ({"serving_spec": {"docker": {}}}, "unknown key"),
        ({"validation_spec": {"max_loading_time_seconds": 0}}, "positive number"),
        ({"validation_spec": {"num_tries": 1.5}}, "positive integer"),
        ({"request_spec": {"num_examples": -1}}, "positive integer"),
        ({"request_spec": {"make_warmup": True}}, "make_warmup is not supported"),
        ({"request_spec": {"tensorflow_serving": {"rpc_kind": "CLASSIFY"}}}, "only Predict"),
    ],
)
def test_bad_parameters_are_refused_at_parse_time(params, message):
    resolved = InfraValidatorSpec.resolve_parameters(params, where="t")
    with pytest.raises(PipelineDefinitionError, match=message):
        iv.validate_parameters(resolved)


def test_plan_defaults_follow_tfx(x_examples):
    params = InfraValidatorSpec.resolve_parameters({}, where="t")
    plan = iv.make_plan(params, x_examples)
    assert (plan.mode, plan.max_loading_time_seconds, plan.num_tries) == ("LOAD_ONLY", 300, 5)
    query = iv.make_plan({**params, "request_spec": {"tensorflow_serving": {}}}, x_examples)
    assert (query.mode, query.split_name, query.num_examples) == ("LOAD_AND_QUERY", "eval", 1)
    assert query.signature_names == ("serving_default",)
    assert iv.make_plan({**params, "request_spec": QUERY_SPEC}, None).mode == "LOAD_ONLY"


def test_examples_are_read_as_serialized_tf_examples(x_examples):
    import tensorflow as tf

    records = iv.read_examples(x_examples, "eval", 5)
    expected = [
        r.numpy() for r in tf.data.TFRecordDataset(iv.split_files(x_examples, "eval"), "GZIP").take(5)
    ]
    assert records == expected
    assert len(iv.read_examples(x_examples, "train", 100)) == 4


# --- the REST server -----------------------------------------------------------------------
def test_the_rest_api_answers_like_tensorflow_serving(tiny_model, x_examples, tmp_path):
    base = tmp_path / "serving"
    version_dir = base / "1700000000"
    base.mkdir()
    copy_model(tiny_model, tmp_path / "copy")
    (tmp_path / "copy" / SERVING_DIR).rename(version_dir)  # the Pusher's layout: <base>/<version>/
    status_file = tmp_path / "status.json"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            iv.SERVER_MODULE,
            "--model_dir",
            str(base),
            "--port",
            "0",
            "--model_name",
            "tiny",
            "--status_file",
            str(status_file),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=iv._server_env(),
    )
    try:
        deadline = time.monotonic() + 100
        status: dict[str, Any] = {}
        while status.get("state") not in ("AVAILABLE", "END") and time.monotonic() < deadline:
            assert proc.poll() is None
            time.sleep(0.2)
            status = json.loads(status_file.read_text()) if status_file.exists() else {}
        assert status["state"] == "AVAILABLE", status
        url = f"http://127.0.0.1:{status['port']}/v1/models/tiny"

        code, answer = http_json("GET", url)
        assert code == 200
        assert answer["model_version_status"][0] == {
            "version": "1700000000",
            "state": "AVAILABLE",
            "status": {"error_code": "OK", "error_message": ""},
        }
        code, meta = http_json("GET", f"{url}/metadata")
        signature = meta["metadata"]["signature_def"]["signature_def"]["serving_default"]
        assert code == 200 and signature["inputs"]["examples"]["dtype"] == "DT_STRING"

        records = iv.read_examples(x_examples, "eval", 20)
        expected = predict_in_process(tiny_model, records)
        b64 = [{"b64": base64.b64encode(r).decode()} for r in records]
        code, answer = http_json(
            "POST", f"{url}:predict", {"signature_name": "serving_default", "instances": b64}
        )
        assert code == 200 and len(answer["predictions"]) == 20
        assert max(abs(a - b) for a, b in zip(answer["predictions"], expected, strict=True)) < 1e-6
        code, answer = http_json(
            "POST", f"{url}/versions/1700000000:predict", {"inputs": {"examples": b64[:3]}}
        )
        assert code == 200 and answer["outputs"] == pytest.approx(expected[:3], abs=1e-6)

        code, answer = http_json("POST", f"{url}:predict", {"signature_name": "nope", "instances": b64})
        assert code == 400 and "nope" in answer["error"]
        code, answer = http_json("POST", f"{url}:predict", {"instances": [{"b64": "@@not base64@@"}]})
        assert code == 400 and "error" in answer
        code, answer = http_json("GET", url.replace("/tiny", "/other"))
        assert code == 404 and "error" in answer
    finally:
        stop_process(proc)
    assert proc.returncode is not None
