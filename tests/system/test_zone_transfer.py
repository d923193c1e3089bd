"""Zone transfer out: AXFR to dig and to BIND (named) and Knot (knotd) as secondaries, IXFR from
the journal (RFC 1995) after a reload and a NOTIFY, the journal surviving a restart, and
refusals for addresses not allowed and names that are not a zone apex.
"""
from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import time

import dns.exception
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import dns.rrset
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


def test_ixfr_without_a_journal_gives_the_whole_zone(primary):
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
    assert "refused a zone transfer of example.test. to 127.0.0.1" in log


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
        # The secondary's copy holds every record the primary serves (named writes it a moment
        # after it starts answering: poll, bounded).
        primary_zone = subprocess.run(["dig", "@127.0.0.1", "-p", str(primary.port), "example.test",
                                       "AXFR"], capture_output=True, text=True, timeout=10).stdout
        copy = set()
        for _ in range(50):  # at most ~5 s
            try:
                copy = records((tmp_path / "secondary.db").read_text())
                if copy == records(primary_zone):
                    break
            except Exception:
                pass
            time.sleep(0.1)
        assert copy == records(primary_zone)
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
    # BIND asked by IXFR and got the differences from the journal, not the whole zone.
    assert "IXFR of example.test. to 127.0.0.1: serial 2026112701 → 2026112702 as differences" in log


CHANGED = ZONE.replace("2026112701", "2026112702").replace("MX    20 mail2", "MX    30 mail2")


class Knot:
    """knotd on loopback in a temporary directory, as a secondary (`primary_port`) or as a
    primary with a journal that NOTIFYs `notify_port`."""

    def __init__(self, tmp, port: int, zone_file=None, primary_port: int | None = None,
                 notify_port: int | None = None):
        if shutil.which("knotd") is None:
            pytest.fail("knotd not found: install knot (scripts/bootstrap does)")
        self.port, self.tmp = port, tmp
        (tmp / "db").mkdir(exist_ok=True)
        peer = primary_port or notify_port
        zone_lines = [f'file: "{zone_file or tmp / "example.test.zone"}"', "acl: peer_acl"]
        if primary_port:
            zone_lines.append("master: peer")
        if notify_port:
            zone_lines += ["notify: peer", "zonefile-load: difference", "journal-content: changes"]
        zone_conf = "\n".join("    " + line for line in zone_lines)
        self.conf = tmp / "knot.conf"
        self.conf.write_text(f"""server:
    rundir: "{tmp}"
    pidfile: "{tmp}/knot.pid"
    listen: 127.0.0.1@{port}
control:
    listen: "{tmp}/knot.sock"
database:
    storage: "{tmp}/db"
log:
  - target: stderr
    any: info
remote:
  - id: peer
    address: 127.0.0.1@{peer}
acl:
  - id: peer_acl
    address: 127.0.0.0/8
    action: [notify, transfer]
template:
  - id: default
    storage: "{tmp}"
    zonefile-sync: -1
zone:
  - domain: example.test
{zone_conf}
""")
        self.log_file = open(tmp / "knot.log", "w")
        self.proc = subprocess.Popen(["knotd", "-c", str(self.conf)], stdout=self.log_file,
                                     stderr=subprocess.STDOUT)
        for _ in range(100):  # at most ~5-10 s to answer at all
            if self.proc.poll() is not None:
                raise RuntimeError(f"knotd exited: {(tmp / 'knot.log').read_text()}")
            try:
                dns.query.udp(dns.message.make_query("example.test.", "SOA"), "127.0.0.1", port=port,
                              timeout=0.05)
                return
            except Exception:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("knotd did not answer within 10 s")

    def reload(self):
        subprocess.run(["knotc", "-c", str(self.conf), "zone-reload", "example.test"], check=True,
                       capture_output=True, timeout=10)

    def log(self) -> str:
        if not self.log_file.closed:
            self.log_file.flush()
        return (self.tmp / "knot.log").read_text()

    def stop(self):
        processes.stop(self.proc)
        self.log_file.close()


def answers_mx(port: int, expected: set[str], rounds: int = 100) -> bool:
    """Polls a server's MX answer (UDP) until it is `expected`; at most `rounds` × ~0.1-0.3 s."""
    for _ in range(rounds):
        try:
            q = dns.message.make_query("example.test.", "MX")
            r = dns.query.udp(q, "127.0.0.1", port=port, timeout=0.2)
            if {rr.to_text() for rrset in r.answer for rr in rrset} == expected:
                return True
        except Exception:
            pass
        time.sleep(0.1)
    return False


