"""infra_validator's executor."""

from __future__ import annotations

import atexit
import base64
import gzip
import json
import logging
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import airflow_tfx_provider
from airflow_tfx_provider.components._artifacts import model as model_io
from airflow_tfx_provider.components._artifacts import optional, single
from airflow_tfx_provider.components._artifacts.blessing import write_blessing
from airflow_tfx_provider.components._artifacts.examples import split_files
from airflow_tfx_provider.components.infra_validator.model_server import JSON_DTYPES
from airflow_tfx_provider.components.infra_validator.parameters import validate_parameters
from airflow_tfx_provider.components.spec import (
    ExecutionInfo,
    Inputs,
    Outputs,
)
from airflow_tfx_provider.exceptions import InvalidInputDataError
from airflow_tfx_provider.types import ArtifactRef

log = logging.getLogger(__name__)


LOAD_ONLY = "LOAD_ONLY"


LOAD_AND_QUERY = "LOAD_AND_QUERY"


DEFAULT_MAX_LOADING_TIME_SECONDS = 300


DEFAULT_NUM_TRIES = 5


DEFAULT_NUM_EXAMPLES = 1


DEFAULT_MODEL_NAME = "infra-validation-model"


DEFAULT_SIGNATURE = "serving_default"


SERVING_TAG = "serve"


TF_SERVING_BINARY = "tensorflow_model_server"


SERVER_MODULE = "airflow_tfx_provider.components.infra_validator.model_server"


#: Seconds between SIGTERM and SIGKILL when stopping the server.
STOP_GRACE_SECONDS = 5.0


POLL_SECONDS = 0.25


HTTP_POLL_TIMEOUT_SECONDS = 5.0


QUERY_TIMEOUT_SECONDS = 120.0


REASON_MAX_CHARS = 1000


LOG_TAIL_LINES = 15


#: Server processes of this process that are running: killed at exit if still there.
_LIVE_SERVERS: set[subprocess.Popen[bytes]] = set()


@dataclass(frozen=True)
class ValidationPlan:
    """What one InfraValidator run does, derived from its parameters and inputs."""

    mode: str
    model_name: str
    max_loading_time_seconds: float
    num_tries: int
    tags: tuple[str, ...]
    signature_names: tuple[str, ...]
    split_name: str | None
    num_examples: int
    tf_serving_binary: str | None


def make_plan(params: dict[str, Any], examples: ArtifactRef | None) -> ValidationPlan:
    serving = params.get("serving_spec") or {}
    validation = params.get("validation_spec") or {}
    request = params.get("request_spec")
    tf_request = (request or {}).get("tensorflow_serving") or {}
    mode = LOAD_AND_QUERY if request is not None and examples is not None else LOAD_ONLY
    if request is not None and examples is None:
        log.warning("request_spec is given but no examples: validating in LOAD_ONLY mode")
    split = None
    if mode == LOAD_AND_QUERY and examples is not None:
        split = request.get("split_name") if request else None
        names = examples.split_names
        if split is None:
            split = "eval" if "eval" in names or not names else names[0]
        elif names and split not in names:
            raise InvalidInputDataError(
                f"request_spec.split_name {split!r} is not a split of Examples #{examples.mlmd_id} "
                f"({examples.uri}); it has {names}"
            )
    binary = None
    if "tensorflow_serving" in serving:
        binary = shutil.which(TF_SERVING_BINARY)
        if binary is None:
            log.info("no %s on PATH: the built-in model server (same REST API) is used", TF_SERVING_BINARY)
    if serving.get("local_docker") is not None:
        log.info("serving_spec.local_docker is ignored: the model server runs as a local process")
    signatures = tuple(tf_request.get("signature_names") or ())
    if mode == LOAD_AND_QUERY and not signatures:
        signatures = (DEFAULT_SIGNATURE,)
    return ValidationPlan(
        mode=mode,
        model_name=serving.get("model_name") or DEFAULT_MODEL_NAME,
        max_loading_time_seconds=float(
            validation.get("max_loading_time_seconds") or DEFAULT_MAX_LOADING_TIME_SECONDS
        ),
        num_tries=int(validation.get("num_tries") or DEFAULT_NUM_TRIES),
        tags=tuple(tf_request.get("tag_set") or (SERVING_TAG,)),
        signature_names=signatures,
        split_name=split,
        num_examples=int((request or {}).get("num_examples") or DEFAULT_NUM_EXAMPLES),
        tf_serving_binary=binary,
    )


