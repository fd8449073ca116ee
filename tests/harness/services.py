"""Real database servers for tests, installed from Debian packages and started on loopback.

``make test`` installs the packages (postgresql, mariadb-server, redis-server); the fixtures
start a private instance in a temporary folder on a free port and stop it afterwards.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    user: str
    log: Path | None = None  # the server's own log, while it runs (PostgreSQL: each line names its database)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for_port(port: int, seconds: float, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.2)
    raise RuntimeError(
        f"server on port {port} did not start; log:\n{log.read_text()[-3000:] if log.exists() else ''}"
    )


def _require(binary: str | None, package: str) -> str:
    if not binary or not os.path.exists(binary):
        raise RuntimeError(
            f"{package} is not installed; run `make test` (it installs it) or apt-get install {package}"
        )
    return binary


def _run(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
        )


@contextlib.contextmanager
def postgres_server(_workdir: Path) -> Iterator[Server]:
    """A PostgreSQL server (trust auth, user ``postgres``) on 127.0.0.1.

    PostgreSQL refuses to run as root, so as root it runs as the ``postgres`` user in a
    folder of its own under /tmp (pytest's tmp folders are private to root).
    """
    workdir = Path(tempfile.mkdtemp(prefix="mlmd-postgres-"))
    bindir = next(iter(sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)), None)
    initdb = _require(bindir and os.path.join(bindir, "initdb"), "postgresql")
    pg_ctl = os.path.join(os.path.dirname(initdb), "pg_ctl")
    data, log, port = workdir / "data", workdir / "server.log", free_port()
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_postgres:
        shutil.chown(workdir, "postgres")
    _run([*as_postgres, initdb, "-D", str(data), "-U", "postgres", "--auth=trust"])
    # the log line prefix is Debian's default (user@database), so that errors can be told apart by database
    options = f"-p {port} -k {workdir} -c listen_addresses=127.0.0.1 -c log_line_prefix='%m [%p] %q%u@%d '"
    _run([*as_postgres, pg_ctl, "-D", str(data), "-o", options, "-l", str(log), "-w", "start"])
    try:
        _wait_for_port(port, 30, log)
        yield Server("127.0.0.1", port, "postgres", log)
    finally:
        subprocess.run([*as_postgres, pg_ctl, "-D", str(data), "stop", "-m", "fast"], capture_output=True)
        shutil.rmtree(workdir, ignore_errors=True)


@contextlib.contextmanager
def mariadb_server(workdir: Path) -> Iterator[Server]:
    """A MariaDB server (no grant checks) on 127.0.0.1."""
    mariadbd = _require(shutil.which("mariadbd") or "/usr/sbin/mariadbd", "mariadb-server")
    install_db = _require(shutil.which("mariadb-install-db"), "mariadb-server")
    workdir.mkdir(parents=True, exist_ok=True)
    data, log, port = workdir / "data", workdir / "server.log", free_port()
    _run([install_db, f"--datadir={data}", "--user=root", "--auth-root-authentication-method=normal"])
    process = subprocess.Popen(
        [mariadbd, f"--datadir={data}", f"--port={port}", "--bind-address=127.0.0.1",
         f"--socket={workdir / 'mysqld.sock'}", "--user=root", f"--pid-file={workdir / 'mysqld.pid'}",
         "--skip-grant-tables", f"--log-error={log}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        _wait_for_port(port, 60, log)
        yield Server("127.0.0.1", port, "root")
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


@contextlib.contextmanager
def redis_server(workdir: Path) -> Iterator[Server]:
    """A Redis server (no persistence, no password) on 127.0.0.1, e.g. as a Celery broker."""
    binary = _require(shutil.which("redis-server") or "/usr/bin/redis-server", "redis-server")
    workdir.mkdir(parents=True, exist_ok=True)
    log, port = workdir / "server.log", free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(workdir), "--logfile", str(log), "--daemonize", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        _wait_for_port(port, 30, log)
        yield Server("127.0.0.1", port, "")
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
