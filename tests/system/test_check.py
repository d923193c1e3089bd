"""`mxkit check DOMAIN` on the loopback test internet (internet.py): one world of domains, each
built so that some findings fire (check_world.py), checked against mxkit's DNS servers, NSD,
and both mixed (a domain's two name servers being one of each), `mxkit serve` mail servers with
and without STARTTLS, scripted SMTP servers (mail_world.Scripted) and aiosmtpd.

The world is built once for the module (about a second, NSD's worlds on first use); each test
runs `mxkit check` on one domain and looks at the codes in its JSON. The healthy domain
good.test has two MX on two networks, two name servers, TLS with certificates naming the MX
hosts, a matching TLSA record, TLS-RPT and MTA-STS records: only mx-address-not-public
(loopback) and ptr-missing (no reverse zone on this internet) may warn, whichever server
software answers.
"""
from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest

import processes
from check_world import DNS_WORLDS, POLICY_ADDRESS, World, start_dns
from https_policy import PolicyCa


@pytest.fixture(scope="module")
def world(mxkit, tmp_path_factory):
    w = World(mxkit, tmp_path_factory.mktemp("check")).start()
    yield w
    w.stop()


@pytest.fixture(scope="module", params=list(DNS_WORLDS))
def dns_world(request, world):
    """The world through each DNS world in turn: mxkit, NSD, mixed, each checked to be what it
    says: NSD names itself in version.server (CH TXT), mxkit does not."""
    view = world.on(request.param)
    for address in ("127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"):
        assert ("NSD" in server_software(view.net, address)) == (view.net.backend_of(address) == "nsd"), address
    return view


def server_software(net, address: str) -> str:
    import dns.exception
    import dns.message
    import dns.query
    query = dns.message.make_query("version.server.", "TXT", "CH")
    try:
        reply = dns.query.udp(query, address, port=net.port, timeout=2)
    except dns.exception.DNSException:
        return ""
    return " ".join(str(rr) for rrset in reply.answer for rr in rrset)



def codes(report: dict, severities=("error", "warning", "notice", "info")) -> set[str]:
    return {f["code"] for f in report["findings"] if f["severity"] in severities}


def test_healthy_domain_has_only_loopback_and_ptr_warnings(dns_world):
    status, report, elapsed = dns_world.check("good.test", "--dnsbl", "clean.test")
    bad = codes(report, ("error", "warning"))
    assert bad <= {"mx-address-not-public", "ptr-missing", "ptr-mismatch"}, report["findings"]
    assert "mx-address-not-public" in bad
    assert status == 1
    assert elapsed < 2.0, elapsed
    # The facts behind it: the plan, both name servers authoritative with one serial, both
    # mail servers over TLS with their certificates.
    assert report["mx"]["outcome"] == "deliverable"
    assert [t["exchange"] for t in report["mx"]["targets"]] == ["mx1.good.test.", "mx2.good.test."]
    servers = report["nameservers"]
    assert {s["name"] for s in servers} == {"ns1.good.test.", "ns2.good.test."}
    for s in servers:
        for a in s["servers"]:
            assert a["authoritative"] and a["serial"] == 1
    smtp = {s["exchange"]: s for s in report["smtp"]}
    assert smtp["mx1.good.test."]["tls"] and smtp["mx1.good.test."]["certificate"]["name_matches"]
    assert "STARTTLS" in smtp["mx2.good.test."]["extensions"]
    assert smtp["mx1.good.test."]["banner"].startswith("mx1.good.test")
    assert smtp["mx1.good.test."]["postmaster_reply"] == 250
    assert smtp["mx1.good.test."]["relay_reply"] >= 500
    for f in report["findings"]:
        assert f["rfc"] and f["fix"] and f["subject"] and f["message"]