# --- examples ------------------------------------------------------------------------------
def iter_tfrecords(path: str) -> Iterator[bytes]:
    """The records of one gzipped TFRecord file (framing only; CRCs are not checked)."""
    with gzip.open(path, "rb") as handle:
        while True:
            header = handle.read(12)
            if not header:
                return
            if len(header) < 12:
                raise InvalidInputDataError(f"{path}: truncated TFRecord header")
            (length,) = struct.unpack("<Q", header[:8])
            data = handle.read(length)
            if len(data) < length or len(handle.read(4)) < 4:
                raise InvalidInputDataError(f"{path}: truncated TFRecord ({length} bytes announced)")
            yield data


def read_examples(examples: ArtifactRef, split: str, count: int) -> list[bytes]:
    """The first ``count`` serialized tf.Examples of one split."""
    records: list[bytes] = []
    for path in split_files(examples, split):
        for record in iter_tfrecords(path):
            records.append(record)
            if len(records) >= count:
                return records
    if not records:
        raise InvalidInputDataError(f"Examples #{examples.mlmd_id}: split {split!r} holds no examples")
    return records


# --- the server process ----------------------------------------------------------------------
class _Failure(Exception):
    """The model is not blessed: ``reason``; ``final`` when retrying cannot change it."""

    def __init__(self, reason: str, *, final: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.final = final


@dataclass
class _Server:
    process: subprocess.Popen[bytes]
    base_url: str | None
    status_file: str | None
    log_file: str
    started: float

    def status(self) -> dict[str, Any]:
        if not self.status_file or not os.path.exists(self.status_file):
            return {}
        try:
            with open(self.status_file) as handle:
                data = json.load(handle)
            return data if isinstance(data, dict) else {}
        except (OSError, ValueError):
            return {}

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        try:
            with open(self.log_file, errors="replace") as handle:
                return "".join(handle.readlines()[-lines:]).rstrip()
        except OSError:
            return ""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _server_env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("TF_USE_LEGACY_KERAS", "1")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    # The server must import this very package, installed or not.
    package_root = os.path.dirname(os.path.dirname(os.path.abspath(airflow_tfx_provider.__file__)))
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH", "")) if p)
    return env


def _command(plan: ValidationPlan, model_path: str, workdir: str) -> tuple[list[str], str | None, str | None]:
    """(argv, base URL if known up front, status file of the built-in server)."""
    if plan.tf_serving_binary:
        base = os.path.join(workdir, "models", plan.model_name)
        os.makedirs(base)
        os.symlink(os.path.abspath(model_path), os.path.join(base, "1"))
        rest_port, grpc_port = _free_port(), _free_port()
        argv = [
            plan.tf_serving_binary,
            f"--port={grpc_port}",
            f"--rest_api_port={rest_port}",
            f"--model_name={plan.model_name}",
            f"--model_base_path={base}",
            f"--saved_model_tags={','.join(plan.tags)}",
        ]
        return argv, f"http://127.0.0.1:{rest_port}/v1/models/{plan.model_name}", None
    status_file = os.path.join(workdir, "status.json")
    argv = [
        sys.executable,
        "-m",
        SERVER_MODULE,
        "--model_dir",
        model_path,
        "--port",
        "0",
        "--host",
        "127.0.0.1",
        "--model_name",
        plan.model_name,
        "--tags",
        ",".join(plan.tags),
        "--status_file",
        status_file,
        "--parent_pid",
        str(os.getpid()),
    ]
    return argv, None, status_file


def _start(plan: ValidationPlan, model_path: str, workdir: str) -> _Server:
    argv, base_url, status_file = _command(plan, model_path, workdir)
    log_file = os.path.join(workdir, "model_server.log")
    log.info("starting model server: %s", " ".join(argv))
    with open(log_file, "wb") as out:
        process = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, env=_server_env()
        )
    try:
        _LIVE_SERVERS.add(process)
        log.info("model server started: pid %d", process.pid)
        return _Server(process, base_url, status_file, log_file, time.monotonic())
    except BaseException:  # interrupted right after the start: do not leave it behind
        stop_process(process)
        raise


