"""Zone transfer out: AXFR to dig and to a BIND secondary (named), IXFR answered with the whole
zone (RFC 1995 §4), and refusals for addresses not allowed and names that are not a zone apex.
"""
from __future__ import annotations

import shutil
import signal
import subprocess
import time

import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import dns.zone
import pytest

import processes
from test_dns_server import ZONE, Server, free_port


@pytest.fixture()
def primary(mxkit, tmp_path):
    zone = tmp_path / "example.test.zone"
    zone.write_text(ZONE)
    s = Server(mxkit, zone, free_port(), ["--allow-transfer", "127.0.0.0/8"])
    s.zone_file = zone
    yield s
    s.stop()


def start_named_secondary(tmp_path, port: int, primary_port: int) -> subprocess.Popen:
    """BIND's named as a secondary of example.test. taking it from 127.0.0.1:primary_port."""
    if shutil.which("named") is None:
        pytest.fail("named not found: install bind9 (scripts/bootstrap does)")
    conf = tmp_path / "named.conf"
    conf.write_text(f"""options {{
  directory "{tmp_path}";
  listen-on port {port} {{ 127.0.0.1; }};
  listen-on-v6 {{ none; }};
  pid-file "{tmp_path}/named.pid";
  recursion no;
  notify no;
  dnssec-validation no;
}};
controls {{ }};
zone "example.test" {{
  type secondary;
  primaries {{ 127.0.0.1 port {primary_port}; }};
  file "{tmp_path}/secondary.db";
  masterfile-format text;
}};
""")
    return subprocess.Popen(["named", "-g", "-c", str(conf)], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def records(text: str) -> set[tuple]:
    z = dns.zone.from_text(text, origin="example.test.", relativize=False, check_origin=False)
    return {(name.to_text(), rdataset.ttl, rdataset.rdtype, rdata.to_text())
            for name, node in z.nodes.items() for rdataset in node for rdata in rdataset}


def test_axfr_gives_the_whole_zone(mxkit, primary):
    transferred = set()
    soas = 0
    for message in dns.query.xfr("127.0.0.1", "example.test.", port=primary.port, timeout=5,
                                 lifetime=10, relativize=False):
        for rrset in message.answer:
            soas += rrset.rdtype == dns.rdatatype.SOA
            transferred |= {(rrset.name.to_text(), rrset.ttl, rrset.rdtype, rdata.to_text()) for rdata in rrset}
    assert soas == 2  # first and last (RFC 5936 §2.2)
    printed = subprocess.run([str(mxkit), "zone", "print", str(primary.zone_file)], capture_output=True,
                             text=True, check=True).stdout
    assert transferred == records(printed)


def test_ixfr_falls_back_to_the_whole_zone(primary):
    out = subprocess.run(["dig", "@127.0.0.1", "-p", str(primary.port), "example.test", "IXFR=2026112600",
                          "+tcp"], capture_output=True, text=True, timeout=10).stdout
    lines = [line for line in out.splitlines() if line and not line.startswith(";")]
    assert lines[0].split()[3] == "SOA" and lines[-1].split()[3] == "SOA"
    assert any(" MX " in line.replace("\t", " ") for line in lines)


def test_transfer_refused_or_notauth(mxkit, tmp_path, primary):
    q = dns.message.make_query("www.example.test.", "AXFR")
    r = dns.query.tcp(q, "127.0.0.1", port=primary.port, timeout=5)
    assert r.rcode() == dns.rcode.NOTAUTH
    zone = tmp_path / "closed.zone"
    zone.write_text(ZONE)
    closed = Server(mxkit, zone, free_port())  # no --allow-transfer: nobody may
    try:
        q = dns.message.make_query("example.test.", "AXFR")
        r = dns.query.tcp(q, "127.0.0.1", port=closed.port, timeout=5)
        assert r.rcode() == dns.rcode.REFUSED
        assert not r.answer
    finally:
        log = closed.stop()
    assert "refused a zone transfer to 127.0.0.1" in log


def test_bind_secondary_takes_the_zone(primary, tmp_path):
    port = free_port()
    named = start_named_secondary(tmp_path, port, primary.port)
    try:
        answer = None
        for _ in range(100):  # at most ~10 s for the transfer
            try:
                q = dns.message.make_query("example.test.", "MX")
                answer = dns.query.udp(q, "127.0.0.1", port=port, timeout=0.1)
                if answer.rcode() == dns.rcode.NOERROR and answer.answer:
                    break
            except Exception:
                pass
            time.sleep(0.1)
        assert answer is not None and answer.rcode() == dns.rcode.NOERROR
        assert {rr.to_text() for rr in answer.answer[0]} == {"10 mail1.example.test.", "20 mail2.example.test."}
        # The secondary's copy holds every record the primary serves.
        secondary = (tmp_path / "secondary.db").read_text()
        primary_zone = subprocess.run(["dig", "@127.0.0.1", "-p", str(primary.port), "example.test",
                                       "AXFR"], capture_output=True, text=True, timeout=10).stdout
        assert records(secondary) == records(primary_zone)
    finally:
        processes.stop(named)


def test_notify_then_the_secondary_serves_the_change(mxkit, tmp_path):
    """RFC 1996: a reload that changes the serial sends NOTIFY; BIND asks again (IXFR, which we
    answer with the whole zone) and then answers the new MX."""
    named_port = free_port()
    zone = tmp_path / "example.test.zone"
    zone.write_text(ZONE)
    primary = Server(mxkit, zone, free_port(), ["--allow-transfer", "127.0.0.1",
                                                "--notify", f"127.0.0.1:{named_port}"])
    named = start_named_secondary(tmp_path, named_port, primary.port)

    def secondary_mx():
        q = dns.message.make_query("example.test.", "MX")
        r = dns.query.udp(q, "127.0.0.1", port=named_port, timeout=0.2)
        return {rr.to_text() for rrset in r.answer for rr in rrset}

    def wait_for(expected):
        for _ in range(100):  # at most ~10-30 s
            try:
                if secondary_mx() == expected:
                    return True
            except Exception:
                pass
            time.sleep(0.1)
        return False

    try:
        assert wait_for({"10 mail1.example.test.", "20 mail2.example.test."})
        zone.write_text(ZONE.replace("2026112701", "2026112702").replace("MX    20 mail2", "MX    30 mail2"))
        primary.proc.send_signal(signal.SIGHUP)
        # Far sooner than the SOA refresh (7200 s): only NOTIFY can explain it.
        assert wait_for({"10 mail1.example.test.", "30 mail2.example.test."})
    finally:
        processes.stop(named)
        log = primary.stop()
    assert "NOTIFY for example.test. (serial 2026112702) acknowledged" in log