@pytest.mark.parametrize("domain, expected", [
    ("single.test", {"single-mx", "single-ns", "tlsrpt-missing"}),
    ("alias.test", {"target-is-alias", "target-is-ip-literal", "target-no-address", "mx-duplicate",
                    "mx-same-network"}),
    ("nomx.test", {"mx-implicit"}),
    ("empty.test", {"mx-missing"}),
    ("nomail.test", {"null-mx"}),
    ("nullmix.test", {"null-mx-mixed"}),
    ("nullpref.test", {"null-mx-preference"}),
    ("nothere.test", {"domain-nxdomain"}),
    ("stale.test", {"ns-serial-mismatch", "mx-mismatch"}),
    ("glue.test", {"glue-mismatch"}),
    ("nsset.test", {"ns-set-mismatch"}),
    ("lame.test", {"ns-lame"}),
    ("down.test", {"ns-unreachable"}),
    ("dead.test", {"mx-lookup-failed", "ns-unreachable", "single-ns"}),
    ("longttl.test", {"mx-ttl-long"}),
    ("unreach.test", {"smtp-unreachable"}),
    ("plain.test", {"smtp-no-starttls"}),
    ("aio.test", {"smtp-no-starttls"}),
    ("badcert.test", {"smtp-tls-certificate"}),
    ("cncert.test", {"smtp-tls-certificate"}),
    ("relay.test", {"smtp-open-relay", "smtp-banner-mismatch"}),
    ("nopm.test", {"smtp-rejects-postmaster"}),
    ("tlsabad.test", {"tlsa-mismatch"}),
    ("sts.test", {"mta-sts-invalid"}),
    ("stsmode.test", {"mta-sts-invalid"}),
    ("stsage.test", {"mta-sts-invalid"}),
    ("stsmx.test", {"mta-sts-mx-mismatch"}),
    ("sts404.test", {"mta-sts-invalid"}),
    ("stscert.test", {"mta-sts-invalid"}),
    ("stsredirect.test", {"mta-sts-invalid"}),
    ("stshtml.test", {"mta-sts-invalid"}),
    ("stscn.test", {"mta-sts-invalid"}),
    ("good.test", {"zone-unavailable", "ptr-missing", "mx-address-not-public"}),
    ("single.test", {"spf-missing", "dmarc-missing", "dkim-key-missing"}),
    ("spfmulti.test", {"spf-multiple"}),
    ("spfsyntax.test", {"spf-syntax"}),
    ("spflimit.test", {"spf-too-many-lookups"}),
    ("spfvoid.test", {"spf-void-lookups"}),
    ("spfall.test", {"spf-pass-all", "spf-ptr"}),
    ("spfmx.test", {"spf-mx-not-authorized"}),
    ("dmarcsyntax.test", {"dmarc-syntax"}),
    ("dmarcmulti.test", {"dmarc-multiple"}),
    # The parent dead.test has no server that answers: the delegation cannot be read.
    ("sub.dead.test", {"ns-lookup-failed"}),
    ("dmarcnone.test", {"dmarc-policy-none", "dmarc-report-uri-unauthorized"}),
])
def test_code_fires(dns_world, domain, expected):
    status, report, _ = dns_world.check(domain)
    assert expected <= codes(report), report["findings"]
    worst = {f["severity"] for f in report["findings"]}
    assert status == (2 if "error" in worst else 1 if "warning" in worst else 0)


def test_certificate_name_only_in_cn(world):
    """mx.cncert.test's certificate names it in the subject CN and has no subjectAltName: OpenSSL
    would fall back to the CN, RFC 6125 §6.4.4 (RFC 7672, RFC 8461) matches DNS-IDs only."""
    _, report, _ = world.check("cncert.test")
    # The self-signed chain is a notice of its own; the name finding is the one above it.
    found = [f for f in report["findings"] if f["code"] == "smtp-tls-certificate" and f["severity"] != "notice"]
    assert len(found) == 1 and found[0]["subject"].startswith("mx.cncert.test. "), report["findings"]
    assert "only in the subject CN" in found[0]["message"], found
    certificate = report["smtp"][0]["certificate"]
    assert certificate["names"] == [] and "CN=mx.cncert.test" in certificate["subject"], certificate
    assert not certificate["name_matches"] and certificate["name_only_in_cn"], certificate
    # A certificate for another name altogether is told apart from it.
    _, other, _ = world.check("badcert.test")
    messages = [f["message"] for f in other["findings"] if f["code"] == "smtp-tls-certificate"]
    assert messages and not any("subject CN" in m for m in messages), messages
    assert not other["smtp"][0]["certificate"]["name_only_in_cn"]


def sts_findings(report: dict) -> list[tuple[str, str, str]]:
    return [(f["code"], f["severity"], f["message"]) for f in report["findings"] if f["code"].startswith("mta-sts")]


