"""TFX's ``tfx.proto`` messages (and the ``*_pb2`` modules they come from), without protobuf.

``from airflow_tfx_provider.compat import proto`` stands in for ``tfx.v1.proto``;
``from airflow_tfx_provider.compat.proto import trainer_pb2`` for ``from tfx.proto import trainer_pb2``.
"""

from __future__ import annotations

from types import SimpleNamespace

from airflow_tfx_provider.compat._messages import Message, message

# --- example_gen_pb2 / range_config_pb2 -----------------------------------------------------------
_InputSplit = message("Split", "tfx.components.example_gen.Input.Split", ("name", "pattern"))
Input = message("Input", "tfx.components.example_gen.Input", ("splits",), Split=_InputSplit)
_SplitConfigSplit = message("Split", "tfx.components.example_gen.SplitConfig.Split", ("name", "hash_buckets"))
SplitConfig = message(
    "SplitConfig", "tfx.components.example_gen.SplitConfig", ("splits",), Split=_SplitConfigSplit
)
Output = message("Output", "tfx.components.example_gen.Output", ("split_config", "partition_feature_name"))
StaticRange = message("StaticRange", "tfx.configs.StaticRange", ("start_span_number", "end_span_number"))
RollingRange = message(
    "RollingRange", "tfx.configs.RollingRange", ("start_span_number", "num_spans", "skip_num_recent_spans")
)
RangeConfig = message("RangeConfig", "tfx.configs.RangeConfig", ("static_range", "rolling_range"))

# --- trainer_pb2 / tuner_pb2 / transform_pb2 ------------------------------------------------------
TrainArgs = message("TrainArgs", "tfx.components.trainer.TrainArgs", ("splits", "num_steps"))
EvalArgs = message("EvalArgs", "tfx.components.trainer.EvalArgs", ("splits", "num_steps"))
TuneArgs = message("TuneArgs", "tfx.components.tuner.TuneArgs", ("num_parallel_trials",))
SplitsConfig = message("SplitsConfig", "tfx.components.transform.SplitsConfig", ("analyze", "transform"))

# --- pusher_pb2 -------------------------------------------------------------------------------------
_Filesystem = message("Filesystem", "tfx.components.pusher.PushDestination.Filesystem", ("base_directory",))
PushDestination = message(
    "PushDestination", "tfx.components.pusher.PushDestination", ("filesystem",), Filesystem=_Filesystem
)

# --- infra_validator_pb2 ------------------------------------------------------------------------------
TensorFlowServing = message(
    "TensorFlowServing", "tfx.components.infra_validator.TensorFlowServing", ("tags", "digests", "image_name")
)
LocalDockerConfig = message("LocalDockerConfig", "tfx.components.infra_validator.LocalDockerConfig")
KubernetesConfig = message("KubernetesConfig", "tfx.components.infra_validator.KubernetesConfig")
ServingSpec = message(
    "ServingSpec", "tfx.components.infra_validator.ServingSpec",
    ("tensorflow_serving", "local_docker", "kubernetes", "model_name"),
)  # fmt: skip
ValidationSpec = message(
    "ValidationSpec",
    "tfx.components.infra_validator.ValidationSpec",
    ("max_loading_time_seconds", "num_tries"),
)
TensorFlowServingRequestSpec = message(
    "TensorFlowServingRequestSpec", "tfx.components.infra_validator.TensorFlowServingRequestSpec",
    ("signature_names", "tag_set", "rpc_kind"),
)  # fmt: skip
RequestSpec = message(
    "RequestSpec", "tfx.components.infra_validator.RequestSpec",
    ("tensorflow_serving", "split_name", "num_examples", "make_warmup"),
)  # fmt: skip

# --- bulk_inferrer_pb2 --------------------------------------------------------------------------------
DataSpec = message("DataSpec", "tfx.components.bulk_inferrer.DataSpec", ("example_splits",))
ModelSpec = message("ModelSpec", "tfx.components.bulk_inferrer.ModelSpec", ("model_signature_name", "tag"))
OutputColumnsSpec = message("OutputColumnsSpec", "tfx.components.bulk_inferrer.OutputColumnsSpec")
OutputExampleSpec = message(
    "OutputExampleSpec", "tfx.components.bulk_inferrer.OutputExampleSpec", ("output_columns_spec",)
)

example_gen_pb2 = SimpleNamespace(Input=Input, Output=Output, SplitConfig=SplitConfig)
range_config_pb2 = SimpleNamespace(
    RangeConfig=RangeConfig, StaticRange=StaticRange, RollingRange=RollingRange
)
trainer_pb2 = SimpleNamespace(TrainArgs=TrainArgs, EvalArgs=EvalArgs)
tuner_pb2 = SimpleNamespace(TuneArgs=TuneArgs)
transform_pb2 = SimpleNamespace(SplitsConfig=SplitsConfig)
pusher_pb2 = SimpleNamespace(PushDestination=PushDestination)
infra_validator_pb2 = SimpleNamespace(
    ServingSpec=ServingSpec, ValidationSpec=ValidationSpec, RequestSpec=RequestSpec,
    TensorFlowServing=TensorFlowServing, LocalDockerConfig=LocalDockerConfig,
    KubernetesConfig=KubernetesConfig, TensorFlowServingRequestSpec=TensorFlowServingRequestSpec,
)  # fmt: skip
bulk_inferrer_pb2 = SimpleNamespace(
    DataSpec=DataSpec,
    ModelSpec=ModelSpec,
    OutputExampleSpec=OutputExampleSpec,
    OutputColumnsSpec=OutputColumnsSpec,
)

__all__ = [
    "DataSpec", "EvalArgs", "Input", "KubernetesConfig", "LocalDockerConfig", "Message", "ModelSpec",
    "Output", "OutputColumnsSpec", "OutputExampleSpec", "PushDestination", "RangeConfig", "RequestSpec",
    "RollingRange",
    "ServingSpec", "SplitConfig", "SplitsConfig", "StaticRange", "TensorFlowServing",
    "TensorFlowServingRequestSpec", "TrainArgs", "TuneArgs", "ValidationSpec", "bulk_inferrer_pb2",
    "example_gen_pb2", "infra_validator_pb2", "pusher_pb2", "range_config_pb2", "trainer_pb2",
    "transform_pb2", "tuner_pb2",
]  # fmt: skip
