"""System tests: run the `mxkit` binary (and peers such as BIND's tools) as a user would.

The binary is $MXKIT_BIN when set (scripts/test sets it); otherwise build/release/mxkit, built
first with the release preset so the tests never run a stale binary.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def mxkit() -> Path:
    if os.environ.get("MXKIT_BIN"):
        path = Path(os.environ["MXKIT_BIN"]).resolve()
    else:
        for step in (["cmake", "--preset", "release"], ["cmake", "--build", "--preset", "release"]):
            subprocess.run(step, cwd=REPO, check=True, stdout=subprocess.DEVNULL)
        path = REPO / "build" / "release" / "mxkit"
    if not os.access(path, os.X_OK):
        pytest.fail(f"no mxkit binary at {path}: build it (scripts/bootstrap) or set MXKIT_BIN")
    return path


@pytest.fixture(scope="session")
def named_compilezone() -> str:
    tool = shutil.which("named-compilezone")
    if tool is None:
        pytest.fail("named-compilezone not found: install bind9-utils (scripts/bootstrap does)")
    return tool


@pytest.fixture
def make_internet(mxkit, tmp_path):
    """Builds test internets on loopback (internet.py) for one test and stops them after it:
    net = make_internet("nsd"); net.add_domain(...); net.start()."""
    from internet import Internet

    made = []

    def make(backend: str = "mxkit"):
        net = Internet(mxkit, tmp_path / f"internet-{len(made)}", backend=backend)
        made.append(net)
        return net

    yield make
    for net in made:
        net.stop()


@pytest.fixture(scope="session")
def postgres_server():
    """One private PostgreSQL server for the session (postgres_instance.py: initdb + pg_ctl on a
    free loopback port, as user postgres when run as root), stopped by its data directory's PID
    at the end. Tests take a fresh database each with `postgres_database`. Skips only when the
    PostgreSQL binaries are absent (scripts/bootstrap installs them)."""
    import postgres_instance

    if not postgres_instance.available():
        pytest.skip(f"PostgreSQL binaries not found in {postgres_instance.BIN}")
    server = postgres_instance.PostgresInstance()
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgres_database(postgres_server) -> str:
    """A URI for `--console-db`: a fresh database owned by a fresh login role (no superuser)."""
    return postgres_server.new_database()
