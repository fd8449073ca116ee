"""``tfx.orchestration.airflow``."""
