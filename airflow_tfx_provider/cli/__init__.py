"""``airflow tfx ...``: the provider's commands (registered through provider info ``cli``)."""
