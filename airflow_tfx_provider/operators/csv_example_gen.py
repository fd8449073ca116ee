"""``CsvExampleGenOperator``: TFX's CsvExampleGen."""

from airflow_tfx_provider.components.example_gen import CsvExampleGenSpec
from airflow_tfx_provider.operators.component import ComponentOperator


class CsvExampleGenOperator(ComponentOperator):
    """Reads CSV files into gzipped tf.Example TFRecords per split (TFX's CsvExampleGen).

    See ``CsvExampleGenSpec`` for inputs, outputs and parameters.
    """

    spec = CsvExampleGenSpec
