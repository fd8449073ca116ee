"""``RetentionOperator``'s arguments are checked when the DAG is parsed."""

from __future__ import annotations

import pytest

from airflow_tfx_provider.exceptions import PipelineDefinitionError
from airflow_tfx_provider.operators import RetentionOperator


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"keep_spans": 0, "keep_models": 1}, "keep at least one span and one model"),
        ({"keep_spans": 3, "keep_models": 1, "older_than": "a month"}, r"duration 'a month'.*e\.g\. 30d"),
    ],
)
def test_bad_arguments_fail_at_parse_time(kwargs, message):
    with pytest.raises(PipelineDefinitionError, match=f"RetentionOperator 'retention': {message}"):
        RetentionOperator(**kwargs)


def test_good_arguments_are_stored():
    task = RetentionOperator(keep_spans=30, keep_models=5, older_than="7d", report_only=True)
    assert (task.keep_spans, task.keep_models, task.older_than, task.report_only) == (30, 5, "7d", True)
