"""mxkit as a secondary (RFC 1034 §4.3.5, RFC 1995, RFC 1996): of mxkit (IXFR both ways), of NSD
and of Knot (a real IXFR from Knot's journal); NOTIFY accepted only from the primary; SERVFAIL
before the first transfer and after SOA expire; a broken primary leaves the old copy serving.
"""
from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import dns.flags
import dns.message
import dns.opcode
import dns.query
import dns.rcode
import dns.rdataset
import dns.rdatatype
import dns.rrset
import dns.zone
import pytest

import processes
from nsd_config import write_nsd_conf
from test_dns_server import ZONE, Server, free_port
from test_zone_transfer import CHANGED, Knot, answers_mx, flat, ixfr

OLD_MX = {"10 mail1.example.test.", "20 mail2.example.test."}
NEW_MX = {"10 mail1.example.test.", "30 mail2.example.test."}


class Secondary(Server):
    """`mxkit serve --secondary example.test=…` (or --config) on a free port; waits until it
    answers at all (SERVFAIL counts: it has no zone yet)."""

    def __init__(self, mxkit: Path, args: list[str], port: int | None = None):
        self.port = port or free_port()
        if args and args[0] == "--config":
            self.start([str(mxkit), "serve", *args])
        else:
            self.start([str(mxkit), "serve", "--dns-listen", f"127.0.0.1:{self.port}", *args])

    def query(self, name: str, rdtype: str, timeout: float = 2.0) -> dns.message.Message:
        return dns.query.udp(dns.message.make_query(name, rdtype), "127.0.0.1", port=self.port,
                             timeout=timeout)

    def rcode_becomes(self, rcode, rounds: int = 100) -> bool:
        for _ in range(rounds):  # ~0.1 s each
            try:
                if self.query("example.test.", "MX", timeout=0.2).rcode() == rcode:
                    return True
            except Exception:
                pass
            time.sleep(0.1)
        return False


def notify(port: int, zone: str = "example.test.", source: str = "127.0.0.1") -> dns.message.Message:
    q = dns.message.make_query(zone, "SOA")
    q.set_opcode(dns.opcode.NOTIFY)
    q.flags = (q.flags & ~dns.flags.RD) | dns.flags.AA
    return dns.query.udp(q, "127.0.0.1", port=port, timeout=2, source=source)


def test_secondary_of_mxkit_ixfr_both_ways(mxkit, tmp_path):
    secondary_port = free_port()
    zone = tmp_path / "example.test.zone"
    zone.write_text(ZONE)
    primary = Server(mxkit, zone, free_port(), ["--allow-transfer", "127.0.0.1",
                                                "--notify", f"127.0.0.1:{secondary_port}"])
    secondary = Secondary(mxkit, ["--secondary", f"example.test=127.0.0.1:{primary.port}",
                                  "--allow-transfer", "127.0.0.1"], secondary_port)
    try:
        assert answers_mx(secondary.port, OLD_MX)
        r = secondary.query("example.test.", "MX")
        assert r.flags & dns.flags.AA and len(r.additional) == 3
        # NOTIFY (RFC 1996 §4.7): from the primary, NOERROR/AA with the question echoed; from
        # anyone else REFUSED; for a zone we do not serve NOTAUTH.
        assert notify(secondary.port, source="127.0.0.2").rcode() == dns.rcode.REFUSED
        assert notify(secondary.port, zone="example.org.").rcode() == dns.rcode.NOTAUTH
        zone.write_text(CHANGED)
        primary.proc.send_signal(signal.SIGHUP)  # the primary NOTIFYs us
        assert answers_mx(secondary.port, NEW_MX)
        ack = notify(secondary.port)
        assert ack.rcode() == dns.rcode.NOERROR and ack.flags & dns.flags.AA
        assert ack.opcode() == dns.opcode.NOTIFY and ack.question[0].name.to_text() == "example.test."
        # The secondary serves IXFR from its own journal in turn.
        assert flat(ixfr(secondary.port, 2026112701)) == [
            "SOA 2026112702", "SOA 2026112701", "example.test. MX 20 mail2.example.test.",
            "SOA 2026112702", "example.test. MX 30 mail2.example.test.", "SOA 2026112702"]
        secondary.proc.send_signal(signal.SIGUSR1)
        time.sleep(0.2)
    finally:
        log = secondary.stop()
        primary_log = primary.stop()
    assert f"transfer of example.test. from 127.0.0.1:{primary.port}: AXFR, serial none → 2026112701" in log
    assert f"transfer of example.test. from 127.0.0.1:{primary.port}: IXFR, serial 2026112701 → 2026112702" in log
    assert "refused a NOTIFY for example.test. from 127.0.0.2" in log
    assert "axfr_in=1 ixfr_in=1" in log
    assert "IXFR of example.test. to 127.0.0.1: serial 2026112701 → 2026112702 as differences" in primary_log


