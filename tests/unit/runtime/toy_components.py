"""Tiny pure-Python components for exercising the launcher without TensorFlow."""

from __future__ import annotations

import os

from airflow_tfx_provider.components._artifacts.blessing import write_blessing
from airflow_tfx_provider.components.spec import ComponentSpec, InputSpec, OutputSpec, Parameter
from airflow_tfx_provider.exceptions import InvalidInputDataError
from airflow_tfx_provider.types import EXAMPLES, MODEL, MODEL_BLESSING, PUSHED_MODEL, SCHEMA

CALLS: list[str] = []


def write_examples(inputs, outputs, params, info):
    CALLS.append("gen")
    out = outputs["examples"][0]
    os.makedirs(out.split_uri("train"))
    with open(os.path.join(out.split_uri("train"), "data.gz"), "w") as handle:
        handle.write(params["text"])
    if params["fail_after_writing"]:
        raise InvalidInputDataError("toy failure after writing half the files")
    out.split_names = ["train"]
    out.properties["span"] = params["span"]


def write_nothing(inputs, outputs, params, info):
    CALLS.append("lazy")


def summarize(inputs, outputs, params, info):
    CALLS.append("summarize")
    [examples] = inputs["examples"]
    with open(os.path.join(outputs["schema"][0].uri, "schema.pbtxt"), "w") as handle:
        handle.write(f"span {examples.properties['span']}\n")


ToyGenSpec = ComponentSpec(
    name="ToyGen",
    inputs={},
    outputs={"examples": OutputSpec(EXAMPLES)},
    parameters={"text": Parameter("hello"), "span": Parameter(1), "fail_after_writing": Parameter(False)},
    executor="tests.unit.runtime.toy_components.write_examples",
    default_id="toy_gen",
)
LazySpec = ComponentSpec(
    name="Lazy",
    inputs={},
    outputs={"examples": OutputSpec(EXAMPLES)},
    parameters={},
    executor="tests.unit.runtime.toy_components.write_nothing",
)
ToySchemaSpec = ComponentSpec(
    name="ToySchema",
    inputs={"examples": InputSpec(EXAMPLES)},
    outputs={"schema": OutputSpec(SCHEMA)},
    parameters={},
    executor="tests.unit.runtime.toy_components.summarize",
    default_id="toy_schema",
)


def write_optional(inputs, outputs, params, info):
    CALLS.append("optional")
    with open(os.path.join(outputs["schema"][0].uri, "schema.pbtxt"), "w") as handle:
        handle.write("schema")
    if params["with_extra"]:
        with open(os.path.join(outputs["extra"][0].uri, "extra.txt"), "w") as handle:
            handle.write("extra")


OptionalOutputSpec = ComponentSpec(
    name="OptionalOutput",
    inputs={},
    outputs={"schema": OutputSpec(SCHEMA), "extra": OutputSpec(SCHEMA, optional=True)},
    parameters={"with_extra": Parameter(False)},
    executor="tests.unit.runtime.toy_components.write_optional",
)


def make_model(inputs, outputs, params, info):
    with open(f"{outputs['model'][0].uri}/saved_model.pb", "w") as handle:
        handle.write(params["tag"])


def bless(inputs, outputs, params, info):
    [model] = inputs["model"]
    [blessing] = outputs["blessing"]
    write_blessing(blessing, params["blessed"])
    blessing.properties["current_model_id"] = model.mlmd_id


ToyModelSpec = ComponentSpec(
    "T", {}, {"model": OutputSpec(MODEL)}, {"tag": Parameter()}, f"{__name__}.make_model"
)
ToyBlessSpec = ComponentSpec(
    "E",
    {"model": InputSpec(MODEL)},
    {"blessing": OutputSpec(MODEL_BLESSING)},
    {"blessed": Parameter()},
    f"{__name__}.bless",
)


def copy_schema(inputs, outputs, params, info):
    """Records which URI it read the schema from (``source.txt``)."""
    with open(f"{outputs['schema'][0].uri}/source.txt", "w") as handle:
        handle.write(inputs["schema"][0].uri)


ToyCopySchemaSpec = ComponentSpec(
    "Consumer", {"schema": InputSpec(SCHEMA)}, {"schema": OutputSpec(SCHEMA)}, {}, f"{__name__}.copy_schema"
)


def write_versioned_examples(inputs, outputs, params, info):
    out = outputs["examples"][0]
    os.makedirs(out.split_uri("train"))
    with open(os.path.join(out.split_uri("train"), "data.gz"), "w") as handle:
        handle.write(f"{params['span']}.{params['version']}")
    out.split_names = ["train"]
    out.properties["span"] = params["span"]
    out.properties["version"] = params["version"]


ToyVersionedGenSpec = ComponentSpec(
    name="ToyVersionedGen",
    inputs={},
    outputs={"examples": OutputSpec(EXAMPLES)},
    parameters={"span": Parameter(1), "version": Parameter(0)},
    executor=f"{__name__}.write_versioned_examples",
    default_id="toy_gen",
)


def compare_pair(inputs, outputs, params, info):
    with open(os.path.join(outputs["schema"][0].uri, "schema.pbtxt"), "w") as handle:
        handle.write(f"{inputs['left'][0].mlmd_id} {inputs['right'][0].mlmd_id}")


ToyPairSpec = ComponentSpec(
    name="ToyPair",
    inputs={"left": InputSpec(EXAMPLES), "right": InputSpec(EXAMPLES)},
    outputs={"schema": OutputSpec(SCHEMA)},
    parameters={},
    executor=f"{__name__}.compare_pair",
)


def push_model(inputs, outputs, params, info):
    """Records a push of the input model, as the Pusher's PushedModel does (pushed_model_id)."""
    [model] = inputs["model"]
    with open(os.path.join(outputs["pushed_model"][0].uri, "push_record.json"), "w") as handle:
        handle.write(str(model.mlmd_id))
    outputs["pushed_model"][0].properties["pushed_model_id"] = model.mlmd_id


ToyPushSpec = ComponentSpec(
    "P", {"model": InputSpec(MODEL)}, {"pushed_model": OutputSpec(PUSHED_MODEL)}, {}, f"{__name__}.push_model"
)
