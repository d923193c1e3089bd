"""Issue 11 on a running `mxkit serve`: broken zones refused at start and on reload (or skipped
with keep_going), origins given twice, an origin that does not match the file's SOA, FORMERR for
a malformed EDNS option, and one client holding hundreds of TCP connections.

Every server runs on a free loopback port, is waited for with bounded probes and stopped by PID.
"""
from __future__ import annotations

import signal
import socket
import struct
import subprocess
import time
from pathlib import Path

import dns.edns
import dns.message
import dns.query
import dns.rcode
import pytest

import processes
from test_dns_server import ZONE, Server, free_port, server  # noqa: F401 (a fixture)

# CNAME beside other data: `mxkit zone check` and named-checkzone call it an error.
BROKEN = """$ORIGIN broken.test.
$TTL 3600
@      SOA   ns1 hostmaster 1 7200 900 1209600 300
@      NS    ns1
ns1    A     192.0.2.53
mail1  A     192.0.2.25
mail1  CNAME foo
"""

# A delegation without its glue: another error finding.
NO_GLUE = """$ORIGIN noglue.test.
$TTL 3600
@      SOA   ns1 hostmaster 1 7200 900 1209600 300
@      NS    ns1
ns1    A     192.0.2.53
sub    NS    ns.sub
"""


def run_serve(mxkit: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(mxkit), "serve", "--dns-listen", f"127.0.0.1:{free_port()}", *args],
                          capture_output=True, text=True, timeout=10)


def write_zones(tmp_path: Path) -> tuple[Path, Path, Path]:
    good, broken, no_glue = tmp_path / "example.test.zone", tmp_path / "broken.zone", tmp_path / "noglue.zone"
    good.write_text(ZONE)
    broken.write_text(BROKEN)
    no_glue.write_text(NO_GLUE)
    return good, broken, no_glue


def test_broken_zones_refused_at_start_each_named(mxkit, tmp_path):
    good, broken, no_glue = write_zones(tmp_path)
    r = run_serve(mxkit, "--zone", f"example.test={good}", "--zone", f"broken.test={broken}",
                  "--zone", f"noglue.test={no_glue}")
    assert r.returncode == 1, r.stderr
    assert "2 zones refused" in r.stderr
    assert f"zone broken.test. (--zone broken.test={broken})" in r.stderr
    assert f"{broken}:7:1: error:" in r.stderr and "[cname-and-other-data]" in r.stderr
    assert f"zone noglue.test. (--zone noglue.test={no_glue})" in r.stderr and "[missing-glue]" in r.stderr
    assert "example.test" not in r.stderr.replace(f"{tmp_path}/example.test.zone", "")


def config_text(port: int, zones: list[tuple[str, Path]], extra: str = "") -> str:
    text = f'[dns]\nlisten = ["127.0.0.1:{port}"]\n{extra}\n'
    for origin, path in zones:
        text += f'\n[[dns.zone]]\norigin = "{origin}"\nfile = "{path}"\n'
    return text


def test_keep_going_serves_the_rest_and_says_what_was_skipped(mxkit, tmp_path):
    good, broken, _ = write_zones(tmp_path)
    port = free_port()
    config = tmp_path / "serve.toml"
    config.write_text(config_text(port, [("example.test", good), ("broken.test", broken)], "keep_going = true"))
    s = Server.__new__(Server)
    s.port = port
    s.start([str(mxkit), "serve", "--config", str(config)])
    try:
        assert s.query("mail1.example.test.", "A").answer[0][0].address == "192.0.2.25"
        # Not served, and not answered from anywhere else: SERVFAIL, as BIND for a zone it failed to load.
        assert s.query("mail1.broken.test.", "A").rcode() == dns.rcode.SERVFAIL
    finally:
        log = s.stop()
    assert f"zone broken.test. ({config}:" in log and "[cname-and-other-data]" in log
    assert "not serving zone broken.test." in log and "1 zone loaded" in log


def test_broken_zone_on_reload_keeps_the_old_copy(mxkit, tmp_path):
    good, broken, _ = write_zones(tmp_path)
    s = Server(mxkit, good, free_port())
    try:
        assert s.query("example.test.", "SOA").answer[0][0].serial == 2026112701
        s.zone_file = good
        good.write_text(ZONE.replace("2026112701", "2026112702") + "mail2 CNAME mail1\n")
        s.proc.send_signal(signal.SIGHUP)
        time.sleep(0.5)
        # Still the old copy: serial and data.
        assert s.query("example.test.", "SOA").answer[0][0].serial == 2026112701
        assert s.query("mail2.example.test.", "A").answer[0][0].address == "198.51.100.25"
        # Fixed: the next reload takes it.
        good.write_text(ZONE.replace("2026112701", "2026112703"))
        s.proc.send_signal(signal.SIGHUP)
        for _ in range(50):
            if s.query("example.test.", "SOA").answer[0][0].serial == 2026112703:
                break
            time.sleep(0.1)
        assert s.query("example.test.", "SOA").answer[0][0].serial == 2026112703
    finally:
        log = s.stop()
    line = next(l for l in log.splitlines() if "zones reloaded except" in l)
    assert "zones reloaded except 1 refused: zone example.test. (--zone example.test=" in line
    assert "[cname-and-other-data]" in line and line.endswith("(its previous copy goes on serving)")
    assert log.count("zones reloaded\n") == 1


