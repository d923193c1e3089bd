"""The resolver library against real servers: `mxkit serve` instances on loopback as the root
(127.0.0.2), the `test.` TLD (127.0.0.3) and a domain (127.0.0.4), all on one free port, with
tests/system/resolve_probe printing each Resolution as JSON.

This keeps its own three fixed zones (a delegation loop, a lame delegation, a reply too big for
UDP); the reusable test internet for routing and dig is internet.py.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import threading
import time
from pathlib import Path

import dns.exception
import dns.message
import dns.query
import dns.rrset
import pytest

import processes

ROOT = """$TTL 3600
.        SOA  a.root. host.root. 1 7200 900 1209600 300
.        NS   a.root.
a.root.  A    127.0.0.2
test.    NS   ns.test.
ns.test. A    127.0.0.3
"""

TLD = """$ORIGIN test.
$TTL 3600
@            SOA  ns hostmaster 1 7200 900 1209600 300
@            NS   ns
ns           A    127.0.0.3
example      NS   ns1.example
example      NS   ns2.example
ns1.example  A    127.0.0.4
ns2.example  A    127.0.0.5
; a delegation loop: each zone's name server is inside the other zone, and no glue
loopa        NS   ns.loopb
loopb        NS   ns.loopa
; a lame delegation: 127.0.0.4 does not serve lame.test
lame         NS   ns.lame
ns.lame      A    127.0.0.4
"""

DOMAIN = """$ORIGIN example.test.
$TTL 300
@        SOA   ns1 hostmaster 1 7200 900 1209600 60
@        NS    ns1
@        NS    ns2
ns1      A     127.0.0.4
ns2      A     127.0.0.5
@        MX    10 mail
@        MX    20 backup
mail     A     127.0.1.1
backup   A     127.0.1.2
www      CNAME mail
short 1  A     127.0.1.3
big      TXT   "{chunk}" "{chunk}" "{chunk}" "{chunk}" "{chunk}" "{chunk}" "{chunk}"
""".replace("{chunk}", "x" * 250)

REPO = Path(__file__).resolve().parents[2]


def probe_binary(mxkit: Path) -> Path:
    if os.environ.get("MXKIT_RESOLVE_PROBE"):
        return Path(os.environ["MXKIT_RESOLVE_PROBE"])
    return mxkit.parent / "tests" / "system" / "resolve_probe"


def free_port() -> int:
    """A port free for UDP and TCP on the addresses used (bounded attempts)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind(("127.0.0.2", 0))
            port = s.getsockname()[1]
        try:
            for address in ("127.0.0.2", "127.0.0.3", "127.0.0.4"):
                for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
                    with socket.socket(socket.AF_INET, kind) as s:
                        s.bind((address, port))
            return port
        except OSError:
            continue
    raise RuntimeError("no free port")


class Servers:
    def __init__(self, mxkit: Path, workdir: Path):
        self.port = free_port()
        self.procs: dict[str, subprocess.Popen] = {}
        zones = {"127.0.0.2": [(".", ROOT)], "127.0.0.3": [("test", TLD)], "127.0.0.4": [("example.test", DOMAIN)]}
        for address, served in zones.items():
            # Lame and looping delegations on purpose (no glue): served with warnings.
            args = [str(mxkit), "serve", "--dns-listen", f"{address}:{self.port}", "--zone-checks", "warn"]
            for origin, text in served:
                path = workdir / f"{address}-{origin.strip('.') or 'root'}.zone"
                path.write_text(text)
                args += ["--zone", f"{origin}={path}"]
            self.procs[address] = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.hints = workdir / "root.hints"
        self.hints.write_text(". 3600000 NS a.root.\na.root. 3600000 A 127.0.0.2\n")
        deadline = time.monotonic() + 10
        for address, proc in self.procs.items():
            while True:  # bounded by the deadline
                if proc.poll() is not None:
                    raise RuntimeError(f"server on {address} exited: {proc.stderr.read()}")
                try:
                    query = dns.message.make_query(".", "SOA")
                    dns.query.udp(query, address, port=self.port, timeout=0.1)
                    break
                except dns.exception.Timeout:
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"server on {address} did not answer")

    def stop(self, address: str | None = None) -> None:
        for a, proc in self.procs.items():
            if address is None or a == address:
                processes.stop(proc)


@pytest.fixture()
def servers(mxkit: Path, tmp_path: Path):
    s = Servers(mxkit, tmp_path)
    yield s
    s.stop()


