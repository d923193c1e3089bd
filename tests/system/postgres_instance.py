"""A private PostgreSQL server for the console's store tests (issue 13): `initdb` into a fresh
temporary directory, `postgres` (our child) or `pg_ctl start` (for a server that outlives the
starting process) on a free loopback port (and a unix socket in that directory), stopped with `pg_ctl stop -m fast -D DIR`, which signals the PID in the data
directory's postmaster.pid: never a process found by name. The system's clusters
(/var/lib/postgresql, /etc/postgresql) are never read, started or stopped.

initdb and postgres refuse to run as root. When the tests run as root (CI does) every server
command runs as the `postgres` user the Debian package creates (`runuser -u postgres --`), on a
directory under /tmp that user owns (pytest's tmp_path sits below root's 0700 directory).

Each test gets its own database, owned by its own role that may log in over TCP with a password
(scram-sha-256) and is no superuser: the store's migrations run with what docs/console.md says an
operator's role needs (CREATE TABLE in a database it owns), and the password travels the way it
does in production. The superuser (`mxkit_admin`) connects over TCP with its own password too.

As a module:   inst = PostgresInstance(); inst.start(); uri = inst.new_database(); inst.stop()
As a program (the ctest fixture for the gtest suite):
    postgres_instance.py start STATE_DIR   starts a server; writes STATE_DIR/admin_uri and
                                           STATE_DIR/state.json; prints the admin URI
    postgres_instance.py stop STATE_DIR    stops the server recorded in STATE_DIR, removes its data
Exit status 77 from `start` when the PostgreSQL binaries are absent (ctest's SKIP_RETURN_CODE).
"""
from __future__ import annotations

import itertools
import json
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(os.environ.get("MXKIT_POSTGRES_BIN", "/usr/lib/postgresql/15/bin"))
SKIP_STATUS = 77
ADMIN = "mxkit_admin"


def available() -> bool:
    """The binaries a test server needs. scripts/bootstrap installs them (Debian `postgresql`),
    so CI never goes without; a developer machine without them skips these tests."""
    return all((BIN / tool).is_file() for tool in ("initdb", "pg_ctl", "postgres", "psql"))


