"""BulkInferrer: batch inference of a model over an Examples artifact (TFX's BulkInferrer).

Inputs: ``examples`` (Examples), ``model`` (Model: a SavedModel under ``<uri>/Format-Serving/``
whose signatures take serialized ``tf.Example``), optional ``model_blessing`` (ModelBlessing).

Gate: with a ``model_blessing`` that says ``NOT_BLESSED`` the component does not run (the
task is skipped, nothing is written), as TFX's BulkInferrer refuses to infer with an
unblessed model. Without a blessing the model is used as it is.

Exactly one of the two outputs is produced (the other stays empty and is not published):

- without ``output_example_spec``: ``inference_result`` (InferenceResult), gzipped TFRecords
  of ``tensorflow_serving.apis.prediction_log_pb2.PredictionLog``, one per input example,
  in one folder per split: ``<uri>/Split-<name>/prediction_logs-00000-of-00001.gz``. (TFX
  writes all splits into one ``prediction_logs-*.gz`` set; the per-split folders tell the
  splits apart, and ``<uri>/Split-*/*.gz`` reads them all.) The custom property
  ``split_names`` lists the splits (JSON, like Examples).
- with ``output_example_spec``: ``output_examples`` (Examples), every input example with the
  prediction columns added, as gzipped TFRecords of ``tf.Example`` in TFX's Examples layout
  (``<uri>/Split-<name>/data_tfrecord-00000-of-00001.gz``); ``split_names`` are the splits
  processed, ``span`` and ``version`` are copied from the input.

Which kind of PredictionLog a record holds depends on the signature's method: a TF2
``tf.function`` signature is a *predict* signature (``predict_log``: ``request.inputs``
holds the serialized example, ``response.outputs`` the output tensors by key); TF1-style
classification / regression signatures give ``classify_log`` / ``regress_log``; several
classify/regress signatures at once give ``multi_inference_log``.

Parameters (TFX's protos in their dict form, as ``google.protobuf.json_format`` reads them;
snake_case or camelCase keys; the proto messages themselves are accepted too):

- ``data_spec``: ``{"example_splits": ["eval"]}``: the splits to run on; default (``None``
  or an empty list): every split of the examples.
- ``model_spec``: ``{"model_signature_name": ["serving_default"], "tag": ["serve"]}``;
  default: signature ``serving_default``, tag ``serve``.
- ``output_example_spec``: how predictions become columns, one entry per signature::

      {"output_columns_spec": [{"predict_output": {"output_columns": [
          {"output_key": "outputs", "output_column": "score"}]}}]}

  ``predict_output`` maps output tensors (by key) to columns; ``classify_output``
  (``label_column``, ``score_column``) and ``regress_output`` (``value_column``) name the
  columns of classification labels/scores and regression values; ``signature_name`` picks
  the signature an entry belongs to when there are several. As in TFX, string results
  become ``bytes_list`` features and numbers ``float_list`` features (integers included); an
  output must hold one value or a 1-D list per example; a column that already exists in the
  example is an error.

Everything runs in one Beam pipeline (``beam_support.make_pipeline``): per selected split,
``ReadFromTFRecord`` -> ``tfx_bsl`` ``RunInference`` -> ``WriteToTFRecord``. The signature,
tags and the output keys named in ``output_example_spec`` are checked against the SavedModel
before the pipeline starts, so such mistakes fail fast with what the model offers.
"""

from __future__ import annotations

from airflow_tfx_provider.components.bulk_inferrer.parameters import _NAME, validate_parameters
from airflow_tfx_provider.components.spec import (
    ComponentSpec,
    InputSpec,
    OutputSpec,
    Parameter,
)
from airflow_tfx_provider.types import EXAMPLES, INFERENCE_RESULT, MODEL, MODEL_BLESSING

BulkInferrerSpec = ComponentSpec(
    name=_NAME,
    default_id="bulk_inferrer",
    doc="Runs batch inference of a blessed model on examples (TFX's BulkInferrer).",
    inputs={
        "examples": InputSpec(EXAMPLES, doc="the examples to run the model on"),
        "model": InputSpec(MODEL, doc="the model (SavedModel under ``Format-Serving/``)"),
        "model_blessing": InputSpec(
            MODEL_BLESSING, optional=True, doc="Evaluator's verdict; ``NOT_BLESSED`` skips the task"
        ),
    },
    outputs={
        "inference_result": OutputSpec(
            INFERENCE_RESULT,
            optional=True,
            doc="without ``output_example_spec``: gzipped ``PredictionLog`` TFRecords, "
            "``Split-<name>/prediction_logs-*.gz``",
        ),
        "output_examples": OutputSpec(
            EXAMPLES,
            optional=True,
            doc="with ``output_example_spec``: the input examples with the prediction columns added, "
            "``Split-<name>/data_tfrecord-*.gz``",
        ),
    },
    parameters={
        "data_spec": Parameter(None, '``{"example_splits": ["eval"]}``; default: every split'),
        "model_spec": Parameter(
            None, '``{"model_signature_name": ["serving_default"], "tag": ["serve"]}``; default: those'
        ),
        "output_example_spec": Parameter(
            None,
            '``{"output_columns_spec": [{"predict_output": {"output_columns": '
            '[{"output_key": "outputs", "output_column": "score"}]}}]}``: write Examples '
            "(``output_examples``) instead of PredictionLogs",
        ),
    },
    executor="airflow_tfx_provider.components.bulk_inferrer.executor.run",
    validate_parameters=validate_parameters,
    gate="airflow_tfx_provider.components.bulk_inferrer.executor.gate",
)
