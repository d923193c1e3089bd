"""The console's JSON API over real HTTP (issue 13, docs/console.md): `mxkit serve
--console-listen` on a free loopback port, every endpoint, every validation rule, the key, bad
bodies, 50 concurrent writers on one zone, and a restart that keeps everything.

The server fixture is parametrised by store: SQLite in a folder, and PostgreSQL (`--console-db`)
on a private server the session starts (conftest.py's postgres_server), a fresh database per
test."""
from __future__ import annotations

import http.client
import json
import re
import subprocess
import threading
import time
from pathlib import Path

import pytest

from processes import stop

KEY = "test-key-0123456789"
STORES = ["sqlite", "postgresql"]


class Console:
    """One `mxkit serve` console process; restart() starts it again on the same store."""

    def __init__(self, mxkit: Path, workdir: Path, store: str, extra: list[str] | None = None,
                 db_uri: str = ""):
        self.mxkit, self.workdir, self.store = mxkit, workdir, store
        self.db_uri = db_uri  # the postgresql:// URI of the test's database
        self.extra = extra or []
        self.keys = workdir / "keys"
        self.keys.write_text(f"# the console's keys\n{KEY}\n\nsecond-key\n")
        self.proc: subprocess.Popen | None = None
        self.port = 0
        self.log = workdir / "console.log"

    def store_args(self) -> list[str]:
        if self.store == "sqlite":
            return ["--console-data", str(self.workdir / "data")]
        if self.store == "postgresql":
            return ["--console-db", self.db_uri]
        raise AssertionError(f"unknown store {self.store}")

    def start(self) -> None:
        args = [str(self.mxkit), "serve", "--console-listen", "127.0.0.1:0",
                "--api-key-file", str(self.keys), *self.store_args(), *self.extra]
        with open(self.log, "w") as log:
            self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=log)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            found = re.search(r"console listening on 127\.0\.0\.1:(\d+)", self.log.read_text())
            if found:
                self.port = int(found.group(1))
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError("the console did not start:\n" + self.log.read_text())

    def stop(self) -> None:
        if self.proc:
            stop(self.proc)

    def restart(self) -> None:
        self.stop()
        self.start()

    def call(self, method: str, path: str, body=None, key: str | None = KEY,
             raw: bytes | None = None) -> tuple[int, object]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Content-Type": "application/json"}
        if key is not None:
            headers["X-API-Key"] = key
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        conn.request(method, "/api/v1" + path, body=data, headers=headers)
        resp = conn.getresponse()
        text = resp.read().decode()
        conn.close()
        if resp.getheader("Content-Type", "").startswith("application/json"):
            return resp.status, json.loads(text)
        return resp.status, text


ZONE_TEXT = """$TTL 3600
@ IN SOA ns1 hostmaster 0 3600 900 1209600 300
  IN NS ns1
ns1 IN A 192.0.2.53
mail IN A 192.0.2.25
mx2 IN A 192.0.2.26
"""


@pytest.fixture(params=STORES)
def console(request, mxkit, tmp_path):
    db_uri = request.getfixturevalue("postgres_database") if request.param == "postgresql" else ""
    c = Console(mxkit, tmp_path, request.param, db_uri=db_uri)
    c.start()
    yield c
    c.stop()


@pytest.fixture
def zone(console):
    status, body = console.call("POST", "/zones", {"name": "example.test", "zone_text": ZONE_TEXT})
    assert status == 201, body
    return "example.test."


def add(console, record, **extra):
    return console.call("POST", "/zones/example.test/records", {**record, **extra})


def test_key_is_required_and_checked(console):
    assert console.call("GET", "/health", key=None) == (200, {"status": "ok"})
    status, body = console.call("GET", "/zones", key=None)
    assert status == 401 and "X-API-Key" in body["error"]
    assert console.call("GET", "/zones", key="wrong")[0] == 403
    assert console.call("GET", "/zones", key="second-key")[0] == 200
    status, text = console.call("GET", "/metrics")
    assert status == 200 and "mxkit_console_responses_total" in text
    assert 'code="401"' in text and "mxkit_console_zones 0" in text
    assert KEY not in console.log.read_text()  # no secret in the log