def test_mta_sts_policy_good(world):
    """good.test's policy is fetched over HTTPS from the test CA's certificate and covers both MX."""
    _, report, _ = world.check("good.test", "--no-smtp")
    assert sts_findings(report) == [], report["findings"]
    policy = report["mta_sts"]["policy"]
    assert policy["url"] == f"https://mta-sts.good.test:{world.https_port}/.well-known/mta-sts.txt"
    assert policy["status"] == 200 and policy["error"] == "" and policy["certificate_error"] == ""
    assert policy["address"] == POLICY_ADDRESS and "mode: enforce" in policy["body"]
    # With another CA instead of the test CA the same certificate chains to nothing trusted.
    other = PolicyCa(world.root / "other-ca")
    _, untrusted, _ = world.check("good.test", "--no-smtp", "--https-ca", str(other.cert))
    found = sts_findings(untrusted)
    assert len(found) == 1 and "unable to verify the first certificate" in found[0][2], found
    # A trust-anchor file that holds no certificate is named in the finding.
    _, unreadable, _ = world.check("good.test", "--no-smtp", "--https-ca", "/dev/null")
    assert any("--https-ca /dev/null" in m for _, _, m in sts_findings(unreadable)), unreadable["findings"]


@pytest.mark.parametrize("domain, severity, words", [
    ("stsmode.test", "warning", "mode \"strict\""),
    ("stsage.test", "warning", "max_age \"99999999999\""),
    ("sts404.test", "warning", "HTTP 404"),
    ("stscert.test", "warning", "hostname mismatch"),
    ("stsredirect.test", "warning", "redirects to \"https://elsewhere.test/\""),
    ("stshtml.test", "warning", "text/html"),
    # The right name, but only as the CN: OpenSSL would fall back to it; RFC 8461 §3.3 does not.
    ("stscn.test", "warning", "hostname mismatch"),
])
def test_mta_sts_invalid_says_why(world, domain, severity, words):
    _, report, _ = world.check(domain, "--no-smtp")
    found = sts_findings(report)
    assert [(c, s) for c, s, _ in found] == [("mta-sts-invalid", severity)], found
    assert words in found[0][2], found


def test_mta_sts_mx_not_covered(dns_world):
    _, report, _ = dns_world.check("stsmx.test", "--no-smtp")
    found = [f for f in report["findings"] if f["code"].startswith("mta-sts")]
    assert [(f["code"], f["subject"], f["severity"]) for f in found] == [
        ("mta-sts-mx-mismatch", "mx.stsmx.test.", "error")], found


def test_dkim_selectors(dns_world):
    _, report, _ = dns_world.check("good.test", "--no-smtp", "--dkim-selector", "weak", "--dkim-selector", "old",
                               "--dkim-selector", "bad", "--dkim-selector", "nosuch")
    by_code = {}
    for f in report["findings"]:
        by_code.setdefault(f["code"], []).append(f)
    assert by_code["dkim-key-weak"][0]["severity"] == "warning" and "1024" in by_code["dkim-key-weak"][0]["message"]
    assert by_code["dkim-key-revoked"][0]["subject"].startswith("old._domainkey")
    assert by_code["dkim-syntax"][0]["subject"].startswith("bad._domainkey")
    assert [f["subject"] for f in by_code["dkim-key-missing"]] == ["nosuch._domainkey.good.test"]
    keys = {k["selector"]: k for k in report["dkim"]}
    assert keys["default"]["key"]["type"] == "ed25519"


def test_null_mx_domain_exits_zero(dns_world):
    status, report, _ = dns_world.check("nomail.test")
    assert status == 0, report["findings"]
    assert report["smtp"] == []


def test_serial_mismatch_uses_rfc1982(dns_world):
    # 4294967295 is behind 1 in serial arithmetic (1 is 2 ahead after the wrap): ns2 lags.
    _, report, _ = dns_world.check("stale.test")
    lagging = [f for f in report["findings"] if f["code"] == "ns-serial-mismatch"]
    assert len(lagging) == 1 and "127.0.0.5" in lagging[0]["subject"], lagging


def test_dnsbl_listed_quotes_the_reason(dns_world):
    _, report, _ = dns_world.check("good.test", "--dnsbl", "bl.test")
    listed = [f for f in report["findings"] if f["code"] == "dnsbl-listed"]
    assert len(listed) == 1 and "127.0.1.1" in listed[0]["subject"]
    assert "listed for testing" in listed[0]["message"]


