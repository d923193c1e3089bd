"""`mxkit serve` as an authoritative server on loopback, queried by dig, kdig and dnspython.

Every server is started on a free port, waited for with a bounded number of probes, and
stopped by its PID.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import pytest

import processes

ZONE = """$ORIGIN example.test.
$TTL 3600
@        SOA   ns1 hostmaster 2026112701 7200 900 1209600 300
@        NS    ns1
@        MX    10 mail1
@        MX    20 mail2
ns1      A     192.0.2.53
mail1    A     192.0.2.25
mail1    AAAA  2001:db8::25
mail2    A     198.51.100.25
www      CNAME mail1
*.wild   TXT   "wildcard"
sub      NS    ns.sub
ns.sub   A     192.0.2.99
big      TXT   "{chunk}" "{chunk}" "{chunk}"
""".replace("{chunk}", "x" * 200)


def free_port() -> int:
    """A port free for both UDP and TCP on 127.0.0.1 (bounded attempts): the server takes both."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
                t.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
    raise RuntimeError("no port free for UDP and TCP on 127.0.0.1 after 50 tries")


class Server:
    def __init__(self, mxkit: Path, zone_file: Path, port: int, extra: list[str] | None = None):
        self.port = port
        self.start([str(mxkit), "serve", "--dns-listen", f"127.0.0.1:{port}",
                    "--zone", f"example.test={zone_file}", *(extra or [])])

    def start(self, command: list[str]) -> None:
        """Runs `command` and waits (at most ~5 s) until it answers an example.test. SOA query
        with any rcode."""
        self.proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(100):
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.proc.stderr.read()}")
            try:
                self.query("example.test.", "SOA", timeout=0.05)
                return
            except Exception:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("server did not answer within 5 s")

    def query(self, name: str, rdtype: str, tcp: bool = False, timeout: float = 2.0,
              edns: int | bool = 0, payload: int = 1232) -> dns.message.Message:
        q = dns.message.make_query(name, rdtype)
        if edns is not False:
            q.use_edns(int(edns), payload=payload)  # make_query(use_edns=1) would mean "on", v0
        q.flags &= ~dns.flags.RD
        if tcp:
            return dns.query.tcp(q, "127.0.0.1", port=self.port, timeout=timeout)
        return dns.query.udp(q, "127.0.0.1", port=self.port, timeout=timeout)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> str:
        processes.stop(self.proc)
        return self.proc.stderr.read()


@pytest.fixture()
def server(mxkit, tmp_path):
    zone = tmp_path / "example.test.zone"
    zone.write_text(ZONE)
    s = Server(mxkit, zone, free_port())
    s.zone_file = zone
    yield s
    s.stop()


def rrsets(section) -> set[str]:
    return {rrset.to_text() for rrset in section}


def test_mx_answer_with_addresses(server):
    r = server.query("example.test.", "MX")
    assert r.rcode() == dns.rcode.NOERROR
    assert r.flags & dns.flags.AA
    assert rrsets(r.answer) == {"example.test. 3600 IN MX 10 mail1.example.test.\n"
                                "example.test. 3600 IN MX 20 mail2.example.test."}
    additional = {(rrset.name.to_text(), dns.rdatatype.to_text(rrset.rdtype)) for rrset in r.additional}
    assert additional == {("mail1.example.test.", "A"), ("mail1.example.test.", "AAAA"),
                          ("mail2.example.test.", "A")}


def test_negative_answers_carry_the_soa(server):
    nx = server.query("nothere.example.test.", "A")
    assert nx.rcode() == dns.rcode.NXDOMAIN
    assert [rrset.rdtype for rrset in nx.authority] == [dns.rdatatype.SOA]
    assert nx.authority[0].ttl == 300  # RFC 2308 §3: min(SOA TTL, minimum)
    nodata = server.query("mail2.example.test.", "AAAA")
    assert nodata.rcode() == dns.rcode.NOERROR and not nodata.answer
    assert [rrset.rdtype for rrset in nodata.authority] == [dns.rdatatype.SOA]


def test_cname_wildcard_referral_refused(server):
    r = server.query("www.example.test.", "A")
    assert [rrset.rdtype for rrset in r.answer] == [dns.rdatatype.CNAME, dns.rdatatype.A]
    w = server.query("anything.wild.example.test.", "TXT")
    assert rrsets(w.answer) == {'anything.wild.example.test. 3600 IN TXT "wildcard"'}
    ref = server.query("host.sub.example.test.", "A")
    assert not ref.flags & dns.flags.AA
    assert rrsets(ref.authority) == {"sub.example.test. 3600 IN NS ns.sub.example.test."}
    assert rrsets(ref.additional) == {"ns.sub.example.test. 3600 IN A 192.0.2.99"}
    other = server.query("example.org.", "A")
    assert other.rcode() == dns.rcode.REFUSED


def test_truncation_then_tcp(server):
    udp = server.query("big.example.test.", "TXT", edns=False)
    assert udp.flags & dns.flags.TC
    tcp = server.query("big.example.test.", "TXT", tcp=True)
    assert not tcp.flags & dns.flags.TC
    assert len(tcp.answer[0]) == 1