def test_servfail_before_the_first_transfer_and_after_expire(mxkit, tmp_path):
    zone = tmp_path / "example.test.zone"
    # refresh 1 s, retry 1 s, expire 3 s
    zone.write_text(ZONE.replace("2026112701 7200 900 1209600 300", "2026112701 1 1 3 300"))
    dead = free_port()
    lonely = Secondary(mxkit, ["--secondary", f"example.test=127.0.0.1:{dead}"])
    try:
        assert lonely.query("example.test.", "MX").rcode() == dns.rcode.SERVFAIL
        assert lonely.query("example.org.", "MX").rcode() == dns.rcode.REFUSED
    finally:
        lonely.stop()
    primary = Server(mxkit, zone, free_port(), ["--allow-transfer", "127.0.0.1"])
    secondary = Secondary(mxkit, ["--secondary", f"example.test=127.0.0.1:{primary.port}"])
    try:
        assert answers_mx(secondary.port, OLD_MX)
        primary.stop()
        started = time.monotonic()
        assert secondary.rcode_becomes(dns.rcode.SERVFAIL, rounds=80)
        assert time.monotonic() - started < 6
    finally:
        primary.stop()
        log = secondary.stop()
    assert "zone example.test. expired" in log


class BrokenPrimary:
    """A primary on loopback TCP that serves SOA serial `serial`, and AXFR/IXFR in `mode`:
    "good" (the whole ZONE), "cut" (the first records, then it closes) or "refuse" (REFUSED)."""

    def __init__(self, zone_text: str):
        self.zone = dns.zone.from_text(zone_text, origin="example.test.", relativize=False)
        self.mode = "good"
        self.asked: list[int] = []  # the qtype of every query, in order
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.stopping = False
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def set_serial(self, serial: int):
        soa = self.zone.find_rdataset("example.test.", "SOA")
        soa.update(dns.rdataset.from_text("IN", "SOA", soa.ttl, soa[0].replace(serial=serial).to_text()))

    def serve(self):
        deadline = time.monotonic() + 60
        while not self.stopping and time.monotonic() < deadline:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(2)
                try:
                    length = int.from_bytes(conn.recv(2), "big")
                    q = dns.message.from_wire(conn.recv(length))
                    self.asked.append(q.question[0].rdtype)
                    for m in self.answer(q):
                        wire = m.to_wire()
                        conn.sendall(len(wire).to_bytes(2, "big") + wire)
                except Exception:
                    pass

    def answer(self, q):
        r = dns.message.make_response(q)
        r.flags |= dns.flags.AA
        soa = self.zone.find_rrset("example.test.", "SOA")
        if q.question[0].rdtype == dns.rdatatype.SOA:
            r.answer.append(soa)
            return [r]
        if self.mode == "refuse":
            r.set_rcode(dns.rcode.REFUSED)
            return [r]
        rrsets = [soa] + [dns.rrset.from_rdata_list(name, rds.ttl, list(rds))
                          for name, node in self.zone.nodes.items() for rds in node
                          if rds.rdtype != dns.rdatatype.SOA]
        if self.mode == "cut":
            r.answer += rrsets[:3]  # and no closing SOA: the connection closes
            return [r]
        r.answer += rrsets + [soa]
        return [r]

    def stop(self):
        self.stopping = True
        self.thread.join(timeout=5)
        self.sock.close()