def test_zones_create_import_show_export_delete(console, zone):
    status, body = console.call("POST", "/zones", {"name": "empty.test", "ns": ["ns.provider.test."]})
    assert status == 201, body
    assert re.fullmatch(r"\d{8}00", str(body["zone"]["serial"]))
    status, body = console.call("GET", "/zones")
    assert [z["name"] for z in body["zones"]] == ["empty.test.", "example.test."]
    status, body = console.call("GET", "/zones/example.test")
    assert status == 200 and len(body["records"]) == 5
    assert {"id", "name", "ttl", "type", "priority", "value"} == set(body["records"][0])
    status, text = console.call("GET", "/zones/example.test/export")
    assert status == 200 and text.startswith("$ORIGIN example.test.\n")
    assert "ns1.example.test. 3600 IN A 192.0.2.53" in text
    assert console.call("POST", "/zones", {"name": "example.test", "zone_text": ZONE_TEXT})[0] == 409
    status, body = console.call("POST", "/zones", {"name": "bad.test", "zone_text": "@ IN A 1.2.3\n"})
    assert status == 422 and body["errors"][0]["field"] == "zone_text"
    assert console.call("POST", "/zones", {"name": "nons.test"})[1]["field"] == "ns"
    assert console.call("DELETE", "/zones/empty.test")[0] == 200
    assert console.call("GET", "/zones/empty.test")[0] == 404
    status, body = console.call("GET", "/zones/empty.test/audit")
    assert [e["action"] for e in body["entries"]] == ["delete-zone", "create-zone"]


def test_records_add_update_delete_filter_page(console, zone):
    status, body = add(console, {"name": "@", "type": "MX", "priority": 10, "value": "mail"})
    assert status == 201, body
    record = body["record"]
    assert record["value"] == "mail.example.test." and record["priority"] == 10
    serial = body["serial"]
    status, body = console.call("PUT", f"/zones/example.test/records/{record['id']}",
                                {"name": "@", "type": "MX", "priority": 20, "value": "mx2", "ttl": 600})
    assert status == 200, body
    assert body["serial"] > serial and body["record"]["ttl"] == 600
    status, body = console.call("GET", "/zones/example.test/records?type=mx")
    assert body["total"] == 1 and body["records"][0]["priority"] == 20
    status, body = console.call("GET", "/zones/example.test/records?name=MX2")
    assert body["total"] == 1 and body["records"][0]["name"] == "mx2.example.test."
    status, body = console.call("GET", "/zones/example.test/records?name=@&per_page=1&page=2")
    assert body["total"] == 3 and len(body["records"]) == 1
    status, body = console.call("GET", "/zones/example.test/records?per_page=2&page=3")
    assert body["total"] == 6 and len(body["records"]) == 2
    assert console.call("GET", "/zones/example.test/records?per_page=0")[1]["field"] == "per_page"
    assert console.call("DELETE", f"/zones/example.test/records/{record['id']}")[0] == 200
    assert console.call("DELETE", f"/zones/example.test/records/{record['id']}")[0] == 404
    status, body = console.call("GET", "/zones/example.test/audit")
    assert [e["action"] for e in body["entries"]] == ["change"] * 3 + ["import-zone"]
    assert body["entries"][0]["detail"]["deleted"][0]["id"] == record["id"]


@pytest.mark.parametrize("record,code,field", [
    ({"name": "@", "type": "MX", "priority": 70000, "value": "mail"}, "priority-range", "priority"),
    ({"name": "@", "type": "MX", "priority": -1, "value": "mail"}, "priority-range", "priority"),
    ({"name": "@", "type": "MX", "priority": 10, "value": "192.0.2.1."}, "target-is-ip-literal", "value"),
    ({"name": "@", "type": "MX", "priority": 10, "value": "nowhere"}, "target-no-address", "value"),
    ({"name": "@", "type": "MX", "priority": 0, "value": "."}, None, None),  # set up below
    ({"name": "mail", "type": "CNAME", "value": "mx2"}, "cname-and-other-data", "type"),
    ({"name": "www.other.test.", "type": "A", "value": "192.0.2.1"}, "out-of-zone", "name"),
    ({"name": "@", "type": "A", "value": "192.0.2.300"}, "bad-value", "value"),
    ({"name": "@", "type": "AAAA", "value": "192.0.2.1"}, "bad-value", "value"),
    ({"name": "@", "type": "CAA", "value": "0 issue"}, "bad-value", "value"),
    ({"name": "@", "type": "SRV", "priority": 1, "value": "5 sip"}, "bad-value", "value"),
    ({"name": "@", "type": "MX", "value": "mail"}, "bad-value", "priority"),
    ({"name": "@", "type": "NOPE", "value": "x"}, "bad-type", "type"),
    ({"name": "@", "type": "A", "value": "192.0.2.1", "ttl": 2147483648}, "ttl-range", "ttl"),
])
def test_each_validation_rule_refuses_with_its_code_and_field(console, zone, record, code, field):
    if code is None:  # null MX beside another MX
        assert add(console, {"name": "@", "type": "MX", "priority": 10, "value": "mail"})[0] == 201
        code, field = "null-mx-mixed", "value"
    before = console.call("GET", "/zones/example.test")[1]
    status, body = add(console, record)
    assert status == 422, body
    assert body["errors"][0]["code"] == code and body["errors"][0]["field"] == field
    assert body["field"] == field and "error" in body
    assert console.call("GET", "/zones/example.test")[1] == before  # nothing saved