def run_probe(mxkit: Path, args: list[str], timeout: float = 30) -> list[dict]:
    done = subprocess.run([str(probe_binary(mxkit)), *args], capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def iterative(mxkit: Path, servers: Servers, *questions: str, extra: list[str] | None = None) -> list[dict]:
    return run_probe(mxkit, ["--root-hints", str(servers.hints), "--dns-port", str(servers.port),
                             "--timeout", "500", *(extra or []), *questions])


def test_iterative_from_the_root(mxkit, servers):
    [mx] = iterative(mxkit, servers, "example.test/MX")
    assert mx["status"] == "answer"
    assert sorted(r["rdata"] for r in mx["records"]) == ["10 mail.example.test.", "20 backup.example.test."]
    assert mx["ttl"] == 300
    assert [s["zone"] for s in mx["trace"]] == [".", "test.", "example.test."]
    assert [s["outcome"] for s in mx["trace"]] == ["referral to test.", "referral to example.test.", "answer"]
    assert mx["trace"][0]["server"] == f"127.0.0.2:{servers.port}"
    assert mx["queries_sent"] == 3


def test_cache_answers_within_the_ttl_and_asks_again_after(mxkit, servers):
    first, second = iterative(mxkit, servers, "www.example.test/A", "www.example.test/A")
    assert first["status"] == "answer" and not first["from_cache"]
    assert [c["rdata"] for c in first["cnames"]] == ["mail.example.test."]
    assert second["from_cache"] and second["queries_sent"] == 0
    assert second["total_queries"] == first["total_queries"]
    assert second["records"] == first["records"] or second["ttl"] <= first["ttl"]
    # A 1-second TTL: gone after the pause, so the resolver asks again (one query: the cut is cached).
    a, b = iterative(mxkit, servers, "short.example.test/A", "short.example.test/A", extra=["--pause", "2100"])
    assert a["ttl"] == 1 and not a["from_cache"]
    assert not b["from_cache"] and b["queries_sent"] == 1


def test_negative_answers(mxkit, servers):
    nx, nodata, nx_again = iterative(mxkit, servers, "gone.example.test/A", "mail.example.test/AAAA",
                                     "gone.example.test/MX")
    assert nx["status"] == "nxdomain" and nx["rcode"] == 3
    assert nx["ttl"] == 60  # RFC 2308 §5: min(SOA TTL 300, MINIMUM 60)
    assert nodata["status"] == "nodata" and nodata["ttl"] == 60
    assert nx_again["status"] == "nxdomain" and nx_again["from_cache"]


def test_one_name_server_down(mxkit, servers):
    # ns2 (127.0.0.5) has nothing listening: refused at once, and ns1 answers.
    start = time.monotonic()
    results = iterative(mxkit, servers, *[f"h{i}.example.test/A" for i in range(4)])
    assert all(r["status"] == "nxdomain" for r in results)
    assert time.monotonic() - start < 5
    # Once it has failed, the next resolutions do not ask it first.
    later = [s["server"] for r in results[1:] for s in r["trace"]]
    assert f"127.0.0.5:{servers.port}" not in later


def test_all_name_servers_down(mxkit, servers):
    servers.stop("127.0.0.4")
    [r] = iterative(mxkit, servers, "example.test/MX")
    assert r["status"] == "servfail"
    assert "example.test." in r["detail"]


def test_delegation_loop_ends_quickly(mxkit, servers):
    start = time.monotonic()
    [r] = iterative(mxkit, servers, "www.loopa.test/A")
    assert r["status"] == "servfail"
    assert "delegation loop" in r["detail"]
    assert time.monotonic() - start < 3
    assert r["queries_sent"] <= 10


def test_lame_delegation(mxkit, servers):
    [r] = iterative(mxkit, servers, "www.lame.test/A")
    assert r["status"] == "servfail"
    assert "REFUSED" in r["detail"]
    assert any(s["outcome"] == "lame: REFUSED" for s in r["trace"])


def test_truncated_reply_retried_over_tcp(mxkit, servers):
    [r] = iterative(mxkit, servers, "big.example.test/TXT")
    assert r["status"] == "answer"
    assert r["trace"][-1]["tcp"] is True
    assert r["trace"][-1]["size"] > 1232


def test_stub_mode_with_failover(mxkit, servers, tmp_path):
    conf = tmp_path / "resolv.conf"
    conf.write_text("# test\nnameserver 127.0.0.9\nnameserver 127.0.0.4\noptions edns0\n")
    www, nx = run_probe(mxkit, ["--resolv-conf", str(conf), "--dns-port", str(servers.port), "--timeout", "500",
                                "www.example.test/A", "gone.example.test/A"])
    assert www["status"] == "answer"
    assert [c["rdata"] for c in www["cnames"]] == ["mail.example.test."]
    assert [s["server"] for s in www["trace"]] == [f"127.0.0.9:{servers.port}", f"127.0.0.4:{servers.port}"]
    assert www["trace"][0]["outcome"].startswith("unreachable")
    assert nx["status"] == "nxdomain"
    # The failed server is tried last now.
    assert nx["trace"][0]["server"] == f"127.0.0.4:{servers.port}"


def test_stub_timeout(mxkit, servers):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:  # takes queries, never answers
        silent.bind(("127.0.0.10", 0))
        port = silent.getsockname()[1]
        start = time.monotonic()
        [r] = run_probe(mxkit, ["--resolver", f"127.0.0.10:{port}", "--timeout", "200", "example.test/MX"])
        elapsed = time.monotonic() - start
    assert r["status"] == "timeout"
    assert r["queries_sent"] == 2  # two attempts
    assert 0.35 < elapsed < 3


def test_serve_stale(mxkit, servers):
    proc = subprocess.Popen([str(probe_binary(mxkit)), "--resolver", f"127.0.0.4:{servers.port}", "--timeout", "300",
                             "--serve-stale", "--pause", "2500", "short.example.test/A", "short.example.test/A"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = json.loads(proc.stdout.readline())
        servers.stop("127.0.0.4")  # during the pause, after which the 1-second TTL has run out
        second = json.loads(proc.stdout.readline())
        proc.wait(timeout=10)
    finally:
        processes.stop(proc)
    assert first["status"] == "answer" and first["ttl"] == 1
    assert second["status"] == "answer" and second["ttl"] == 30
    assert "stale" in second["detail"]


def test_bad_options(mxkit, tmp_path):
    probe = str(probe_binary(mxkit))
    done = subprocess.run([probe, "--resolver", "nowhere", "a.test/A"], capture_output=True, text=True, timeout=10)
    assert done.returncode == 2 and "--resolver nowhere" in done.stderr
    hints = tmp_path / "hints"
    hints.write_text(". NS a.root.\n")
    done = subprocess.run([probe, "--root-hints", str(hints), "a.test/A"], capture_output=True, text=True, timeout=10)
    assert done.returncode == 2 and "--root-hints" in done.stderr and "no A or AAAA" in done.stderr


class FakeServer:
    """A UDP responder on 127.0.0.11 that answers each query through `respond(query_wire)`, which
    returns the datagrams to send back; it runs in a thread, stopped (bounded) by close()."""

    def __init__(self, respond):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.11", 0))
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.respond = respond
        self.running = True
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def loop(self):
        while self.running:
            try:
                wire, peer = self.sock.recvfrom(4096)
            except socket.timeout:
                continue
            for datagram in self.respond(wire):
                self.sock.sendto(datagram, peer)

    def close(self):
        self.running = False
        self.thread.join(timeout=5)
        self.sock.close()


def answer_for(query: dns.message.Message) -> dns.message.Message:
    reply = dns.message.make_response(query)
    reply.answer.append(dns.rrset.from_text(query.question[0].name, 60, "IN", "A", "192.0.2.1"))
    return reply


def test_stub_ignores_replies_that_do_not_match(mxkit):
    def respond(wire):
        query = dns.message.from_wire(wire)
        wrong_id = answer_for(query)
        wrong_id.id = (query.id + 1) % 65536
        other = dns.message.make_query("other.test.", "A")
        other.id = query.id
        wrong_question = answer_for(other)
        not_a_reply = dns.message.make_query(query.question[0].name, "A")
        not_a_reply.id = query.id
        return [wrong_id.to_wire(), wrong_question.to_wire(), not_a_reply.to_wire(), answer_for(query).to_wire()]

    server = FakeServer(respond)
    try:
        [r] = run_probe(mxkit, ["--resolver", f"127.0.0.11:{server.port}", "--timeout", "1000", "a.test/A"])
    finally:
        server.close()
    assert r["status"] == "answer"
    assert r["queries_sent"] == 1
    assert [x["rdata"] for x in r["records"]] == ["192.0.2.1"]


def test_stub_malformed_reply(mxkit):
    def respond(wire):
        reply = answer_for(dns.message.from_wire(wire)).to_wire()
        return [reply[:-2]]  # the rdata cut short

    server = FakeServer(respond)
    try:
        [r] = run_probe(mxkit, ["--resolver", f"127.0.0.11:{server.port}", "--timeout", "1000", "a.test/A"])
    finally:
        server.close()
    assert r["status"] == "servfail"
    assert r["trace"][0]["outcome"].startswith("malformed: malformed reply:")
    assert "malformed reply" in r["detail"]
