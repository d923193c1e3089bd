"""`mxkit dig` beside the real dig (and kdig for +json), asking the same servers the same
questions: a test internet on loopback served by `mxkit serve` and by NSD.

The text outputs must be equal line for line once what differs between any two runs is set
aside: the banner (program name and arguments), the message ID, the query time, the date, and
cookie lines (real dig runs with +nocookie, as mxkit sends no cookie).
"""
from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import time

import pytest

import dns.message
import dns.query

import processes
from internet import BACKENDS, Internet
from nsd_config import write_nsd_conf
from test_dns_server import free_port

SERVER = "127.0.0.4"
SILENT = "127.0.0.240"

EXAMPLE = """@        MX    10 mail1
@        MX    20 mail2
mail1    A     127.0.1.1
mail1    AAAA  2001:db8::25
mail2    A     127.0.1.2
multi    A     127.0.1.3
multi    A     127.0.1.4
www      CNAME mail1
chain    CNAME www
ext      CNAME www.other.test.
*.wild   TXT   "wildcard"
sub      NS    ns.sub
ns.sub   A     192.0.2.99
nullmx   MX    0 .
_sip._tcp SRV  10 5 5060 mail2
txt      TXT   "hello world" "semi;colon" "quote\\"d"
caa      CAA   0 issue "ca.example.net"
averyveryverylongname-here TXT "long owner"
big      TXT   "{chunk}" "{chunk}" "{chunk}"
""".replace("{chunk}", "y" * 200)

# Each is given to both programs after "@SERVER -p PORT".
COMPARED = [
    ["example.test", "MX"],
    ["example.test", "SOA"],
    ["example.test", "NS"],
    ["mail1.example.test"],
    ["mail1.example.test", "AAAA"],
    ["multi.example.test", "A", "+norec"],
    ["chain.example.test", "A"],
    ["ext.example.test", "A"],
    ["x.wild.example.test", "TXT"],
    ["host.sub.example.test", "A", "+norec"],
    ["nothere.example.test", "A"],
    ["nullmx.example.test", "MX"],
    ["_sip._tcp.example.test", "SRV"],
    ["txt.example.test", "TXT"],
    ["caa.example.test", "CAA"],
    ["averyveryverylongname-here.example.test", "TXT"],
    ["example.test", "MX", "+tcp"],
    ["example.test", "MX", "+noedns"],
    ["example.test", "MX", "+dnssec"],
    ["big.example.test", "TXT", "+bufsize=512"],
    ["big.example.test", "TXT", "+noedns"],
    ["MX", "example.test"],
    ["-t", "MX", "example.test"],
    ["-x", "127.0.1.1"],
    ["example.org", "A"],
    ["example.test", "MX", "+noall", "+answer"],
    ["example.test", "MX", "+nocmd", "+nostats"],
    ["example.test", "MX", "+nocomments"],
    ["example.test", "SOA", "+multi"],
    ["example.test", "MX", "+multi"],
    ["averyveryverylongname-here.example.test", "TXT", "+multi"],
    ["example.test", "SOA", "+nsid"],
]


@pytest.fixture(scope="module", params=BACKENDS)
def net(request, mxkit, tmp_path_factory):
    if shutil.which("dig") is None or shutil.which("kdig") is None:
        pytest.fail("dig and kdig are needed: install bind9-dnsutils and knot-dnsutils (scripts/bootstrap does)")
    internet = Internet(mxkit, tmp_path_factory.mktemp(f"dig-{request.param}"), backend=request.param)
    internet.add_domain("example.test.", EXAMPLE, servers=[SERVER])
    internet.server_silent(SILENT)
    internet.start()
    yield internet
    internet.stop()


def run(command, timeout=30):
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout)


def mxkit_dig(net, *args, server=SERVER):
    return run([str(net.mxkit), "dig", f"@{server}", "-p", str(net.port), *args])


def real_dig(net, *args, server=SERVER):
    return run(["dig", f"@{server}", "-p", str(net.port), *args, "+nocookie"])


VARIABLE = [
    (re.compile(r"^; <<>> .* <<>> .*$"), "; <<>> BANNER"),
    (re.compile(r"id: \d+$"), "id: ID"),
    (re.compile(r"^;; Query time: \d+ msec$"), ";; Query time: T"),
    (re.compile(r"^;; WHEN: .*$"), ";; WHEN: W"),
    (re.compile(r"^; COOKIE: .*$"), None),
]