def test_zone_file_findings(world, tmp_path):
    zone = tmp_path / "good.zone"
    zone.write_text("$TTL 3600\n@ SOA ns1 hostmaster 1 7200 900 1209600 300\n@ NS ns1\nns1 A 127.0.0.4\n"
                    "@ MX 10 mail\nmail CNAME mx1\nmx1 A 127.0.1.1\n")
    _, report, _ = world.check("good.test", "--zone", str(zone), "--no-smtp")
    zone_findings = [f for f in report["findings"] if f["area"] == "zone"]
    assert any(f["code"] == "target-is-alias" for f in zone_findings), report["findings"]
    assert "zone-unavailable" not in codes(report)
    assert report["smtp"] == []


def test_text_report_and_could_not_run(world):
    result = subprocess.run([str(world.mxkit), "check", "relay.test", *world.net.resolver_args(), "--smtp-port",
                             str(world.smtp_port), "--no-dnsbl"], capture_output=True, text=True, timeout=20)
    assert result.returncode == 2
    lines = result.stdout.splitlines()
    assert "smtp:" in lines
    # Areas with errors come first: the first area printed holds an error.
    first_area = next(i for i, l in enumerate(lines) if l.endswith(":") and not l.startswith(" ") and i > 0)
    assert lines[first_area + 1].strip().startswith("error"), lines
    first = next(i for i, l in enumerate(lines) if "[smtp-open-relay]" in l)
    assert lines[first + 1].strip().startswith("fix:")
    assert lines[-1].startswith("relay.test.: ") and "error" in lines[-1]
    bad = subprocess.run([str(world.mxkit), "check", "bad..name", *world.net.resolver_args()],
                         capture_output=True, text=True, timeout=20)
    assert bad.returncode == 3 and "mxkit check" in bad.stderr


def test_every_code_is_documented():
    import re
    repo = Path(__file__).resolve().parents[2]
    catalogue = re.findall(r'^\s+\{"([a-z0-9-]+)", "[a-z]+", S::', (repo / "src/checks/finding.cpp").read_text(), re.M)
    documented = set(re.findall(r"^\| `([a-z0-9-]+)` \|", (repo / "docs/checks.md").read_text(), re.M))
    assert len(catalogue) > 50
    assert set(catalogue) == documented


@pytest.mark.parametrize("backend", ["mxkit", "nsd"])
def test_ptr_mismatch_and_forward_confirmed(mxkit, tmp_path, backend):
    """The test internet has no reverse zones: here one server (mxkit serve or NSD) is
    authoritative for a domain and its reverse zone, asked in stub mode (--resolver). 127.0.1.1's
    PTR names a host with another address (ptr-mismatch); 127.0.1.2's names its MX, which
    resolves back."""
    address = "127.0.0.9"
    proc, port, log = start_dns(mxkit, tmp_path, address, {
        "ptr.test.": "$ORIGIN ptr.test.\n$TTL 300\n@ SOA ns hostmaster 1 7200 900 1209600 300\n@ NS ns\n"
                     "ns A 127.0.0.9\n@ MX 10 mx1\n@ MX 20 mx2\nmx1 A 127.0.1.1\nmx2 A 127.0.1.2\n"
                     "elsewhere A 127.0.1.99\n",
        "1.0.127.in-addr.arpa.": "$ORIGIN 1.0.127.in-addr.arpa.\n$TTL 300\n"
                                 "@ SOA ns.ptr.test. hostmaster.ptr.test. 1 7200 900 1209600 300\n"
                                 "@ NS ns.ptr.test.\n1 PTR elsewhere.ptr.test.\n2 PTR mx2.ptr.test.\n"}, backend=backend)
    try:
        done = subprocess.run([str(mxkit), "check", "ptr.test", "--json", "--no-smtp", "--no-dnsbl",
                               "--resolver", f"{address}:{port}", "--timeout", "300"],
                              capture_output=True, text=True, timeout=20)
        report = json.loads(done.stdout)
        ptr = {p["address"]: p for p in report["ptr"]}
        assert ptr["127.0.1.2"]["confirmed"] and ptr["127.0.1.2"]["names"] == ["mx2.ptr.test."]
        assert not ptr["127.0.1.1"]["confirmed"]
        found = [(f["code"], f["subject"]) for f in report["findings"] if f["area"] == "ptr"]
        assert found == [("ptr-mismatch", "mx1.ptr.test. 127.0.1.1")], report["findings"]
    finally:
        processes.stop(proc)
        log.close()