def stop_process(process: subprocess.Popen[bytes], grace: float = STOP_GRACE_SECONDS) -> None:
    """Stop a server process: SIGTERM, then SIGKILL after ``grace`` seconds; always reaped."""
    try:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                log.warning("model server pid %d ignored SIGTERM for %.0f s; killing it", process.pid, grace)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        _LIVE_SERVERS.discard(process)
    log.info("model server pid %d stopped (exit code %s)", process.pid, process.returncode)


@atexit.register
def _kill_leftovers() -> None:
    for process in list(_LIVE_SERVERS):
        if process.poll() is None:
            process.kill()


# --- HTTP ----------------------------------------------------------------------------------
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never through a proxy


def http_json(
    method: str, url: str, body: Any = None, timeout: float = HTTP_POLL_TIMEOUT_SECONDS
) -> tuple[int, Any]:
    """(HTTP status, decoded JSON answer) of one request; connection errors raise ``OSError``."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            status, raw = int(response.status), response.read()
    except urllib.error.HTTPError as err:
        status, raw = int(err.code), err.read()
    try:
        return status, json.loads(raw or b"null")
    except ValueError:
        return status, {"error": raw[:500].decode(errors="replace")}


def _version_state(payload: Any) -> tuple[str, str]:
    """(state, error message) from TF Serving's model status answer."""
    try:
        entry = payload["model_version_status"][0]
        return str(entry.get("state", "")), str((entry.get("status") or {}).get("error_message", ""))
    except (KeyError, IndexError, TypeError):
        return "", ""


def _wait_until_available(server: _Server, plan: ValidationPlan) -> float:
    """Poll until the model is AVAILABLE; seconds it took. Raises ``_Failure``."""
    limit = plan.max_loading_time_seconds
    deadline = server.started + limit
    state = "START"
    while True:
        code = server.process.poll()
        if code is not None:
            error = server.status().get("error") or ""
            if error:
                raise _Failure(error, final=True)
            raise _Failure(
                f"the model server exited with code {code} before the model was available", final=False
            )
        if server.base_url is None and server.status_file:
            port = server.status().get("port")
            if port:
                server.base_url = f"http://127.0.0.1:{port}/v1/models/{plan.model_name}"
                log.info("model server pid %d listens on port %d", server.process.pid, port)
        if server.base_url is not None:
            try:
                status, payload = http_json(
                    "GET", server.base_url, timeout=min(HTTP_POLL_TIMEOUT_SECONDS, limit)
                )
            except OSError:
                status, payload = 0, None
            if status == 200:
                state, error = _version_state(payload)
                if state == "AVAILABLE":
                    return time.monotonic() - server.started
                if state == "END":
                    raise _Failure(error or "the model server could not load the model", final=True)
        else:
            state = str(server.status().get("state") or state)
        if time.monotonic() >= deadline:
            state = server.status().get("state") or state
            raise _Failure(f"the model did not load within {limit:g} s (server state {state})", final=False)
        time.sleep(POLL_SECONDS)


def _signature_defs(server: _Server) -> dict[str, Any]:
    assert server.base_url is not None
    status, payload = http_json("GET", f"{server.base_url}/metadata")
    if status != 200:
        raise _Failure(
            f"GET {server.base_url}/metadata answered HTTP {status}: {payload}", final=status < 500
        )
    try:
        defs = payload["metadata"]["signature_def"]["signature_def"]
    except (KeyError, TypeError) as err:
        raise _Failure(f"model metadata has no signature_def map: {payload}", final=True) from err
    return dict(defs)


def _describe_tensor(info: Any) -> str:
    """``string, shape [None]`` for a TensorInfo in TF Serving's metadata JSON."""
    if not isinstance(info, dict):
        return "?"
    dtype = str(info.get("dtype") or "?")
    name = JSON_DTYPES.get(dtype) or dtype.removeprefix("DT_").lower()
    shape = info.get("tensor_shape") or {}
    if "coo_sparse" in info or "composite_tensor" in info:
        return f"{name}, sparse or composite tensor"
    if shape.get("unknown_rank"):
        return f"{name}, shape of unknown rank"
    dims = ["None" if int(d.get("size", -1)) < 0 else str(d.get("size")) for d in shape.get("dim") or []]
    return f"{name}, shape [{', '.join(dims)}]"


