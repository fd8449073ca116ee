"""A real ``airflow api-server`` on loopback with real logins, for the UI plugin's tests.

Users of Airflow's simple auth manager: ``admin`` (admin), ``viewer`` (viewer) and ``nobody``
(no role: 403 on every DAG). Unlike ``AirflowStack`` nobody is an admin by default, so a
request without a token gets 401. Pipelines run before it starts, with ``airflow dags test``
against the same metadata DB (``UiHome.airflow``).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType

from tests.harness.airflow_stack import AIRFLOW_BIN, free_port

USERS = {"admin": "admin", "viewer": "viewer", "nobody": "nobody"}


class UiHome:
    """An AIRFLOW_HOME with its SQLite DB, the users' passwords and a DAGs folder."""

    def __init__(self, home: Path, dags_folder: Path, extra_env: dict[str, str]) -> None:
        self.home, self.port = home, free_port()
        home.mkdir(parents=True, exist_ok=True)
        passwords = home / "passwords.json"
        passwords.write_text(json.dumps(USERS))
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(dags_folder),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "False",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin,viewer:viewer,nobody:",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords),
            "AIRFLOW__API__BASE_URL": self.base_url,
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(self.port),
            "AIRFLOW__API__WORKERS": "1",
            "AIRFLOW__API_AUTH__JWT_SECRET": "airflow-tfx-provider-ui-test-secret",
            "PYTHONUNBUFFERED": "1",
            **extra_env,
        }

    def airflow(self, *args: str, timeout: float = 900) -> str:
        done = subprocess.run(
            [str(AIRFLOW_BIN), *args], env=self.env, capture_output=True, text=True, timeout=timeout
        )
        if done.returncode != 0:
            tail = "\n".join((done.stdout + done.stderr).splitlines()[-40:])
            raise RuntimeError(f"airflow {' '.join(args)} exited with {done.returncode}:\n{tail}")
        return done.stdout + done.stderr


class UiServer:
    """``airflow api-server`` of a :class:`UiHome`, stopped (with its workers) on exit."""

    def __init__(self, home: UiHome) -> None:
        self.home = home
        self.process: subprocess.Popen[bytes] | None = None
        self.log = home.home / "api-server.log"

    def __enter__(self) -> UiServer:
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [str(AIRFLOW_BIN), "api-server"], env=self.home.env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"api-server exited: {self.log.read_text()[-3000:]}")
            if self.get("/api/v2/monitor/health")[0] == 200:
                return self
            time.sleep(0.5)
        raise TimeoutError(f"api-server did not come up; log {self.log}")

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def token(self, user: str) -> str:
        request = urllib.request.Request(
            f"{self.home.base_url}/auth/token",
            data=json.dumps({"username": user, "password": USERS[user]}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return str(json.loads(response.read())["access_token"])

    def get(self, path: str, token: str | None = None) -> tuple[int, str]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        request = urllib.request.Request(f"{self.home.base_url}{path}", headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode(errors="replace")
        except OSError:
            return 0, ""
