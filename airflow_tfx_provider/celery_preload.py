"""Celery settings for workers that run TFX tasks: Airflow's own, plus the provider's preload.

A Celery worker's ``prefork`` pool forks its pool processes from the worker's main process, and
Airflow's task supervisor forks each task process from a pool process. So a module the main
process imports before it starts the pool is inherited by every task, copy-on-write, as the
scheduler's forkserver preload does under the LocalExecutor. Celery imports the modules named
in its ``imports`` setting exactly there (``WorkController.__init__`` -> ``loader.init_worker``,
before the pool starts), and only in a worker: the scheduler's CeleryExecutor, which builds the
same app to send tasks, never imports them. Point Airflow at these settings with

.. code-block:: ini

    [celery]
    celery_config_options = airflow_tfx_provider.celery_preload.CELERY_CONFIG

and each task finds TensorFlow, TFDV, TFT, TFMA and Beam already imported instead of spending
4-7 s importing them (``bench/scheduler_pipeline.py``, variants ``celery`` and
``celery-preload``). Importing this module itself is light: Airflow's default settings only.
"""

from __future__ import annotations

from typing import Any

from airflow.providers.celery.executors.default_celery import DEFAULT_CELERY_CONFIG

#: The module a worker imports before it forks its pool (see ``airflow_tfx_provider.preload``).
PRELOAD_MODULE = "airflow_tfx_provider.preload"

CELERY_CONFIG: dict[str, Any] = {
    **DEFAULT_CELERY_CONFIG,
    "imports": (*DEFAULT_CELERY_CONFIG.get("imports", ()), PRELOAD_MODULE),
}
