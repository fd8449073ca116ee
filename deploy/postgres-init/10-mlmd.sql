-- The ML Metadata (MLMD) store of every pipeline gets a database of its own, next to Airflow's.
-- The postgres image runs this file once, when it creates an empty data volume (as the
-- POSTGRES_USER, who then owns the database); tests/harness/celery_stack.py runs it the same way.
-- MLMD creates its tables itself on first connection. The connection mlmd_default
-- (deploy/airflow-init.sh) points at this database.
CREATE DATABASE mlmd;
