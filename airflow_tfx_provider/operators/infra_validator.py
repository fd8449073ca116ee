"""``InfraValidatorOperator``: TFX's InfraValidator."""

from airflow_tfx_provider.components.infra_validator import InfraValidatorSpec
from airflow_tfx_provider.operators.component import ComponentOperator


class InfraValidatorOperator(ComponentOperator):
    """TFX's InfraValidator.

    See ``InfraValidatorSpec`` for inputs, outputs and parameters.
    """

    spec = InfraValidatorSpec