def normalise(text: str) -> list[str]:
    lines = []
    for line in text.splitlines():
        for pattern, replacement in VARIABLE:
            if pattern.search(line):
                line = None if replacement is None else pattern.sub(replacement, line)
                if line is None:
                    break
        if line is not None:
            lines.append(line)
    return lines


@pytest.mark.parametrize("args", COMPARED, ids=lambda a: " ".join(a))
def test_text_output_is_digs(net, args):
    ours, theirs = mxkit_dig(net, *args), real_dig(net, *args)
    assert ours.returncode == theirs.returncode == 0, ours.stderr
    assert normalise(ours.stdout) == normalise(theirs.stdout)


@pytest.mark.parametrize("args", [["example.test", "MX"], ["chain.example.test", "A"],
                                  ["nothere.example.test"], ["big.example.test", "TXT"]],
                         ids=lambda a: " ".join(a))
def test_short_is_digs(net, args):
    ours, theirs = mxkit_dig(net, *args, "+short"), real_dig(net, *args, "+short")
    assert ours.returncode == theirs.returncode == 0
    assert ours.stdout == theirs.stdout


def test_tcp_norec_flags(net):
    out = mxkit_dig(net, "example.test", "MX", "+tcp", "+norec").stdout
    assert "(127.0.0.4) (TCP)" in out
    assert re.search(r"^;; flags: qr aa; QUERY: 1, ANSWER: 2,", out, re.M), out
    assert "WARNING: recursion requested" not in out


def kdig_json(net, *args):
    done = run(["kdig", f"@{SERVER}", "-p", str(net.port), *args, "+json", "+nocookie"])
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def without_opt(rrs):
    return [rr for rr in rrs if rr["TYPE"] != 41]


@pytest.mark.parametrize("args", [["example.test", "MX"], ["chain.example.test", "A"], ["nothere.example.test", "A"],
                                  ["txt.example.test", "TXT"], ["example.test", "SOA", "+noedns"]],
                         ids=lambda a: " ".join(a))
def test_json_is_rfc8427_as_kdig_writes_it(net, args):
    done = mxkit_dig(net, *args, "+json")
    assert done.returncode == 0, done.stderr
    ours = json.loads(done.stdout)
    theirs = kdig_json(net, *args)
    for key in ("QR", "Opcode", "AA", "TC", "RD", "RA", "AD", "CD", "RCODE", "QDCOUNT", "ANCOUNT", "NSCOUNT",
                "QNAME", "QTYPE", "QTYPEname", "QCLASS", "QCLASSname"):
        assert ours[key] == theirs[key], key
    assert isinstance(ours["ID"], int)
    assert ours["msgLength"] == len(ours["messageOctetsHEX"]) // 2
    assert ours["questionRRs"] == [{"NAME": ours["QNAME"], "TYPE": ours["QTYPE"], "TYPEname": ours["QTYPEname"],
                                    "CLASS": 1, "CLASSname": "IN"}]
    for section in ("answerRRs", "authorityRRs", "additionalRRs"):
        # kdig leaves the OPT record out (and out of ARCOUNT); mxkit keeps it, as on the wire.
        assert without_opt(ours[section]) == theirs.get(section, []), section
    has_opt = "+noedns" not in args
    assert ours["ARCOUNT"] == theirs["ARCOUNT"] + (1 if has_opt else 0)
    opts = [rr for rr in ours["additionalRRs"] if rr["TYPE"] == 41]
    assert len(opts) == (1 if has_opt else 0)


def test_trace_from_root_hints(net):
    done = run([str(net.mxkit), "dig", "+trace", "example.test", "MX", *net.resolver_args()])
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    port = net.port
    # The root hints, the referral from the root to test., from test. to example.test., the answer.
    expected = [
        r"^\.\s+3600000\s+IN\s+NS\s+a\.root\.$",
        rf"^test\.\s+172800\s+IN\s+NS\s+ns\.test\.$\n;; Received \d+ bytes from 127\.0\.0\.2#{port}\(a\.root\.\) in \d+ ms$",
        rf"^example\.test\.\s+3600\s+IN\s+NS\s+ns1\.example\.test\.$\n;; Received \d+ bytes from 127\.0\.0\.3#{port}\(",
        rf"^example\.test\.\s+3600\s+IN\s+MX\s+10 mail1\.example\.test\.$\n"
        rf"example\.test\.\s+3600\s+IN\s+MX\s+20 mail2\.example\.test\.$\n"
        rf";; Received \d+ bytes from 127\.0\.0\.4#{port}\(",
    ]
    at = 0
    for pattern in expected:
        match = re.compile(pattern, re.M).search(out, at)
        assert match, f"{pattern!r} not found in order in:\n{out}"
        at = match.end()


