"""``TransformOperator``: TFX's Transform."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from airflow_tfx_provider.components.transform import TransformSpec
from airflow_tfx_provider.operators.component import ComponentOperator
from airflow_tfx_provider.operators.wiring import ArtifactInput


class TransformOperator(ComponentOperator):
    """Analyzes and transforms examples with a preprocessing_fn (TFX's Transform, on tf.Transform).

    .. Generated from the spec by ``make docs`` (``Transform``); edit the spec, not this block.

    :param examples: the raw examples to analyze and transform; several (a span range) are read together
        (input ``Examples``, required).
    :param schema: schema of the raw examples (decodes them) (input ``Schema``, required).
    :param analyzer_cache: ``updated_analyzer_cache`` of an earlier run: splits whose analysis it covers
        are not re-read (input ``TransformCache``, optional).
    :param module_file: path of a Python module file defining ``preprocessing_fn`` (exactly one of
        ``module_file`` and ``preprocessing_fn``) (parameter, default ``None``).
    :param preprocessing_fn: dotted import path of ``preprocessing_fn``, e.g.
        ``"my_pkg.prep.preprocessing_fn"`` (instead of ``module_file``) (parameter, default ``None``).
    :param custom_config: JSON-able dict passed as ``preprocessing_fn(inputs, custom_config)`` when the
        function takes it (``{}`` when unset) (parameter, default ``None``).
    :param splits_config: ``{"analyze": ["train"], "transform": ["train", "eval"]}`` (``analyze`` not
        empty; ``transform`` defaults to every split); ``None``: analyze ``train``, transform every
        split (parameter, default ``None``).
    :param materialize: write ``transformed_examples``; ``False`` leaves it empty (not published)
        (parameter, default ``True``).
    :param disable_statistics: skip the four pre/post-transform statistics and schema outputs (TFX's
        default is ``False``) (parameter, default ``True``).
    :param force_tf_compat_v1: trace ``preprocessing_fn`` in TF1 (``compat.v1``) graph mode, as in TFX
        (parameter, default ``False``).
    :param disable_analyzer_cache: neither read ``analyzer_cache`` nor write ``updated_analyzer_cache``
        (parameter, default ``False``).
    :param task_id: task id, default ``'transform'``.

    Outputs (``task.outputs[key]``):

    - ``transform_graph`` (``TransformGraph``): ``transform_fn/``, ``transformed_metadata/``, raw
        ``metadata/``; load it with ``tft.TFTransformOutput(uri)``
    - ``transformed_examples`` (``Examples``): gzipped tf.Examples per transform split under
        ``Split-<name>/``; not published when ``materialize=False``
    - ``updated_analyzer_cache`` (``TransformCache``): TFT analyzer cache of the analyzed splits; not
        published when ``disable_analyzer_cache=True``
    - ``pre_transform_schema`` (``Schema``): the raw schema; only with ``disable_statistics=False``
    - ``pre_transform_stats`` (``ExampleStatistics``): statistics of the analyze splits before the
        transform; only with ``disable_statistics=False``
    - ``post_transform_schema`` (``Schema``): schema of the transformed features; only with
        ``disable_statistics=False``
    - ``post_transform_stats`` (``ExampleStatistics``): statistics of the transform splits after the
        transform; only with ``disable_statistics=False``

    Pipeline settings (``pipeline_root``, ``metadata_conn_id``, ``enable_cache``,
    ``beam_pipeline_args``, usually given once through ``create_pipeline_dag``) and every
    ``BaseOperator`` argument are accepted as well.
    """

    spec = TransformSpec

    def __init__(
        self,
        *,
        examples: ArtifactInput,
        schema: ArtifactInput,
        analyzer_cache: ArtifactInput | None = None,
        module_file: str | None = None,
        preprocessing_fn: str | None = None,
        custom_config: Mapping[str, Any] | None = None,
        splits_config: Mapping[str, Sequence[str]] | None = None,
        materialize: bool = True,
        disable_statistics: bool = True,
        force_tf_compat_v1: bool = False,
        disable_analyzer_cache: bool = False,
        task_id: str = "transform",
        **kwargs: Any,
    ) -> None:
        super().__init__(
            task_id=task_id,
            examples=examples,
            schema=schema,
            analyzer_cache=analyzer_cache,
            module_file=module_file,
            preprocessing_fn=preprocessing_fn,
            custom_config=custom_config,
            splits_config=splits_config,
            materialize=materialize,
            disable_statistics=disable_statistics,
            force_tf_compat_v1=force_tf_compat_v1,
            disable_analyzer_cache=disable_analyzer_cache,
            **kwargs,
        )
