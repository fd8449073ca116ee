"""DAG files used by the tests: real files (linted and type-checked), installed into the test
session's DAGs folder by ``tests.harness.dag_runs.install_dag`` together with a JSON file of settings
(``<dag_id>.json`` next to the copy, read by ``dag_config``)."""
