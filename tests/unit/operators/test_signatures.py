"""Each typed operator's signature matches its spec, and its documentation is generated from it."""

from __future__ import annotations

import inspect
import subprocess
import sys

import pytest

from airflow_tfx_provider import operators
from airflow_tfx_provider.components.spec import REQUIRED
from airflow_tfx_provider.operators.component import ComponentOperator
from airflow_tfx_provider.runtime.fingerprint import canonical
from tests.conftest import REPO

TYPED = [
    getattr(operators, name)
    for name in operators.__all__
    if isinstance(getattr(operators, name), type)
    and issubclass(getattr(operators, name), ComponentOperator)
    and getattr(operators, name) is not ComponentOperator
]


def test_every_component_has_a_typed_operator() -> None:
    assert len(TYPED) == 13
    assert {op.spec.name for op in TYPED} == {
        "CsvExampleGen", "ImportExampleGen", "StatisticsGen", "SchemaGen", "ImportSchemaGen",
        "ExampleValidator", "Transform", "Trainer", "Tuner", "Evaluator", "InfraValidator", "Pusher",
        "BulkInferrer",
    }  # fmt: skip


@pytest.mark.parametrize("operator", TYPED, ids=[op.__name__ for op in TYPED])
def test_signature_matches_the_spec(operator: type[ComponentOperator]) -> None:
    spec = operator.spec
    parameters = dict(inspect.signature(operator.__init__).parameters)
    parameters.pop("self")
    assert parameters.pop("kwargs").kind is inspect.Parameter.VAR_KEYWORD
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in parameters.values())
    assert set(parameters) == set(spec.inputs) | set(spec.parameters) | {"task_id"}
    assert parameters["task_id"].default == spec.default_id
    for name, item in spec.inputs.items():
        expected = None if item.optional else inspect.Parameter.empty
        assert parameters[name].default is expected, f"input {name}"
    for name, param in spec.parameters.items():
        default = parameters[name].default
        if param.default is REQUIRED:
            assert default is inspect.Parameter.empty, f"parameter {name} is required by the spec"
        else:
            assert canonical(default, where=name) == canonical(param.default, where=name), f"parameter {name}"


@pytest.mark.parametrize("operator", TYPED, ids=[op.__name__ for op in TYPED])
def test_docstring_documents_every_argument(operator: type[ComponentOperator]) -> None:
    doc = operator.__doc__ or ""
    assert doc.startswith(operator.spec.doc)
    for name in [*operator.spec.inputs, *operator.spec.parameters, "task_id"]:
        assert f":param {name}:" in doc
    for key in operator.spec.outputs:
        assert f"``{key}``" in doc


def test_generated_documentation_is_up_to_date() -> None:
    """Operator docstrings and README tables equal what ``make docs`` generates from the specs."""
    result = subprocess.run(
        [sys.executable, str(REPO / "tools" / "component_docs.py"), "--check"],
        capture_output=True, text=True, cwd=REPO, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
