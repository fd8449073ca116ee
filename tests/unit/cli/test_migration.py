"""``airflow tfx migrate``'s rewriting: only import lines change; what cannot migrate is refused."""

from __future__ import annotations

import textwrap

from airflow_tfx_provider.cli.migration import migrate_source

PIPELINE = textwrap.dedent(
    """\
    import os
    import tensorflow_model_analysis as tfma
    from tfx.components import CsvExampleGen, Trainer
    from tfx.dsl.components.common import resolver
    from tfx.dsl.experimental import latest_blessed_model_resolver
    from tfx.orchestration import metadata, pipeline
    from tfx.proto import trainer_pb2
    from tfx.types.standard_artifacts import Model

    def create():
        return CsvExampleGen(input_base=os.environ["HOME"])
    """
)


def test_pipeline_imports_are_rewritten_and_nothing_else():
    result = migrate_source(PIPELINE)
    assert result.refusals == []
    old, new = PIPELINE.split("\n"), result.text.split("\n")
    changed = [(a, b) for a, b in zip(old, new, strict=True) if a != b]
    assert all(a.startswith(("import tensorflow_model_analysis", "from tfx")) for a, _ in changed)
    assert "from airflow_tfx_provider.compat import tfma" in new
    assert "from airflow_tfx_provider.compat.components import CsvExampleGen, Trainer" in new
    assert "from airflow_tfx_provider.compat.dsl.components.common import resolver" in new
    assert new[-2:] == old[-2:]  # code untouched


def test_module_files_keep_tfma_and_get_the_user_code_names():
    module = (
        "import tensorflow_model_analysis as tfma\nfrom tfx.components.trainer.fn_args_utils import FnArgs\n"
    )
    result = migrate_source(module)
    assert (
        result.text
        == "import tensorflow_model_analysis as tfma\nfrom airflow_tfx_provider.compat import FnArgs\n"
    )


def test_v1_and_sibling_imports():
    source = "from tfx import v1 as tfx\nfrom tfx.examples.penguin import penguin_utils_base as base\n"
    result = migrate_source(source, siblings=frozenset({"penguin_utils_base"}))
    assert (
        result.text == "from airflow_tfx_provider import compat as tfx\nimport penguin_utils_base as base\n"
    )


def test_what_has_no_counterpart_is_refused_and_the_file_left_as_is():
    source = "from tfx.components import CsvExampleGen\nfrom tfx.components import ExampleDiff\nimport tfx\n"
    result = migrate_source(source)
    assert result.text == source and not result.changed
    reasons = [reason for _, _, reason in result.refusals]
    assert any("has no ['ExampleDiff'] (not supported yet)" in r for r in reasons)
    assert any("'import tfx': import from tfx.v1 instead" in r for r in reasons)


def test_custom_component_imports_have_counterparts():
    source = textwrap.dedent(
        """\
        from tfx import types
        from tfx.dsl.components.base import base_component, base_executor, executor_spec
        from tfx.dsl.component.experimental.decorators import component
        from tfx.dsl.component.experimental.annotations import InputArtifact, OutputArtifact, Parameter
        from tfx.dsl.io import fileio
        from tfx.types import artifact_utils, channel_utils, standard_artifacts
        from tfx.types.component_spec import ChannelParameter, ExecutionParameter
        from tfx.utils import io_utils, proto_utils
        """
    )
    result = migrate_source(source)
    assert result.refusals == []
    assert result.text.split("\n")[0] == "from airflow_tfx_provider.compat import types"
    assert all(
        line.startswith("from airflow_tfx_provider.compat") for line in result.text.split("\n") if line
    )


def test_from_tfx_import_a_name_it_lacks_is_refused():
    result = migrate_source("from tfx import dependencies\n")
    assert result.refusals and "has no ['dependencies']" in result.refusals[0][2]
