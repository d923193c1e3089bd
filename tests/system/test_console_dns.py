"""The console's DNS side end to end (issue 13): zones published from console records are
served by the DNS role (Debian dig and `mxkit dig` see the new MX and serial), a Knot secondary
takes a change by IXFR after our NOTIFY, /propagation's JSON says it caught up, and a restart
serves the zones again with their IXFR journal.

The first tests drive tests/system/console_dns_probe (DnsServer + DnsPublisher +
PropagationTracker, no HTTP) so the DNS side is checked on its own; the last runs the whole
`mxkit serve --dns-listen … --console-listen …` through the HTTP API.
"""
from __future__ import annotations

import json
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import dns.message
import dns.query
import dns.rcode
import pytest

import processes
from test_dns_server import free_port
from test_zone_transfer import Knot, answers_mx, ixfr

ZONE = "example.test."


def records(serial: int, mx: list[tuple[int, str]]) -> list[dict]:
    out = [
        {"id": 1, "name": ZONE, "ttl": 3600, "type": "SOA", "priority": None,
         "value": f"ns1.example.test. hostmaster.example.test. {serial} 7200 900 1209600 300"},
        {"id": 2, "name": ZONE, "ttl": 3600, "type": "NS", "priority": None, "value": "ns1.example.test."},
        {"id": 3, "name": "ns1.example.test.", "ttl": 3600, "type": "A", "priority": None,
         "value": "127.0.0.1"},
        {"id": 4, "name": "mail1.example.test.", "ttl": 3600, "type": "A", "priority": None,
         "value": "192.0.2.1"},
        {"id": 5, "name": "mail2.example.test.", "ttl": 3600, "type": "A", "priority": None,
         "value": "192.0.2.2"},
    ]
    for i, (priority, target) in enumerate(mx):
        out.append({"id": 10 + i, "name": ZONE, "ttl": 3600, "type": "MX", "priority": priority,
                    "value": target})
    return out


class Probe:
    """console_dns_probe on a free port; one JSON line in, one out."""

    def __init__(self, mxkit: Path, port: int, journal: Path, notify: list[int]):
        binary = mxkit.parent / "tests" / "system" / "console_dns_probe"
        if not binary.exists():
            pytest.fail(f"no {binary}: build the console_dns_probe target")
        self.port = port
        self.stderr = open(journal.parent / f"probe-{port}-{time.monotonic_ns()}.log", "w+")
        args = [str(binary), "--dns-listen", f"127.0.0.1:{port}", "--allow-transfer", "127.0.0.0/8",
                "--journal-dir", str(journal)]
        for n in notify:
            args += ["--notify", f"127.0.0.1:{n}"]
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.stderr, text=True)

    def call(self, op: str, serial: int = 0, recs: list[dict] | None = None) -> dict:
        line = json.dumps({"op": op, "zone": {"name": ZONE, "serial": serial}, "records": recs or []})
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        reply = self.proc.stdout.readline()
        assert reply, f"probe exited: {self.log()}"
        return json.loads(reply)

    def log(self) -> str:
        self.stderr.flush()
        self.stderr.seek(0)
        return self.stderr.read()

    def stop(self):
        processes.stop(self.proc)
        self.stderr.close()


def dig_soa_mx(port: int) -> str:
    r = subprocess.run(["dig", "+norec", "+short", "-p", str(port), "@127.0.0.1", ZONE, "MX", ZONE, "SOA"],
                       capture_output=True, text=True, timeout=20)
    return r.stdout


def serial_of(port: int) -> int | None:
    try:
        r = dns.query.udp(dns.message.make_query(ZONE, "SOA"), "127.0.0.1", port=port, timeout=0.3)
        return r.answer[0][0].serial if r.answer else None
    except Exception:
        return None


def wait_for(predicate, rounds: int = 100, pause: float = 0.1) -> bool:
    for _ in range(rounds):
        if predicate():
            return True
        time.sleep(pause)
    return False


