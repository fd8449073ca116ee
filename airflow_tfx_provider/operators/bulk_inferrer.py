"""``BulkInferrerOperator``: TFX's BulkInferrer."""

from airflow_tfx_provider.components.bulk_inferrer import BulkInferrerSpec
from airflow_tfx_provider.operators.component import ComponentOperator


class BulkInferrerOperator(ComponentOperator):
    """TFX's BulkInferrer.

    See ``BulkInferrerSpec`` for inputs, outputs and parameters.
    """

    spec = BulkInferrerSpec
