"""Taxi ``preprocessing_fn`` for the Transform component (TFX style, our own code).

Give this file to Transform as ``module_file``; its folder is put on ``sys.path`` while it
loads, so the sibling ``features`` module is importable.

Input: the raw taxi features as TFXIO decodes them with the pipeline's schema. Depending on
the schema a column is a dense ``[batch, 1]`` tensor (always present with one value) or a
``SparseTensor`` / ``RaggedTensor`` of shape ``[batch, None]`` (may be empty: the CSV has
empty cells). :func:`_fill_in_missing` turns every one of them into a dense ``[batch]``
tensor, filling empty cells with ``0`` (numbers) or ``""`` (strings).

Output: a dict of dense tensors, all of shape ``[batch]`` (``FixedLenFeature([], dtype)`` in
the transformed metadata; one value per example in the materialized tf.Examples):

- ``trip_miles_xf``, ``fare_xf``, ``trip_seconds_xf``: float32, z-scores (mean 0 and
  standard deviation 1 over the analyzed data);
- ``pickup_latitude_xf``, ``pickup_longitude_xf``, ``dropoff_latitude_xf``,
  ``dropoff_longitude_xf``: int64, quantile bucket ids in ``[0, FEATURE_BUCKET_COUNT)``;
- ``trip_start_hour_xf``, ``trip_start_day_xf``, ``trip_start_month_xf``: int64, the raw
  values used as ids, at most ``CATEGORICAL_FEATURE_MAX_VALUES[i]``;
- ``payment_type_xf``, ``company_xf``: int64, vocabulary ids in ``[0, VOCAB_SIZE + OOV_SIZE)``
  (the ``VOCAB_SIZE`` most frequent values, then ``OOV_SIZE`` hash buckets for the rest);
- ``tips_xf`` (the label, ``transformed_name(LABEL_KEY)``): int64, 1 if the tip was more
  than 20% of the fare, else 0.

A model reads them with ``tf.keras.Input(shape=(), name=..., dtype=...)`` (or ``shape=(1,)``
and a reshape), embedding the int64 ids with the sizes above.
"""

from __future__ import annotations

from typing import Any

import tensorflow as tf
import tensorflow_transform as tft
from features import (
    BUCKET_FEATURE_KEYS,
    CATEGORICAL_FEATURE_KEYS,
    DENSE_FLOAT_FEATURE_KEYS,
    FARE_KEY,
    FEATURE_BUCKET_COUNT,
    LABEL_KEY,
    OOV_SIZE,
    VOCAB_FEATURE_KEYS,
    VOCAB_SIZE,
    transformed_name,
)

# The share of the fare above which a tip counts as a big tip (the label).
BIG_TIP_SHARE = 0.2


def _fill_in_missing(x: Any) -> tf.Tensor:
    """A dense ``[batch]`` tensor from a ``[batch, 1]`` tensor or a ``[batch, None]`` sparse/ragged one.

    Missing values become ``""`` for strings and ``0`` for numbers; of several values, the
    first is kept.
    """
    default = "" if x.dtype == tf.string else tf.zeros([], dtype=x.dtype)
    if isinstance(x, tf.SparseTensor):
        batch = x.dense_shape[0]
        first = tf.sparse.slice(x, [0, 0], [batch, 1])  # at most one value per row
        x = tf.sparse.to_dense(
            tf.SparseTensor(first.indices, first.values, tf.stack([batch, tf.constant(1, tf.int64)])),
            default_value=default,
        )
    elif isinstance(x, tf.RaggedTensor):
        x = x.to_tensor(default_value=default, shape=[None, 1])
    if x.shape.rank == 2:
        x = x[:, 0]
    return x


def _as_float(x: Any) -> tf.Tensor:
    return tf.cast(_fill_in_missing(x), tf.float32)


def preprocessing_fn(inputs: dict[str, Any]) -> dict[str, tf.Tensor]:
    """Raw taxi features -> the model's features and label (see the module docstring)."""
    outputs: dict[str, tf.Tensor] = {}
    for key in DENSE_FLOAT_FEATURE_KEYS:
        outputs[transformed_name(key)] = tft.scale_to_z_score(_as_float(inputs[key]))
    for key in BUCKET_FEATURE_KEYS:
        outputs[transformed_name(key)] = tft.bucketize(_as_float(inputs[key]), FEATURE_BUCKET_COUNT)
    for key in CATEGORICAL_FEATURE_KEYS:
        outputs[transformed_name(key)] = tf.cast(_fill_in_missing(inputs[key]), tf.int64)
    for key in VOCAB_FEATURE_KEYS:
        outputs[transformed_name(key)] = tft.compute_and_apply_vocabulary(
            _fill_in_missing(inputs[key]), top_k=VOCAB_SIZE, num_oov_buckets=OOV_SIZE
        )
    fare = _as_float(inputs[FARE_KEY])
    tips = _as_float(inputs[LABEL_KEY])
    outputs[transformed_name(LABEL_KEY)] = tf.cast(tips > BIG_TIP_SHARE * fare, tf.int64)
    return outputs
