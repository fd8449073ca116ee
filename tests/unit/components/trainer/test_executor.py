"""Trainer: TFX's run_fn contract on tiny data, bad user code, and caching through the launcher."""

from __future__ import annotations

import dataclasses
import json
import os
import sys
import textwrap

import pytest

from airflow_tfx_provider.components.trainer import TrainerSpec
from airflow_tfx_provider.exceptions import InvalidInputDataError, PipelineDefinitionError, UserCodeError
from tests.unit.components._fixtures.training import (
    copy_module_file,
    read_records,
    tiny_rows,
    tiny_splits,
    write_hyperparameters,
    write_schema,
)

DOTTED_RUN_FN = "tests.unit.components._fixtures.training.run_fn"
STEPS = {"train_args": {"num_steps": 4}, "eval_args": {"num_steps": 1}}


@pytest.fixture(scope="module")
def data(tmp_path_factory, write_examples):
    root = tmp_path_factory.mktemp("trainer-data")
    return {
        "examples": write_examples(root / "examples", tiny_splits()),
        "schema": write_schema(root / "schema"),
    }


def serialized(rows):
    import tensorflow as tf

    return [
        tf.train.Example(
            features=tf.train.Features(
                feature={
                    "x": tf.train.Feature(float_list=tf.train.FloatList(value=[r["x"]])),
                    "label": tf.train.Feature(int64_list=tf.train.Int64List(value=[r["label"]])),
                }
            )
        ).SerializeToString()
        for r in rows
    ]


def test_module_file_run_fn_writes_a_serving_model_that_loads_and_predicts(tmp_path, data, run_component):
    import tensorflow as tf

    record_file = tmp_path / "record.jsonl"
    module_file = copy_module_file(tmp_path / "module")
    out = run_component(
        TrainerSpec, tmp_path, data, module_file=module_file, custom_config={"record_file": str(record_file)},
        **STEPS,
    )  # fmt: skip
    model, model_run = out["model"], out["model_run"]
    serving = os.path.join(model.uri, "Format-Serving")
    assert os.path.isfile(os.path.join(serving, "saved_model.pb"))

    loaded = tf.saved_model.load(serving)
    predictions = loaded.signatures["serving_default"](examples=tf.constant(serialized(tiny_rows(5))))
    assert predictions["probability"].shape == (5, 1)
    assert all(0.0 <= p <= 1.0 for p in predictions["probability"].numpy().ravel())

    [seen] = read_records(record_file)
    examples = data["examples"]
    assert seen["train_files"] == [f"{examples.uri}/Split-train/*.gz"]
    assert seen["eval_files"] == [f"{examples.uri}/Split-eval/*.gz"]
    assert (seen["train_steps"], seen["eval_steps"]) == (4, 1)
    assert seen["schema_path"] == seen["schema_file"] == f"{data['schema'].uri}/schema.pbtxt"
    assert seen["transform_output"] is None and seen["hyperparameters"] is None
    assert seen["serving_model_dir"] == serving and seen["working_dir"] == model.uri
    assert seen["model_run_dir"] == model_run.uri

    summary = json.loads(open(os.path.join(model_run.uri, "run_summary.json")).read())
    assert summary["run_fn"] == "run_fn" and summary["source"] == module_file
    assert summary["train_steps"] == 4 and summary["serving_model_dir"] == "Format-Serving"
    assert any(name != "run_summary.json" for name in os.listdir(model_run.uri))  # TensorBoard logs


def test_dotted_run_fn_gets_hyperparameters_and_base_model(tmp_path, data, run_component):
    import tensorflow as tf

    from airflow_tfx_provider.compat import import_keras_tuner

    kt = import_keras_tuner()
    hp = kt.HyperParameters()
    hp.Fixed("units", 5)
    hp.Fixed("learning_rate", 0.01)
    hyperparameters = write_hyperparameters(tmp_path / "hp", json.dumps(hp.get_config()))
    record_file = tmp_path / "record.jsonl"
    first = run_component(TrainerSpec, tmp_path, data, run_fn=DOTTED_RUN_FN, **STEPS)

    out = run_component(
        TrainerSpec, tmp_path, {**data, "hyperparameters": hyperparameters, "base_model": first["model"]},
        run_fn=DOTTED_RUN_FN, custom_config={"record_file": str(record_file)}, **STEPS,
    )  # fmt: skip
    [seen] = read_records(record_file)
    assert seen["hyperparameters"] == hp.get_config()
    assert seen["base_model"] == os.path.join(first["model"].uri, "Format-Serving")
    model = tf.keras.models.load_model(os.path.join(out["model"].uri, "Format-Serving"))
    assert model.get_layer("hidden").units == 5


