"""User code that calls ``sys.exit()`` (or raises ``SystemExit``) fails as a named ``UserCodeError``.

Without this, ``SystemExit`` slips past ``except Exception`` and the task just ends with an exit
code, never naming the module file or the function.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from airflow_tfx_provider.components._user_code.module_file import resolve_user_function
from airflow_tfx_provider.exceptions import UserCodeError


def module_file(tmp_path: Path, source: str, name: str = "user_module.py") -> str:
    path = tmp_path / name
    path.write_text(textwrap.dedent(source))
    return str(path)


@pytest.mark.parametrize(
    ("statement", "status"),
    [
        ("sys.exit(3)", "exit code 3"),
        ("sys.exit()", "exit code 0"),
        ("sys.exit('bad config')", "exit code 1, message 'bad config'"),
        ("raise SystemExit(2)", "exit code 2"),
    ],
)
def test_module_file_exiting_at_import(tmp_path: Path, statement: str, status: str) -> None:
    source = f"import sys\n{statement}\n\ndef run_fn(fn_args):\n    pass\n"
    path = module_file(tmp_path, source, name="exits_at_import.py")
    with pytest.raises(UserCodeError) as raised:
        resolve_user_function(module_file=path, function_path=None, name="run_fn")
    assert str(raised.value) == (
        f"importing module file {path} (loaded for run_fn) called sys.exit() or raised SystemExit "
        f"({status}); user code must not end the process: raise an exception instead"
    )
    assert isinstance(raised.value.__cause__, SystemExit)
    assert not [m for m in sys.modules if m.startswith("user_module_exits_at_import_")]  # none half-loaded


def test_user_function_exiting_when_called(tmp_path: Path) -> None:
    path = module_file(
        tmp_path,
        """
        import sys

        def preprocessing_fn(inputs):
            if "label" not in inputs:
                sys.exit(4)
            return inputs
        """,
    )
    user_fn = resolve_user_function(module_file=path, function_path=None, name="preprocessing_fn")
    assert user_fn({"label": 1}) == {"label": 1}
    with pytest.raises(UserCodeError) as raised:
        user_fn({})
    assert str(raised.value) == (
        f"preprocessing_fn in {path} called sys.exit() or raised SystemExit (exit code 4); user code must "
        "not end the process: raise an exception instead"
    )
    assert isinstance(raised.value.__cause__, SystemExit)


def test_dotted_path_exiting_at_import_or_when_called(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "exiting_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "at_import.py").write_text("raise SystemExit(5)\n\ndef tuner_fn(fn_args):\n    pass\n")
    (package / "when_called.py").write_text("import sys\n\ndef tuner_fn(fn_args):\n    sys.exit(6)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    for _ in range(2):  # the failed import is not cached as a half-loaded module
        with pytest.raises(
            UserCodeError,
            match=r"^cannot import module 'exiting_pkg\.at_import' for exiting_pkg\.at_import\.tuner_fn: "
            r"importing it called sys\.exit\(\) or raised SystemExit \(exit code 5\)",
        ):
            resolve_user_function(
                module_file=None, function_path="exiting_pkg.at_import.tuner_fn", name="tuner_fn"
            )
    user_fn = resolve_user_function(
        module_file=None, function_path="exiting_pkg.when_called.tuner_fn", name="tuner_fn"
    )
    with pytest.raises(
        UserCodeError, match=r"^tuner_fn in exiting_pkg\.when_called called sys\.exit\(\) .*exit code 6"
    ):
        user_fn(None)
    for name in ("exiting_pkg", "exiting_pkg.at_import", "exiting_pkg.when_called"):
        monkeypatch.delitem(sys.modules, name, raising=False)


def test_keyboard_interrupt_and_other_base_exceptions_pass_through(tmp_path: Path) -> None:
    path = module_file(
        tmp_path,
        """
        class Timeout(BaseException):  # like Airflow's AirflowTaskTimeout
            pass

        def run_fn(kind):
            raise {"interrupt": KeyboardInterrupt, "timeout": Timeout}[kind]()
        """,
    )
    user_fn = resolve_user_function(module_file=path, function_path=None, name="run_fn")
    with pytest.raises(KeyboardInterrupt):
        user_fn("interrupt")
    with pytest.raises(BaseException) as raised:
        user_fn("timeout")
    assert type(raised.value).__name__ == "Timeout"