def test_a_broken_primary_leaves_the_old_copy(mxkit):
    fake = BrokenPrimary(ZONE)
    secondary = Secondary(mxkit, ["--secondary", f"example.test=127.0.0.1:{fake.port}"])
    try:
        assert answers_mx(secondary.port, OLD_MX)
        for mode, serial in (("cut", 2026112702), ("refuse", 2026112703)):
            fake.mode = mode
            fake.set_serial(serial)
            fake.asked.clear()
            assert notify(secondary.port).rcode() == dns.rcode.NOERROR
            # The refresh tries IXFR, then AXFR; both fail at once (closed / refused) ...
            for _ in range(50):  # at most ~5 s
                if dns.rdatatype.AXFR in fake.asked:
                    break
                time.sleep(0.1)
            assert fake.asked == [dns.rdatatype.SOA, dns.rdatatype.IXFR, dns.rdatatype.AXFR]
            assert answers_mx(secondary.port, OLD_MX, rounds=3)  # ... and the old copy serves
            soa = secondary.query("example.test.", "SOA")
            assert soa.answer[0][0].serial == 2026112701
    finally:
        fake.stop()
        log = secondary.stop()
    assert "the connection closed before the reply ended" in log
    assert "the primary answered REFUSED" in log
    assert "still serving serial 2026112701" in log


def test_secondary_keeps_a_copy_and_config_form(mxkit, tmp_path):
    zone = tmp_path / "example.test.zone"
    zone.write_text(ZONE)
    primary = Server(mxkit, zone, free_port(), ["--allow-transfer", "127.0.0.1"])
    port = free_port()
    config = tmp_path / "secondary.toml"
    config.write_text(f"""[dns]
listen = ["127.0.0.1:{port}"]
[[dns.zone]]
origin = "example.test"
primary = ["127.0.0.1:{primary.port}"]
file = "copy.zone"
""")
    secondary = Secondary(mxkit, ["--config", str(config)], port)
    try:
        assert answers_mx(port, OLD_MX)
    finally:
        secondary.stop()
        primary.stop()
    copy = (tmp_path / "copy.zone").read_text()
    assert "MX\t20 mail2.example.test." in copy
    # With the primary gone, a restart serves the copy.
    again = Secondary(mxkit, ["--config", str(config)], port)
    try:
        assert answers_mx(port, OLD_MX, rounds=10)
    finally:
        again.stop()




def test_secondary_of_nsd(mxkit, tmp_path):
    if shutil.which("nsd") is None:
        pytest.fail("nsd not found: install it (scripts/bootstrap does)")
    nsd_port, our_port = free_port(), free_port()
    zone = tmp_path / "example.test.zone"
    zone.write_text(ZONE)
    conf = write_nsd_conf(tmp_path, "127.0.0.1", nsd_port,
                          [("example.test", zone, f"provide-xfr: 127.0.0.1 NOKEY\nnotify: 127.0.0.1@{our_port} NOKEY")])
    nsd = subprocess.Popen(["nsd", "-d", "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    secondary = None
    try:
        assert answers_mx(nsd_port, OLD_MX, rounds=50)
        secondary = Secondary(mxkit, ["--secondary", f"example.test=127.0.0.1:{nsd_port}"], our_port)
        assert answers_mx(our_port, OLD_MX)
        zone.write_text(CHANGED)
        nsd.send_signal(signal.SIGHUP)  # NSD reloads the zone file and NOTIFYs us
        assert answers_mx(our_port, NEW_MX)
    finally:
        log = secondary.stop() if secondary else ""
        processes.stop(nsd)
    assert "NOTIFY for example.test. from 127.0.0.1: refreshing" in log
    assert "serial 2026112701 → 2026112702" in log


def test_secondary_of_knot_by_ixfr(mxkit, tmp_path):
    """Knot as primary with its journal (zonefile-load: difference): after a reload it NOTIFYs
    us and we take the change by a real IXFR."""
    knot_port, our_port = free_port(), free_port()
    zone = tmp_path / "example.test.zone"
    zone.write_text(ZONE)
    knot = Knot(tmp_path, knot_port, zone_file=zone, notify_port=our_port)
    secondary = None
    try:
        assert answers_mx(knot_port, OLD_MX, rounds=50)
        secondary = Secondary(mxkit, ["--secondary", f"example.test=127.0.0.1:{knot_port}"], our_port)
        assert answers_mx(our_port, OLD_MX)
        zone.write_text(CHANGED)
        knot.reload()
        assert answers_mx(our_port, NEW_MX)
        secondary.proc.send_signal(signal.SIGUSR1)
        time.sleep(0.2)
    finally:
        log = secondary.stop() if secondary else ""
        knot.stop()
    assert f"transfer of example.test. from 127.0.0.1:{knot_port}: IXFR, serial 2026112701 → 2026112702" in log
    assert "axfr_in=1 ixfr_in=1" in log