def test_edns_version_and_case(server):
    bad = server.query("example.test.", "SOA", edns=1)
    assert bad.rcode() == dns.rcode.BADVERS
    r = server.query("MaIl1.ExAmPlE.TeSt.", "A")
    assert r.question[0].name.to_text() == "MaIl1.ExAmPlE.TeSt."
    assert r.answer[0].name.to_text() == "MaIl1.ExAmPlE.TeSt."


def test_tcp_pipelining_on_one_connection(server):
    names = ["mail1", "mail2", "ns1", "nothere"]
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as conn:
        wire = b""
        for i, name in enumerate(names):
            q = dns.message.make_query(f"{name}.example.test.", "A")
            q.id = 100 + i
            data = q.to_wire()
            wire += len(data).to_bytes(2, "big") + data
        conn.sendall(wire)  # all queries at once, before any answer (RFC 7766 §6.2.1.1)
        answers = {}
        buffer = b""
        for _ in range(50):
            if len(answers) == len(names):
                break
            chunk = conn.recv(65535)
            if not chunk:
                break
            buffer += chunk
            while len(buffer) >= 2 and len(buffer) >= 2 + int.from_bytes(buffer[:2], "big"):
                length = int.from_bytes(buffer[:2], "big")
                m = dns.message.from_wire(buffer[2:2 + length])
                answers[m.id] = m
                buffer = buffer[2 + length:]
    assert sorted(answers) == [100, 101, 102, 103]
    assert answers[103].rcode() == dns.rcode.NXDOMAIN
    assert answers[100].answer[0][0].address == "192.0.2.25"


def test_dig_and_kdig_read_the_answers(server):
    for tool in ("dig", "kdig"):
        out = subprocess.run([tool, f"@127.0.0.1", "-p", str(server.port), "example.test", "MX",
                              "+norec"], capture_output=True, text=True, timeout=10).stdout
        assert "NOERROR" in out
        assert "mail1.example.test." in out and "mail2.example.test." in out
        short = subprocess.run([tool, f"@127.0.0.1", "-p", str(server.port), "example.test", "MX",
                                "+short", "+tcp"], capture_output=True, text=True, timeout=10).stdout
        assert sorted(short.split("\n")) == ["", "10 mail1.example.test.", "20 mail2.example.test."]


def test_malformed_packets_leave_it_answering(server):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(0.5)
    good = dns.message.make_query("example.test.", "SOA").to_wire()
    junk = [b"", b"\x00", b"\x12\x34", good[:12], good[:-1], good + b"\x00",
            good[:12] + b"\xc0\x0c\x00\x06\x00\x01",             # pointer to itself
            good[:4] + b"\xff\xff" + good[6:],                     # 65535 questions
            b"\xff" * 512, os.urandom(300), os.urandom(1500)]
    for packet in junk:
        sock.sendto(packet, ("127.0.0.1", server.port))
        try:
            reply, _ = sock.recvfrom(65535)
        except socket.timeout:
            continue  # no reply to a packet too broken to answer is right too
        # Read the header by hand: random opcodes are echoed, and dnspython refuses those.
        assert len(reply) >= 12 and reply[:2] == packet[:2], packet.hex()
        assert reply[2] & 0x80, "QR must be set"
        assert reply[3] & 0x0F in (dns.rcode.FORMERR, dns.rcode.NOTIMP, dns.rcode.REFUSED,
                                   dns.rcode.NOERROR, dns.rcode.NXDOMAIN), packet.hex()
    sock.close()
    assert server.alive()
    assert server.query("example.test.", "SOA").rcode() == dns.rcode.NOERROR


def test_sighup_reload_and_bad_zone_kept_out(server):
    assert server.query("example.test.", "SOA").answer[0][0].serial == 2026112701
    server.zone_file.write_text(ZONE.replace("2026112701", "2026112702").replace("192.0.2.25", "192.0.2.26"))
    server.proc.send_signal(signal.SIGHUP)
    for _ in range(50):
        if server.query("example.test.", "SOA").answer[0][0].serial == 2026112702:
            break
        time.sleep(0.1)
    assert server.query("example.test.", "SOA").answer[0][0].serial == 2026112702
    assert server.query("mail1.example.test.", "A").answer[0][0].address == "192.0.2.26"
    # A broken zone at reload: the old one goes on serving.
    server.zone_file.write_text(ZONE.replace("2026112701", "2026112703") + "bad A 192.0.2.300\n")
    server.proc.send_signal(signal.SIGHUP)
    time.sleep(0.5)
    assert server.alive()
    assert server.query("example.test.", "SOA").answer[0][0].serial == 2026112702
    log = server.stop()
    assert "zones reloaded" in log
    assert "192.0.2.300" in log or "bad-rdata" in log


