"""A pipeline root on object storage is refused clearly, at parse time (or when rendered)."""

from __future__ import annotations

import pytest

from airflow_tfx_provider.exceptions import PipelineDefinitionError
from airflow_tfx_provider.operators import CsvExampleGenOperator
from airflow_tfx_provider.operators.pipeline_task import check_local_root


@pytest.mark.parametrize("root", ["gs://bucket/root", "s3://bucket/root", "file:///data/root"])
def test_object_storage_roots_fail_at_parse_time_naming_the_task(root):
    with pytest.raises(PipelineDefinitionError, match=r"task 'example_gen': pipeline root .* is a URL"):
        CsvExampleGenOperator(input_base="/data", pipeline_root=root)


def test_plain_and_templated_roots_are_accepted_and_rendered_ones_checked():
    CsvExampleGenOperator(input_base="/data", pipeline_root="/shared/pipelines/taxi")
    CsvExampleGenOperator(input_base="/data", pipeline_root="{{ var.value.root }}")  # checked when rendered
    with pytest.raises(PipelineDefinitionError, match="gs://"):
        check_local_root("gs://rendered/value", where="task 'x'")
