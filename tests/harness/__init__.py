"""What the tests (and ``bench/``) use to run things for real: DAG files in a DAGs folder with
``dag.test()`` (``dag_runs``), database servers from Debian packages (``services``), and a whole
Airflow deployment on loopback (``airflow_stack``)."""