def test_same_origin_twice_refused_naming_both(mxkit, tmp_path):
    good, broken, _ = write_zones(tmp_path)
    r = run_serve(mxkit, "--zone", f"example.test={good}", "--zone", f"Example.Test.={broken}")
    assert r.returncode != 0
    assert (f"zone Example.Test. is given twice: --zone example.test={good} and "
            f"--zone Example.Test.={broken}") in r.stderr, r.stderr
    config = tmp_path / "serve.toml"
    config.write_text(config_text(free_port(), [("example.test", good), ("example.test", broken)]))
    r = subprocess.run([str(mxkit), "serve", "--config", str(config)], capture_output=True, text=True, timeout=10)
    assert r.returncode != 0
    assert f"is given twice: {config}:5:1 and {config}:9:1" in r.stderr, r.stderr


def test_origin_not_the_files_soa_says_where_the_soa_is(mxkit, tmp_path):
    good, _, _ = write_zones(tmp_path)
    r = run_serve(mxkit, "--zone", f"other.test={good}")
    assert r.returncode == 1
    assert f"{good}:3:1: error: the file's SOA is at example.test., not at the origin other.test." in r.stderr, r.stderr


def opt_query_with_overlong_option() -> bytes:
    """A query whose one EDNS option says 16 octets of data and carries 8 (RFC 6891 §6.1.2)."""
    q = dns.message.make_query("example.test.", "SOA")
    q.use_edns(0, payload=1232, options=[dns.edns.GenericOption(10, b"12345678")])
    wire = bytearray(q.to_wire())
    assert wire[-12:-8] == b"\x00\x0a\x00\x08"  # the option is last: code 10, length 8
    wire[-10:-8] = struct.pack("!H", 16)
    return bytes(wire)


def test_edns_option_past_the_rdata_is_formerr(server):
    wire = opt_query_with_overlong_option()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(2)
        s.sendto(wire, ("127.0.0.1", server.port))
        reply, _ = s.recvfrom(4096)
    assert reply[:2] == wire[:2] and reply[2] & 0x80  # our id, a response
    assert reply[3] & 0x0F == dns.rcode.FORMERR
    with socket.create_connection(("127.0.0.1", server.port), timeout=2) as s:
        s.sendall(struct.pack("!H", len(wire)) + wire)
        length = struct.unpack("!H", s.recv(2))[0]
        reply = s.recv(length)
    assert reply[3] & 0x0F == dns.rcode.FORMERR
    # The well-formed option is answered.
    q = dns.message.make_query("example.test.", "SOA")
    q.use_edns(0, payload=1232, options=[dns.edns.GenericOption(10, b"12345678")])
    assert dns.query.udp(q, "127.0.0.1", port=server.port, timeout=2).rcode() == dns.rcode.NOERROR


def hold_connections(port: int, source: str, count: int) -> list[socket.socket]:
    held = []
    for _ in range(count):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(2)
        s.bind((source, 0))
        s.connect(("127.0.0.1", port))
        held.append(s)
    return held


def tcp_answer_from(port: int, source: str) -> dns.message.Message:
    q = dns.message.make_query("example.test.", "SOA")
    return dns.query.tcp(q, "127.0.0.1", port=port, source=source, timeout=2)


@pytest.mark.parametrize("per_client, other_served", [(None, True), (100, False)])
def test_one_client_holding_hundreds_of_tcp_connections(mxkit, tmp_path, per_client, other_served):
    """300 idle connections from 127.0.0.2 against 100 places: with the default cap (100/8 = 12
    per client) 127.0.0.3 is still answered; with the cap raised to the whole limit it is not,
    which is what the cap prevents."""
    good, _, _ = write_zones(tmp_path)
    port = free_port()
    extra = "max_tcp_connections = 100\ntcp_idle_timeout = 30"
    if per_client:
        extra += f"\ntcp_per_client = {per_client}"
    config = tmp_path / "serve.toml"
    config.write_text(config_text(port, [("example.test", good)], extra))
    s = Server.__new__(Server)
    s.port = port
    s.start([str(mxkit), "serve", "--config", str(config)])
    held = []
    try:
        held = hold_connections(port, "127.0.0.2", 300)
        # The server takes connections in the order they came: the other client's is after them.
        if other_served:
            assert tcp_answer_from(port, "127.0.0.3").rcode() == dns.rcode.NOERROR
        else:
            with pytest.raises((EOFError, ConnectionError, OSError)):
                tcp_answer_from(port, "127.0.0.3")
        s.proc.send_signal(signal.SIGUSR1)
        time.sleep(0.3)
    finally:
        for c in held:
            c.close()
        log = s.stop()
    limited = int(log.split("tcp_client_limited=")[1].split()[0])
    assert limited == (300 - 12 if other_served else 0), log