def test_target_is_alias_and_warnings_block_until_accepted(console, zone):
    assert add(console, {"name": "alias", "type": "CNAME", "value": "mail"})[0] == 201
    status, body = add(console, {"name": "@", "type": "MX", "priority": 5, "value": "alias"})
    assert status == 422 and body["errors"][0]["code"] == "target-is-alias"
    mx = {"name": "@", "type": "MX", "priority": 10, "value": "mail", "ttl": 604800}
    status, body = add(console, mx)
    assert status == 422 and body["errors"] == [] and body["warnings"][0]["code"] == "mx-ttl-long"
    status, body = add(console, mx, accept_warnings=True)
    assert status == 201 and body["warnings"][0]["code"] == "mx-ttl-long"
    status, body = add(console, {"name": "@", "type": "MX", "priority": 10, "value": "mx2",
                                 "ttl": 604800}, accept_warnings=True)
    assert status == 201 and body["notices"][0]["code"] == "mx-equal-priority"
    status, body = add(console, {"name": "@", "type": "MX", "priority": 0, "value": "."})
    assert status == 422 and body["errors"][0]["code"] == "null-mx-mixed"


def test_changes_are_one_transaction_with_a_preview(console, zone):
    _, before = console.call("GET", "/zones/example.test")
    ns_a = next(r for r in before["records"] if r["name"] == "mx2.example.test.")
    changes = [{"op": "add", "name": "@", "type": "MX", "priority": 10, "value": "mail"},
               {"op": "add", "name": "@", "type": "MX", "priority": 20, "value": "mx2"},
               {"op": "update", "id": ns_a["id"], "name": "mx2", "type": "A", "value": "192.0.2.27"}]
    status, body = console.call("POST", "/zones/example.test/changes", {"changes": changes, "dry_run": True})
    assert status == 200 and body["dry_run"] and body["next_serial"] > body["serial"]
    mx = next(s for s in body["rrsets"] if s["type"] == "MX")
    assert [r["priority"] for r in mx["records"]] == [10, 20]
    assert console.call("GET", "/zones/example.test")[1]["zone"]["serial"] == before["zone"]["serial"]
    bad = changes + [{"op": "add", "name": "@", "type": "MX", "priority": 30, "value": "192.0.2.9."}]
    status, body = console.call("POST", "/zones/example.test/changes", {"changes": bad})
    assert status == 422 and body["errors"][0]["change"] == 3
    assert console.call("GET", "/zones/example.test/records?type=MX")[1]["total"] == 0
    status, body = console.call("POST", "/zones/example.test/changes", {"changes": changes})
    assert status == 200 and len(body["added_ids"]) == 2
    assert console.call("GET", "/zones/example.test/records?type=MX")[1]["total"] == 2
    status, body = console.call("POST", "/zones/example.test/changes",
                                {"changes": [{"op": "delete", "id": 999999}]})
    assert status == 404 and body["field"] == "id"


def test_bad_bodies(console, zone):
    status, body = console.call("POST", "/zones", raw=b"{\"name\": ")
    assert status == 400 and body["error"] == "the body is not valid JSON"
    status, body = console.call("POST", "/zones", {"name": "x.test", "colour": "red"})
    assert status == 400 and body["field"] == "colour"
    status, body = add(console, {"name": "@", "type": "A", "value": "192.0.2.1", "prio": 1})
    assert status == 400 and body["field"] == "prio"
    status, body = add(console, {"name": "@", "type": "MX", "priority": "ten", "value": "mail"})
    assert status == 400 and body["field"] == "priority"
    status, body = console.call("POST", "/zones/example.test/changes", {"changes": [{"op": "move"}]})
    assert status == 400 and body["field"] == "changes[0].op"
    status, _ = console.call("POST", "/zones", raw=b"{\"name\": \"" + b"a" * (2 << 20) + b"\"}")
    assert status == 413
    assert console.call("GET", "/zones/example.test/nothing")[0] == 404


def test_fifty_concurrent_writers_all_land_in_order(console, zone):
    results: list[tuple[int, object]] = []
    lock = threading.Lock()

    def write(i: int) -> None:
        r = add(console, {"name": f"host{i}", "type": "A", "value": f"192.0.2.{100 + i}"})
        with lock:
            results.append(r)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(results) == 50 and all(s == 201 for s, _ in results), results
    serials = sorted(b["serial"] for _, b in results)
    assert len(set(serials)) == 50
    status, body = console.call("GET", "/zones/example.test/audit?limit=1000")
    changes = [e for e in body["entries"] if e["action"] == "change"]
    assert len(changes) == 50
    for newer, older in zip(body["entries"], body["entries"][1:]):
        assert newer["serial_before"] == older["serial_after"] < newer["serial_after"]
    added = {e["detail"]["added"][0]["name"] for e in changes}
    assert added == {f"host{i}.example.test." for i in range(50)}
    assert console.call("GET", "/zones/example.test/records?per_page=1000")[1]["total"] == 55