def free_port(address: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((address, 0))
        return s.getsockname()[1]


class PostgresInstance:
    def __init__(self, port: int | None = None, existing: Path | None = None):
        # `existing`: the directory of a server started earlier (by another process), to stop it.
        self.dir = existing or Path(tempfile.mkdtemp(prefix="mxkit-postgres-"))
        self.data = self.dir / "data"
        self.socket_dir = self.dir / "sock"
        self.log = self.dir / "server.log"
        self.port = port or free_port()
        self.admin_password = secrets.token_hex(12)
        self.as_root = os.geteuid() == 0
        self.proc: subprocess.Popen | None = None
        self.running = existing is not None and (self.data / "postmaster.pid").exists()
        self._counter = itertools.count(1)
        self._tag = secrets.token_hex(3)  # keeps names unique when several processes share a server

    # --- running the server's tools ------------------------------------------------------------
    def _as_owner(self, argv: list[str]) -> list[str]:
        return ["runuser", "-u", "postgres", "--", *argv] if self.as_root else argv

    def _run(self, argv: list[str], timeout: float = 60) -> subprocess.CompletedProcess:
        proc = subprocess.run(self._as_owner(argv), capture_output=True, text=True, timeout=timeout)
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(argv[:2])} failed (exit {proc.returncode}): "
                               f"{proc.stderr.strip() or proc.stdout.strip()}\n{self.log_tail()}")
        return proc

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "server log:\n" + "\n".join(self.log.read_text().splitlines()[-lines:])
        except OSError:
            return ""

    def start(self, detach: bool = False) -> None:
        if not available():
            raise RuntimeError(f"PostgreSQL binaries not found in {BIN}: install `postgresql` "
                               "(scripts/bootstrap does)")
        self.socket_dir.mkdir()
        if self.as_root:
            owner = pwd.getpwnam("postgres")
            os.chmod(self.dir, 0o755)  # the mxkit under test (root) reaches the socket; others read nothing else
            for path in (self.dir, self.socket_dir):
                os.chown(path, owner.pw_uid, owner.pw_gid)
        pwfile = self.dir / "admin.pw"
        pwfile.write_text(self.admin_password + "\n")
        if self.as_root:
            os.chown(pwfile, pwd.getpwnam("postgres").pw_uid, -1)
        os.chmod(pwfile, 0o600)
        # --no-sync: the cluster is thrown away after the test; trust on the socket (only this
        # directory's owner and root reach it), passwords over TCP as in production.
        self._run([str(BIN / "initdb"), "-D", str(self.data), "-U", ADMIN, f"--pwfile={pwfile}",
                   "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync",
                   "--encoding=UTF8", "--locale=C.UTF-8"])
        pwfile.unlink()
        settings = {
            "port": str(self.port),
            "listen_addresses": "'127.0.0.1'",
            "unix_socket_directories": f"'{self.socket_dir}'",
            # A test server: durability is the store's business at COMMIT, not this disk's.
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "max_connections": "200",
            "shared_buffers": "16MB",
            "log_min_messages": "warning",
        }
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write("\n# mxkit test instance\n")
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())
        if detach:
            # The server outlives this process (ctest's setup step): pg_ctl daemonizes it.
            self._run([str(BIN / "pg_ctl"), "start", "-w", "-t", "60", "-D", str(self.data),
                       "-l", str(self.log)], timeout=90)
        else:
            # Our own child, so that we reap it when it stops (no zombie left to an init that
            # may not reap); runuser waits for it the same way.
            with open(self.log, "ab") as log:
                self.proc = subprocess.Popen(self._as_owner([str(BIN / "postgres"), "-D",
                                                              str(self.data)]),
                                             stdout=log, stderr=subprocess.STDOUT,
                                             stdin=subprocess.DEVNULL)
            self._wait_ready()
        self.running = True

    def _wait_ready(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:  # bounded in time; each probe is quick
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"postgres exited with {self.proc.returncode}\n{self.log_tail()}")
            probe = subprocess.run([str(BIN / "pg_isready"), "-q", "-h", str(self.socket_dir),
                                    "-p", str(self.port)], timeout=10)
            if probe.returncode == 0:
                return
            time.sleep(0.05)
        raise RuntimeError(f"postgres not ready after {seconds} s\n{self.log_tail()}")

    def stop(self) -> None:
        """pg_ctl signals the postmaster whose PID is in DATA/postmaster.pid (fast: sessions are
        ended, no waiting for clients) and waits for it to go."""
        if self.running:
            try:
                self._run([str(BIN / "pg_ctl"), "stop", "-m", "fast", "-w", "-t", "60", "-D",
                           str(self.data)], timeout=90)
            finally:
                self.running = False
                if self.proc is not None:
                    self.proc.wait(timeout=30)
        shutil.rmtree(self.dir, ignore_errors=True)

    # --- URIs and databases ---------------------------------------------------------------------
    @property
    def admin_uri(self) -> str:
        return f"postgresql://{ADMIN}:{self.admin_password}@127.0.0.1:{self.port}/postgres"

    def psql(self, sql: str, database: str = "postgres") -> str:
        """Runs SQL as the superuser over the unix socket; returns the unaligned output."""
        proc = subprocess.run(
            [str(BIN / "psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h",
             str(self.socket_dir), "-p", str(self.port), "-U", ADMIN, "-d", database, "-c", sql],
            capture_output=True, text=True, timeout=60)
        if proc.returncode != 0:
            raise RuntimeError(f"psql failed: {proc.stderr.strip()}")
        return proc.stdout

    def new_database(self) -> str:
        """A fresh database owned by a fresh login role (no superuser); its connection URI."""
        n = next(self._counter)
        role = f"mxkit_{self._tag}_{n}"
        password = secrets.token_hex(12)
        self.psql(f"CREATE ROLE {role} LOGIN PASSWORD '{password}'")
        self.psql(f"CREATE DATABASE {role} OWNER {role}")
        return f"postgresql://{role}:{password}@127.0.0.1:{self.port}/{role}"

    def terminate_connections(self, database: str) -> int:
        """Ends every session on `database` (as a restarted or failed-over server would): the
        store must reconnect. Returns how many were ended."""
        out = self.psql("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                        f"WHERE datname = '{database}' AND pid <> pg_backend_pid()")
        return int(out.strip() or 0)


def main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[1] not in ("start", "stop"):
        print(__doc__, file=sys.stderr)
        return 2
    state_dir = Path(argv[2])
    state_file = state_dir / "state.json"
    if state_file.exists():  # a server a killed run left behind: stop it before anything else
        state = json.loads(state_file.read_text())
        old = PostgresInstance(port=state["port"], existing=Path(state["dir"]))
        try:
            old.stop()
        except RuntimeError as err:
            print(f"stopping the previous test server: {err}", file=sys.stderr)
        state_file.unlink()
        (state_dir / "admin_uri").unlink(missing_ok=True)
    if argv[1] == "stop":
        return 0
    if not available():
        print(f"PostgreSQL binaries not found in {BIN}: the PostgreSQL store tests skip",
              file=sys.stderr)
        return SKIP_STATUS
    state_dir.mkdir(parents=True, exist_ok=True)
    inst = PostgresInstance()
    inst.start(detach=True)
    state_file.write_text(json.dumps({"dir": str(inst.dir), "port": inst.port}))
    uri_file = state_dir / "admin_uri"
    uri_file.write_text(inst.admin_uri + "\n")
    os.chmod(uri_file, 0o600)
    print(f"PostgreSQL test server on 127.0.0.1:{inst.port}, data in {inst.data}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