def test_keep_going_on_the_command_line(mxkit, tmp_path):
    good, broken, no_glue = write_zones(tmp_path)
    s = Server(mxkit, good, free_port(), ["--zone", f"broken.test={broken}", "--zone", f"noglue.test={no_glue}",
                                          "--keep-going"])
    try:
        assert s.query("example.test.", "SOA").rcode() == dns.rcode.NOERROR
        assert s.query("ns1.noglue.test.", "A").rcode() == dns.rcode.SERVFAIL
    finally:
        log = s.stop()
    assert "not serving zone broken.test." in log and "not serving zone noglue.test." in log
    assert "[missing-glue]" in log


def test_check_config_reports_broken_and_duplicate_zones(mxkit, tmp_path):
    good, broken, _ = write_zones(tmp_path)
    r = run_serve(mxkit, "--check-config", "--zone", f"example.test={good}", "--zone", f"broken.test={broken}",
                  "--zone", f"example.test={broken}")
    assert r.returncode == 1
    assert "zone example.test. is given twice" in r.stderr
    assert f"zone broken.test. (--zone broken.test={broken}):\n    {broken}:7:1: error:" in r.stderr, r.stderr
    assert f"{broken}:3:1: error: the file's SOA is at broken.test., not at the origin example.test." in r.stderr
    assert "the configuration has 3 errors" in r.stderr
    r = run_serve(mxkit, "--check-config", "--zone", f"example.test={good}")
    assert r.returncode == 0 and "configuration OK" in r.stdout


def test_zone_checks_warn_serves_a_zone_with_errors_and_logs_them(mxkit, tmp_path):
    good, broken, _ = write_zones(tmp_path)
    s = Server(mxkit, good, free_port(), ["--zone", f"broken.test={broken}", "--zone-checks", "warn"])
    try:
        assert s.query("mail1.broken.test.", "A").rcode() == dns.rcode.NOERROR
    finally:
        log = s.stop()
    assert 'serving despite errors (zone_checks = "warn"): zone broken.test.' in log
    assert "[cname-and-other-data]" in log and "2 zones loaded" in log
    # The origin must still match the file's SOA: that is not a finding but a wrong zone.
    r = run_serve(mxkit, "--zone-checks", "warn", "--zone", f"other.test={good}")
    assert r.returncode == 1 and "[origin-mismatch]" in r.stderr
    config = tmp_path / "serve.toml"
    config.write_text(config_text(free_port(), [("example.test", good)], 'zone_checks = "maybe"'))
    r = subprocess.run([str(mxkit), "serve", "--config", str(config)], capture_output=True, text=True, timeout=10)
    assert r.returncode == 2 and f'{config}:3:15: zone_checks must be "refuse" or "warn"' in r.stderr, r.stderr


def test_zone_check_and_print_without_an_origin_use_the_soa_owner(mxkit, tmp_path):
    named = tmp_path / "named.zone"  # BIND style: the zone's name is in named.conf, not the file
    named.write_text("example.test. 3600 SOA ns1 hostmaster 1 7200 900 1209600 300\n"
                     "@ 3600 NS ns1\nns1 3600 A 192.0.2.1\n")
    r = subprocess.run([str(mxkit), "zone", "print", str(named)], capture_output=True, text=True, timeout=10)
    assert r.returncode == 0
    assert "ns1.example.test.\t3600\tIN\tA\t192.0.2.1" in r.stdout
    assert "names are read relative to the SOA owner example.test." in r.stderr
    r = subprocess.run([str(mxkit), "zone", "check", str(named)], capture_output=True, text=True, timeout=10)
    assert r.returncode == 0 and "0 errors, 0 warnings" in r.stdout
    relative = tmp_path / "relative.zone"  # nothing names the zone: warn, do not guess
    relative.write_text("@ 3600 SOA ns1 hostmaster 1 7200 900 1209600 300\n@ 3600 NS ns1\nns1 3600 A 192.0.2.1\n")
    r = subprocess.run([str(mxkit), "zone", "check", str(relative)], capture_output=True, text=True, timeout=10)
    assert f"{relative}:1:1: warning: the file has no $ORIGIN and no --origin" in r.stdout
    assert "[no-origin]" in r.stdout
    r = subprocess.run([str(mxkit), "zone", "check", "--origin", "example.test", str(relative)],
                       capture_output=True, text=True, timeout=10)
    assert r.returncode == 0 and "no-origin" not in r.stdout