def test_bad_zone_or_address_refused_at_start(mxkit, tmp_path):
    zone = tmp_path / "bad.zone"
    zone.write_text("$ORIGIN example.test.\n@ 60 SOA ns h 1 2 3 4 5\n@ 60 MX 10\n")
    r = subprocess.run([str(mxkit), "serve", "--dns-listen", f"127.0.0.1:{free_port()}",
                        "--zone", f"example.test={zone}"], capture_output=True, text=True, timeout=10)
    assert r.returncode == 1
    assert f"{zone}:3:" in r.stderr and "bad-rdata" in r.stderr
    r = subprocess.run([str(mxkit), "serve", "--dns-listen", "127.0.0.1:99999",
                        "--zone", f"example.test={zone}"], capture_output=True, text=True, timeout=10)
    assert r.returncode == 2 and "bad port" in r.stderr


def test_config_file_with_ipv4_ipv6_and_workers(mxkit, tmp_path):
    (tmp_path / "zones").mkdir()
    (tmp_path / "zones" / "example.test.zone").write_text(ZONE)
    port = free_port()
    config = tmp_path / "mxkit.toml"
    config.write_text(f'[dns]\nlisten = ["127.0.0.1:{port}", "[::1]:{port}"]\nworkers = 2\n'
                      f'rotate_addresses = true\n\n[[dns.zone]]\norigin = "example.test"\n'
                      f'file = "zones/example.test.zone"\n')
    proc = subprocess.Popen([str(mxkit), "serve", "--config", str(config)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        answer = None
        for _ in range(100):
            try:
                q = dns.message.make_query("example.test.", "MX")
                answer = dns.query.udp(q, "::1", port=port, timeout=0.1)
                break
            except Exception:
                time.sleep(0.05)
        assert answer is not None and len(answer.answer[0]) == 2
        q = dns.message.make_query("mail1.example.test.", "A")
        assert dns.query.tcp(q, "127.0.0.1", port=port, timeout=2).answer[0][0].address == "192.0.2.25"
    finally:
        processes.stop(proc)
    assert "2 workers" in proc.stderr.read()


@pytest.mark.parametrize("text, expected", [
    ('[dns]\nlisten = ["127.0.0.1:5300"]\nworkerz = 2\n', ':3:11: unknown key "workerz" in [dns]'),
    ('[dns\n', ':1:5: '),
    ('[dns]\nlisten = ["127.0.0.1:5300"]\nworkers = 0\n', ':3:11: workers must be a whole number from 1 to 64'),
    ('[dns]\nlisten = ["nowhere:5300"]\n', ':2:11: listen: "nowhere" is not an IP address'),
    ('[dns]\nlisten = ["127.0.0.1:5300"]\n', 'no [[dns.zone]]'),
    ('[dns]\nlisten = ["127.0.0.1:5300"]\n[[dns.zone]]\norigin = "a..b"\nfile = "x"\n', ':4:10: origin "a..b"'),
])
def test_bad_config_names_the_place(mxkit, tmp_path, text, expected):
    config = tmp_path / "bad.toml"
    config.write_text(text)
    r = subprocess.run([str(mxkit), "serve", "--config", str(config)], capture_output=True, text=True, timeout=10)
    assert r.returncode == 2
    wanted = f"{config}{expected}" if expected.startswith(":") else expected
    assert wanted in r.stderr, r.stderr


def test_sigusr1_logs_the_counters(server):
    for name in ("example.test.", "nothere.example.test.", "nothere2.example.test."):
        server.query(name, "A")
    server.query("example.test.", "MX", tcp=True)
    server.proc.send_signal(signal.SIGUSR1)
    time.sleep(0.3)
    log = server.stop()
    line = next(l for l in log.splitlines() if "counters:" in l)
    fields = dict(f.split("=") for f in line.split("counters: ")[1].split())
    assert int(fields["udp"]) >= 4  # three queries and the start-up probe
    assert fields["tcp"] == "1"
    assert fields["NXDOMAIN"] == "2"


def test_rate_limiting_drops_and_slips(mxkit, tmp_path):
    zone = tmp_path / "example.test.zone"
    zone.write_text(ZONE)
    limited = Server(mxkit, zone, free_port(), ["--rate-limit", "5"])
    try:
        time.sleep(1.1)  # let the start-up probe's bucket refill
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.settimeout(0.3)
        q = dns.message.make_query("mail1.example.test.", "A")
        for _ in range(50):  # a burst from one client: far over 5 a second
            sock.sendto(q.to_wire(), ("127.0.0.1", limited.port))
        full = truncated = 0
        for _ in range(50):
            try:
                reply, _ = sock.recvfrom(65535)
            except socket.timeout:
                break
            m = dns.message.from_wire(reply)
            if m.flags & dns.flags.TC:
                assert not m.answer
                truncated += 1
            else:
                full += 1
        sock.close()
        assert 4 <= full <= 6  # about one second's allowance
        assert 15 <= truncated <= 30  # every second limited reply slips, the rest are dropped
        # TCP is never limited: the way back for a real client.
        for _ in range(10):
            assert limited.query("mail1.example.test.", "A", tcp=True).answer
    finally:
        limited.proc.send_signal(signal.SIGUSR1)
        time.sleep(0.2)
        log = limited.stop()
    assert "rate_limited=" in log and "slipped=" in log
