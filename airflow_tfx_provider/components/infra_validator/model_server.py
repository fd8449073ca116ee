"""A small model server speaking TensorFlow Serving's REST API, for InfraValidator and for you.

It loads one SavedModel and answers TensorFlow Serving's REST calls on one port:

- ``GET  /v1/models/<name>`` -> ``{"model_version_status": [{"version": "1", "state": "AVAILABLE",
  "status": {"error_code": "OK", "error_message": ""}}]}`` (``START``/``LOADING`` while starting);
- ``GET  /v1/models/<name>/metadata`` -> the signature defs, in TF Serving's JSON;
- ``POST /v1/models/<name>:predict`` with ``{"signature_name": "serving_default", "instances":
  [...]}`` (row format) or ``{"inputs": ...}`` (columnar format); binary strings (serialized
  ``tf.Example``) travel as ``{"b64": "<base64>"}``. The answer is ``{"predictions": [...]}``
  (one entry per instance) or ``{"outputs": ...}``; errors are ``{"error": "..."}`` with HTTP
  400 (bad request), 404 (unknown model or signature) or 500.
  ``/versions/<n>`` may follow the model name, as in TF Serving.

Serve a pushed model (``--model_dir`` may be one SavedModel or a folder of numeric version
folders, as the Pusher writes; the highest version is served)::

    python -m airflow_tfx_provider.components.infra_validator.model_server \\
        --model_dir /serving/models/taxi --port 8501 --model_name taxi
    curl http://127.0.0.1:8501/v1/models/taxi
    curl -d '{"instances": [{"b64": "<serialized tf.Example, base64>"}]}' \\
        http://127.0.0.1:8501/v1/models/taxi:predict

It binds 127.0.0.1 unless ``--host 0.0.0.0`` is given. It is a plain Python server
(``http.server``, one thread per request, no batching): good for validation, demos and
small loads. For production use TensorFlow Serving itself, which reads the same folder::

    docker run -p 8501:8501 -v /serving/models/taxi:/models/taxi -e MODEL_NAME=taxi \\
        tensorflow/serving
    # or, with the binary: tensorflow_model_server --rest_api_port=8501 \\
    #     --model_name=taxi --model_base_path=/serving/models/taxi

Only the standard library is imported at module level; TensorFlow is imported inside
``main()`` after the port is bound, so the port and the ``START`` state are visible at once.
Options used by InfraValidator: ``--status_file`` (JSON with pid, port, state, error and
timings, rewritten atomically at each change) and ``--parent_pid`` (exit as soon as that
process is gone, so a killed task never leaves a server behind).
"""

from __future__ import annotations

import argparse
import base64
import json
import logging
import os
import re
import sys
import threading
import time
from collections.abc import Callable, Sequence
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

log = logging.getLogger("airflow_tfx_provider.model_server")

DEFAULT_PORT = 8501
DEFAULT_MODEL_NAME = "default"
SERVING_TAG = "serve"
DEFAULT_SIGNATURE = "serving_default"
INIT_OP_SIGNATURE = "__saved_model_init_op"
PARENT_POLL_SECONDS = 0.5

#: The tensor types TF Serving's REST API writes as JSON (``tensorflow_serving/util/json_tensor.cc``),
#: by DataType enum name -> TensorFlow dtype name. It answers other outputs (half, bfloat16,
#: complex, uint16, ...) with "Failed to write JSON value for tensor type: <type>"; so does this server.
JSON_DTYPES = {
    "DT_FLOAT": "float32",
    "DT_DOUBLE": "float64",
    "DT_INT8": "int8",
    "DT_INT16": "int16",
    "DT_INT32": "int32",
    "DT_INT64": "int64",
    "DT_UINT8": "uint8",
    "DT_UINT32": "uint32",
    "DT_UINT64": "uint64",
    "DT_BOOL": "bool",
    "DT_STRING": "string",
}

_ROUTE = re.compile(
    r"^/v1/models/(?P<name>[^/:]+)(?:/versions/(?P<version>\d+))?"
    r"(?:/(?P<metadata>metadata))?(?::(?P<verb>[a-z]+))?/?$"
)


