"""Generate the component reference from the specs: operator docstrings and README tables.

The specs (``airflow_tfx_provider/components/<stem>/__init__.py``) are the one source of the
documentation of inputs, outputs and parameters. This writes it into

- each operator's class docstring (``:param:`` lines, from the marker line to the end), and
- ``README.md``, between ``<!-- BEGIN GENERATED: <Operator> -->`` and ``<!-- END GENERATED: <Operator> -->``.

``python tools/component_docs.py`` rewrites both (``make docs``); ``--check`` only reports what
is out of date and exits 1 (``make lint`` and ``tests/unit/operators/test_signatures.py`` run it).
"""

from __future__ import annotations

import argparse
import ast
import inspect
import re
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
MARKER = "Generated from the spec by ``make docs``"
PIPELINE_SETTINGS = (
    "Pipeline settings (``pipeline_root``, ``metadata_conn_id``, ``enable_cache``, ``beam_pipeline_args``,"
    " usually given once through ``create_pipeline_dag``) and every ``BaseOperator`` argument are"
    " accepted as well."
)
WIDTH = 104


@dataclass(frozen=True)
class OperatorDoc:
    """One typed operator and the spec it documents."""

    cls: type
    spec: Any
    path: Path


def operators() -> list[OperatorDoc]:
    """Every typed operator exported by ``airflow_tfx_provider.operators``, in export order."""
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from airflow_tfx_provider import operators as package
    from airflow_tfx_provider.operators.component import ComponentOperator

    found = []
    for name in package.__all__:
        cls = getattr(package, name)
        if isinstance(cls, type) and issubclass(cls, ComponentOperator) and cls is not ComponentOperator:
            found.append(OperatorDoc(cls, cls.spec, Path(inspect.getfile(cls))))
    return found


def _default(value: Any) -> str:
    return f"``{value!r}``"


def _entries(op: OperatorDoc) -> Iterator[tuple[str, str, str, str]]:
    """(name, kind, default, meaning) per argument, in signature order."""
    from airflow_tfx_provider.components.spec import REQUIRED

    spec = op.spec
    init: Any = vars(op.cls)["__init__"]
    for name in inspect.signature(init).parameters:
        if name in spec.inputs:
            item = spec.inputs[name]
            kind = f"input ``{item.type.name}``"
            yield name, kind, "optional" if item.optional else "required", item.doc
        elif name in spec.parameters:
            param = spec.parameters[name]
            default = "required" if param.default is REQUIRED else _default(param.default)
            yield name, "parameter", default, param.doc
    yield "task_id", "operator", _default(spec.default_id), "the task's id"


def _wrap(text: str, indent: str, first: str = "") -> list[str]:
    return textwrap.wrap(
        text, width=WIDTH, initial_indent=indent + first, subsequent_indent=indent + "    "
    ) or [indent + first.rstrip()]


def docstring_block(op: OperatorDoc, indent: str = "    ") -> list[str]:
    """The generated part of the operator's docstring (from the marker line on)."""
    lines = [f"{indent}.. {MARKER} (``{op.spec.name}``); edit the spec, not this block.", ""]
    for name, kind, default, meaning in _entries(op):
        if name == "task_id":
            lines += _wrap(f"task id, default {default}.", indent, f":param {name}: ")
            continue
        detail = f"{kind}, {default}" if default in ("required", "optional") else f"{kind}, default {default}"
        lines += _wrap(f"{meaning} ({detail}).", indent, f":param {name}: ")
    lines += ["", f"{indent}Outputs (``task.outputs[key]``):", ""]
    for key, out in op.spec.outputs.items():
        lines += _wrap(f"``{key}`` (``{out.type.name}``): {out.doc}", indent, "- ")
    lines += [""]
    lines += textwrap.wrap(PIPELINE_SETTINGS, width=WIDTH, initial_indent=indent, subsequent_indent=indent)
    return lines


def _md(text: str) -> str:
    """RST inline literals to Markdown ones, and table-safe pipes."""
    return text.replace("``", "`").replace("|", "\\|")


def readme_block(op: OperatorDoc) -> list[str]:
    """The generated README table of one operator (between its markers)."""
    name = op.cls.__name__
    lines = [
        f"<!-- BEGIN GENERATED: {name} (make docs; edit the spec in "
        f"airflow_tfx_provider/components/, not this table) -->",
        "",
        "| argument | kind | default | meaning |",
        "|---|---|---|---|",
    ]
    for arg, kind, default, meaning in _entries(op):
        lines.append(f"| `{arg}` | {_md(kind)} | {_md(default)} | {_md(meaning)} |")
    outputs = ", ".join(f"`{key}` ({out.type.name}: {_md(out.doc)})" for key, out in op.spec.outputs.items())
    lines += ["", f"Outputs: {outputs}.", "", f"<!-- END GENERATED: {name} -->"]
    return lines


def render_operator_file(op: OperatorDoc, source: str) -> str:
    """``source`` with the operator's class docstring regenerated (first line and generated block)."""
    tree = ast.parse(source)
    node = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == op.cls.__name__)
    doc_node = node.body[0]
    if not (isinstance(doc_node, ast.Expr) and isinstance(doc_node.value, ast.Constant)):
        raise SystemExit(f"{op.path}: class {node.name} has no docstring to generate into")
    lines = source.split("\n")
    start, end = doc_node.lineno - 1, doc_node.end_lineno or doc_node.lineno
    indent = " " * doc_node.col_offset
    body = str(doc_node.value.value).split("\n")
    kept = [line.rstrip() for line in body[1:]]
    marker = next((i for i, line in enumerate(kept) if MARKER in line), len(kept))
    middle = textwrap.dedent("\n".join(kept[:marker])).strip("\n")
    new = [f'{indent}"""{op.spec.doc}', ""]
    if middle:
        new += [indent + line if line else "" for line in middle.split("\n")] + [""]
    new += [*docstring_block(op, indent), f'{indent}"""']
    return "\n".join(lines[:start] + new + lines[end:])


def render_readme(ops: list[OperatorDoc], text: str) -> tuple[str, list[str]]:
    """README with every operator's block regenerated, and the operators whose markers are missing."""
    missing = []
    for op in ops:
        name = op.cls.__name__
        pattern = re.compile(
            rf"<!-- BEGIN GENERATED: {name}\b[^\n]*-->.*?<!-- END GENERATED: {name} -->", re.DOTALL
        )
        if not pattern.search(text):
            missing.append(name)
            continue
        match = pattern.search(text)
        assert match is not None
        text = text[: match.start()] + "\n".join(readme_block(op)) + text[match.end() :]
    return text, missing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="report out-of-date files, change nothing")
    args = parser.parse_args(argv)
    ops = operators()
    stale: list[str] = []
    for op in ops:
        source = op.path.read_text()
        rendered = render_operator_file(op, source)
        if rendered != source:
            stale.append(str(op.path.relative_to(REPO)))
            if not args.check:
                op.path.write_text(rendered)
    readme, missing = render_readme(ops, README.read_text())
    if readme != README.read_text():
        stale.append("README.md")
        if not args.check:
            README.write_text(readme)
    for name in missing:
        print(
            f"README.md lacks the '<!-- BEGIN GENERATED: {name} -->' / '<!-- END GENERATED: {name} -->' pair"
        )
    if stale:
        print(("out of date (run `make docs`): " if args.check else "rewrote: ") + ", ".join(stale))
    return 1 if missing or (args.check and stale) else 0


if __name__ == "__main__":
    sys.exit(main())
