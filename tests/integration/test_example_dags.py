"""Every example DAG imports cleanly (as the DAG processor would load it)."""

from __future__ import annotations

from tests.conftest import REPO


def test_dags_folder_has_no_import_errors(airflow_db):
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(REPO / "dags"))
    assert bag.import_errors == {}
    assert "taxi_pipeline" in bag.dag_ids
    dag = bag.get_dag("taxi_pipeline")
    assert {t.task_id for t in dag.tasks} >= {
        "example_gen",
        "statistics_gen",
        "schema_gen",
        "example_validator",
    }
    assert dag.get_task("schema_gen").upstream_task_ids == {"statistics_gen"}