def test_publish_dig_knot_ixfr_propagation_restart(mxkit, tmp_path):
    port, knot_port = free_port(), free_port()
    journal = tmp_path / "journal"
    probe = Probe(mxkit, port, journal, [knot_port])
    knot = None
    try:
        v1 = records(2026120501, [(10, "mail1.example.test.")])
        assert probe.call("publish", 2026120501, v1) == {"ok": True}
        assert "2026120501" in dig_soa_mx(port)

        # Knot takes the zone from us (AXFR first: it has no copy).
        (tmp_path / "knot").mkdir()
        knot = Knot(tmp_path / "knot", knot_port, primary_port=port)
        assert wait_for(lambda: serial_of(knot_port) == 2026120501), knot.log()

        # Add an MX (the console's save): dig sees it with the new serial at once.
        v2 = records(2026120502, [(10, "mail1.example.test."), (20, "mail2.example.test.")])
        assert probe.call("publish", 2026120502, v2) == {"ok": True}
        out = dig_soa_mx(port)
        assert "20 mail2.example.test." in out and "2026120502" in out, out
        mxkit_dig = subprocess.run([str(mxkit), "dig", "-p", str(port), "@127.0.0.1", ZONE, "MX"],
                                   capture_output=True, text=True, timeout=20)
        assert "mail2.example.test." in mxkit_dig.stdout, mxkit_dig.stdout + mxkit_dig.stderr

        # NOTIFY → Knot asks IXFR → our journal answers with the difference.
        assert answers_mx(knot_port, {"10 mail1.example.test.", "20 mail2.example.test."}), knot.log()
        assert wait_for(lambda: "2026120501 → 2026120502 as differences" in probe.log()), probe.log()
        assert "IXFR" in knot.log()

        status = probe.call("propagation", 2026120502, v2)
        assert status["zone"] == ZONE and status["serial"] == 2026120502
        by_port = {s["port"]: s for s in status["servers"]}
        assert by_port[port]["name"] == "ns1.example.test." and by_port[port]["caught_up"]
        assert by_port[knot_port]["serial"] == 2026120502 and by_port[knot_port]["caught_up"], status
        assert by_port[knot_port]["caught_up_at"], status
        first_seen = by_port[knot_port]["caught_up_at"]
        again = probe.call("propagation", 2026120502, v2)
        assert {s["port"]: s for s in again["servers"]}[knot_port]["caught_up_at"] == first_seen

        # Restart: the zones are published again (as `serve` does from its store) and the
        # journal written before the restart still answers IXFR from 2026120501.
        probe.stop()
        probe = Probe(mxkit, port, journal, [knot_port])
        assert probe.call("publish", 2026120502, v2) == {"ok": True}
        assert serial_of(port) == 2026120502
        messages = ixfr(port, 2026120501)
        texts = [rr.to_text() for m in messages for rrset in m.answer for rr in rrset]
        assert any("20 mail2.example.test." in t for t in texts), texts
        assert len(texts) < 10, texts  # the difference, not the whole zone

        # Withdrawn: REFUSED.
        assert probe.call("withdraw") == {"ok": True}
        r = dns.query.udp(dns.message.make_query(ZONE, "SOA"), "127.0.0.1", port=port, timeout=2)
        assert r.rcode() == dns.rcode.REFUSED
    finally:
        probe.stop()
        if knot:
            knot.stop()


def test_test_button_names_the_record(mxkit, tmp_path):
    probe = Probe(mxkit, free_port(), tmp_path / "journal", [])
    try:
        bad = records(1, [(10, "192.0.2.1.")])
        report = probe.call("check", 1, bad)
        codes = {(f["code"], f["record_id"]) for f in report["findings"]}
        assert ("target-is-ip-literal", 10) in codes, report
        assert report["status"] == 2 and report["summary"]["errors"] >= 1
        good = probe.call("check", 1, records(1, [(10, "mail1.example.test."), (20, "mail2.example.test.")]))
        assert good["summary"]["errors"] == 0, good
    finally:
        probe.stop()


# --- `mxkit serve` with the console: the same path through the HTTP API -----------------------

KEY = "console-dns-test-key"
FILE_ZONE = """$ORIGIN files.test.
@ 3600 IN SOA ns1 hostmaster 7 7200 900 1209600 300
@ 3600 IN NS ns1
ns1 3600 IN A 127.0.0.1
"""


def api(port: int, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1{path}", data=data, method=method,
                                 headers={"X-API-Key": KEY, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=20) as r:
            return r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


class Serve:
    """`mxkit serve` with --dns-listen and --console-listen on free ports; waits for both."""

    def __init__(self, mxkit: Path, tmp: Path, dns_port: int, http_port: int, notify: int):
        (tmp / "key").write_text(KEY + "\n")
        (tmp / "files.test.zone").write_text(FILE_ZONE)
        self.dns_port, self.http_port = dns_port, http_port
        self.log = open(tmp / f"serve-{time.monotonic_ns()}.log", "w+")
        self.proc = subprocess.Popen(
            [str(mxkit), "serve", "--dns-listen", f"127.0.0.1:{dns_port}",
             "--zone", f"files.test={tmp / 'files.test.zone'}",
             "--allow-transfer", "127.0.0.0/8", "--notify", f"127.0.0.1:{notify}",
             "--console-listen", f"127.0.0.1:{http_port}", "--console-data", str(tmp / "data"),
             "--api-key-file", str(tmp / "key")],
            stdout=self.log, stderr=subprocess.STDOUT)
        for _ in range(100):  # ~10 s at most
            if self.proc.poll() is not None:
                raise RuntimeError(f"serve exited: {self.text()}")
            try:
                if api(http_port, "GET", "/health")[0] == 200 and serial_of_zone(dns_port, "files.test."):
                    return
            except Exception:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"serve did not come up: {self.text()}")

    def text(self) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def stop(self):
        processes.stop(self.proc)
        self.log.close()


