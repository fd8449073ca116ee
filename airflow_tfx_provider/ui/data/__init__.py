"""The data layer of the UI pages: artifact files in, plain dataclasses (and SVG) out.

One module per page family:

- ``statistics``: ExampleStatistics (``Split-<name>/FeatureStats.pb``) -> rows per feature,
  train and eval side by side;
- ``schema``: Schema (``schema.pbtxt``) and ExampleAnomalies (``Split-<name>/SchemaDiff.pb``) -> rows;
- ``evaluation``: TFMA output of the Evaluator + the blessing -> slice table, thresholds, verdict;
- ``training``: TensorBoard event files of a ModelRun -> scalar series per tag and run;
- ``svg``: histogram, line chart and lineage graph as self-contained SVG strings.

Rules: no Airflow import; no TensorFlow, TFDV, TFT, TFMA, Beam or MLMD import at all for local
artifacts (files are read with the standard library, TFRecords by ``_files.iter_tfrecords``,
TFMA's messages by ``_tfma_protos``); ``tf.io.gfile`` is imported only for remote URIs
(``gs://``, ``s3://``, ...). Functions that read files take a URI; the others take protos
and return frozen dataclasses ready to render.
"""
