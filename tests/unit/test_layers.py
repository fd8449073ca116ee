"""The package's layering, checked on the source (every import, at module level or in a function).

types <- components <- metadata / runtime <- operators / hooks / plugins / cli <- dag_factory,
with ``compat`` (TFX's names) on top. Only operators, hooks, plugins, cli and the rendering part
of dag_factory import Airflow. Components never import each other; the shared underscore
packages of ``components/`` never import a component.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO

PACKAGE = REPO / "airflow_tfx_provider"
ROOT = "airflow_tfx_provider"

#: top-level part -> the parts it may import (besides itself)
ALLOWED: dict[str, set[str]] = {
    "exceptions": set(),
    "types": set(),
    "components": {"types", "exceptions"},
    "metadata": {"types", "exceptions"},
    "runtime": {"components", "metadata", "types", "exceptions"},
    "hooks": {"metadata", "types", "exceptions"},
    "operators": {"runtime", "components", "metadata", "hooks", "types", "exceptions"},
    "plugins": {"ui", "operators", "runtime", "components", "metadata", "hooks", "types", "exceptions"},
    "ui": {
        "components",
        "metadata",
        "types",
        "exceptions",
    },  # the pages' data: no Airflow, heavy libraries lazily
    "cli": {
        "operators",
        "runtime",
        "components",
        "metadata",
        "hooks",
        "types",
        "exceptions",
    },  # compat by name only
    "dag_factory": {"operators", "types", "exceptions"},
    "compat": {
        "dag_factory",
        "operators",
        "runtime",
        "components",
        "metadata",
        "hooks",
        "types",
        "exceptions",
    },
    "get_provider_info": {"__init__"},
    "preload": set(),
    "celery_preload": set(),  # Celery settings naming the preload module, by name only
    "__init__": set(),
}
AIRFLOW_ALLOWED = {"operators", "hooks", "plugins", "cli", "celery_preload"}
AIRFLOW_ALLOWED_MODULES = {"airflow_tfx_provider.dag_factory.render"}


def _modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(REPO).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        yield name, path


def _imports(path: Path, module: str) -> Iterator[tuple[int, str]]:
    """(line, imported module) for every import in the file, relative ones resolved."""
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")
                anchor = anchor if is_package else anchor[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            yield node.lineno, base
            for alias in node.names:  # "from pkg import module" imports pkg.module
                if _is_module(f"{base}.{alias.name}"):
                    yield node.lineno, f"{base}.{alias.name}"


def _is_module(name: str) -> bool:
    if not _internal(name):
        return False
    path = REPO.joinpath(*name.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def _part(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _component(module: str) -> str | None:
    """The component package a module belongs to (``components.<stem>...``), if any."""
    parts = module.split(".")
    if len(parts) > 2 and parts[1] == "components" and not parts[2].startswith("_") and parts[2] != "spec":
        return parts[2]
    return None


def _internal(imported: str) -> bool:
    return imported == ROOT or imported.startswith(ROOT + ".")


MODULES = list(_modules())


@pytest.mark.parametrize(("module", "path"), MODULES, ids=[m for m, _ in MODULES])
def test_module_respects_the_layers(module: str, path: Path) -> None:
    part = _part(module)
    allowed = ALLOWED[part] | {part}
    problems = []
    for line, imported in _imports(path, module):
        where = f"{path.relative_to(REPO)}:{line}"
        if imported.split(".")[0] == "airflow" and part not in AIRFLOW_ALLOWED:
            if module not in AIRFLOW_ALLOWED_MODULES:
                problems.append(f"{where} imports Airflow ({imported})")
        if not _internal(imported) or imported == ROOT:
            continue
        target = _part(imported)
        if target not in allowed:
            problems.append(f"{where}: {part} may not import {imported}")
        mine, theirs = _component(module), _component(imported)
        if part == "components" and theirs is not None and mine != theirs:
            problems.append(f"{where}: {module} may not import another component ({imported})")
    assert problems == []


def test_the_plan_is_pure() -> None:
    """``dag_factory.plan`` (and the package init it runs) imports no Airflow and no operator."""
    for module in ("airflow_tfx_provider.dag_factory", "airflow_tfx_provider.dag_factory.plan"):
        path = dict(MODULES)[module]
        imported = [name for _, name in _imports(path, module)]
        assert not [n for n in imported if n.startswith(("airflow.", "airflow_tfx_provider.operators"))]
        assert "airflow" not in imported


def test_every_component_package_has_a_light_spec_and_an_executor() -> None:
    stems = sorted(
        p.name for p in (PACKAGE / "components").iterdir() if p.is_dir() and not p.name.startswith(("_", "."))
    )
    assert stems  # the check below must not pass vacuously
    for stem in stems:
        assert (PACKAGE / "components" / stem / "__init__.py").exists(), stem
        assert list((PACKAGE / "components" / stem).glob("*executor.py")), f"{stem} has no executor module"