def _rank(info: Any) -> int | None:
    shape = (info.get("tensor_shape") or {}) if isinstance(info, dict) else {}
    return None if shape.get("unknown_rank") else len(shape.get("dim") or [])


def _described(tensors: dict[str, Any], keys: list[str] | None = None) -> str:
    return (
        ", ".join(f"{key!r} ({_describe_tensor(tensors[key])})" for key in sorted(keys or tensors)) or "none"
    )


def _check_query_signature(name: str, signature: dict[str, Any]) -> None:
    """Fail (final) if LOAD_AND_QUERY cannot query ``signature`` as TF Serving's REST API would answer.

    Its one input must take the serialized tf.Examples; every output must be of a type TF
    Serving writes as JSON and have a batch dimension (the queries use the row format).
    """
    inputs = signature.get("inputs") or {}
    if len(inputs) != 1 or next(iter(inputs.values())).get("dtype") != "DT_STRING":
        raise _Failure(
            f"signature {name!r} takes input(s) {_described(inputs)}; LOAD_AND_QUERY sends serialized "
            "tf.Examples and needs a signature with one tf.string input",
            final=True,
        )
    outputs = signature.get("outputs") or {}
    unwritable = [key for key, info in outputs.items() if info.get("dtype") not in JSON_DTYPES]
    if unwritable:
        raise _Failure(
            f"signature {name!r} has output(s) {_described(outputs, unwritable)} that TF Serving's REST API "
            "cannot write as JSON (it answers 'Failed to write JSON value for tensor type: ...'); it writes "
            f"only {', '.join(JSON_DTYPES.values())} tensors",
            final=True,
        )
    scalars = [key for key, info in outputs.items() if _rank(info) == 0]
    if scalars:
        raise _Failure(
            f"signature {name!r} has output(s) {_described(outputs, scalars)} without a batch dimension; "
            "TF Serving answers the row-format requests LOAD_AND_QUERY sends ('instances') only for outputs "
            "of shape [batch, ...]",
            final=True,
        )
    _note_bulk_inferrer_limits(name, signature)


def _note_bulk_inferrer_limits(name: str, signature: dict[str, Any]) -> None:
    """Warn if TF Serving serves the signature but BulkInferrer (tfx_bsl's RunInference) cannot run it."""
    if signature.get("method_name") not in (None, "", "tensorflow/serving/predict"):
        return
    outputs = signature.get("outputs") or {}
    rank1_strings = [
        k for k, info in outputs.items() if info.get("dtype") == "DT_STRING" and _rank(info) == 1
    ]
    if rank1_strings:
        log.warning(
            "signature %r: output(s) %s are rank-1 strings: TF Serving serves them, but BulkInferrer "
            "(tfx_bsl's RunInference) cannot write them into PredictionLogs; return them as [batch, 1] to "
            "run this signature in BulkInferrer too",
            name,
            _described(outputs, rank1_strings),
        )


def _query(server: _Server, name: str, records: list[bytes]) -> None:
    assert server.base_url is not None
    body = {
        "signature_name": name,
        "instances": [{"b64": base64.b64encode(record).decode("ascii")} for record in records],
    }
    started = time.monotonic()
    status, payload = http_json("POST", f"{server.base_url}:predict", body, timeout=QUERY_TIMEOUT_SECONDS)
    seconds = time.monotonic() - started
    if status != 200:
        error = payload.get("error") if isinstance(payload, dict) else payload
        raise _Failure(
            f"signature {name!r}: POST :predict answered HTTP {status}: {error}", final=400 <= status < 500
        )
    predictions = payload.get("predictions") if isinstance(payload, dict) else None
    if not isinstance(predictions, list) or len(predictions) != len(records):
        got = len(predictions) if isinstance(predictions, list) else "no"
        raise _Failure(
            f"signature {name!r}: {len(records)} examples sent but {got} predictions returned", final=True
        )
    log.info(
        "signature %s: %d examples sent, HTTP 200 with %d predictions in %.2f s",
        name,
        len(records),
        len(predictions),
        seconds,
    )