def test_knot_secondary_takes_axfr_then_ixfr(mxkit, tmp_path):
    """Knot as our secondary: the zone by AXFR first; after a reload and our NOTIFY, by IXFR from
    our journal; Knot then answers the new MX."""
    knot_port = free_port()
    zone = tmp_path / "example.test.zone"
    zone.write_text(ZONE)
    primary = Server(mxkit, zone, free_port(), ["--allow-transfer", "127.0.0.1",
                                                "--notify", f"127.0.0.1:{knot_port}"])
    knot_dir = tmp_path / "knot"
    knot_dir.mkdir()
    knot = Knot(knot_dir, knot_port, primary_port=primary.port)
    try:
        assert answers_mx(knot_port, {"10 mail1.example.test.", "20 mail2.example.test."})
        zone.write_text(CHANGED)
        primary.proc.send_signal(signal.SIGHUP)
        assert answers_mx(knot_port, {"10 mail1.example.test.", "30 mail2.example.test."})
    finally:
        knot.stop()
        log = primary.stop()
    assert "AXFR of example.test. to 127.0.0.1: serial 2026112701" in log
    assert "IXFR of example.test. to 127.0.0.1: serial 2026112701 → 2026112702 as differences" in log
    assert "IXFR, incoming" in knot.log()


def ixfr(port: int, serial: int, tcp: bool = True) -> list[dns.message.Message]:
    q = dns.message.make_query("example.test.", "IXFR")
    soa = dns.rrset.from_text("example.test.", 3600, "IN", "SOA",
                              f"ns1.example.test. hostmaster.example.test. {serial} 7200 900 1209600 300")
    q.authority.append(soa)
    if not tcp:
        return [dns.query.udp(q, "127.0.0.1", port=port, timeout=5, one_rr_per_rrset=True)]
    # dnspython's xfr() checks the stream itself; read the raw messages to see their form.
    messages, serials = [], []  # serials: per record, the SOA serial or None
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        wire = q.to_wire()
        s.sendall(len(wire).to_bytes(2, "big") + wire)
        for _ in range(1000):  # messages; the stream ends at the closing SOA (RFC 1995 §4)
            length = int.from_bytes(recv_exactly(s, 2), "big")
            m = dns.message.from_wire(recv_exactly(s, length), one_rr_per_rrset=True)
            messages.append(m)
            serials += [rr.serial if rrset.rdtype == dns.rdatatype.SOA else None
                        for rrset in m.answer for rr in rrset]
            if len(serials) == 1:
                break  # the single SOA: up to date
            # The current serial closes the stream: its 2nd SOA for the whole zone, its 3rd for
            # differences (first, as the last change's new SOA, and last).
            needed = 3 if serials[1] is not None else 2
            if serials[-1] == serials[0] and serials.count(serials[0]) >= needed:
                break
    return messages


def recv_exactly(s, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data


def flat(messages) -> list[str]:
    """The answer records in order, SOAs as "SOA serial"."""
    out = []
    for m in messages:
        for rrset in m.answer:
            for rr in rrset:
                out.append(f"SOA {rr.serial}" if rrset.rdtype == dns.rdatatype.SOA
                           else f"{rrset.name} {dns.rdatatype.to_text(rrset.rdtype)} {rr.to_text()}")
    return out


def test_journal_answers_ixfr_and_survives_a_restart(mxkit, tmp_path):
    zone = tmp_path / "example.test.zone"
    zone.write_text(ZONE)
    args = ["--allow-transfer", "127.0.0.0/8"]
    server = Server(mxkit, zone, free_port(), args)
    expected = ["SOA 2026112702", "SOA 2026112701", "example.test. MX 20 mail2.example.test.",
                "SOA 2026112702", "example.test. MX 30 mail2.example.test.", "SOA 2026112702"]
    try:
        zone.write_text(CHANGED)
        server.proc.send_signal(signal.SIGHUP)
        for _ in range(50):  # the reload is asynchronous: at most ~5 s (more on a loaded machine)
            try:
                if server.query("example.test.", "SOA").answer[0][0].serial == 2026112702:
                    break
            except dns.exception.Timeout:
                pass
            time.sleep(0.1)
        assert flat(ixfr(server.port, 2026112701)) == expected
        assert flat(ixfr(server.port, 2026112702)) == ["SOA 2026112702"]  # up to date
        # Over UDP the differences fit in one datagram.
        assert flat(ixfr(server.port, 2026112701, tcp=False)) == expected
        whole = flat(ixfr(server.port, 2026112600))  # older than the journal: the whole zone
        assert whole[0] == whole[-1] == "SOA 2026112702" and len(whole) > 10
    finally:
        server.stop()
    assert (tmp_path / "example.test.zone.jnl").exists()
    again = Server(mxkit, zone, free_port(), args)
    try:
        assert flat(ixfr(again.port, 2026112701)) == expected
    finally:
        log = again.stop()
    assert "journal of example.test.: 1 changes, serials 2026112701 to 2026112702" in log
    # A zone changed while the server was down no longer matches its journal: discarded.
    zone.write_text(CHANGED.replace("2026112702", "2026112703"))
    third = Server(mxkit, zone, free_port(), args)
    try:
        whole = flat(ixfr(third.port, 2026112701))
        assert whole[0] == "SOA 2026112703" and whole[1] != "SOA 2026112701"
    finally:
        log = third.stop()
    assert "ends at serial 2026112702, the zone is at 2026112703: discarded" in log