def test_propagation_against_each_resolver(world, tmp_path):
    """Each --resolver is asked for the MX (with RD) and compared with the authoritative answer.
    A server still holding good.test's old zone stands for a resolver with a stale cache; the
    authoritative server itself agrees."""
    from internet import free_port
    address = "127.0.0.10"
    port = free_port([address])
    zone = tmp_path / "old.zone"
    zone.write_text("$ORIGIN good.test.\n$TTL 1800\n@ SOA ns1 hostmaster 1 7200 900 1209600 300\n@ NS ns1\n"
                    "ns1 A 127.0.0.4\n@ MX 10 oldmx\noldmx A 127.0.1.50\n")
    log = open(tmp_path / "dns.log", "w")
    proc = subprocess.Popen([str(world.mxkit), "serve", "--dns-listen", f"{address}:{port}", "--zone",
                             f"good.test.={zone}"], stdout=subprocess.DEVNULL, stderr=log)
    try:
        import dns.message
        import dns.query
        end = time.monotonic() + 5
        while True:
            try:
                dns.query.udp(dns.message.make_query("good.test.", "SOA"), address, port=port, timeout=0.1)
                break
            except Exception:
                assert time.monotonic() < end and proc.poll() is None, "the DNS server did not start"
        _, report, _ = world.check("good.test", "--no-smtp", "--resolver", f"{address}:{port}",
                                   "--resolver", f"127.0.0.4:{world.net.port}")
        views = {v["resolver"]: v for v in report["propagation"]}
        assert views[f"{address}:{port}"]["mx"] == ["10 oldmx.good.test."]
        assert views[f"{address}:{port}"]["ttl"] == 1800
        assert views[f"127.0.0.4:{world.net.port}"]["mx"] == ["10 mx1.good.test.", "20 mx2.good.test."]
        pending = [f for f in report["findings"] if f["code"] == "propagation-pending"]
        assert [f["subject"] for f in pending] == [f"{address}:{port}"], report["findings"]
        assert "1800 s" in pending[0]["message"] and pending[0]["severity"] == "notice"
    finally:
        processes.stop(proc)
        log.close()


AXFR_ADDRESS = "127.0.0.11"
AXFR_ZONE = ("$ORIGIN axfr.test.\n$TTL 300\n@ SOA ns hostmaster 1 7200 900 1209600 300\n@ NS ns\n"
             f"ns A {AXFR_ADDRESS}\n@ MX 10 mail\nmail CNAME mx\nmx A 127.0.1.1\n")
TSIG_SECRET = "c2VjcmV0IHNoYXJlZCB3aXRoIHRoZSBjaGVjayBvbmx5IQ=="
WRONG_SECRET = "d3Jvbmcgc2VjcmV0IG9mIHRoZSBjaGVjayBvbmx5IQ=="


def check_axfr(mxkit: Path, port: int, *extra: str) -> tuple[int, dict]:
    done = subprocess.run([str(mxkit), "check", "axfr.test", "--json", "--no-smtp", "--no-dnsbl",
                           "--resolver", f"{AXFR_ADDRESS}:{port}", "--dns-port", str(port), "--timeout", "500",
                           *extra], capture_output=True, text=True, timeout=20)
    assert done.returncode in (0, 1, 2), done.stderr
    return done.returncode, json.loads(done.stdout)


def axfr_found_the_alias(report: dict) -> bool:
    """The zone checks ran on the transferred zone: the MX at a CNAME is reported as `mxkit check
    --zone` reports it, with the transfer as its subject."""
    assert report["zone_source"] == f"axfr {AXFR_ADDRESS}", report["findings"]
    assert "zone-unavailable" not in codes(report)
    zone_findings = [(f["code"], f["subject"]) for f in report["findings"] if f["area"] == "zone"]
    return ("target-is-alias", f"AXFR from {AXFR_ADDRESS}") in zone_findings