def test_custom_splits_and_unknown_split(tmp_path, data, run_component, write_examples):
    examples = write_examples(tmp_path / "ex", {"training": tiny_rows(16), "holdout": tiny_rows(8)})
    record_file = tmp_path / "record.jsonl"
    module_file = copy_module_file(tmp_path / "module")
    inputs = {"examples": examples, "schema": data["schema"]}
    with pytest.raises(InvalidInputDataError, match=r"split\(s\) \['eval'\].*has \['training', 'holdout'\]"):
        run_component(
            TrainerSpec, tmp_path, inputs, module_file=module_file, train_args={"splits": ["training"]}
        )
    run_component(
        TrainerSpec, tmp_path, inputs, module_file=module_file,
        custom_config={"record_file": str(record_file)},
        train_args={"splits": ["training", "holdout"], "num_steps": 2}, eval_args={"splits": ["holdout"]},
    )  # fmt: skip
    [seen] = read_records(record_file)
    assert seen["train_files"] == [
        f"{examples.uri}/Split-training/*.gz",
        f"{examples.uri}/Split-holdout/*.gz",
    ]
    assert seen["eval_files"] == [f"{examples.uri}/Split-holdout/*.gz"] and seen["eval_steps"] is None


# --- bad input: every message names the file and the function -------------------------------------
BAD_MODULES = {
    "syntax_error": (
        "def run_fn(fn_args)\n    pass\n",
        UserCodeError,
        r"bad\.py has a syntax error at line 1",
    ),
    "no_run_fn": (
        "def train(fn_args):\n    pass\n",
        UserCodeError,
        r"bad\.py defines no function 'run_fn'.*train",
    ),
    "run_fn_raises": (
        "def run_fn(fn_args):\n    raise RuntimeError('no GPU today')\n",
        UserCodeError,
        r"run_fn in .*bad\.py raised RuntimeError: no GPU today",
    ),
    "writes_no_model": (
        "def run_fn(fn_args):\n    print('trained, forgot to save')\n",
        UserCodeError,
        r"run_fn in .*bad\.py returned without writing a SavedModel to fn_args.serving_model_dir"
        r" \(.*Format-Serving/saved_model\.pb is missing",
    ),
    "import_fails": ("import no_such_module_xyz\n", UserCodeError, r"importing module file .*bad\.py raised"),
}


@pytest.mark.parametrize("case", sorted(BAD_MODULES))
def test_bad_module_file(case, tmp_path, data, run_component):
    source, error, message = BAD_MODULES[case]
    module_file = tmp_path / "bad.py"
    module_file.write_text(source)
    with pytest.raises(error, match=message):
        run_component(TrainerSpec, tmp_path, data, module_file=str(module_file))


def test_missing_module_file_and_bad_dotted_path(tmp_path, data, run_component):
    with pytest.raises(UserCodeError, match=r"module file .*nowhere\.py does not exist"):
        run_component(TrainerSpec, tmp_path, data, module_file=str(tmp_path / "nowhere.py"))
    with pytest.raises(
        UserCodeError, match=r"cannot import module 'no_such_pkg\.model' for no_such_pkg\.model\.run_fn"
    ):
        run_component(TrainerSpec, tmp_path, data, run_fn="no_such_pkg.model.run_fn")
    with pytest.raises(
        UserCodeError, match=r"tests\.unit\.components\._fixtures\.training defines no function 'go'"
    ):
        run_component(TrainerSpec, tmp_path, data, run_fn="tests.unit.components._fixtures.training.go")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            None,
            r"HyperParameters artifact 901 \(.*\): hyperparameters file .*best_hyperparameters\.txt "
            r"does not exist",
        ),
        ("{not json", r"HyperParameters artifact 901 .*best_hyperparameters\.txt is not readable JSON"),
        ("[1, 2]", r"best_hyperparameters\.txt must hold a JSON object"),
    ],
)
def test_unreadable_hyperparameters(content, message, tmp_path, data, run_component):
    hyperparameters = write_hyperparameters(tmp_path / "hp", content or "")
    if content is None:
        os.remove(os.path.join(hyperparameters.uri, "best_hyperparameters.txt"))
        open(os.path.join(hyperparameters.uri, "a.txt"), "w").close()
        open(os.path.join(hyperparameters.uri, "b.txt"), "w").close()
    module_file = copy_module_file(tmp_path / "module")
    with pytest.raises(InvalidInputDataError, match=message):
        run_component(
            TrainerSpec, tmp_path, {**data, "hyperparameters": hyperparameters}, module_file=module_file
        )


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "give exactly one of module_file .* and run_fn .*; got neither"),
        ({"module_file": "m.py", "run_fn": "a.b.run_fn"}, "got both"),
        (
            {"run_fn": "a.run_fn", "train_args": {"num_steps": -1}},
            r"train_args\['num_steps'\] must be a positive",
        ),
        ({"run_fn": "a.run_fn", "eval_args": {"splits": "eval"}}, r"eval_args\['splits'\] must be a list"),
        ({"run_fn": "a.run_fn", "train_args": {"steps": 3}}, r"train_args has unknown key\(s\) \['steps'\]"),
        ({"run_fn": "a.run_fn", "custom_config": [1]}, "custom_config must be a dict"),
    ],
)
def test_parameters_are_checked_at_parse_time(params, message):
    resolved = TrainerSpec.resolve_parameters(params, where="test")
    assert TrainerSpec.validate_parameters is not None
    with pytest.raises(PipelineDefinitionError, match=message):
        TrainerSpec.validate_parameters(resolved)


