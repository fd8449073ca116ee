"""Taxi ``run_fn`` (Trainer) and ``tuner_fn`` (Tuner), TFX style (our own code).

Give this file to Trainer / Tuner as ``module_file``; its folder is on ``sys.path`` while it
loads, so the sibling ``features`` module is importable. It reads the transformed features
that ``preprocessing.py`` produces (``<key>_xf``, all of shape ``[batch]``):

- deep part: the z-scored dense floats plus small embeddings of every categorical id, through
  ``num_layers`` ReLU layers of ``units`` units;
- wide part: a linear layer over the one-hot categorical ids (quantile buckets, hour / day /
  month, vocabulary ids of payment type and company);
- output: sigmoid of the sum of both logits: the probability that the tip is more than
  20% of the fare.

Hyperparameters (``learning_rate``, ``num_layers``, ``units``) come from
``fn_args.hyperparameters`` (Tuner's ``best_hyperparameters``) when given, otherwise from
the defaults of :func:`hyperparameter_space`.

The saved model's ``serving_default`` signature takes serialized *raw* tf.Examples
(``examples``: ``tf.string``, shape ``[None]``), parses them with the raw feature spec minus
the label and applies the transform graph (``TFTransformOutput.transform_features_layer``),
so serving needs no separate preprocessing and training/serving skew cannot creep in. A
second signature, ``transform_features``, returns the transformed features of raw examples.

Migrating from TFX changed only one import: ``from airflow_tfx_provider import compat as tfx``.
"""

from __future__ import annotations

import logging
from typing import Any

import keras_tuner
import tensorflow as tf
import tensorflow_transform as tft
from features import (
    BUCKET_FEATURE_KEYS,
    CATEGORICAL_FEATURE_KEYS,
    CATEGORICAL_FEATURE_MAX_VALUES,
    DENSE_FLOAT_FEATURE_KEYS,
    FEATURE_BUCKET_COUNT,
    LABEL_KEY,
    OOV_SIZE,
    VOCAB_FEATURE_KEYS,
    VOCAB_SIZE,
    transformed_name,
)
from tfx_bsl.public import tfxio

from airflow_tfx_provider import compat as tfx

log = logging.getLogger(__name__)

TRAIN_BATCH_SIZE = 128
EVAL_BATCH_SIZE = 256
DEFAULT_TRAIN_STEPS = 1000
DEFAULT_EVAL_STEPS = 150
EMBEDDING_DIM = 4
LABEL = transformed_name(LABEL_KEY)


def categorical_sizes() -> dict[str, int]:
    """Transformed categorical feature -> number of ids (``[0, size)``)."""
    sizes = {transformed_name(key): FEATURE_BUCKET_COUNT for key in BUCKET_FEATURE_KEYS}
    for key, max_value in zip(CATEGORICAL_FEATURE_KEYS, CATEGORICAL_FEATURE_MAX_VALUES, strict=True):
        sizes[transformed_name(key)] = max_value + 1
    sizes.update({transformed_name(key): VOCAB_SIZE + OOV_SIZE for key in VOCAB_FEATURE_KEYS})
    return sizes


def hyperparameter_space() -> keras_tuner.HyperParameters:
    """The search space; each hyperparameter's default is what ``run_fn`` uses untuned."""
    hp = keras_tuner.HyperParameters()
    hp.Choice("learning_rate", [1e-3, 3e-3, 1e-2], default=1e-3)
    hp.Int("num_layers", 1, 3, default=2)
    hp.Choice("units", [16, 32, 64], default=32)
    return hp


def _hyperparameters(fn_args: tfx.components.FnArgs) -> keras_tuner.HyperParameters:
    hp = hyperparameter_space()
    if fn_args.hyperparameters:
        tuned = keras_tuner.HyperParameters.from_config(fn_args.hyperparameters)
        for name, value in tuned.values.items():
            if name in hp.values:
                hp.values[name] = value
    return hp


def build_keras_model(hp: keras_tuner.HyperParameters) -> tf.keras.Model:
    """The wide-and-deep model over the transformed features (a dict of ``[batch]`` tensors)."""
    inputs = {
        transformed_name(key): tf.keras.Input(shape=(), name=transformed_name(key), dtype=tf.float32)
        for key in DENSE_FLOAT_FEATURE_KEYS
    }
    sizes = categorical_sizes()
    inputs.update({name: tf.keras.Input(shape=(), name=name, dtype=tf.int64) for name in sizes})

    deep_parts = [tf.stack([inputs[transformed_name(key)] for key in DENSE_FLOAT_FEATURE_KEYS], axis=1)]
    wide_parts = []
    for name, size in sizes.items():
        ids = tf.clip_by_value(inputs[name], 0, size - 1)  # out-of-range ids would fail the lookups
        deep_parts.append(tf.keras.layers.Embedding(size, EMBEDDING_DIM, name=f"{name}_embedding")(ids))
        wide_parts.append(
            tf.keras.layers.CategoryEncoding(size, output_mode="one_hot", name=f"{name}_onehot")(ids)
        )

    deep = tf.keras.layers.Concatenate(name="deep_inputs")(deep_parts)
    for i in range(int(hp.get("num_layers"))):
        deep = tf.keras.layers.Dense(int(hp.get("units")), activation="relu", name=f"deep_{i}")(deep)
    deep_logit = tf.keras.layers.Dense(1, name="deep_logit")(deep)
    wide = tf.keras.layers.Concatenate(name="wide_inputs")(wide_parts)
    wide_logit = tf.keras.layers.Dense(1, name="wide_logit")(wide)
    logit = tf.keras.layers.Add(name="logit")([deep_logit, wide_logit])
    output = tf.keras.layers.Activation("sigmoid", name="probability")(logit)

    model = tf.keras.Model(inputs=inputs, outputs=output)
    model.compile(
        optimizer=tf.keras.optimizers.Adam(learning_rate=float(hp.get("learning_rate"))),
        loss=tf.keras.losses.BinaryCrossentropy(),
        metrics=[tf.keras.metrics.BinaryAccuracy()],
    )
    return model