def test_restart_keeps_everything(console, zone):
    status, body = add(console, {"name": "@", "type": "MX", "priority": 10, "value": "mail"})
    assert status == 201
    _, zone_before = console.call("GET", "/zones/example.test")
    _, audit_before = console.call("GET", "/zones/example.test/audit")
    console.restart()
    assert console.call("GET", "/zones/example.test")[1] == zone_before
    assert console.call("GET", "/zones/example.test/audit")[1] == audit_before
    status, body = add(console, {"name": "www", "type": "A", "value": "192.0.2.80"})
    assert status == 201 and body["serial"] > zone_before["zone"]["serial"]


def test_rate_limit_and_toml_section(mxkit, tmp_path):
    keys = tmp_path / "keys"
    keys.write_text(KEY + "\n")
    config = tmp_path / "serve.toml"
    config.write_text('[console]\nlisten = "127.0.0.1:0"\ndata = "data"\napi_key_file = "keys"\n'
                      "rate_limit = 5\n")
    c = Console(mxkit, tmp_path, "sqlite")
    c.keys.write_text(KEY + "\n")
    log = tmp_path / "console.log"
    with open(log, "w") as out:
        c.proc = subprocess.Popen([str(mxkit), "serve", "--config", str(config)],
                                  stdout=subprocess.DEVNULL, stderr=out)
    try:
        deadline = time.monotonic() + 10
        while not re.search(r"listening on 127\.0\.0\.1:(\d+)", log.read_text()):
            assert time.monotonic() < deadline and c.proc.poll() is None, log.read_text()
            time.sleep(0.05)
        c.port = int(re.search(r"listening on 127\.0\.0\.1:(\d+)", log.read_text()).group(1))
        statuses = [c.call("GET", "/zones")[0] for _ in range(30)]
        assert 429 in statuses and statuses[0] == 200
        assert (tmp_path / "data" / "console.db").exists()
    finally:
        c.stop()


@pytest.mark.parametrize("args,message", [
    (["--console-listen", "127.0.0.1:0", "--console-data", "D"], "--api-key-file"),
    (["--console-listen", "nonsense", "--console-data", "D", "--api-key-file", "K"], "--console-listen"),
    (["--console-listen", "127.0.0.1:0", "--api-key-file", "K"], "--console-data"),
    (["--console-listen", "127.0.0.1:0", "--console-data", "D", "--api-key-file", "missing"], "missing"),
    (["--console-listen", "127.0.0.1:0", "--console-data", "D", "--api-key-file", "K",
      "--console-tls-cert", "K"], "--console-tls-key"),
])
def test_usage_errors_exit_2(mxkit, tmp_path, args, message):
    (tmp_path / "K").write_text(KEY + "\n")
    r = subprocess.run([str(mxkit), "serve", *args], cwd=tmp_path, capture_output=True, text=True,
                       timeout=10)
    assert r.returncode == 2, r.stderr
    assert message in r.stderr


def test_check_config_validates_the_console(mxkit, tmp_path):
    (tmp_path / "K").write_text(KEY + "\n")
    base = [str(mxkit), "serve", "--console-listen", "127.0.0.1:8053", "--console-data", "D",
            "--check-config"]
    r = subprocess.run(base + ["--api-key-file", "K"], cwd=tmp_path, capture_output=True,
                       text=True, timeout=10)
    assert r.returncode == 0 and "console http://127.0.0.1:8053" in r.stdout, r.stderr
    assert KEY not in r.stdout
    r = subprocess.run(base + ["--api-key-file", "nothing"], cwd=tmp_path, capture_output=True,
                       text=True, timeout=10)
    assert r.returncode == 1 and "nothing" in r.stderr


def test_tls(mxkit, tmp_path):
    import ssl
    cert, key = tmp_path / "c.pem", tmp_path / "k.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
                    "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1"],
                   check=True, capture_output=True, timeout=30)
    c = Console(mxkit, tmp_path, "sqlite",
                ["--console-tls-cert", str(cert), "--console-tls-key", str(key)])
    c.start()
    try:
        context = ssl.create_default_context(cafile=str(cert))
        context.check_hostname = False
        conn = http.client.HTTPSConnection("127.0.0.1", c.port, timeout=10, context=context)
        conn.request("GET", "/api/v1/zones", headers={"X-API-Key": KEY})
        resp = conn.getresponse()
        assert resp.status == 200 and json.loads(resp.read()) == {"zones": []}
        conn.close()
    finally:
        c.stop()