def test_trace_from_the_stub_servers_root_ns(net):
    # Without --root-hints, as dig does: ". NS" from the server named, then down from there.
    done = run([str(net.mxkit), "dig", "@127.0.0.2", "-p", str(net.port), "+trace", "mail1.example.test", "AAAA"])
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(rf"^;; Received \d+ bytes from 127\.0\.0\.2#{net.port}\(127\.0\.0\.2\)", done.stdout, re.M)
    assert re.search(r"^mail1\.example\.test\.\s+3600\s+IN\s+AAAA\s+2001:db8::25$", done.stdout, re.M), done.stdout


def test_timeout_exits_9_as_dig_does(net):
    args = ["example.test", "MX", "+timeout=1", "+tries=2"]
    start = time.monotonic()
    ours = mxkit_dig(net, *args, server=SILENT)
    elapsed = time.monotonic() - start
    theirs = real_dig(net, *args, server=SILENT)
    assert ours.returncode == theirs.returncode == 9
    assert 1.5 < elapsed < 5
    assert ours.stdout.count(f";; communications error to {SILENT}#{net.port}: timed out\n") == 2
    assert normalise(ours.stdout) == normalise(theirs.stdout)


def test_connection_refused_exits_9(net):
    ours = mxkit_dig(net, "example.test", "+tries=1", server="127.0.0.250")
    assert ours.returncode == 9
    assert f";; communications error to 127.0.0.250#{net.port}: connection refused" in ours.stdout
    assert ";; no servers could be reached" in ours.stdout


def test_json_failure_keeps_stdout_empty(net):
    ours = mxkit_dig(net, "example.test", "+json", "+timeout=1", "+tries=1", server=SILENT)
    assert ours.returncode == 9
    assert ours.stdout == ""
    assert "timed out" in ours.stderr


@pytest.mark.parametrize("args", [["+bogus"], ["a.test", "b.test"], ["+bufsize=x"], ["-x", "not-an-address"]])
def test_bad_command_lines_exit_1(net, args):
    done = mxkit_dig(net, *args)
    assert done.returncode == 1
    assert done.stderr.startswith("mxkit dig: ")
    assert done.stdout == ""


def test_server_from_resolver_option(net):
    # Without @SERVER the server is --resolver's (or /etc/resolv.conf's); -p or --dns-port give
    # the port when the option has none.
    for args in (["--resolver", f"{SERVER}:{net.port}"], ["--resolver", SERVER, "-p", str(net.port)],
                 ["--resolver", SERVER, "--dns-port", str(net.port)]):
        done = run([str(net.mxkit), "dig", *args, "example.test", "MX", "+short"])
        assert done.returncode == 0, (args, done.stderr)
        assert done.stdout == "10 mail1.example.test.\n20 mail2.example.test.\n", args


def test_trace_json_is_json(net):
    """`dig +trace +json | python -m json.tool`: the steps from the root down, as fields."""
    done = run([str(net.mxkit), "dig", "+trace", "+json", "example.test", "MX", *net.resolver_args()])
    assert done.returncode == 0, done.stderr
    tool = subprocess.run(["/usr/bin/python3", "-m", "json.tool"], input=done.stdout, capture_output=True,
                          text=True, timeout=10)
    assert tool.returncode == 0, tool.stderr
    trace = json.loads(done.stdout)
    assert trace["question"] == {"name": "example.test.", "type": "MX"}
    assert trace["roots"]["source"].startswith("root hints ")
    assert [r["rdataNS"] for r in trace["roots"]["records"]] == ["a.root."]
    steps = trace["steps"]
    for step in steps:
        assert set(step) == {"server", "port", "server_name", "name", "type", "zone", "result", "referral",
                             "rcode", "ms", "bytes", "tcp", "records"}, step
    first, last = steps[0], steps[-1]
    assert (first["server"], first["port"], first["zone"]) == ("127.0.0.2", net.port, ".")
    assert first["server_name"] == "a.root." and first["referral"] == "test." and first["rcode"] == "NOERROR"
    assert [r["rdataNS"] for r in first["records"]] == ["ns.test."]
    assert last["server"] == SERVER and last["zone"] == "example.test." and last["result"] == "answer"
    assert last["referral"] is None and last["ms"] >= 0 and last["bytes"] > 0
    assert sorted(r["rdataMX"] for r in last["records"]) == ["10 mail1.example.test.", "20 mail2.example.test."]
    assert trace["status"] == "answer"


