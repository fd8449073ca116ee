"""keras-tuner stays bound to tf_keras whatever loaded a module file first in the process.

Under ``airflow dags test`` every task runs in one process: Transform loads the module file
(``import keras_tuner`` at its top) before the Tuner does. keras-tuner 1.4 binds itself to what
``import keras`` gives (Keras 3), and the loaded module is cached, so the Tuner used to get the
Keras-3-bound keras-tuner, which rejected the tf_keras model with ``FatalTypeError: Expected the
model-building function ... to return a valid Keras Model instance``.

Each test runs in a fresh interpreter so that the test process's own imports do not interfere.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.conftest import REPO

#: One module file for Transform and Tuner, as in TFX's penguin example.
MODULE_FILE = """
import keras_tuner
import tensorflow as tf
from airflow_tfx_provider import compat as tfx

def preprocessing_fn(inputs):
    return {"x_copy": inputs["x"]}

def tuner_fn(fn_args):
    def build(hp):
        x = tf.keras.Input(shape=(1,), name="x")
        hidden = tf.keras.layers.Dense(hp.Int("units", 1, 2), name="hidden")(x)
        model = tf.keras.Model({"x": x}, tf.keras.layers.Dense(1)(hidden))
        model.compile(loss="mse")
        return model
    tuner = keras_tuner.RandomSearch(build, objective="loss", max_trials=1, directory=fn_args.working_dir)
    data = tf.data.Dataset.from_tensor_slices(({"x": [[0.0], [1.0]]}, [[0.0], [1.0]])).batch(2)
    return tfx.components.TunerFnResult(tuner=tuner, fit_kwargs={"x": data, "epochs": 1, "verbose": 0})
"""

#: A sibling helper module a module file may import: it imports keras_tuner itself.
HELPER = """
import keras_tuner

def random_search(build, working_dir):
    return keras_tuner.RandomSearch(build, objective="loss", max_trials=1, directory=working_dir)
"""

MODULE_FILE_WITH_HELPER = """
import tensorflow as tf
from airflow_tfx_provider import compat as tfx
from kt_helper import random_search

def preprocessing_fn(inputs):
    return {"x_copy": inputs["x"]}

def tuner_fn(fn_args):
    def build(hp):
        x = tf.keras.Input(shape=(1,), name="x")
        model = tf.keras.Model({"x": x}, tf.keras.layers.Dense(hp.Int("units", 1, 2))(x))
        model.compile(loss="mse")
        return model
    data = tf.data.Dataset.from_tensor_slices(({"x": [[0.0], [1.0]]}, [[0.0], [1.0]])).batch(2)
    tuner = random_search(build, fn_args.working_dir)
    return tfx.components.TunerFnResult(tuner=tuner, fit_kwargs={"x": data, "epochs": 1, "verbose": 0})
"""

#: A tuner_fn using a keras_tuner that code run before the tasks stashed away (no module holds it).
MODULE_FILE_WITH_STASHED_KERAS_TUNER = MODULE_FILE.replace(
    "    tuner = keras_tuner.", "    import kt_stash\n    tuner = kt_stash.keras_tuner."
)

#: A module file taking keras_tuner from a module outside its folder that imported it earlier.
MODULE_FILE_WITH_KERAS_TUNER_FROM_ELSEWHERE = MODULE_FILE.replace(
    "import keras_tuner\n", "from kt_elsewhere import keras_tuner\n", 1
)

PLAIN_MODULE_FILE = """
def preprocessing_fn(inputs):
    return dict(inputs)
