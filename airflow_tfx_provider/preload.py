"""Import the heavy libraries once, in Airflow's forkserver, so that every task inherits them.

Under the LocalExecutor each task runs in a fresh process forked from an executor worker,
so every component that executes imports TensorFlow, TFDV, TFT, TFMA and Beam itself: 10-18 s
per task on a 2-core machine, more than most components of the taxi pipeline compute. With
Airflow 3.3's

.. code-block:: ini

    [scheduler]
    mp_start_method = forkserver
    mp_forkserver_preload = airflow,airflow.executors.local_executor,airflow_tfx_provider.preload

the scheduler's forkserver imports them once when it starts; the executor workers are forked
from it and the task processes from the workers, so each task finds them already imported
(and shares their memory copy-on-write). ``bench/scheduler_pipeline.py`` measures the effect.

Importing this module is its whole purpose, so unlike every other module of the provider it
has an import-time effect; nothing in the provider imports it. It only imports modules: no
TensorFlow op runs and no Beam pipeline, thread pool or session exists before the fork,
which is what keeps forking after it safe.
"""

from __future__ import annotations

import importlib
import os
import sys
import time

# tf_keras (Keras 2) is what the provider's Trainer uses; it must be chosen before TF loads.
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
# MLMD's C++ client (glog) reads its log level when it loads: keep its per-connection INFO lines out
# of the task logs, as the operators do when they import it themselves (operators/component.py).
os.environ.setdefault("GLOG_minloglevel", "1")

PRELOADED_MODULES = (
    "tensorflow",
    "tf_keras",
    "apache_beam",
    "pyarrow",
    "ml_metadata",
    "tfx_bsl.public.tfxio",
    "tensorflow_data_validation",
    "tensorflow_transform",
    "tensorflow_transform.beam",
    "tensorflow_model_analysis",
)


def preload(modules: tuple[str, ...] = PRELOADED_MODULES) -> float:
    """Import ``modules``; the seconds it took."""
    started = time.perf_counter()
    for name in modules:
        importlib.import_module(name)
    elapsed = time.perf_counter() - started
    # The forkserver has no logging set up; its stderr is the scheduler's, so say it there.
    print(
        f"airflow_tfx_provider.preload: imported {len(modules)} modules in {elapsed:.1f} s", file=sys.stderr
    )
    return elapsed


preload()
