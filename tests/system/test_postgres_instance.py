"""The PostgreSQL test server the console's store tests share (postgres_instance.py): it runs as
user postgres when the tests run as root, each database belongs to a role that is no superuser
and logs in with its password over TCP, sessions can be cut (the store's reconnect tests), and
the server is gone after stop()."""
from __future__ import annotations

import os
import pwd
import subprocess

import pytest

import postgres_instance

pytestmark = pytest.mark.skipif(not postgres_instance.available(),
                                reason="PostgreSQL binaries absent")


def psql(uri: str, sql: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(postgres_instance.BIN / "psql"), "-X", "-A", "-t", "-v",
                           "ON_ERROR_STOP=1", uri, "-c", sql],
                          capture_output=True, text=True, timeout=30)


def test_a_database_per_test_with_its_own_role(postgres_server):
    uri = postgres_server.new_database()
    done = psql(uri, "CREATE TABLE t (x BIGINT); SELECT current_user, rolsuper FROM pg_roles "
                     "WHERE rolname = current_user")
    assert done.returncode == 0, done.stderr
    role, superuser = done.stdout.strip().splitlines()[-1].split("|")
    assert uri.startswith(f"postgresql://{role}:") and superuser == "f"
    wrong = uri.replace(uri.split(":")[2].split("@")[0], "not-the-password")
    refused = psql(wrong, "SELECT 1")
    assert refused.returncode != 0 and "password authentication failed" in refused.stderr
    if os.geteuid() == 0:  # initdb and postgres refuse root: they ran as user postgres
        pid = (postgres_server.data / "postmaster.pid").read_text().split()[0]
        uid = next(line.split()[1] for line in open(f"/proc/{pid}/status")
                   if line.startswith("Uid:"))
        assert int(uid) == pwd.getpwnam("postgres").pw_uid


def test_sessions_can_be_cut_and_the_server_stops_by_its_pid():
    server = postgres_instance.PostgresInstance()
    server.start()
    try:
        uri = server.new_database()
        database = uri.rsplit("/", 1)[1]
        holder = subprocess.Popen([str(postgres_instance.BIN / "psql"), "-X", uri, "-c",
                                   "SELECT pg_sleep(30)"], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
        for _ in range(50):  # bounded: at most ~5 s for the session to show up
            if server.terminate_connections(database) >= 1:
                break
            subprocess.run(["sleep", "0.1"], check=True)
        _, err = holder.communicate(timeout=10)
        assert holder.returncode != 0 and "terminat" in err
        pid = int((server.data / "postmaster.pid").read_text().split()[0])
    finally:
        server.stop()
    assert not server.dir.exists()
    assert not os.path.exists(f"/proc/{pid}")
