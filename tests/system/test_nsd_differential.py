"""The same queries to NSD and to `mxkit serve`, both serving the same zone on loopback: the
rcode, the AA and TC flags and every section must agree, compared as sets of RRsets (names
without case, as DNS compares them; the first answer owner with its case).

One intended difference: for positive answers NSD adds the zone's NS RRset to the authority
section and those name servers' addresses to the additional section; mxkit answers minimally,
as Knot does and as BIND does with `minimal-responses yes` (RFC 1034 §4.3.2 makes that data
optional, and resolvers do not need it). The comparison removes exactly that data from NSD's
answers and nothing else.
"""
from __future__ import annotations

import shutil
import subprocess
import time

import dns.flags
import dns.message
import dns.query
import dns.rdatatype
import pytest

import processes
from nsd_config import write_nsd_conf
from test_dns_server import Server, free_port

ZONE = """$ORIGIN example.test.
$TTL 3600
@        SOA   ns1 hostmaster 2026112701 7200 900 1209600 300
@        NS    ns1
@        NS    ns2.other.test.
@        MX    10 mail1
@        MX    20 mail2
ns1      A     192.0.2.53
mail1    A     192.0.2.25
mail1    AAAA  2001:db8::25
mail2    A     198.51.100.25
multi    A     192.0.2.1
multi    A     192.0.2.2
www      CNAME mail1
chain    CNAME www
ext      CNAME www.other.test.
*.wild   TXT   "wildcard"
*.wild   MX    10 mail1
sub      NS    ns.sub
sub      NS    ns.elsewhere.test.
ns.sub   A     192.0.2.99
a.b.c    A     192.0.2.7
nullmx   MX    0 .
_sip._tcp SRV  10 5 5060 mail2
big      TXT   "{chunk}" "{chunk}" "{chunk}"
""".replace("{chunk}", "y" * 200)

QUERIES = [
    ("example.test.", "MX"), ("example.test.", "SOA"), ("example.test.", "NS"),
    ("EXAMPLE.test.", "mx"), ("mail1.example.test.", "A"), ("mail1.example.test.", "AAAA"),
    ("mail2.example.test.", "AAAA"), ("multi.example.test.", "A"), ("www.example.test.", "A"),
    ("chain.example.test.", "AAAA"), ("www.example.test.", "CNAME"), ("ext.example.test.", "A"),
    ("x.wild.example.test.", "TXT"), ("x.y.wild.example.test.", "MX"), ("x.wild.example.test.", "A"),
    ("*.wild.example.test.", "TXT"), ("wild.example.test.", "TXT"), ("host.sub.example.test.", "A"),
    ("sub.example.test.", "NS"), ("sub.example.test.", "DS"), ("ns.sub.example.test.", "A"),
    ("b.c.example.test.", "A"), ("c.example.test.", "TXT"), ("nullmx.example.test.", "MX"),
    ("_sip._tcp.example.test.", "SRV"), ("nothere.example.test.", "A"), ("a.nothere.example.test.", "MX"),
    ("example.org.", "A"), ("mail1.example.test.", "ANY"), ("big.example.test.", "TXT"),
]


class Nsd:
    def __init__(self, tmp, zone_file, port):
        self.port = port
        conf = write_nsd_conf(tmp, "127.0.0.1", port, [("example.test", zone_file, "")])
        self.proc = subprocess.Popen(["nsd", "-d", "-c", str(conf)], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        for _ in range(100):  # at most ~5 s
            try:
                dns.query.udp(dns.message.make_query("example.test.", "SOA"), "127.0.0.1",
                              port=port, timeout=0.05)
                return
            except Exception:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"nsd exited: see {tmp}/nsd.log")
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("nsd did not answer within 5 s")

    def stop(self):
        processes.stop(self.proc)


@pytest.fixture(scope="module")
def servers(mxkit, tmp_path_factory):
    if shutil.which("nsd") is None:
        pytest.fail("nsd not found: install it (scripts/bootstrap does)")
    tmp = tmp_path_factory.mktemp("nsd")
    zone = tmp / "example.test.zone"
    zone.write_text(ZONE)
    nsd = Nsd(tmp, zone, free_port())
    ours = Server(mxkit, zone, free_port())
    yield nsd, ours
    ours.stop()
    nsd.stop()


def ask(port, name, rdtype, edns):
    q = dns.message.make_query(name, rdtype, use_edns=0 if edns else False)
    q.flags &= ~dns.flags.RD
    return dns.query.udp(q, "127.0.0.1", port=port, timeout=2)


def rrsets(section):
    # DNS names compare without case. (NSD compresses a name in rdata against the query name in
    # any case, so "mail1.example.test." can come back as "mail1.EXAMPLE.test."; mxkit keeps the
    # zone's case there. Owner names are checked for the query's case separately.)
    return {rrset.to_text().lower() for rrset in section}


def minimal(nsd_reply):
    """NSD's reply without the apex NS RRset in authority and the addresses that only it pulled in."""
    authority = [r for r in nsd_reply.authority
                 if not (r.rdtype == dns.rdatatype.NS and r.name.to_text().lower() == "example.test." and nsd_reply.answer)]
    if len(authority) == len(nsd_reply.authority):
        return rrsets(nsd_reply.authority), rrsets(nsd_reply.additional)
    apex_ns = {rr.target.to_text().lower() for r in nsd_reply.authority if r.rdtype == dns.rdatatype.NS for rr in r}
    named = set()
    for r in nsd_reply.answer:
        for rr in r:
            if r.rdtype == dns.rdatatype.MX:
                named.add(rr.exchange.to_text().lower())
            elif r.rdtype == dns.rdatatype.SRV:
                named.add(rr.target.to_text().lower())
            elif r.rdtype == dns.rdatatype.NS:
                named.add(rr.target.to_text().lower())
    additional = [r for r in nsd_reply.additional
                  if not (r.name.to_text().lower() in apex_ns and r.name.to_text().lower() not in named)]
    return rrsets(authority), rrsets(additional)


@pytest.mark.parametrize("edns", [True, False], ids=["edns", "plain"])
@pytest.mark.parametrize("name, rdtype", QUERIES, ids=[f"{n}{t}" for n, t in QUERIES])
def test_same_answer_as_nsd(servers, name, rdtype, edns):
    nsd, ours = servers
    theirs = ask(nsd.port, name, rdtype, edns)
    mine = ask(ours.port, name, rdtype, edns)
    assert mine.rcode() == theirs.rcode()
    for flag in (dns.flags.AA, dns.flags.TC, dns.flags.QR):
        assert bool(mine.flags & flag) == bool(theirs.flags & flag), dns.flags.to_text(flag)
    assert mine.question[0].name.to_text() == theirs.question[0].name.to_text()  # case kept
    assert rrsets(mine.answer) == rrsets(theirs.answer)
    assert [r.name.to_text() for r in mine.answer[:1]] == [r.name.to_text() for r in theirs.answer[:1]]
    authority, additional = minimal(theirs)
    assert rrsets(mine.authority) == authority
    assert rrsets(mine.additional) == additional