def test_server_given_by_name(net):
    """@NAME: resolved (here from the root hints) to its addresses, then asked, as dig does."""
    args = [str(net.mxkit), "dig", "@ns1.example.test", "-p", str(net.port), "example.test", "MX",
            *net.resolver_args()]
    done = run(args)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "; <<>> mxkit dig 0.1.0 <<>> @ns1.example.test -p" in done.stdout
    assert "\n; (1 server found)\n" in done.stdout
    assert f";; SERVER: {SERVER}#{net.port}({SERVER}) (UDP)" in done.stdout
    short = run(args + ["+short"])
    assert short.stdout == "10 mail1.example.test.\n20 mail2.example.test.\n"
    missing = run([str(net.mxkit), "dig", "@nothere.example.test", "example.test", *net.resolver_args()])
    assert missing.returncode == 10
    assert missing.stderr == "mxkit dig: couldn't get address for 'nothere.example.test': not found\n"
    # -6: the name has no IPv6 address.
    v6 = run([str(net.mxkit), "dig", "-6", "@ns1.example.test", "example.test", *net.resolver_args()])
    assert v6.returncode == 10 and "couldn't get address for 'ns1.example.test'" in v6.stderr


# --- zone transfers: AXFR and IXFR=SERIAL against mxkit serve and NSD, beside the real dig -----

XFR_ZONE = """$ORIGIN example.test.
$TTL 3600
@ SOA ns1 hostmaster {serial} 3600 900 1209600 300
@ NS ns1
ns1 A 127.0.0.1
@ MX 10 mail1
mail1 A {mail1}
""" + "".join(f"h{i} A 10.0.{i // 250}.{i % 250}\n" for i in range(1500))  # over 16 KiB: several messages


class XfrServer:
    """mxkit serve or NSD on 127.0.0.1, transfers allowed to 127.0.0.0/8 (or `allow`)."""

    def __init__(self, backend: str, mxkit, workdir, allow: str = "127.0.0.0/8"):
        self.backend, self.port, self.zone = backend, free_port(), workdir / "example.test.zone"
        self.zone.write_text(XFR_ZONE.format(serial=1, mail1="127.0.1.1"))
        if backend == "mxkit":
            command = [str(mxkit), "serve", "--dns-listen", f"127.0.0.1:{self.port}", "--zone",
                       f"example.test={self.zone}", "--allow-transfer", allow]
        else:
            conf = write_nsd_conf(workdir, "127.0.0.1", self.port,
                                  [("example.test.", self.zone, f"provide-xfr: {allow} NOKEY")])
            conf.write_text(conf.read_text().replace("server:\n", 'server:\n  nsid: "ascii_ns1.nsd"\n', 1))
            command = ["nsd", "-d", "-c", str(conf)]
        self.proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.wait_for_serial(1)

    def serial(self) -> int | None:
        try:
            reply = dns.query.udp(dns.message.make_query("example.test.", "SOA"), "127.0.0.1", port=self.port,
                                  timeout=0.1)
            return reply.answer[0][0].serial if reply.answer else None
        except Exception:
            return None

    def wait_for_serial(self, serial: int) -> None:
        for _ in range(100):
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.backend} exited with {self.proc.returncode}")
            if self.serial() == serial:
                return
            time.sleep(0.05)
        raise RuntimeError(f"{self.backend} did not serve serial {serial} within 5 s")

    def change(self) -> None:
        """Serial 2: mail1 moves. mxkit keeps the difference in its journal (IXFR answers it)."""
        self.zone.write_text(XFR_ZONE.format(serial=2, mail1="127.0.1.9"))
        self.proc.send_signal(signal.SIGHUP)
        self.wait_for_serial(2)

    def stop(self) -> None:
        processes.stop(self.proc)