@pytest.mark.parametrize("backend", ["mxkit", "nsd"])
def test_zone_content_from_axfr(mxkit, tmp_path, backend):
    """Without --zone the zone is transferred (AXFR, RFC 5936) from its authoritative server,
    which allows 127.0.0.1, and the zone checks run on it."""
    proc, port, log = start_dns(mxkit, tmp_path, AXFR_ADDRESS, {"axfr.test.": AXFR_ZONE},
                                "--allow-transfer", "127.0.0.1", backend=backend,
                                nsd_zone="provide-xfr: 127.0.0.1 NOKEY")
    try:
        status, report = check_axfr(mxkit, port)
        assert status in (1, 2)
        assert axfr_found_the_alias(report), report["findings"]
    finally:
        processes.stop(proc)
        log.close()


@pytest.mark.parametrize("backend", ["mxkit", "nsd"])
def test_axfr_signed_with_tsig(mxkit, tmp_path, backend):
    """A primary that gives the zone only to its secondaries' TSIG key (RFC 8945): unsigned, or
    signed with a wrong secret, the transfer is refused (zone-unavailable, info, saying so);
    with the key, as -y or as a BIND key file with -k (dig's syntax), the zone checks run."""
    proc, port, log = start_dns(
        mxkit, tmp_path, AXFR_ADDRESS, {"axfr.test.": AXFR_ZONE}, "--allow-transfer", "127.0.0.0/8",
        "--tsig-key", f"xfr.key:hmac-sha256:{TSIG_SECRET}", "--zone-key", "axfr.test.=xfr.key",
        backend=backend, nsd_zone="provide-xfr: 127.0.0.0/8 xfr.key",
        nsd_tail=f'key:\n  name: "xfr.key"\n  algorithm: hmac-sha256\n  secret: "{TSIG_SECRET}"\n')
    try:
        for extra, refusal in [((), "REFUSED"), (("-y", f"xfr.key:{WRONG_SECRET}"), "BADSIG")]:
            _, report = check_axfr(mxkit, port, *extra)
            unavailable = [f for f in report["findings"] if f["code"] == "zone-unavailable"]
            assert [f["severity"] for f in unavailable] == ["info"], report["findings"]
            assert f"{AXFR_ADDRESS}: " in unavailable[0]["message"] and refusal in unavailable[0]["message"], \
                unavailable
            assert ("signed with TSIG key xfr.key." in unavailable[0]["message"]) == bool(extra), unavailable
            assert report["zone_source"] == ""
        _, signed = check_axfr(mxkit, port, "-y", f"hmac-sha256:xfr.key:{TSIG_SECRET}")
        assert axfr_found_the_alias(signed), signed["findings"]
        key_file = tmp_path / "xfr.key"
        key_file.write_text(f'key "xfr.key" {{\n\talgorithm hmac-sha256;\n\tsecret "{TSIG_SECRET}";\n}};\n')
        _, from_file = check_axfr(mxkit, port, "-k", str(key_file))
        assert axfr_found_the_alias(from_file), from_file["findings"]
    finally:
        processes.stop(proc)
        log.close()


def test_tsig_key_errors_name_the_option(mxkit, tmp_path):
    """A key that does not parse stops the check before it runs (exit 3), naming the option."""
    (tmp_path / "empty.key").write_text("# nothing\n")
    for extra, words in [(["-y", "xfr.key:not*base64"], "-y xfr.key:not*base64: "),
                         (["-k", str(tmp_path / "empty.key")], "no key in the file"),
                         (["-k", str(tmp_path / "missing.key")], "cannot read the file"),
                         (["-y", f"xfr.key:{TSIG_SECRET}", "-k", str(tmp_path / "empty.key")], "not both")]:
        done = subprocess.run([str(mxkit), "check", "axfr.test", *extra], capture_output=True, text=True, timeout=20)
        assert done.returncode == 3 and words in done.stderr and "mxkit check: " in done.stderr, done.stderr


def test_refused_axfr_is_info(dns_world):
    """The test internet's servers refuse transfers: zone-unavailable, info, naming the refusals."""
    _, report, _ = dns_world.check("good.test", "--no-smtp")
    unavailable = [f for f in report["findings"] if f["code"] == "zone-unavailable"]
    assert len(unavailable) == 1 and unavailable[0]["severity"] == "info"
    assert "127.0.0.4" in unavailable[0]["message"] and "REFUSED" in unavailable[0]["message"], unavailable
    assert report["zone_source"] == ""
