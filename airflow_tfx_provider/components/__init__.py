"""The TFX components: one package per component, plus what they share.

- ``spec.py``: what a component is (``ComponentSpec``, ``InputSpec``, ``OutputSpec``,
  ``Parameter``, ``ExecutionInfo``).
- ``<stem>/`` (``example_gen``, ``statistics_gen``, ``schema_gen``, ``example_validator``,
  ``transform``, ``trainer``, ``tuner``, ``evaluator``, ``infra_validator``, ``pusher``,
  ``bulk_inferrer``): ``__init__.py`` holds the spec (cheap to import, checked when the DAG is
  parsed), ``executor.py`` the pure executor ``run`` (imports TensorFlow & co. at the top).
- ``_artifacts/``, ``_beam.py``, ``_parameters.py``, ``_user_code/``: shared helpers; they never
  import a component, and components never import each other (``docs/architecture.md``).
"""
