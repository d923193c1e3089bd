"""The console inside `mxkit serve` with resolver options (issue 13), on a test internet on
loopback (internet.py): validation looks up MX targets outside the zone (an address: saved; none:
the target-no-address warning until accepted; a silent name server: a target-not-verified
notice within a bounded time), and the Test button runs the whole `mxkit check` for a zone the
test internet delegates to serve's own DNS role. Also `[console]` + `[dns]` from a TOML file.
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
import pytest

import processes
from internet import Internet
from test_dns_server import free_port

KEY = "console-resolver-test-key"
CONSOLE_ADDRESS = "127.0.0.9"  # serve's DNS role, delegated example.test. by the test internet
ZONE_TEXT = ("@ 3600 IN SOA ns1 hostmaster 1 7200 900 1209600 300\n@ IN NS ns1\n"
             f"ns1 IN A {CONSOLE_ADDRESS}\nmail IN A 127.0.1.3\n@ IN MX 10 mail\n")


def api(port: int, method: str, path: str, body: dict | None = None,
        timeout: float = 30) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1{path}", data=data, method=method,
                                 headers={"X-API-Key": KEY, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def soa_serial(address: str, port: int, zone: str) -> int | None:
    try:
        r = dns.query.udp(dns.message.make_query(zone, "SOA"), address, port=port, timeout=0.3)
        return r.answer[0][0].serial if r.answer else None
    except Exception:
        return None


class ConsoleInternet(Internet):
    """The test internet, with example.test. delegated to serve's DNS role (no server of its
    own started for it: serve answers for it from the console's store)."""

    def _place(self, address, origin, path, text):
        if address == CONSOLE_ADDRESS:
            path.write_text(text)
            return
        super()._place(address, origin, path, text)


class Serve:
    """`mxkit serve ARGS`, waiting for the console's /health (and the DNS role when asked)."""

    def __init__(self, mxkit: Path, tmp: Path, args: list[str], http_port: int,
                 dns: tuple[str, int] | None = None):
        self.http_port = http_port
        self.log = open(tmp / f"serve-{time.monotonic_ns()}.log", "w+")
        self.proc = subprocess.Popen([str(mxkit), "serve", *args], stdout=self.log,
                                     stderr=subprocess.STDOUT)
        for _ in range(100):  # ~10 s at most
            if self.proc.poll() is not None:
                raise RuntimeError(f"serve exited: {self.text()}")
            try:
                if api(http_port, "GET", "/health", timeout=1)[0] == 200:
                    if dns is None or self._dns_up(*dns):
                        return
            except Exception:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"serve did not come up: {self.text()}")

    @staticmethod
    def _dns_up(address: str, port: int) -> bool:
        try:
            dns.query.udp(dns.message.make_query("up.invalid.", "SOA"), address, port=port, timeout=0.2)
            return True
        except Exception:
            return False

    def text(self) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def stop(self):
        processes.stop(self.proc)
        self.log.close()


@pytest.fixture
def world(mxkit, tmp_path):
    net = ConsoleInternet(mxkit, tmp_path / "internet")
    net.add_domain("elsewhere.test.", "mx1 A 127.0.1.1\n", servers=["127.0.0.4"])
    net.add_domain("slow.test.", "mx A 127.0.1.2\n", servers=["127.0.0.5"])
    net.server_silent("127.0.0.5")
    net.add_domain("example.test.", "", ns=[("ns1.example.test.", CONSOLE_ADDRESS)])
    net.start()
    (tmp_path / "key").write_text(KEY + "\n")
    http_port = free_port()
    serve = None
    try:
        serve = Serve(mxkit, tmp_path,
                      ["--dns-listen", f"{CONSOLE_ADDRESS}:{net.port}",
                       "--console-listen", f"127.0.0.1:{http_port}",
                       "--console-data", str(tmp_path / "data"),
                       "--api-key-file", str(tmp_path / "key"), *net.resolver_args()],
                      http_port, dns=(CONSOLE_ADDRESS, net.port))
        status, created = api(http_port, "POST", "/zones", {"name": "example.test", "zone_text": ZONE_TEXT})
        assert status == 201, created
        yield net, serve
    finally:
        if serve:
            serve.stop()
        net.stop()


