"""Benchmarks of airflow-tfx-provider: measurements only, never asserted in tests.

Run everything with ``make bench`` (``python -m bench.run_all``); each script also runs on its
own (``python -m bench.<name> --help``). Results are appended to ``bench/RESULTS.md``.
"""