"""

#: Transform's loader, then the Tuner's executor, in one fresh interpreter.
SCRIPT = """
import json, os, sys
from pathlib import Path
os.environ["TF_USE_LEGACY_KERAS"] = "1"
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "2"
root, plain, module_file, first = Path(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
report = {}
if first == "helper":  # e.g. the DAG file imported a helper module that imports keras_tuner
    sys.path.insert(0, os.path.dirname(module_file))
    import kt_helper
    sys.path.pop(0)
    report["first_import_on_keras3"] = kt_helper.keras_tuner.src.backend.config.multi_backend()
if first == "stash":  # code run before the tasks keeps a Keras-3-bound keras_tuner where nothing sees it
    import types
    import keras_tuner
    sys.modules["kt_stash"] = types.SimpleNamespace(keras_tuner=keras_tuner)
if first == "elsewhere":  # a module outside the module file's folder, imported before the tasks
    import types
    import keras_tuner
    sys.modules["kt_elsewhere"] = elsewhere = types.ModuleType("kt_elsewhere")
    elsewhere.keras_tuner = keras_tuner

from airflow_tfx_provider.components.transform.executor import load_preprocessing_fn
from airflow_tfx_provider.components.tuner import TunerSpec
from airflow_tfx_provider.exceptions import UserCodeError
from tests.unit.components._fixtures.training import tiny_splits, write_schema
from tests.unit.components.conftest import _run_component, _write_examples

try:
    load_preprocessing_fn({"module_file": plain})  # a module file that does not need keras-tuner ...
    report["keras_tuner_imported_by_plain_module"] = "keras_tuner" in sys.modules  # ... does not load it
    load_preprocessing_fn({"module_file": module_file})  # Transform loads the module file first
    examples = _write_examples(root / "examples", tiny_splits())
    data = {"examples": examples, "schema": write_schema(root / "schema")}
    tuned = _run_component(TunerSpec, root, data, module_file=module_file)
except UserCodeError as err:
    report["error"] = str(err)
else:
    best = json.loads((Path(tuned["best_hyperparameters"].uri) / "best_hyperparameters.txt").read_text())
    report["best_units"] = best["values"]["units"]
print(json.dumps(report))
"""


def _transform_then_tuner(tmp_path: Path, module_source: str, first: str = "") -> dict[str, object]:
    plain = tmp_path / "plain_module.py"
    plain.write_text(textwrap.dedent(PLAIN_MODULE_FILE))
    module_file = tmp_path / "penguin_like.py"
    module_file.write_text(textwrap.dedent(module_source))
    (tmp_path / "kt_helper.py").write_text(textwrap.dedent(HELPER))
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path), str(plain), str(module_file), first],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    report: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return report


def test_tuner_works_after_transform_loaded_the_same_module_file(tmp_path: Path) -> None:
    report = _transform_then_tuner(tmp_path, MODULE_FILE)
    assert report["best_units"] in (1, 2)
    assert report["keras_tuner_imported_by_plain_module"] is False


def test_tuner_works_when_keras_tuner_was_imported_bound_to_keras3_before_any_task(tmp_path: Path) -> None:
    report = _transform_then_tuner(tmp_path, MODULE_FILE_WITH_HELPER, first="helper")
    assert report["first_import_on_keras3"] is True  # the situation this test is about
    assert report["best_units"] in (1, 2)


def test_a_keras3_tuner_that_escapes_the_binding_fails_naming_the_cause_and_the_fix(tmp_path: Path) -> None:
    report = _transform_then_tuner(tmp_path, MODULE_FILE_WITH_STASHED_KERAS_TUNER, first="stash")
    error = str(report["error"])
    assert error.startswith(f"RandomSearch built by tuner_fn in {tmp_path / 'penguin_like.py'} comes from ")
    assert "keras_tuner imported bound to Keras 3, which rejects the tf_keras models" in error
    assert "Cause: that keras_tuner was imported before the provider could bind it to tf_keras" in error
    assert "Fix: do not import keras_tuner (or modules importing it) at DAG parse time" in error
    assert "keras-tuner said: Expected the model-building function" in error


def test_a_module_file_holding_a_keras3_keras_tuner_from_elsewhere_fails_to_load_naming_it(
    tmp_path: Path,
) -> None:
    report = _transform_then_tuner(tmp_path, MODULE_FILE_WITH_KERAS_TUNER_FROM_ELSEWHERE, first="elsewhere")
    error = str(report["error"])
    module_file = tmp_path / "penguin_like.py"
    assert error.startswith(
        f"{module_file} uses keras_tuner as imported bound to Keras 3 (user_module_penguin_like_"
    )
    assert ".keras_tuner), which rejects the tf_keras models tf.keras builds" in error
    assert "Cause: keras_tuner was imported before the provider could bind it to tf_keras" in error
    assert "Fix: do not import keras_tuner (or modules importing it) at DAG parse time" in error