def test_outside_targets_looked_up_before_save(world):
    net, serve = world
    port = serve.http_port
    add = "/zones/example.test/records"
    status, saved = api(port, "POST", add, {"name": "@", "type": "MX", "priority": 20,
                                            "value": "mx1.elsewhere.test."})
    assert status == 201 and saved["warnings"] == [], saved

    status, refused = api(port, "POST", add, {"name": "@", "type": "MX", "priority": 30,
                                              "value": "mx2.elsewhere.test."})
    assert status == 422, refused
    assert [w["code"] for w in refused["warnings"]] == ["target-no-address"], refused
    assert refused["warnings"][0]["field"] == "value"
    assert "nxdomain" in refused["warnings"][0]["message"], refused
    status, accepted = api(port, "POST", add, {"name": "@", "type": "MX", "priority": 30,
                                               "value": "mx2.elsewhere.test.", "accept_warnings": True})
    assert status == 201, accepted

    # A name server that never answers: a notice, not a hang (the lookup's budget is 3 s).
    started = time.monotonic()
    status, slow = api(port, "POST", add, {"name": "@", "type": "MX", "priority": 40,
                                           "value": "mx.slow.test."})
    took = time.monotonic() - started
    assert status == 201, slow
    assert [n["code"] for n in slow["notices"]] == ["target-not-verified"], slow
    assert took < 8, took

    # The served zone has what was saved.
    reply = dns.query.udp(dns.message.make_query("example.test.", "MX"), CONSOLE_ADDRESS,
                          port=net.port, timeout=2)
    exchanges = sorted(str(r.exchange) for rrset in reply.answer for r in rrset)
    assert exchanges == ["mail.example.test.", "mx.slow.test.", "mx1.elsewhere.test.",
                         "mx2.elsewhere.test."], reply


def test_test_button_runs_the_full_check(world):
    net, serve = world
    status, report = api(serve.http_port, "POST", "/zones/example.test/check", timeout=60)
    assert status == 200, report
    full = report["report"]
    assert isinstance(full, dict), report
    codes = {f["code"] for f in full["findings"]}
    # One MX (RFC 5321 §5.1: no backup) found by `mxkit check` over the delegated, served zone.
    assert "single-mx" in codes, codes
    assert "single-ns" in codes, codes
    # The route plan of the console's records, as `mxkit route --json` prints it.
    assert report["mx"] is not None, report
    assert "mail.example.test." in json.dumps(report["mx"]), report["mx"]
    # The report's own non-zone, non-MX findings join the button's list.
    assert any(f["area"] not in ("zone", "mx") for f in report["findings"]), report["findings"]


def test_toml_console_and_dns_without_zones(mxkit, tmp_path):
    dns_port, http_port = free_port(), free_port()
    (tmp_path / "console.keys").write_text(f"# the test's key\n{KEY}\n")
    (tmp_path / "mxkit.toml").write_text(f"""
[dns]
listen = ["127.0.0.1:{dns_port}"]

[console]
listen = "127.0.0.1:{http_port}"
data = "console"
api_key_file = "console.keys"
ns = ["ns1.example.net."]
max_body = 65536
rate_limit = 100
""")
    serve = Serve(mxkit, tmp_path, ["--config", str(tmp_path / "mxkit.toml")], http_port,
                  dns=("127.0.0.1", dns_port))
    try:
        assert (tmp_path / "console" / "console.db").exists(), serve.text()
        # An empty zone with the NS from `ns` (outside it: not looked up, no resolver options).
        status, created = api(http_port, "POST", "/zones", {"name": "example.test", "ns": ["ns.elsewhere.test."]})
        assert status == 201, created
        status, _ = api(http_port, "POST", "/zones/example.test/records",
                        {"name": "ns1", "type": "A", "value": "127.0.0.1"})
        assert status == 201
        status, added = api(http_port, "POST", "/zones/example.test/records",
                            {"name": "@", "type": "MX", "priority": 10, "value": "ns1"})
        assert status == 201, added
        out = subprocess.run(["dig", "+norec", "+short", "-p", str(dns_port), "@127.0.0.1",
                              "example.test.", "MX", "example.test.", "SOA"],
                             capture_output=True, text=True, timeout=20).stdout
        assert "10 ns1.example.test." in out and str(added["serial"]) in out, out + serve.text()
        # ns from the file: a new empty zone's NS when the request names none.
        status, _ = api(http_port, "POST", "/zones", {"name": "other.test"})
        assert status == 201
        status, other = api(http_port, "GET", "/zones/other.test")
        assert [r["value"] for r in other["records"] if r["type"] == "NS"] == ["ns1.example.net."], other
        # max_body from the file: a larger body is refused before it is read.
        status, big = api(http_port, "POST", "/zones/example.test/records",
                          {"name": "@", "type": "TXT", "value": '"' + "x" * 70000 + '"'})
        assert status == 413, big
    finally:
        serve.stop()


