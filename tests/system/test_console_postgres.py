"""The console's PostgreSQL store through `mxkit serve --console-db` (issue 13): two mxkit
primaries share one database on a private PostgreSQL server (postgres_instance.py). Writers on
both lose no change and the serial only goes up; a restarted primary finds everything; a
store it cannot reach is a clear start-up error that names the server and never the password."""
from __future__ import annotations

import json
import re
import socket
import subprocess
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import processes

KEY = "pg-test-key-0123456789"
ZONE_TEXT = ("@ 3600 IN SOA ns1 hostmaster 0 3600 900 1209600 300\n@ IN NS ns1\n"
             "ns1 IN A 192.0.2.53\n")


class Primary:
    """`mxkit serve` with only the console role, on a free port, stopped by its PID."""

    def __init__(self, mxkit: Path, root: Path, db_uri: str, name: str):
        root.mkdir(parents=True, exist_ok=True)
        self.key_file = root / f"{name}.keys"
        self.key_file.write_text(KEY + "\n")
        self.key_file.chmod(0o600)
        self.log_path = root / f"{name}.log"
        self.command = [str(mxkit), "serve", "--console-listen", "127.0.0.1:0", "--console-db",
                        db_uri, "--api-key-file", str(self.key_file)]
        self.proc: subprocess.Popen | None = None
        self.port = 0

    def start(self) -> "Primary":
        self.log = open(self.log_path, "a")
        self.proc = subprocess.Popen(self.command, stdout=subprocess.DEVNULL, stderr=self.log)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:  # bounded: the port is in the log once bound
            if self.proc.poll() is not None:
                raise RuntimeError(f"mxkit exited: {self.log_path.read_text()}")
            found = re.findall(r"console listening on 127\.0\.0\.1:(\d+)", self.log_path.read_text())
            if found:
                self.port = int(found[-1])
                return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"console did not start: {self.log_path.read_text()}")

    def stop(self) -> None:
        if self.proc is not None:
            processes.stop(self.proc)
            self.proc = None
            self.log.close()

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}/api/v1{path}", data=data,
                                     method=method, headers={"X-API-Key": KEY,
                                                             "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, json.loads(r.read() or b"{}")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"{}")


@pytest.fixture
def primaries(mxkit, tmp_path, postgres_database):
    made: list[Primary] = []

    def make(name: str) -> Primary:
        p = Primary(mxkit, tmp_path, postgres_database, name).start()
        made.append(p)
        return p

    yield make
    for p in made:
        p.stop()


def test_two_primaries_share_one_store_and_lose_no_change(primaries):
    a, b = primaries("a"), primaries("b")
    status, _ = a.call("POST", "/zones", {"name": "shared.test", "zone_text": ZONE_TEXT})
    assert status == 201
    status, zone = b.call("GET", "/zones/shared.test")
    assert status == 200, zone

    def write(i: int) -> int:
        p = a if i % 2 == 0 else b
        status, body = p.call("POST", "/zones/shared.test/records",
                              {"name": f"w{i}", "type": "A", "ttl": 300, "value": f"192.0.2.{i + 1}"})
        assert status == 201, body
        return status

    writers = 50
    with ThreadPoolExecutor(max_workers=writers) as pool:
        assert list(pool.map(write, range(writers))) == [201] * writers

    for p in (a, b):
        status, listing = p.call("GET", "/zones/shared.test/records?type=A&per_page=500")
        assert status == 200
        names = {r["name"] for r in listing["records"] if r["name"].startswith("w")}
        assert len(names) == writers, listing
    status, audit = b.call("GET", "/zones/shared.test/audit?limit=1000")
    entries = audit["entries"]
    assert len(entries) == writers + 1
    for newer, older in zip(entries, entries[1:]):  # newest first: one unbroken rising chain
        assert newer["serial_before"] == older["serial_after"]
        assert newer["serial_after"] > newer["serial_before"]


def test_a_restarted_primary_finds_everything(primaries):
    a = primaries("a")
    assert a.call("POST", "/zones", {"name": "kept.test", "zone_text": ZONE_TEXT})[0] == 201
    assert a.call("POST", "/zones/kept.test/records",
                  {"name": "mail", "type": "A", "ttl": 300, "value": "192.0.2.25"})[0] == 201
    _, before = a.call("GET", "/zones/kept.test")
    a.stop()
    again = primaries("a-again")
    status, after = again.call("GET", "/zones/kept.test")
    assert status == 200 and after == before


def test_an_unreachable_store_names_the_server_not_the_password(mxkit, tmp_path):
    with socket.socket() as s:  # bound and closed: nothing listens there
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    uri = f"postgresql://mxkit:Very-Secret-9@127.0.0.1:{port}/console"
    p = Primary(mxkit, tmp_path, uri, "down")
    with pytest.raises(RuntimeError) as failed:
        p.start()
    log = p.log_path.read_text()
    assert f"mxkit@127.0.0.1:{port}/console" in log and "cannot connect" in log, log
    assert "Very-Secret-9" not in log and "Very-Secret-9" not in str(failed.value)
