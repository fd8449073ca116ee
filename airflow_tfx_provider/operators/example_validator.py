"""``ExampleValidatorOperator``: TFX's ExampleValidator."""

from airflow_tfx_provider.components.example_validator import ExampleValidatorSpec
from airflow_tfx_provider.operators.component import ComponentOperator


class ExampleValidatorOperator(ComponentOperator):
    """Checks statistics against the schema, for drift and for skew (TFX's ExampleValidator).

    See ``ExampleValidatorSpec`` for inputs, outputs and parameters.
    """

    spec = ExampleValidatorSpec
