"""The host name that a Celery worker of the loopback deployment gives its tasks.

Under Docker Compose each worker is a container with a host name of its own, which Airflow
records in ``task_instance.hostname``. On one machine every process has the same host name, so
``celery_stack`` sets ``[core] hostname_callable`` of each worker to this function and gives
the worker ``HOSTNAME`` (the variable a container has): the tests can then tell which worker
ran a task, as on separate hosts.
"""

from __future__ import annotations

import os


def hostname() -> str:
    return os.environ["HOSTNAME"]