class RequestError(Exception):
    """A request the server refuses; ``status`` is the HTTP status to answer with."""

    def __init__(self, status: HTTPStatus, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def resolve_model_dir(model_dir: str) -> tuple[str, str]:
    """(SavedModel folder, version): the folder itself, or its highest numeric version folder."""

    def is_saved_model(path: str) -> bool:
        return any(os.path.isfile(os.path.join(path, f)) for f in ("saved_model.pb", "saved_model.pbtxt"))

    if not os.path.isdir(model_dir):
        raise FileNotFoundError(f"model folder {model_dir} does not exist")
    if is_saved_model(model_dir):
        return model_dir, "1"
    versions = sorted(
        (int(name) for name in os.listdir(model_dir) if name.isdigit()),
        reverse=True,
    )
    for version in versions:
        path = os.path.join(model_dir, str(version))
        if is_saved_model(path):
            return path, str(version)
    raise FileNotFoundError(
        f"no SavedModel in {model_dir}: neither saved_model.pb there nor in a numeric version folder"
    )


def _read_varint(data: bytes, pos: int) -> tuple[int, int]:
    """The protobuf varint at ``data[pos:]`` and the position after it; ``ValueError`` if bad."""
    result = shift = 0
    while True:
        if pos >= len(data) or shift > 63:
            raise ValueError(f"bad varint at byte {pos}")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def _count_meta_graphs(data: bytes) -> int:
    """How many meta graphs (field 2) the top level of ``data`` holds; ``ValueError`` if malformed."""
    pos = meta_graphs = 0
    while pos < len(data):
        start = pos
        key, pos = _read_varint(data, pos)
        field, wire = key >> 3, key & 7
        if field == 0 or wire not in (0, 1, 2, 5):
            raise ValueError(f"invalid field key {key} at byte {start}")
        if wire == 0:
            _, pos = _read_varint(data, pos)
        elif wire == 2:
            size, pos = _read_varint(data, pos)
            pos += size
        else:
            pos += {1: 8, 5: 4}[wire]
        if pos > len(data):
            raise ValueError(f"field {field} at byte {start} runs past the end ({len(data)} bytes)")
        meta_graphs += field == 2 and wire == 2
    return meta_graphs


def check_saved_model_file(path: str) -> None:
    """Reject a garbled ``saved_model.pb`` before paying for the TensorFlow import.

    Walks the top level of the protobuf wire format (``SavedModel``: field 1 schema version,
    field 2 meta graphs) and raises ``ValueError`` when the file is empty, truncated or not
    a protobuf message at all. A file that passes may still fail to load: TensorFlow decides.
    """
    pb_path = os.path.join(path, "saved_model.pb")
    if not os.path.isfile(pb_path):
        return  # saved_model.pbtxt: left to TensorFlow
    with open(pb_path, "rb") as handle:
        data = handle.read()
    try:
        if not _count_meta_graphs(data):
            raise ValueError("it holds no MetaGraphDef")
    except ValueError as err:
        raise ValueError(f"{pb_path} is not a valid SavedModel (corrupt or truncated: {err})") from err


def decode_b64(value: Any) -> Any:
    """Replace every ``{"b64": "..."}`` in a JSON value by the bytes it encodes."""
    if isinstance(value, dict):
        if set(value) == {"b64"}:
            try:
                return base64.b64decode(value["b64"], validate=True)
            except (ValueError, TypeError) as err:
                raise RequestError(
                    HTTPStatus.BAD_REQUEST, f"invalid base64 in {{'b64': ...}}: {err}"
                ) from err
        return {key: decode_b64(item) for key, item in value.items()}
    if isinstance(value, list):
        return [decode_b64(item) for item in value]
    return value


def to_json(value: Any) -> Any:
    """A numpy array's ``tolist()`` made JSON-ready: bytes become text, or ``{"b64": ...}``."""
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return {"b64": base64.b64encode(value).decode("ascii")}
    if isinstance(value, list):
        return [to_json(item) for item in value]
    return value


class ServedModel:
    """The one model this server holds, with TF Serving's version states."""

    def __init__(self, name: str, status_file: str | None = None) -> None:
        self.name = name
        self.status_file = status_file
        self.version = "0"
        self.state = "START"
        self.error = ""
        self.port = 0
        self.import_seconds: float | None = None
        self.load_seconds: float | None = None
        self.tf: Any = None
        self.signatures: dict[str, Any] = {}
        self.signature_defs: dict[str, Any] = {}
        self.loaded: Any = None  # the loaded SavedModel: keeps its variables alive
        self._lock = threading.Lock()

    def set_state(self, state: str, error: str = "") -> None:
        with self._lock:
            self.state, self.error = state, error
        self.write_status()

    def write_status(self) -> None:
        if not self.status_file:
            return
        status = {
            "pid": os.getpid(),
            "port": self.port,
            "model_name": self.name,
            "version": self.version,
            "state": self.state,
            "error": self.error,
            "import_seconds": self.import_seconds,
            "load_seconds": self.load_seconds,
            "signatures": sorted(self.signatures),
        }
        tmp = f"{self.status_file}.tmp"
        with open(tmp, "w") as handle:
            json.dump(status, handle)
        os.replace(tmp, self.status_file)

    # --- REST answers ----------------------------------------------------------------------
    def check_name(self, name: str, version: str | None) -> None:
        if name != self.name:
            raise RequestError(HTTPStatus.NOT_FOUND, f"Servable not found for request: Latest({name})")
        if version is not None and version != self.version:
            raise RequestError(
                HTTPStatus.NOT_FOUND, f"Servable not found for request: Specific({name}, {version})"
            )

    def status(self) -> dict[str, Any]:
        with self._lock:
            state, error = self.state, self.error
        return {
            "model_version_status": [
                {
                    "version": self.version,
                    "state": state,
                    "status": {"error_code": "UNKNOWN" if error else "OK", "error_message": error},
                }
            ]
        }

    def metadata(self) -> dict[str, Any]:
        self._require_available()
        return {
            "model_spec": {"name": self.name, "signature_name": "", "version": self.version},
            "metadata": {
                "signature_def": {
                    "signature_def": self.signature_defs,
                    "@type": "type.googleapis.com/tensorflow.serving.SignatureDefMap",
                }
            },
        }

    def _require_available(self) -> None:
        if self.state != "AVAILABLE":
            raise RequestError(
                HTTPStatus.SERVICE_UNAVAILABLE
                if self.state in ("START", "LOADING")
                else HTTPStatus.INTERNAL_SERVER_ERROR,
                f"model {self.name} is not available (state {self.state}) {self.error}".strip(),
            )

    def predict(self, body: Any) -> dict[str, Any]:
        self._require_available()
        if not isinstance(body, dict):
            raise RequestError(HTTPStatus.BAD_REQUEST, "request body must be a JSON object")
        name = body.get("signature_name") or DEFAULT_SIGNATURE
        function = self.signatures.get(name)
        if function is None:
            raise RequestError(
                HTTPStatus.BAD_REQUEST,
                f'Serving signature name: "{name}" not found in signature def; '
                f"the model has {sorted(self.signatures)}",
            )
        specs: dict[str, Any] = dict(function.structured_input_signature[1])
        row_format = "instances" in body
        if row_format == ("inputs" in body):
            raise RequestError(HTTPStatus.BAD_REQUEST, 'give exactly one of "instances" and "inputs"')
        columns, count = self._columns(specs, body, row_format)
        tf = self.tf
        try:
            tensors = {key: tf.constant(value, dtype=specs[key].dtype) for key, value in columns.items()}
            result = function(**tensors)
        except (tf.errors.InvalidArgumentError, ValueError, TypeError) as err:
            raise RequestError(HTTPStatus.BAD_REQUEST, f"{type(err).__name__}: {err}") from err
        outputs = {key: self._output_json(name, key, tensor) for key, tensor in result.items()}
        if not row_format:
            return {"outputs": next(iter(outputs.values())) if len(outputs) == 1 else outputs}
        for key, value in outputs.items():
            if not isinstance(value, list) or len(value) != count:
                raise RequestError(
                    HTTPStatus.BAD_REQUEST,
                    f"signature {name!r}: output {key!r} ({_describe(result[key])}) has no batch dimension "
                    f'of size {count}; use the columnar format ("inputs") for this signature',
                )
        if len(outputs) == 1:
            return {"predictions": next(iter(outputs.values()))}
        return {"predictions": [{key: value[i] for key, value in outputs.items()} for i in range(count)]}

    @staticmethod
    def _output_json(signature: str, key: str, tensor: Any) -> Any:
        """An output tensor as TF Serving's REST API writes it; ``RequestError`` naming it if it cannot."""
        dtype = tensor.dtype.name
        if dtype not in JSON_DTYPES.values():
            raise RequestError(
                HTTPStatus.BAD_REQUEST,
                f"signature {signature!r}: output {key!r} ({_describe(tensor)}) cannot be written as JSON as "
                f"TF Serving does (it answers 'Failed to write JSON value for tensor type: {dtype}'): TF "
                f"Serving's REST API writes only {', '.join(JSON_DTYPES.values())} tensors",
            )
        return to_json(tensor.numpy().tolist())

    @staticmethod
    def _columns(specs: dict[str, Any], body: dict[str, Any], row_format: bool) -> tuple[dict[str, Any], int]:
        keys = sorted(specs)
        if row_format:
            instances = decode_b64(body["instances"])
            if not isinstance(instances, list) or not instances:
                raise RequestError(HTTPStatus.BAD_REQUEST, '"instances" must be a non-empty list')
            named = all(isinstance(item, dict) for item in instances)
            if len(keys) == 1 and not (named and all(set(item) == set(keys) for item in instances)):
                return {keys[0]: instances}, len(instances)
            if not named:
                raise RequestError(
                    HTTPStatus.BAD_REQUEST,
                    f"the signature takes inputs {keys}: each instance must be an object",
                )
            columns: dict[str, Any] = {}
            for key in keys:
                missing = [i for i, item in enumerate(instances) if key not in item]
                if missing:
                    raise RequestError(HTTPStatus.BAD_REQUEST, f"instance {missing[0]} lacks input {key!r}")
                columns[key] = [item[key] for item in instances]
            return columns, len(instances)
        inputs = decode_b64(body["inputs"])
        if isinstance(inputs, dict) and set(inputs) == set(keys):
            return inputs, 0
        if len(keys) == 1:
            return {keys[0]: inputs}, 0
        raise RequestError(HTTPStatus.BAD_REQUEST, f'"inputs" must be an object with keys {keys}')


def _describe(tensor: Any) -> str:
    """``string, shape [3]`` for a tensor."""
    return f"{tensor.dtype.name}, shape {list(tensor.shape)}"


def _get_payload(model: ServedModel, match: re.Match[str]) -> Any:
    """The answer to a GET of a matched route: the model's status or metadata."""
    if match["verb"]:
        raise RequestError(HTTPStatus.METHOD_NOT_ALLOWED, f":{match['verb']} needs POST")
    return model.metadata() if match["metadata"] else model.status()


def _post_payload(model: ServedModel, match: re.Match[str], raw: bytes) -> Any:
    """The answer to a POST of ``raw`` to a matched route: only ``:predict`` is served."""
    if match["metadata"] or match["verb"] != "predict":
        verb = match["verb"] or "(none)"
        raise RequestError(HTTPStatus.NOT_IMPLEMENTED, f"only :predict is served (asked for :{verb})")
    try:
        body = json.loads(raw or b"null")
    except ValueError as err:
        raise RequestError(HTTPStatus.BAD_REQUEST, f"body is not JSON: {err}") from err
    return model.predict(body)


# Builds the request handler class around ``model``: its methods share the closure, so they stay together.
def _handler_class(model: ServedModel) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "airflow-tfx-model-server"

        def _answer(self, status: HTTPStatus, payload: Any) -> None:
            try:
                data = json.dumps(payload).encode()
            except (TypeError, ValueError) as err:  # answer, never drop the connection
                log.error("cannot write the answer as JSON: %s", err)
                status = HTTPStatus.INTERNAL_SERVER_ERROR
                data = json.dumps(
                    {"error": f"cannot write the answer as JSON: {type(err).__name__}: {err}"}
                ).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _route(self, method: str, action: Callable[[re.Match[str]], Any]) -> None:
            started = time.monotonic()
            match = _ROUTE.match(self.path.split("?", 1)[0])
            try:
                if match is None:
                    raise RequestError(HTTPStatus.NOT_FOUND, f"unknown path {self.path}")
                model.check_name(match["name"], match["version"])
                payload = action(match)
                status = HTTPStatus.OK
            except RequestError as err:
                status, payload = err.status, {"error": err.message}
            except Exception as err:  # answer, never kill the server
                log.exception("%s %s failed", method, self.path)
                status, payload = HTTPStatus.INTERNAL_SERVER_ERROR, {"error": f"{type(err).__name__}: {err}"}
            level = logging.DEBUG if status == HTTPStatus.OK else logging.WARNING
            log.log(level, "%s %s -> %d in %.3f s", method, self.path, status, time.monotonic() - started)
            self._answer(status, payload)

        def do_GET(self) -> None:
            self._route("GET", lambda match: _get_payload(model, match))

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            self._route("POST", lambda match: _post_payload(model, match, raw))

        def log_message(self, format: str, *args: Any) -> None:
            log.debug(format, *args)

    return Handler


def _watch_parent(parent_pid: int) -> None:
    """Exit as soon as ``parent_pid`` is no longer this process's parent (it died)."""
    while True:
        if os.getppid() != parent_pid:
            log.warning("parent process %d is gone; exiting", parent_pid)
            logging.shutdown()
            os._exit(3)
        time.sleep(PARENT_POLL_SECONDS)


def _signature_defs(path: str, tags: Sequence[str]) -> dict[str, Any]:
    """The SavedModel's signature defs in TF Serving's JSON (proto field names)."""
    from google.protobuf import json_format
    from tensorflow.python.saved_model import loader_impl

    saved_model = loader_impl.parse_saved_model(path)
    for meta_graph in saved_model.meta_graphs:
        if set(meta_graph.meta_info_def.tags) == set(tags):
            return {
                key: json_format.MessageToDict(value, preserving_proto_field_name=True)
                for key, value in meta_graph.signature_def.items()
                if key != INIT_OP_SIGNATURE
            }
    return {}


def load(model: ServedModel, model_dir: str, tags: Sequence[str]) -> None:
    """Import TensorFlow and load the SavedModel into ``model`` (state LOADING, then AVAILABLE)."""
    path, model.version = resolve_model_dir(model_dir)
    check_saved_model_file(path)
    started = time.monotonic()
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    model.tf = tf
    model.import_seconds = time.monotonic() - started
    model.set_state("LOADING")
    log.info("TensorFlow %s imported in %.1f s; loading %s", tf.__version__, model.import_seconds, path)
    started = time.monotonic()
    loaded = tf.saved_model.load(path, tags=list(tags))
    signatures = dict(loaded.signatures)
    model.signature_defs = _signature_defs(path, tags)
    model.signatures = signatures
    model.loaded = loaded
    model.load_seconds = time.monotonic() - started


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m airflow_tfx_provider.components.infra_validator.model_server",
        description="Serve one SavedModel with TensorFlow Serving's REST API.",
    )
    parser.add_argument(
        "--model_dir", required=True, help="a SavedModel, or a folder of numeric version folders"
    )
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="0 picks a free port")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--model_name", default=DEFAULT_MODEL_NAME)
    parser.add_argument("--tags", default=SERVING_TAG, help="comma-separated MetaGraph tags")
    parser.add_argument("--status_file", default=None, help="write pid/port/state here (JSON)")
    parser.add_argument("--parent_pid", type=int, default=None, help="exit when this parent dies")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s model_server[%(process)d] %(levelname)s %(message)s",
    )
    if args.parent_pid is not None:
        if os.getppid() != args.parent_pid:
            log.error("parent process %d is already gone", args.parent_pid)
            return 3
        threading.Thread(target=_watch_parent, args=(args.parent_pid,), daemon=True).start()
    model = ServedModel(args.model_name, args.status_file)
    server = ThreadingHTTPServer((args.host, args.port), _handler_class(model))
    server.daemon_threads = True
    model.port = int(server.server_address[1])
    threading.Thread(target=server.serve_forever, name="http", daemon=True).start()
    log.info(
        "listening on http://%s:%d/v1/models/%s (pid %d)", args.host, model.port, model.name, os.getpid()
    )
    model.write_status()
    tags = [tag for tag in args.tags.split(",") if tag]
    try:
        load(model, args.model_dir, tags)
    except Exception as err:
        message = f"could not load the model from {args.model_dir}: {type(err).__name__}: {err}"
        log.error("%s", message)
        model.set_state("END", message)
        server.shutdown()
        return 1
    model.set_state("AVAILABLE")
    log.info(
        "model %s version %s AVAILABLE (loaded in %.2f s), signatures %s",
        model.name,
        model.version,
        model.load_seconds or 0.0,
        sorted(model.signatures),
    )
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        log.info("interrupted; stopping")
    finally:
        server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
