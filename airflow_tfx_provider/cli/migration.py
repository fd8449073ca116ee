"""Rewrite the ``tfx`` import lines of TFX pipeline and module files to this provider's.

Pure text work (no Airflow, nothing heavy): ``migrate_source`` takes a file's text and returns
the new text, what changed, and what it refused. Only import statements change:

- ``from tfx import v1 as tfx`` / ``import tfx.v1 as tfx`` ->
  ``from airflow_tfx_provider import compat as tfx``;
- ``from tfx.<path> import names`` -> ``from airflow_tfx_provider.compat.<path> import names`` when
  that module exists here and has every name (TFX's user-code paths such as
  ``tfx.components.trainer.fn_args_utils`` map to ``airflow_tfx_provider.compat``);
- ``import tensorflow_model_analysis as tfma`` -> ``from airflow_tfx_provider.compat import tfma``
  in pipeline files (files that import TFX's pipeline API), so that parsing them loads no TFMA.

- an import of one of TFX's example modules migrated alongside becomes an import of that sibling.

Anything else from ``tfx`` is refused with the reason, and a file with a refusal is left as it is.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
from dataclasses import dataclass, field

COMPAT = "airflow_tfx_provider.compat"
#: TFX module paths whose names live elsewhere here.
SPECIAL = {
    "tfx.components.trainer.fn_args_utils": COMPAT,
    "tfx.components.tuner.component": COMPAT,
    "tfx.v1": COMPAT,
}
#: Imports that mark a file as a pipeline file (not a module file).
PIPELINE_MARKERS = ("tfx.orchestration", "tfx.dsl", "tfx.proto", "tfx.v1", "tfx.types")


@dataclass
class Migration:
    """The result for one file."""

    text: str
    changes: list[tuple[int, str, str]] = field(default_factory=list)  # line, old, new
    refusals: list[tuple[int, str, str]] = field(default_factory=list)  # line, statement, reason

    @property
    def changed(self) -> bool:
        return bool(self.changes) and not self.refusals


def _module_has(module: str, names: list[str]) -> str | None:
    """None when ``module`` exists here and has ``names``, else why not."""
    try:
        found = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        found = None
    if found is None:
        return f"{module} does not exist here (not supported yet)"
    loaded = importlib.import_module(module)
    missing = [n for n in names if n != "*" and not hasattr(loaded, n) and not _is_submodule(module, n)]
    return f"{module} has no {missing} (not supported yet)" if missing else None


def _is_submodule(module: str, name: str) -> bool:
    try:
        return importlib.util.find_spec(f"{module}.{name}") is not None
    except (ImportError, ValueError):
        return False


def _target(module: str) -> str:
    if module in SPECIAL:
        return SPECIAL[module]
    if module.startswith("tfx.v1."):
        return COMPAT + module[len("tfx.v1") :]
    return COMPAT + module[len("tfx") :]


def _rewrite_from(node: ast.ImportFrom, siblings: frozenset[str]) -> tuple[str | None, str | None]:
    """(new statement, refusal reason) for ``from tfx... import ...``."""
    module = node.module or ""
    names = ", ".join(a.name + (f" as {a.asname}" if a.asname else "") for a in node.names)
    if all(a.name in siblings for a in node.names):
        # TFX's examples import each other from the tfx package; migrated together, they are siblings
        return "\n".join(
            f"import {a.name}" + (f" as {a.asname}" if a.asname else "") for a in node.names
        ), None
    if module == "tfx":
        if [a.name for a in node.names] == ["v1"]:
            alias = node.names[0].asname or "v1"
            return f"from airflow_tfx_provider import compat as {alias}", None
        problem = _module_has(COMPAT, [a.name for a in node.names])
        if problem:
            return None, f"'from tfx import {names}': {problem}"
        return f"from {COMPAT} import {names}", None
    target = _target(module)
    problem = _module_has(target, [a.name for a in node.names])
    if problem:
        return None, f"'from {module} import {names}': {problem}"
    return f"from {target} import {names}", None


def _rewrite_import(node: ast.Import, pipeline_file: bool) -> tuple[str | None, str | None]:
    rewritten, refused = [], []
    for alias in node.names:
        if alias.name == "tfx.v1" and alias.asname:
            rewritten.append(f"from airflow_tfx_provider import compat as {alias.asname}")
        elif alias.name == "tensorflow_model_analysis" and pipeline_file:
            rewritten.append(
                f"from {COMPAT} import tfma" + (f" as {alias.asname}" if alias.asname != "tfma" else "")
            )
        elif alias.name == "tfx" or alias.name.startswith("tfx."):
            refused.append(f"'import {alias.name}': import from tfx.v1 instead ('from tfx import v1 as tfx')")
        else:
            return None, None  # a statement mixing other modules: leave it
    if refused:
        return None, "; ".join(refused)
    return "\n".join(rewritten), None


def _is_pipeline_file(tree: ast.AST) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(PIPELINE_MARKERS):
            return True
        if (
            isinstance(node, ast.ImportFrom)
            and node.module == "tfx"
            and [a.name for a in node.names] == ["v1"]
        ):
            return True
        if isinstance(node, ast.Import) and any(a.name.startswith(PIPELINE_MARKERS) for a in node.names):
            return True
    return False


def _mentions_tfx(node: ast.stmt) -> bool:
    if isinstance(node, ast.ImportFrom):
        return (node.module or "").split(".")[0] == "tfx"
    if isinstance(node, ast.Import):
        return any(a.name.split(".")[0] in ("tfx", "tensorflow_model_analysis") for a in node.names)
    return False


def migrate_source(text: str, siblings: frozenset[str] = frozenset()) -> Migration:
    """The file's text with its ``tfx`` imports rewritten (see the module docstring).

    ``siblings``: names of the modules migrated alongside (files in the same folder); an import
    of one of them from TFX's package (``from tfx.examples.penguin import penguin_utils_base``)
    becomes an import of the sibling (module files' folders are on ``sys.path`` when they load).
    """
    tree = ast.parse(text)
    pipeline_file = _is_pipeline_file(tree)
    lines = text.split("\n")
    result = Migration(text)
    edits: list[tuple[int, int, str]] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Import | ast.ImportFrom) or not _mentions_tfx(node):
            continue
        if isinstance(node, ast.ImportFrom):
            new, reason = _rewrite_from(node, siblings)
        else:
            new, reason = _rewrite_import(node, pipeline_file)
        old = "\n".join(lines[node.lineno - 1 : node.end_lineno])
        if reason:
            result.refusals.append((node.lineno, old.strip(), reason))
        elif new is not None:
            indent = " " * node.col_offset
            new = "\n".join(indent + part for part in new.split("\n"))
            edits.append((node.lineno, node.end_lineno or node.lineno, new))
            result.changes.append((node.lineno, old.strip(), new.strip()))
    if result.refusals:
        return result
    for start, end, new in sorted(edits, reverse=True):
        lines[start - 1 : end] = new.split("\n")
    result.text = "\n".join(lines)
    return result