def serial_of_zone(port: int, zone: str) -> int | None:
    try:
        r = dns.query.udp(dns.message.make_query(zone, "SOA"), "127.0.0.1", port=port, timeout=0.3)
        return r.answer[0][0].serial if r.answer else None
    except Exception:
        return None


MX_ZONE_TEXT = ("@ 3600 IN SOA ns1 hostmaster 1 7200 900 1209600 300\n@ IN NS ns1\n"
                "ns1 IN A 127.0.0.1\nmail1 IN A 192.0.2.1\nmail2 IN A 192.0.2.2\n"
                "@ IN MX 10 mail1\n")


def console_zone_with_knot_secondary(mxkit, tmp_path, dns_port, http_port, knot_port):
    """`mxkit serve` with the console and DNS roles, example.test created through the API, and a
    Knot secondary that has its first serial. The caller stops both; on a failure here, what
    was started is stopped before the error goes up."""
    serve = Serve(mxkit, tmp_path, dns_port, http_port, knot_port)
    knot = None
    try:
        status, created = api(http_port, "POST", "/zones", {"name": "example.test", "zone_text": MX_ZONE_TEXT})
        assert status == 201, created
        first = serial_of(dns_port)
        assert first, serve.text()
        (tmp_path / "knot").mkdir()
        knot = Knot(tmp_path / "knot", knot_port, primary_port=dns_port)
        assert wait_for(lambda: serial_of(knot_port) == first), knot.log()
        return serve, knot, first
    except BaseException:
        serve.stop()
        if knot:
            knot.stop()
        raise


def test_serve_console_publishes_to_dns_role(mxkit, tmp_path):
    dns_port, http_port, knot_port = free_port(), free_port(), free_port()
    serve, knot = None, None
    try:
        serve, knot, first = console_zone_with_knot_secondary(mxkit, tmp_path, dns_port, http_port, knot_port)

        # The article's save: an MX added through the API is answered at once with a new serial.
        status, added = api(http_port, "POST", "/zones/example.test/records",
                            {"name": "@", "ttl": 3600, "type": "MX", "priority": 20, "value": "mail2"})
        assert status == 201, added
        second = serial_of(dns_port)
        assert second and second != first
        out = dig_soa_mx(dns_port)
        assert "20 mail2.example.test." in out and str(second) in out, out
        mxkit_dig = subprocess.run([str(mxkit), "dig", "-p", str(dns_port), "@127.0.0.1", ZONE, "MX"],
                                   capture_output=True, text=True, timeout=20)
        assert "mail2.example.test." in mxkit_dig.stdout, mxkit_dig.stdout + mxkit_dig.stderr

        assert answers_mx(knot_port, {"10 mail1.example.test.", "20 mail2.example.test."}), knot.log()
        assert wait_for(lambda: "as differences" in serve.text()), serve.text()
        status, prop = api(http_port, "GET", "/zones/example.test/propagation")
        assert status == 200 and prop["serial"] == second, prop
        by_port = {s["port"]: s for s in prop["servers"]}
        assert by_port[dns_port]["caught_up"] and by_port[knot_port]["caught_up"], prop
        assert by_port[knot_port]["caught_up_at"], prop

        status, report = api(http_port, "POST", "/zones/example.test/check")
        assert status == 200 and isinstance(report["findings"], list), report

        # Zones given as files are the file's.
        status, zones = api(http_port, "GET", "/zones")
        listed = {z["name"]: z for z in zones["zones"]}
        assert listed["files.test."]["read_only"] is True, zones
        status, refused = api(http_port, "POST", "/zones/files.test/records",
                              {"name": "@", "type": "MX", "priority": 10, "value": "mail"})
        assert status == 409, refused

        # A restart serves the console's zones again.
        serve.stop()
        serve = Serve(mxkit, tmp_path, dns_port, http_port, knot_port)
        assert serial_of(dns_port) == second, serve.text()
        assert "20 mail2.example.test." in dig_soa_mx(dns_port)
    finally:
        if serve:
            serve.stop()
        if knot:
            knot.stop()