def test_large_import_with_curls_default_content_type(mxkit, tmp_path):
    """`curl --data-binary` labels a body application/x-www-form-urlencoded; a zone import over
    8 KiB must still reach the API (and a body over max_body is still 413)."""
    http_port = free_port()
    (tmp_path / "key").write_text(KEY + "\n")
    serve = Serve(mxkit, tmp_path, ["--console-listen", f"127.0.0.1:{http_port}",
                                    "--console-data", str(tmp_path / "data"),
                                    "--api-key-file", str(tmp_path / "key")], http_port)
    try:
        hosts = "".join(f"h{i} IN A 10.0.{i // 256}.{i % 256}\n" for i in range(600))
        body = json.dumps({"name": "big.test", "zone_text": ZONE_TEXT + hosts})
        assert len(body) > 8192
        base = ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", f"X-API-Key: {KEY}"]
        url = f"http://127.0.0.1:{http_port}/api/v1/zones"
        code = subprocess.run([*base, "--data-binary", body, url], capture_output=True, text=True,
                              timeout=30).stdout
        assert code == "201", code + serve.text()
        status, got = api(http_port, "GET", "/zones/big.test/records?type=A&per_page=1")
        assert got["total"] == 602, got
        huge = json.dumps({"name": "huge.test", "zone_text": "x" * (2 << 20)})
        code = subprocess.run([*base, "--data-binary", "@-", url], input=huge, capture_output=True,
                              text=True, timeout=30).stdout
        assert code == "413", code
    finally:
        serve.stop()


def test_toml_console_resolver_keys(mxkit, tmp_path):
    """resolver options in [console] (no [smtp]): outside targets are looked up as with the
    command line's; a bad one is a configuration error naming it."""
    net = ConsoleInternet(mxkit, tmp_path / "internet")
    net.add_domain("elsewhere.test.", "mx1 A 127.0.1.1\n", servers=["127.0.0.4"])
    net.start()
    http_port, dns_port = free_port(), free_port()
    (tmp_path / "key").write_text(KEY + "\n")
    config = tmp_path / "mxkit.toml"
    config.write_text(f"""
[dns]
listen = ["127.0.0.1:{dns_port}"]

[console]
listen = "127.0.0.1:{http_port}"
data = "data"
api_key_file = "key"
root_hints = "{net.hints}"
dns_port = {net.port}
""")
    serve = None
    try:
        serve = Serve(mxkit, tmp_path, ["--config", str(config)], http_port, dns=("127.0.0.1", dns_port))
        status, created = api(http_port, "POST", "/zones", {"name": "example.test", "zone_text": ZONE_TEXT})
        assert status == 201, created
        status, refused = api(http_port, "POST", "/zones/example.test/records",
                              {"name": "@", "type": "MX", "priority": 30, "value": "mx2.elsewhere.test."})
        assert status == 422 and refused["warnings"][0]["code"] == "target-no-address", refused
        status, saved = api(http_port, "POST", "/zones/example.test/records",
                            {"name": "@", "type": "MX", "priority": 20, "value": "mx1.elsewhere.test."})
        assert status == 201, saved
    finally:
        if serve:
            serve.stop()
        net.stop()
    config.write_text(config.read_text().replace(str(net.hints), str(tmp_path / "no.hints")))
    checked = subprocess.run([str(mxkit), "serve", "--config", str(config), "--check-config"],
                             capture_output=True, text=True, timeout=30)
    assert checked.returncode != 0 and "resolver" in checked.stderr, checked
