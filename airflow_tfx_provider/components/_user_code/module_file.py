"""Load and call user code (TFX module files) with errors that name the file and function.

A user function comes from ``module_file`` (a path to a ``.py`` file, TFX's way) or from a
dotted import path (``"my_pkg.preprocessing.preprocessing_fn"``). The module file's folder
is put on ``sys.path`` while it loads so it can import sibling modules, as TFX allows; the
cache fingerprint therefore hashes those siblings too (:func:`module_file_digest`).

User modules load, and user functions run, with keras-tuner bound to tf_keras under
``TF_USE_LEGACY_KERAS=1`` however it gets imported (``tfx_api.keras_tuner_imports_on_tf_keras``):
the binding no longer depends on which task of the process loaded a module file first. A
cached module file (or sibling module) still holding a keras-tuner bound to Keras 3 is loaded
again; if user code still holds one after that, loading fails naming the cause and the fix.
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

from airflow_tfx_provider.components._user_code.tfx_api import (
    keras_tuner_generation,
    keras_tuner_imports_on_tf_keras,
    rebind_keras_tuner,
    stale_keras_tuner_names,
)
from airflow_tfx_provider.exceptions import PipelineDefinitionError, UserCodeError

log = logging.getLogger(__name__)

_KERAS_TUNER_PACKAGES = ("keras_tuner", "kerastuner")


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
        (timeout, termination) pass through. A first ``import keras_tuner`` inside binds it to
        tf_keras under legacy Keras.
        """
        try:
            with keras_tuner_imports_on_tf_keras():
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
        func = _get_function(module, name, module_file)
        _check_keras_tuner_binding(module, func, module_file)
        return UserFunction(func, name, module_file)
    assert function_path is not None
    module_name, _, attr = function_path.rpartition(".")
    if not module_name:
        raise PipelineDefinitionError(f"{function_path!r} is not a dotted path like 'pkg.module.{name}'")
    with keras_tuner_imports_on_tf_keras():
        rebound = rebind_keras_tuner()
        module = _import_user_module(module_name, function_path)
        if _keras_tuner_holders(module, getattr(module, attr, None)):
            log.warning(
                "module %s holds keras_tuner as imported bound to Keras 3%s; reloading it",
                module_name,
                " (imported again bound to tf_keras just now)" if rebound else "",
            )
            module = _import_user_module(module_name, function_path, reload=module)
    func = _get_function(module, attr, module_name)
    _check_keras_tuner_binding(module, func, module_name)
    return UserFunction(func, attr, module_name)


def _import_user_module(module_name: str, function_path: str, reload: ModuleType | None = None) -> ModuleType:
    try:
        return importlib.reload(reload) if reload is not None else importlib.import_module(module_name)
    except SystemExit as err:
        log.error("importing %s exited:\n%s", module_name, traceback.format_exc())
        raise UserCodeError(
            f"cannot import module {module_name!r} for {function_path}: importing it {_exited(err)}"
        ) from err
    except Exception as err:
        raise UserCodeError(f"cannot import module {module_name!r} for {function_path}: {err}") from err


def _keras_tuner_holders(module: ModuleType, func: Any = None) -> list[str]:
    """Where ``module`` (or ``func``) holds a keras-tuner from a replaced import: ``module.name`` strings.

    Looks at the module's names, at the names of the modules it holds and at the globals of
    the functions it holds (``from helpers import build_tuner``), one level deep.
    """
    spaces: dict[int, tuple[str, dict[str, Any]]] = {}

    def add(owner: str, namespace: Any) -> None:
        if owner.split(".")[0] in _KERAS_TUNER_PACKAGES:
            return  # keras-tuner's own modules: the holder is whoever holds them
        if isinstance(namespace, dict) and id(namespace) not in spaces:
            spaces[id(namespace)] = (owner, namespace)

    add(module.__name__, vars(module))
    if func is not None:
        add(getattr(func, "__module__", None) or module.__name__, getattr(func, "__globals__", None))
    for value in list(vars(module).values()):
        if isinstance(value, ModuleType):
            add(value.__name__, vars(value))
        elif callable(value):
            add(getattr(value, "__module__", None) or "?", getattr(value, "__globals__", None))
    return [
        f"{owner}.{name}"
        for owner, namespace in spaces.values()
        for name in stale_keras_tuner_names(namespace)
    ]


def _check_keras_tuner_binding(module: ModuleType, func: Any, source: str) -> None:
    holders = _keras_tuner_holders(module, func)
    if holders:
        raise UserCodeError(
            f"{source} uses keras_tuner as imported bound to Keras 3 ({', '.join(holders[:5])}), which "
            "rejects the tf_keras models tf.keras builds (TF_USE_LEGACY_KERAS=1). Cause: keras_tuner was "
            "imported before the provider could bind it to tf_keras, by code that ran earlier in this "
            "process (e.g. a DAG file or a module it imports) and that this module still uses. Fix: do not "
            "import keras_tuner (or modules importing it) at DAG parse time: import it in the module file or "
            "inside tuner_fn/run_fn, or get it with airflow_tfx_provider.compat.import_keras_tuner()"
        )


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
    folder = os.path.dirname(os.path.abspath(path))
    with keras_tuner_imports_on_tf_keras():
        rebound = rebind_keras_tuner()
        stale = _drop_stale_user_modules(folder)
        cached = sys.modules.get(unique)
        if cached is not None and not stale and not _keras_tuner_holders(cached):
            return cached
        sys.modules.pop(unique, None)
        if cached is not None or stale:
            log.warning(
                "module file %s or the modules next to it (%s) held keras_tuner as imported bound to "
                "Keras 3%s; loading it again",
                path,
                ", ".join(sorted(n for n in stale if n != unique)) or "none",
                " (imported again bound to tf_keras just now)" if rebound else "",
            )
        _exec_module_file(path, unique, folder, function)
    log.info("loaded module file %s", path)
    return sys.modules[unique]


#: Folder -> the keras-tuner generation its modules were last checked at.
_checked_folders: dict[str, int] = {}


def _drop_stale_user_modules(folder: str) -> list[str]:
    """Drop from ``sys.modules`` the modules under ``folder`` holding a keras-tuner from a replaced import.

    The module files and the sibling modules they import, so that loading the module file
    again imports them again, with the keras-tuner imported now. Looks only once per folder
    after each time keras-tuner was imported again (``tfx_api.keras_tuner_generation``).
    """
    generation = keras_tuner_generation()
    if generation == 0 or _checked_folders.get(folder) == generation or "keras_tuner" not in sys.modules:
        return []
    _checked_folders[folder] = generation
    prefix = folder.rstrip(os.sep) + os.sep
    stale = []
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        if not isinstance(module, ModuleType) or not isinstance(file, str):
            continue
        if name.split(".")[0] in _KERAS_TUNER_PACKAGES or not os.path.abspath(file).startswith(prefix):
            continue
        if stale_keras_tuner_names(vars(module)):
            stale.append(name)
            del sys.modules[name]
    return stale


def _exec_module_file(path: str, unique: str, folder: str, function: str | None) -> None:
    spec = importlib.util.spec_from_file_location(unique, path)
    if spec is None or spec.loader is None:
        raise UserCodeError(f"module file {path} cannot be loaded as a Python module")
    module = importlib.util.module_from_spec(spec)
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
