"""What the tests (and ``bench/``) use to run things for real: DAG files in a DAGs folder with
``dag.test()`` (``dag_runs``), database and broker servers from Debian packages (``services``), a
whole Airflow deployment on loopback (``airflow_stack``), and docker-compose.yaml's Celery
deployment started without Docker (``celery_stack``, reading ``compose_file`` and ``dockerfile``)."""
