"""InfraValidator: check that a model can really be served before it is pushed (TFX's InfraValidator).

The candidate model (``<model uri>/Format-Serving/``) is loaded by a model server in a
separate, fresh process (``python -m airflow_tfx_provider.components.infra_validator.model_server``, started
with ``subprocess``, never a fork of a process that imported TensorFlow), exactly as a
serving machine would load it. The output ``blessing`` (InfraBlessing) always gets a verdict:
``INFRA_BLESSED`` or ``INFRA_NOT_BLESSED`` with the property ``blessed`` (1/0) and a custom
property ``reason``. A model that is not blessed is a successful task with a negative verdict;
the Pusher (``infra_blessing=...``) then skips.

Modes (TFX's):

- **LOAD_ONLY** (no ``request_spec``, or no ``examples``): blessed iff the server loads the
  model within ``max_loading_time_seconds`` (and, when ``request_spec`` names signatures,
  the model has them).
- **LOAD_AND_QUERY** (``request_spec`` and ``examples`` given): after loading, the first
  ``num_examples`` serialized ``tf.Example`` of the split ``split_name`` are sent to each
  signature in ``signature_names`` through TensorFlow Serving's REST API
  (``POST /v1/models/<name>:predict`` with ``{"signature_name": ..., "instances":
  [{"b64": ...}, ...]}``); blessed iff every answer is HTTP 200 with one prediction per
  example. The signatures must take one ``tf.string`` input (serialized examples), as TFX
  models' ``serving_default`` does.

Parameters (TFX's names; dict forms of its protos):

- ``serving_spec``: ``None`` (our built-in server) or ``{"tensorflow_serving": {"tags":
  ["latest"]}, "model_name": "taxi"}``. When it asks for ``tensorflow_serving`` and a
  ``tensorflow_model_server`` binary is on ``PATH``, that binary serves the model; otherwise
  the built-in server, which speaks the same REST API. ``local_docker`` is accepted and
  ignored (the server always runs as a local process of the task); ``kubernetes`` is refused.
- ``validation_spec``: ``{"max_loading_time_seconds": 300, "num_tries": 5}`` (TFX's
  defaults). The time counts from starting the server process until the model is
  available, including the server's TensorFlow import (10-30 s), as TFX counts the start of
  its container. Failures of the infrastructure (timeout, server crash, connection errors,
  HTTP 5xx) are retried up to ``num_tries`` times; a verdict on the model itself (it does not
  load, lacks a signature, answers a query with HTTP 4xx) is final at once.
- ``request_spec``: ``{"tensorflow_serving": {"signature_names": ["serving_default"],
  "tag_set": ["serve"]}, "split_name": "eval", "num_examples": 1}``. Without ``split_name``
  the ``eval`` split is used if there is one, else the first split. ``make_warmup`` is not
  supported.

Every step is logged: server command, pid, port, load time, requests sent, verdict and
reason (with the end of the server's log when it failed). The server process is always
stopped (SIGTERM, then SIGKILL after a grace period), also on timeout, on errors and when
the task is interrupted; and the server exits by itself when the task process dies.

Serving the pushed model yourself: the same server serves the Pusher's destination (a folder
of numeric versions; the highest is served) with TensorFlow Serving's REST API::

    python -m airflow_tfx_provider.components.infra_validator.model_server \
        --model_dir <push_destination base_directory> --port 8501 --model_name taxi
    curl http://127.0.0.1:8501/v1/models/taxi          # {"model_version_status": [...AVAILABLE...]}
    curl -d '{"instances": [{"b64": "<serialized tf.Example, base64>"}]}' \
        http://127.0.0.1:8501/v1/models/taxi:predict   # {"predictions": [...]}

For production, serve the same folder with TensorFlow Serving (docker image
``tensorflow/serving``: ``docker run -p 8501:8501 -v <dir>:/models/taxi -e MODEL_NAME=taxi
tensorflow/serving``, or the ``tensorflow_model_server`` binary with ``--rest_api_port=8501
--model_name=taxi --model_base_path=<dir>``).
"""

from __future__ import annotations

from airflow_tfx_provider.components.infra_validator.parameters import validate_parameters
from airflow_tfx_provider.components.spec import (
    ComponentSpec,
    InputSpec,
    OutputSpec,
    Parameter,
)
from airflow_tfx_provider.types import EXAMPLES, INFRA_BLESSING, MODEL

InfraValidatorSpec = ComponentSpec(
    name="InfraValidator",
    inputs={
        "model": InputSpec(MODEL, doc="the candidate model (SavedModel under ``Format-Serving/``)"),
        "examples": InputSpec(
            EXAMPLES,
            optional=True,
            doc="examples to build requests from (LOAD_AND_QUERY, with ``request_spec``)",
        ),
    },
    outputs={
        "blessing": OutputSpec(
            INFRA_BLESSING,
            doc="``INFRA_BLESSED`` or ``INFRA_NOT_BLESSED``; property ``blessed``, the reason as custom "
            "property ``reason``",
        )
    },
    parameters={
        "serving_spec": Parameter(
            None,
            '``None`` (the built-in server) or ``{"tensorflow_serving": {"tags": ["latest"]}, "model_name": '
            '"taxi"}``: a ``tensorflow_model_server`` binary on the ``PATH`` serves the model, else the '
            "built-in server (same REST API)",
        ),
        "validation_spec": Parameter(
            None,
            '``{"max_loading_time_seconds": 300, "num_tries": 5}`` (the defaults); the time includes the '
            "server's TensorFlow import",
        ),
        "request_spec": Parameter(
            None,
            '``{"tensorflow_serving": {"signature_names": ["serving_default"]}, "split_name": "eval", '
            '"num_examples": 1}``: query the model with examples (LOAD_AND_QUERY, needs ``examples``); '
            "``None``: load only",
        ),
    },
    executor="airflow_tfx_provider.components.infra_validator.executor.run",
    default_id="infra_validator",
    doc="Loads the model in a sandboxed model server and queries it (TFX's InfraValidator).",
    validate_parameters=validate_parameters,
)
