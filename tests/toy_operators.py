"""Operators over the toy specs, for DAG-level tests that need no TensorFlow."""

from airflow_tfx_provider.operators.component import ComponentOperator
from tests.unit.runtime.toy_components import ToyGenSpec, ToySchemaSpec


class ToyGenOperator(ComponentOperator):
    spec = ToyGenSpec


class ToySchemaOperator(ComponentOperator):
    spec = ToySchemaSpec
