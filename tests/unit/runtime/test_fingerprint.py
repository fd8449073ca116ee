"""Cache fingerprints of code given as a dotted function path (``preprocessing_fn="pkg.mod.fn"``)."""

from __future__ import annotations

from airflow_tfx_provider.components._user_code.parameters import user_fn_parameters
from airflow_tfx_provider.components.spec import ComponentSpec, Parameter
from airflow_tfx_provider.components.transform import TransformSpec
from airflow_tfx_provider.runtime.fingerprint import compute_fingerprint, function_path_value

SPEC = ComponentSpec(
    name="Toy",
    inputs={},
    outputs={},
    parameters={"fn": Parameter(None, function_path=True), "label": Parameter(None)},
    executor="tests.unit.runtime.toy_components.write_nothing",
)


def _package(root, version: str) -> None:
    package = root / "fp_user_pkg"
    package.mkdir(exist_ok=True)
    (package / "__init__.py").write_text("")
    (package / "prep.py").write_text(
        f"from fp_user_pkg import helper\n\ndef fn(inputs):\n    return {version!r}\n"
    )
    if not (package / "helper.py").exists():
        (package / "helper.py").write_text("SCALE = 1\n")


def test_editing_the_module_behind_a_dotted_path_changes_the_fingerprint(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    _package(tmp_path, "v1")
    params = {"fn": "fp_user_pkg.prep.fn", "label": None}
    first = compute_fingerprint(SPEC, params, {})
    assert compute_fingerprint(SPEC, params, {}) == first

    _package(tmp_path, "v2")
    edited = compute_fingerprint(SPEC, params, {})
    assert edited != first

    (tmp_path / "fp_user_pkg" / "helper.py").write_text("SCALE = 2\n")  # a sibling it imports
    assert compute_fingerprint(SPEC, params, {}) != edited


def test_a_dotted_path_that_cannot_be_found_is_kept_as_given():
    assert function_path_value("no_such_pkg_xyz.mod.fn") == "no_such_pkg_xyz.mod.fn"
    assert function_path_value("fn_without_module") == "fn_without_module"
    assert function_path_value(None) is None


def test_transform_trainer_and_tuner_hash_their_dotted_paths():
    assert TransformSpec.parameters["preprocessing_fn"].function_path
    assert user_fn_parameters("run_fn", "training")["run_fn"].function_path
    assert user_fn_parameters("tuner_fn", "tuning")["tuner_fn"].function_path
