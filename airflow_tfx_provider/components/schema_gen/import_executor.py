"""ImportSchemaGen's executor: parse a text-format schema file and write it as ``schema.pbtxt``."""

from __future__ import annotations

import hashlib
import logging
from typing import Any

import tensorflow as tf

from airflow_tfx_provider.components._artifacts import data_validation as tfdv_io
from airflow_tfx_provider.components._artifacts import single
from airflow_tfx_provider.components.spec import ExecutionInfo, Inputs, Outputs

log = logging.getLogger(__name__)


def run(inputs: Inputs, outputs: Outputs, params: dict[str, Any], info: ExecutionInfo) -> None:
    """Executor: parse ``schema_file`` (text format) and write it out as ``schema.pbtxt``."""
    target = single(outputs, "schema")
    path = str(params["schema_file"])
    log.info("importing schema from %s", path)
    schema = tfdv_io.read_schema_file(path)
    tfdv_io.write_schema(schema, target)


def input_fingerprint(params: dict[str, Any], info: ExecutionInfo) -> str:
    """Content hash of ``schema_file``, so that editing the file invalidates the cache."""
    path = str(params.get("schema_file") or "")
    try:
        if "://" in path:  # object storage: only TensorFlow's file system layer can read it
            with tf.io.gfile.GFile(path, "rb") as f:
                data = f.read()
        else:
            with open(path, "rb") as f:
                data = f.read()
    except Exception as err:  # the executor reports the real problem
        return f"unreadable:{type(err).__name__}"
    return "sha256:" + hashlib.sha256(data).hexdigest()
