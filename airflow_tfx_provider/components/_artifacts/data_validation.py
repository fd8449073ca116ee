"""Reading and writing the TFDV artifacts (statistics, schema, anomalies) in TFX's layout.

Shared by StatisticsGen, SchemaGen, ImportSchemaGen and ExampleValidator, and by later
components that need the schema (Transform, Trainer, ...: use ``load_schema``).

On-disk layout, as TFX 1.x writes it:

- ExampleStatistics: ``<uri>/Split-<name>/FeatureStats.pb``, a binary ``DatasetFeatureStatisticsList``;
- Schema: ``<uri>/schema.pbtxt``, a text-format ``Schema``;
- ExampleAnomalies: ``<uri>/Split-<name>/SchemaDiff.pb``, a binary ``Anomalies``.

Files go through ``tf.io.gfile`` so that pipeline roots on object storage work.
"""

from __future__ import annotations

import logging
import os
import re

import tensorflow as tf
from google.protobuf import text_format
from google.protobuf.message import DecodeError
from tensorflow_metadata.proto.v0 import anomalies_pb2, schema_pb2, statistics_pb2

from airflow_tfx_provider.exceptions import InvalidInputDataError
from airflow_tfx_provider.types import ArtifactRef

log = logging.getLogger(__name__)

STATS_FILE_NAME = "FeatureStats.pb"
SCHEMA_FILE_NAME = "schema.pbtxt"
ANOMALIES_FILE_NAME = "SchemaDiff.pb"


# --- low-level file helpers ---------------------------------------------------------------
def _read_bytes(path: str, what: str) -> bytes:

    if not tf.io.gfile.exists(path):
        raise InvalidInputDataError(f"{what} file {path} does not exist")
    with tf.io.gfile.GFile(path, "rb") as f:
        data: bytes = f.read()
    return data


def _write_bytes(path: str, data: bytes) -> None:

    tf.io.gfile.makedirs(os.path.dirname(path))
    with tf.io.gfile.GFile(path, "wb") as f:
        f.write(data)


# --- statistics ---------------------------------------------------------------------------
def statistics_path(statistics: ArtifactRef, split: str) -> str:
    """``<uri>/Split-<split>/FeatureStats.pb``."""
    return os.path.join(statistics.split_uri(split), STATS_FILE_NAME)


def load_statistics(statistics: ArtifactRef, split: str) -> statistics_pb2.DatasetFeatureStatisticsList:
    """One split's statistics; ``InvalidInputDataError`` naming the file if missing or unreadable."""
    path = statistics_path(statistics, split)
    data = _read_bytes(path, f"statistics (artifact {statistics.mlmd_id}, split {split!r})")
    try:
        stats = statistics_pb2.DatasetFeatureStatisticsList.FromString(data)
    except DecodeError as err:
        raise InvalidInputDataError(
            f"statistics file {path} is not a binary DatasetFeatureStatisticsList: {err}"
        ) from err
    if not stats.datasets:
        raise InvalidInputDataError(f"statistics file {path} holds no dataset")
    log.info("read statistics of split %r from %s", split, path)
    return stats


# --- schema -------------------------------------------------------------------------------
def schema_path(schema: ArtifactRef) -> str:
    """``<uri>/schema.pbtxt``."""
    return os.path.join(schema.uri, SCHEMA_FILE_NAME)


def parse_schema_text(text: str, source: str) -> schema_pb2.Schema:
    """Parse a text-format Schema; ``InvalidInputDataError`` with the parser's line/column."""
    schema = schema_pb2.Schema()
    try:
        text_format.Parse(text, schema)
    except text_format.ParseError as err:
        message = re.sub(r"^\d+:\d+ : ", "", str(err))  # the parser prefixes "line:column : "
        where = f"line {err.GetLine()}, column {err.GetColumn()}: " if err.GetLine() is not None else ""
        raise InvalidInputDataError(
            f"schema file {source} is not a valid text-format Schema: {where}{message}"
        ) from err
    return schema


def read_schema_file(path: str) -> schema_pb2.Schema:
    """Read a ``schema.pbtxt`` file (text format) from any path ``tf.io.gfile`` understands."""
    data = _read_bytes(path, "schema")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise InvalidInputDataError(f"schema file {path} is not UTF-8 text: {err}") from err
    schema = parse_schema_text(text, path)
    log.info("read schema with %d feature(s) from %s", len(schema.feature), path)
    return schema


def load_schema(schema: ArtifactRef) -> schema_pb2.Schema:
    """The schema of a Schema artifact (``<uri>/schema.pbtxt``)."""
    return read_schema_file(schema_path(schema))


def write_schema(schema: schema_pb2.Schema, target: ArtifactRef) -> str:
    """Write ``schema`` as ``<uri>/schema.pbtxt`` (text format); return the path."""
    path = schema_path(target)
    _write_bytes(path, text_format.MessageToString(schema).encode("utf-8"))
    log.info("wrote schema with %d feature(s) to %s", len(schema.feature), path)
    return path


# --- anomalies ------------------------------------------------------------------------------
def anomalies_path(anomalies: ArtifactRef, split: str) -> str:
    """``<uri>/Split-<split>/SchemaDiff.pb``."""
    return os.path.join(anomalies.split_uri(split), ANOMALIES_FILE_NAME)


def write_anomalies(anomalies: anomalies_pb2.Anomalies, target: ArtifactRef, split: str) -> str:
    """Write one split's anomalies as a binary proto; return the path."""
    path = anomalies_path(target, split)
    _write_bytes(path, anomalies.SerializeToString())
    log.info("wrote anomalies of split %r to %s", split, path)
    return path


def load_anomalies(anomalies: ArtifactRef, split: str) -> anomalies_pb2.Anomalies:
    """One split's anomalies (``Split-<split>/SchemaDiff.pb``)."""
    path = anomalies_path(anomalies, split)
    data = _read_bytes(path, f"anomalies (artifact {anomalies.mlmd_id}, split {split!r})")
    try:
        return anomalies_pb2.Anomalies.FromString(data)
    except DecodeError as err:
        raise InvalidInputDataError(f"anomalies file {path} is not a binary Anomalies proto: {err}") from err