def _input_fn(
    file_pattern: list[str],
    data_accessor: tfx.components.DataAccessor,
    tf_transform_output: tft.TFTransformOutput,
    batch_size: int,
    shuffle: bool = True,
) -> tf.data.Dataset:
    """Batches of (transformed features, label) from the transformed examples, repeating."""
    return data_accessor.tf_dataset_factory(
        file_pattern,
        tfxio.TensorFlowDatasetOptions(batch_size=batch_size, label_key=LABEL, shuffle=shuffle),
        tf_transform_output.transformed_metadata.schema,
    ).repeat()


def _raw_feature_spec_without_label(tf_transform_output: tft.TFTransformOutput) -> dict[str, Any]:
    spec = dict(tf_transform_output.raw_feature_spec())
    spec.pop(LABEL_KEY, None)
    return spec


def _signatures(model: tf.keras.Model, tf_transform_output: tft.TFTransformOutput) -> dict[str, Any]:
    """``serving_default``: raw serialized tf.Examples -> probability; ``transform_features``."""
    model.tft_layer = tf_transform_output.transform_features_layer()
    raw_spec = _raw_feature_spec_without_label(tf_transform_output)

    @tf.function(input_signature=[tf.TensorSpec(shape=[None], dtype=tf.string, name="examples")])
    def serve_tf_examples_fn(serialized: tf.Tensor) -> dict[str, tf.Tensor]:
        raw_features = tf.io.parse_example(serialized, raw_spec)
        transformed = model.tft_layer(raw_features)
        transformed.pop(LABEL, None)
        return {"probability": model(transformed)}

    @tf.function(input_signature=[tf.TensorSpec(shape=[None], dtype=tf.string, name="examples")])
    def transform_features_fn(serialized: tf.Tensor) -> dict[str, tf.Tensor]:
        full_spec = tf_transform_output.raw_feature_spec()  # with the label, when the examples have it
        return dict(model.tft_layer(tf.io.parse_example(serialized, full_spec)))

    return {"serving_default": serve_tf_examples_fn, "transform_features": transform_features_fn}


def run_fn(fn_args: tfx.components.FnArgs) -> None:
    """Train the model on the transformed examples and save it with the raw-example signatures."""
    assert fn_args.transform_output, (
        "the taxi model needs the Transform graph (Trainer input transform_graph)"
    )
    tf_transform_output = tft.TFTransformOutput(fn_args.transform_output)
    config = fn_args.custom_config or {}
    batch_size = int(config.get("batch_size", TRAIN_BATCH_SIZE))
    train_steps = fn_args.train_steps or DEFAULT_TRAIN_STEPS
    eval_steps = fn_args.eval_steps or DEFAULT_EVAL_STEPS
    hp = _hyperparameters(fn_args)
    log.info("taxi model: hyperparameters %s, %d steps of batch %d", hp.values, train_steps, batch_size)

    train_dataset = _input_fn(
        fn_args.train_files or [], fn_args.data_accessor, tf_transform_output, batch_size
    )
    eval_dataset = _input_fn(
        fn_args.eval_files or [], fn_args.data_accessor, tf_transform_output, EVAL_BATCH_SIZE, shuffle=False
    )
    model = build_keras_model(hp)
    epochs = max(1, min(int(config.get("epochs", 4)), train_steps))
    model.fit(
        train_dataset,
        steps_per_epoch=max(1, train_steps // epochs),
        epochs=epochs,
        validation_data=eval_dataset,
        validation_steps=eval_steps,
        callbacks=[tf.keras.callbacks.TensorBoard(log_dir=fn_args.model_run_dir, update_freq="epoch")],
        verbose=2,
    )
    model.save(
        fn_args.serving_model_dir, save_format="tf", signatures=_signatures(model, tf_transform_output)
    )


def tuner_fn(fn_args: tfx.components.FnArgs) -> tfx.components.TunerFnResult:
    """A random search over :func:`hyperparameter_space` (``custom_config["max_trials"]``, default 6)."""
    assert fn_args.transform_graph_path, (
        "the taxi model needs the Transform graph (Tuner input transform_graph)"
    )
    tf_transform_output = tft.TFTransformOutput(fn_args.transform_graph_path)
    config = fn_args.custom_config or {}
    batch_size = int(config.get("batch_size", TRAIN_BATCH_SIZE))
    tuner = keras_tuner.RandomSearch(
        build_keras_model,
        max_trials=int(config.get("max_trials", 6)),
        hyperparameters=hyperparameter_space(),
        allow_new_entries=False,
        objective=keras_tuner.Objective("val_binary_accuracy", "max"),
        directory=fn_args.working_dir,
        project_name="taxi_tuning",
        seed=int(config.get("seed", 42)),
    )
    train_dataset = _input_fn(
        fn_args.train_files or [], fn_args.data_accessor, tf_transform_output, batch_size
    )
    eval_dataset = _input_fn(
        fn_args.eval_files or [], fn_args.data_accessor, tf_transform_output, EVAL_BATCH_SIZE, shuffle=False
    )
    return tfx.components.TunerFnResult(
        tuner=tuner,
        fit_kwargs={
            "x": train_dataset,
            "validation_data": eval_dataset,
            "steps_per_epoch": fn_args.train_steps or DEFAULT_TRAIN_STEPS // 4,
            "validation_steps": fn_args.eval_steps or DEFAULT_EVAL_STEPS,
            "epochs": 1,
            "verbose": 2,
        },
    )
