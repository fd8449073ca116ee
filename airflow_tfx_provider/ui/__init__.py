"""The monitoring pages of the Airflow UI plugin (issue 11).

``ui.data`` turns artifact files (statistics, schema, anomalies, TFMA output, TensorBoard
events) into plain dataclasses and SVG strings, without Airflow and without TensorFlow,
TFDV, TFT, TFMA, Beam or MLMD: the pages run inside the api-server, which must stay light.
See ``docs/design/ui_plugin.md``.
"""