@pytest.fixture(scope="module", params=BACKENDS)
def xfr(request, mxkit, tmp_path_factory):
    server = XfrServer(request.param, mxkit, tmp_path_factory.mktemp(f"xfr-{request.param}"))
    server.change()
    yield server
    server.stop()


def digs(server, *args):
    return (run([str(server_mxkit()), "dig", "@127.0.0.1", "-p", str(server.port), *args]),
            run(["dig", "@127.0.0.1", "-p", str(server.port), *args, "+nocookie"]))


_MXKIT = []


def server_mxkit():
    return _MXKIT[0]


@pytest.fixture(autouse=True, scope="module")
def _remember_mxkit(mxkit):
    _MXKIT.append(mxkit)
    yield
    _MXKIT.clear()


@pytest.mark.parametrize("args", [["example.test", "AXFR"], ["example.test", "AXFR", "+multi"],
                                  ["example.test", "IXFR=1"], ["example.test", "IXFR=2"],
                                  ["example.test", "IXFR=7"], ["-t", "IXFR=1", "example.test"],
                                  ["example.test", "AXFR", "+short"], ["nothere.test", "AXFR"]],
                         ids=" ".join)
def test_transfer_is_digs(xfr, args):
    ours, theirs = digs(xfr, *args)
    assert ours.returncode == theirs.returncode == 0, ours.stdout + ours.stderr
    assert normalise(ours.stdout) == normalise(theirs.stdout)
    if args == ["example.test", "AXFR"]:
        assert re.search(r"^;; XFR size: 1506 records \(messages [2-9], bytes \d+\)$", ours.stdout, re.M), ours.stdout


def test_transfer_as_json(xfr):
    ours = run([str(server_mxkit()), "dig", "@127.0.0.1", "-p", str(xfr.port), "example.test", "AXFR", "+json"])
    assert ours.returncode == 0, ours.stderr
    messages = json.loads(ours.stdout)
    assert len(messages) >= 2
    records = [rr for m in messages for rr in m["answerRRs"]]
    assert len(records) == 1506
    assert records[0]["TYPEname"] == records[-1]["TYPEname"] == "SOA"
    assert all(m["RCODE"] == 0 for m in messages)


def test_ixfr_gives_the_differences_from_mxkit(xfr):
    if xfr.backend != "mxkit":
        pytest.skip("NSD 4.6 keeps no IXFR history of zone file reloads: it answers in AXFR form")
    ours, _ = digs(xfr, "example.test", "IXFR=1")
    records = [line.split() for line in ours.stdout.splitlines() if line and not line.startswith(";")]
    assert [(r[3], r[4] if r[3] != "SOA" else r[6]) for r in records] == [
        ("SOA", "2"), ("SOA", "1"), ("A", "127.0.1.1"), ("SOA", "2"), ("A", "127.0.1.9"), ("SOA", "2")]


def test_nsid_is_digs(xfr):
    ours, theirs = digs(xfr, "example.test", "SOA", "+nsid")
    assert normalise(ours.stdout) == normalise(theirs.stdout)
    if xfr.backend == "nsd":
        assert '; NSID: 6e 73 31 2e 6e 73 64 ("ns1.nsd")' in ours.stdout


def test_source_address_of_a_transfer(mxkit, tmp_path):
    """-b: only 127.0.0.9 may transfer; from there the AXFR goes through, from 127.0.0.1 it fails."""
    server = XfrServer("mxkit", mxkit, tmp_path, allow="127.0.0.9")
    try:
        allowed, theirs = digs(server, "-b", "127.0.0.9", "example.test", "AXFR")
        assert normalise(allowed.stdout) == normalise(theirs.stdout)
        assert ";; XFR size: 1506 records" in allowed.stdout
        refused, theirs = digs(server, "example.test", "AXFR")
        assert normalise(refused.stdout) == normalise(theirs.stdout)
        assert refused.stdout.endswith("; Transfer failed.\n")
        udp = run([str(mxkit), "dig", "-b", "127.0.0.9#0", "@127.0.0.1", "-p", str(server.port), "ns1.example.test",
                   "+short"])
        assert udp.stdout == "127.0.0.1\n", udp.stderr
    finally:
        server.stop()