# --- the launcher: caching and module file content ------------------------------------------------
QUICK_MODULE = """
import os
import helper

def run_fn(fn_args):
    with open(fn_args.custom_config["counter"], "a") as handle:
        handle.write(helper.TAG + "\\n")
    os.makedirs(fn_args.serving_model_dir)
    open(os.path.join(fn_args.serving_model_dir, "saved_model.pb"), "wb").close()
"""


def test_launcher_caches_and_module_file_or_sibling_changes_invalidate(tmp_path):
    from airflow_tfx_provider.components.spec import ExecutionInfo
    from airflow_tfx_provider.metadata.config import MetadataConfig
    from airflow_tfx_provider.runtime.importer import import_artifact
    from airflow_tfx_provider.runtime.launcher import launch
    from airflow_tfx_provider.runtime.settings import RunSettings
    from airflow_tfx_provider.types import refs_to_json
    from tests.unit.components.conftest import _write_examples

    root = tmp_path / "root"

    def settings(component_id, run_id):
        return RunSettings(
            run=ExecutionInfo(
                pipeline_name="p", pipeline_root=str(root), run_id=run_id, component_id=component_id
            ),
            metadata=MetadataConfig.sqlite_under(str(root)),
        )

    examples = _write_examples(tmp_path / "data" / "examples", tiny_splits())
    imported = import_artifact(
        settings("examples_import", "r0"), source_uri=examples.uri, type_name="Examples",
        properties={"split_names": examples.properties["split_names"]}, reimport=False,
    )  # fmt: skip
    inputs = {"examples": refs_to_json(imported)["result"]}
    module_dir = tmp_path / "module"
    module_dir.mkdir()
    module_file = module_dir / "quick.py"
    module_file.write_text(QUICK_MODULE)
    helper = module_dir / "helper.py"
    helper.write_text('TAG = "v1"\n')
    counter = tmp_path / "counter.txt"
    params = {"module_file": str(module_file), "custom_config": {"counter": str(counter)}}

    first = launch(TrainerSpec, settings("trainer", "r1"), inputs, params)
    assert not first.cached
    model_uri = first.outputs["model"][0].uri
    assert os.path.isfile(os.path.join(model_uri, "Format-Serving", "saved_model.pb"))
    assert os.path.isfile(os.path.join(first.outputs["model_run"][0].uri, "run_summary.json"))

    again = launch(TrainerSpec, settings("trainer", "r2"), inputs, params)
    assert again.cached and again.outputs["model"][0].uri == model_uri
    assert counter.read_text().splitlines() == ["v1"]  # run_fn did not run again

    module_file.write_text(QUICK_MODULE + "\n# edited\n")
    edited = launch(TrainerSpec, settings("trainer", "r3"), inputs, params)
    assert not edited.cached and counter.read_text().splitlines() == ["v1", "v1"]

    helper.write_text('TAG = "v2"\n')  # a sibling module the module file imports
    # An Airflow task is a fresh process; this test process has both modules loaded already.
    for name in [n for n in sys.modules if n == "helper" or n.startswith("user_module_quick_")]:
        del sys.modules[name]
    sibling = launch(TrainerSpec, settings("trainer", "r4"), inputs, params)
    assert not sibling.cached and counter.read_text().splitlines() == ["v1", "v1", "v2"]
    assert launch(TrainerSpec, settings("trainer", "r5"), inputs, params).cached


def test_launcher_failure_publishes_nothing(tmp_path):
    from airflow_tfx_provider.components.spec import ExecutionInfo
    from airflow_tfx_provider.metadata.config import MetadataConfig
    from airflow_tfx_provider.runtime.importer import import_artifact
    from airflow_tfx_provider.runtime.launcher import launch
    from airflow_tfx_provider.runtime.settings import RunSettings
    from airflow_tfx_provider.types import refs_to_json
    from tests.unit.components.conftest import _write_examples

    root = tmp_path / "root"
    settings = RunSettings(
        run=ExecutionInfo(pipeline_name="p", pipeline_root=str(root), run_id="r1", component_id="trainer"),
        metadata=MetadataConfig.sqlite_under(str(root)),
    )
    examples = _write_examples(tmp_path / "examples", tiny_splits())
    imported = import_artifact(
        dataclasses.replace(settings, run=dataclasses.replace(settings.run, component_id="examples_import")),
        source_uri=examples.uri, type_name="Examples",
        properties={"split_names": examples.properties["split_names"]}, reimport=False,
    )  # fmt: skip
    module_file = tmp_path / "nomodel.py"
    module_file.write_text(textwrap.dedent("def run_fn(fn_args):\n    pass\n"))
    with pytest.raises(UserCodeError, match=r"nomodel\.py returned without writing a SavedModel"):
        launch(
            TrainerSpec,
            settings,
            {"examples": refs_to_json(imported)["result"]},
            {"module_file": str(module_file)},
        )
    for key in ("model", "model_run"):
        folder = root / "trainer" / key
        assert not folder.exists() or os.listdir(folder) == []
