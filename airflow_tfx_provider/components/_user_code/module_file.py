"""Load and call user code (TFX module files) with errors that name the file and function.

A user function comes from ``module_file`` (a path to a ``.py`` file, TFX's way) or from a
dotted import path (``"my_pkg.preprocessing.preprocessing_fn"``). The module file's folder
is put on ``sys.path`` while it loads so it can import sibling modules, as TFX allows; the
cache fingerprint therefore hashes those siblings too (:func:`module_file_digest`).
"""

from __future__ import annotations

import ast
import hashlib
import importlib
import importlib.util
import logging
import os
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from airflow_tfx_provider.exceptions import PipelineDefinitionError, UserCodeError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class UserFunction:
    """A loaded user function and where it came from (for messages)."""

    func: Callable[..., Any]
    name: str
    source: str  # the module file path or the dotted module name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Call it; any exception becomes a ``UserCodeError`` naming the function and file.

        So does ``SystemExit`` (``sys.exit()``), which would otherwise end the task without
        naming either; ``KeyboardInterrupt`` and Airflow's own ``BaseException`` signals
        (timeout, termination) pass through.
        """
        try:
            return self.func(*args, **kwargs)
        except UserCodeError:
            raise
        except SystemExit as err:
            log.error("%s in %s exited:\n%s", self.name, self.source, traceback.format_exc())
            raise UserCodeError(f"{self.name} in {self.source} {_exited(err)}") from err
        except Exception as err:
            log.error("%s in %s raised:\n%s", self.name, self.source, traceback.format_exc())
            raise UserCodeError(f"{self.name} in {self.source} raised {type(err).__name__}: {err}") from err


def _exited(err: SystemExit) -> str:
    """How ``err`` ended user code, for messages: ``called sys.exit() or raised SystemExit (exit code 3)``."""
    code = err.code
    if code is None:
        status = "exit code 0"
    elif isinstance(code, int):
        status = f"exit code {code}"
    else:
        status = f"exit code 1, message {str(code)!r}"
    return (
        f"called sys.exit() or raised SystemExit ({status}); user code must not end the process: raise an "
        "exception instead"
    )


def resolve_user_function(*, module_file: str | None, function_path: str | None, name: str) -> UserFunction:
    """The function ``name`` from ``module_file``, or the function at ``function_path``.

    Exactly one of ``module_file`` and ``function_path`` must be given.
    """
    if bool(module_file) == bool(function_path):
        raise PipelineDefinitionError(
            f"give either module_file (a path) or {name} (a dotted path like 'pkg.module.{name}'), not "
            f"{'both' if module_file else 'neither'}"
        )
    if module_file:
        module = load_module_file(module_file, function=name)
        return UserFunction(_get_function(module, name, module_file), name, module_file)
    assert function_path is not None
    module_name, _, attr = function_path.rpartition(".")
    if not module_name:
        raise PipelineDefinitionError(f"{function_path!r} is not a dotted path like 'pkg.module.{name}'")
    try:
        module = importlib.import_module(module_name)
    except SystemExit as err:
        log.error("importing %s exited:\n%s", module_name, traceback.format_exc())
        raise UserCodeError(
            f"cannot import module {module_name!r} for {function_path}: importing it {_exited(err)}"
        ) from err
    except Exception as err:
        raise UserCodeError(f"cannot import module {module_name!r} for {function_path}: {err}") from err
    return UserFunction(_get_function(module, attr, module_name), attr, module_name)


def load_module_file(path: str, *, function: str | None = None) -> ModuleType:
    """Import a module file under a name unique to its path and content.

    ``function``: the user function it is loaded for, named in error messages.
    """
    if not os.path.isfile(path):
        raise UserCodeError(f"module file {path} does not exist")
    with open(path, "rb") as handle:
        source = handle.read()
    try:
        compile(source, path, "exec")
    except SyntaxError as err:
        raise UserCodeError(f"module file {path} has a syntax error at line {err.lineno}: {err.msg}") from err
    stem = os.path.splitext(os.path.basename(path))[0]
    unique = f"user_module_{stem}_{hashlib.sha256(source + path.encode()).hexdigest()[:12]}"
    if unique in sys.modules:
        return sys.modules[unique]
    spec = importlib.util.spec_from_file_location(unique, path)
    if spec is None or spec.loader is None:
        raise UserCodeError(f"module file {path} cannot be loaded as a Python module")
    module = importlib.util.module_from_spec(spec)
    folder = os.path.dirname(os.path.abspath(path))
    added = folder not in sys.path
    if added:
        sys.path.insert(0, folder)
    try:
        sys.modules[unique] = module
        spec.loader.exec_module(module)
    except SystemExit as err:
        sys.modules.pop(unique, None)
        log.error("importing %s exited:\n%s", path, traceback.format_exc())
        wanted = f" (loaded for {function})" if function else ""
        raise UserCodeError(f"importing module file {path}{wanted} {_exited(err)}") from err
    except Exception as err:
        sys.modules.pop(unique, None)
        log.error("importing %s raised:\n%s", path, traceback.format_exc())
        raise UserCodeError(f"importing module file {path} raised {type(err).__name__}: {err}") from err
    finally:
        if added:
            sys.path.remove(folder)
    log.info("loaded module file %s", path)
    return module


def _get_function(module: ModuleType, name: str, source: str) -> Callable[..., Any]:
    func = getattr(module, name, None)
    if func is None:
        defined = sorted(n for n, v in vars(module).items() if callable(v) and not n.startswith("_"))
        raise UserCodeError(f"{source} defines no function {name!r}; it defines {defined}")
    if not callable(func):
        raise UserCodeError(f"{source}: {name!r} is a {type(func).__name__}, not a function")
    return func  # type: ignore[no-any-return]


def module_file_digest(path: str) -> dict[str, str]:
    """Content hashes of a module file and of the sibling modules it imports, recursively.

    Used by the cache fingerprint: editing the module file or a helper module next to it
    invalidates the cache. Keys are file names relative to the module file's folder.
    """
    folder = os.path.dirname(os.path.abspath(path))
    digests: dict[str, str] = {}
    pending = [os.path.abspath(path)]
    while pending:
        current = pending.pop()
        name = os.path.relpath(current, folder)
        if name in digests or not os.path.isfile(current):
            continue
        with open(current, "rb") as handle:
            source = handle.read()
        digests[name] = hashlib.sha256(source).hexdigest()
        pending.extend(_sibling_imports(source, current, folder))
    return dict(sorted(digests.items()))


def _sibling_imports(source: bytes, path: str, folder: str) -> list[str]:
    try:
        tree = ast.parse(source, filename=path)
    except SyntaxError:
        return []  # loading will report it; the digest of the file itself still changes
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
            names.extend(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level > 0:
            base = node.module or ""
            names.extend(f"{base}.{alias.name}".strip(".") for alias in node.names)
            if base:
                names.append(base)
    found = []
    for dotted in names:
        parts = dotted.split(".")
        candidate = os.path.join(folder, *parts)
        for option in (candidate + ".py", os.path.join(candidate, "__init__.py")):
            if os.path.isfile(option):
                found.append(option)
    return found
