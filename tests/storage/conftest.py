"""Throwaway Redis and PostgreSQL servers on loopback, started per test session.

Missing server binaries are a failure in CI (`CI=true`, where `./dev test` installs them) and a
skip elsewhere.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest


def _missing(what: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is not installed; ./dev test installs it in CI")
    pytest.skip(f"{what} is not installed")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(check: object, what: str, timeout: float = 20.0) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if check():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not start within {timeout} s")


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """redis://127.0.0.1:PORT/0 with every journal append fsynced (appendonly, always)."""
    server = shutil.which("redis-server")
    if server is None:
        _missing("redis-server")
    workdir = tmp_path_factory.mktemp("redis")
    port = _free_port()
    proc = subprocess.Popen(
        [
            str(server), "--bind", "127.0.0.1", "--port", str(port), "--dir", str(workdir),
            "--save", "", "--appendonly", "yes", "--appendfsync", "always",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    import redis

    _wait(lambda: _redis_ping(redis, port), "redis-server")
    yield f"redis://127.0.0.1:{port}/0"
    proc.terminate()
    proc.wait(10)


def _redis_ping(redis: object, port: int) -> bool:
    try:
        return bool(redis.Redis(port=port).ping())  # type: ignore[attr-defined]
    except Exception:
        return False


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL cluster (no fsync) on a private socket directory and loopback port."""
    bins = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not bins:
        _missing("PostgreSQL (initdb)")
    bindir = bins[-1].parent
    # Not under pytest's tmp dir: the postgres user must be able to reach it.
    workdir = Path(tempfile.mkdtemp(prefix="adaptive-hyperopt-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:  # initdb and postgres refuse to run as root
        as_user = ["runuser", "-u", "postgres", "--"]
        shutil.chown(workdir, "postgres")
    port = _free_port()
    data = workdir / "data"

    def run(*args: str) -> None:
        subprocess.run([*as_user, *args], check=True, capture_output=True)

    run(str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "--no-sync")
    options = (
        f"-k {workdir} -p {port} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off"
    )
    run(
        str(bindir / "pg_ctl"),
        "-D",
        str(data),
        "-l",
        str(workdir / "pg.log"),
        "-w",
        "-o",
        options,
        "start",
    )
    run(str(bindir / "createdb"), "-h", str(workdir), "-p", str(port), "-U", "postgres", "optuna")
    yield f"postgresql+psycopg2://postgres@127.0.0.1:{port}/optuna"
    run(str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
    shutil.rmtree(workdir, ignore_errors=True)