def _validate_once(plan: ValidationPlan, model_path: str, records: list[bytes], info: ExecutionInfo) -> str:
    """One try: start the server, wait, check, query, stop. A summary, or raises ``_Failure``."""
    workdir = tempfile.mkdtemp(prefix="infra_validator-", dir=info.temp_dir or None)
    server: _Server | None = None
    try:
        server = _start(plan, model_path, workdir)
        try:
            seconds = _wait_until_available(server, plan)
            reported = server.status()
            log.info(
                "model AVAILABLE after %.1f s (server: TensorFlow import %s s, model load %s s)",
                seconds,
                _fmt(reported.get("import_seconds")),
                _fmt(reported.get("load_seconds")),
            )
            summary = f"loaded in {seconds:.1f} s"
            defs: dict[str, Any] = {}
            if plan.signature_names:
                defs = _signature_defs(server)
                missing = [name for name in plan.signature_names if name not in defs]
                if missing:
                    raise _Failure(f"the model has no signature {missing}; it has {sorted(defs)}", final=True)
                log.info("signatures present: %s", list(plan.signature_names))
            if plan.mode == LOAD_AND_QUERY:
                for name in plan.signature_names:
                    _check_query_signature(name, defs[name])
                    _query(server, name, records)
                summary += f"; {len(records)} examples answered by {list(plan.signature_names)}"
            return summary
        except OSError as err:  # connection refused / reset, timeouts of a request
            raise _Failure(
                f"talking to the model server failed: {type(err).__name__}: {err}", final=False
            ) from err
        except _Failure:
            tail = server.log_tail()
            if tail:
                log.warning("last lines of the model server's log:\n%s", tail)
            raise
    finally:
        try:
            if server is not None:
                stop_process(server.process)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)


def _fmt(value: Any) -> str:
    return f"{value:.1f}" if isinstance(value, int | float) else "?"


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= REASON_MAX_CHARS else text[: REASON_MAX_CHARS - 3] + "..."


def validate(
    plan: ValidationPlan, model: ArtifactRef, examples: ArtifactRef | None, info: ExecutionInfo
) -> tuple[bool, str]:
    """(blessed, reason) for one model under one plan."""
    try:
        model_path = model_io.saved_model_dir(model, "InfraValidator")
    except InvalidInputDataError as err:
        return False, str(err)
    records: list[bytes] = []
    if plan.mode == LOAD_AND_QUERY:
        assert examples is not None and plan.split_name is not None
        records = read_examples(examples, plan.split_name, plan.num_examples)
        log.info(
            "LOAD_AND_QUERY: %d examples of split %r of Examples #%s for signature(s) %s",
            len(records),
            plan.split_name,
            examples.mlmd_id,
            list(plan.signature_names),
        )
    else:
        log.info("LOAD_ONLY: checking that the model loads within %g s", plan.max_loading_time_seconds)
    reason = ""
    for attempt in range(1, plan.num_tries + 1):
        log.info("attempt %d/%d: Model #%s at %s", attempt, plan.num_tries, model.mlmd_id, model_path)
        try:
            return True, _validate_once(plan, model_path, records, info)
        except _Failure as failure:
            reason = _clip(f"Model #{model.mlmd_id} ({model_path}): {failure.reason}")
            if failure.final:
                break
            if attempt < plan.num_tries:
                log.warning("attempt %d/%d failed: %s; trying again", attempt, plan.num_tries, reason)
    return False, reason


def run(inputs: Inputs, outputs: Outputs, params: dict[str, Any], info: ExecutionInfo) -> None:
    validate_parameters(params)
    model = single(inputs, "model")
    examples = optional(inputs, "examples")
    blessing = single(outputs, "blessing")
    plan = make_plan(params, examples)
    server = plan.tf_serving_binary or "built-in model server"
    log.info("InfraValidator: %s of Model #%s with %s", plan.mode, model.mlmd_id, server)
    blessed, reason = validate(plan, model, examples, info)
    write_blessing(blessing, blessed)
    blessing.properties["reason"] = reason
    blessing.properties["validation_mode"] = plan.mode
    if blessed:
        log.info("verdict: INFRA_BLESSED (%s)", reason)
    else:
        log.warning("verdict: INFRA_NOT_BLESSED: %s", reason)
