"""`mxkit check DOMAIN` on the loopback test internet (internet.py): one world of domains, each
built so that some findings fire, checked against mxkit's DNS servers, `mxkit serve` mail
servers with and without STARTTLS, scripted SMTP servers (mail_world.Scripted) and aiosmtpd.

The world is built once for the module (about a second); each test runs `mxkit check` on one
domain and looks at the codes in its JSON. The healthy domain good.test has two MX on two
networks, two name servers, TLS with certificates naming the MX hosts, a matching TLSA record,
TLS-RPT and MTA-STS records: only mx-address-not-public (loopback) and ptr-missing (no reverse
zone on this internet) may warn.
"""
from __future__ import annotations

import json
import socket
import subprocess
import time
from pathlib import Path

import pytest

import processes
from https_policy import PolicyServer, PolicyCa
from internet import Internet
from mail_world import Scripted, wait_port

GOOD = """\
@ MX 10 mx1
@ MX 20 mx2
mx1 A 127.0.1.1
mx2 A 127.0.2.1
@ TXT "v=spf1 mx -all"
_dmarc TXT "v=DMARC1; p=reject; rua=mailto:dmarc@good.test"
_smtp._tls TXT "v=TLSRPTv1; rua=mailto:tls@good.test"
_mta-sts TXT "v=STSv1; id=20261205"
"""

# RFC 8461 §3.2 policies: good.test's covers both its MX; the others are broken one way each.
GOOD_POLICY = "version: STSv1\r\nmode: enforce\r\nmx: mx1.good.test\r\nmx: *.good.test\r\nmax_age: 604800\r\n"
STS_DOMAINS = {
    # domain: (status, content type, body, certificate for another name, extra headers)
    "stsmode.test": (200, "text/plain", "version: STSv1\nmode: strict\nmx: mx1.good.test\nmax_age: 86400\n", None, None),
    "stsage.test": (200, "text/plain", "version: STSv1\nmode: testing\nmx: mx1.good.test\nmax_age: 99999999999\n",
                    None, None),
    "stsmx.test": (200, "text/plain; charset=utf-8", "version: STSv1\nmode: enforce\nmx: mx1.good.test\nmax_age: 604800\n",
                   None, None),
    "sts404.test": (None, "", "", None, None),
    "stscert.test": (200, "text/plain", GOOD_POLICY, "mta-sts.wrong.test", None),
    "stsredirect.test": (301, "text/html", "", None, {"Location": "https://elsewhere.test/"}),
    "stshtml.test": (200, "text/html", "<html></html>", None, None),
}
POLICY_ADDRESS = "127.0.4.1"

# Everything listening for SMTP in this world, on one port.
SMTP_ADDRESSES = ["127.0.1.1", "127.0.2.1", "127.0.3.2", "127.0.3.3", "127.0.3.4", "127.0.3.5",
                  "127.0.3.6"]


class CheckInternet(Internet):
    """An Internet whose zone on one server can differ from the others (stale secondaries,
    glue that disagrees with the zone) or be missing (lame delegations)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.edits: dict[tuple[str, str], object] = {}  # (address, origin) → text → text, or None: not served

    def _place(self, address, origin, path, text):
        key = (address, origin)
        if key in self.edits:
            edit = self.edits[key]
            if edit is None:
                return
            text = edit(text)
            path = path.with_name(f"{path.name}.{address}")
        super()._place(address, origin, path, text)


def free_tcp_port(addresses: list[str]) -> int:
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        held = []
        try:
            for address in addresses:
                s = socket.socket()
                held.append(s)
                s.bind((address, port))
            return port
        except OSError:
            continue
        finally:
            for s in held:
                s.close()
    raise RuntimeError("no free TCP port")


def make_cert(directory: Path, name: str, days: int = 30) -> tuple[Path, Path, str]:
    """A self-signed EC certificate for `name`; returns cert, key and its SPKI SHA-256 (hex)."""
    cert, key = directory / f"{name}.crt", directory / f"{name}.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-days", str(days), "-subj", f"/CN={name}", "-addext", f"subjectAltName=DNS:{name}",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    public = subprocess.run(["openssl", "x509", "-in", str(cert), "-pubkey", "-noout"], check=True,
                            capture_output=True).stdout
    der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "DER"], input=public, check=True,
                         capture_output=True).stdout
    import hashlib
    return cert, key, hashlib.sha256(der).hexdigest()


def dkim_keys(directory: Path) -> tuple[str, str]:
    """The p= of an Ed25519 key (RFC 8463: the raw 32 octets) and of a 1024-bit RSA key (its
    SubjectPublicKeyInfo), in Base64."""
    import base64
    out = []
    for algorithm, options in (("ed25519", []), ("rsa", ["-pkeyopt", "rsa_keygen_bits:1024"])):
        key = directory / f"dkim-{algorithm}.key"
        subprocess.run(["openssl", "genpkey", "-algorithm", algorithm, *options, "-out", str(key)], check=True,
                       capture_output=True)
        der = subprocess.run(["openssl", "pkey", "-in", str(key), "-pubout", "-outform", "DER"], check=True,
                             capture_output=True).stdout
        out.append(base64.b64encode(der[-32:] if algorithm == "ed25519" else der).decode())
    return out[0], out[1]


class World:
    def __init__(self, mxkit: Path, root: Path):
        self.mxkit, self.root = mxkit, root
        self.smtp_port = free_tcp_port(SMTP_ADDRESSES)
        self.procs: list[subprocess.Popen] = []
        self.scripted: list[Scripted] = []
        self.aiosmtpd = None
        self.https_port = free_tcp_port([POLICY_ADDRESS])
        self.policies = PolicyServer(POLICY_ADDRESS, self.https_port, PolicyCa(root / "ca"))
        self.policies.add("mta-sts.good.test", 200, "text/plain", GOOD_POLICY)
        certs = root / "certs"
        certs.mkdir(parents=True)
        self.cert1 = make_cert(certs, "mx1.good.test")
        self.cert2 = make_cert(certs, "mx2.good.test")
        self.wrong = make_cert(certs, "wrong.name.test")
        ed25519, weak = dkim_keys(certs)
        net = self.net = CheckInternet(mxkit, root / "internet")
        net.add_domain("good.test", GOOD + f"_{self.smtp_port}._tcp.mx1 TLSA 3 1 1 {self.cert1[2]}\n"
                       f"default._domainkey TXT \"v=DKIM1; k=ed25519; p={ed25519}\"\n"
                       f"weak._domainkey TXT \"v=DKIM1; k=rsa; p={weak}\"\n"
                       f"mta-sts A {POLICY_ADDRESS}\n"
                       "old._domainkey TXT \"v=DKIM1; k=rsa; p=\"\n"
                       "bad._domainkey TXT \"v=DKIM1; k=rsa; p=!!notbase64\"\n",
                       servers=["127.0.0.4", "127.0.0.5"])
        # SPF and DMARC faults (mailauth_checks); their MX is good.test's mx1.
        lim = " ".join(f"a:h{i}.spflimit.test" for i in range(11))
        hosts = "".join(f"h{i} A 192.0.2.{i + 10}\n" for i in range(11))
        for name, records in [
            ("spfmulti", '@ TXT "v=spf1 mx -all"\n@ TXT "v=spf1 -all"\n'),
            ("spfsyntax", '@ TXT "v=spf1 ip4:192.0.2.1/33 -all"\n'),
            ("spflimit", f'@ TXT "v=spf1 {lim} -all"\n{hosts}'),
            ("spfvoid", '@ TXT "v=spf1 a:n1.spfvoid.test a:n2.spfvoid.test a:n3.spfvoid.test -all"\n'),
            ("spfall", '@ TXT "v=spf1 ptr +all"\n'),
            ("spfmx", '@ TXT "v=spf1 ip4:192.0.2.1 -all"\n'),
            ("dmarcsyntax", '_dmarc TXT "v=DMARC1; p=bogus"\n'),
            ("dmarcmulti", '_dmarc TXT "v=DMARC1; p=reject"\n_dmarc TXT "v=DMARC1; p=none"\n'),
            ("dmarcnone", '_dmarc TXT "v=DMARC1; p=none; rua=mailto:reports@other.test"\n'),
        ]:
            net.add_domain(f"{name}.test", f"@ MX 10 mx1.good.test.\n{records}", servers=["127.0.0.4", "127.0.0.5"])
        # MX faults (mx_checks): one exchange, aliases, literals, missing addresses, duplicates.
        net.add_domain("single.test", "@ MX 10 mx\nmx A 127.0.1.1\n")
        net.add_domain("alias.test", "@ MX 10 mail\nmail CNAME mx\nmx A 127.0.1.1\n"
                       "@ MX 20 127.0.1.5.\n@ MX 30 nohost\n@ MX 40 mx\n@ MX 50 mx\n",
                       servers=["127.0.0.4", "127.0.0.5"])
        net.add_domain("nomx.test", "@ A 127.0.1.9\n", servers=["127.0.0.4", "127.0.0.5"])
        net.add_domain("empty.test", "@ TXT \"nothing\"\n", servers=["127.0.0.4", "127.0.0.5"])
        net.add_domain("nomail.test", "@ MX 0 .\n@ TXT \"v=spf1 -all\"\n_dmarc TXT \"v=DMARC1; p=reject\"\n"
                       "_smtp._tls TXT \"v=TLSRPTv1; rua=mailto:a@b.test\"\n",
                       servers=["127.0.0.4", "127.0.0.5"])
        net.add_domain("nullmix.test", "@ MX 0 .\n@ MX 10 mx\nmx A 127.0.1.1\n", servers=["127.0.0.4", "127.0.0.5"])
        net.add_domain("nullpref.test", "@ MX 10 .\n", servers=["127.0.0.4", "127.0.0.5"])
        # Name-server faults (ns_checks).
        net.add_domain("stale.test", "@ MX 10 mx\nmx A 127.0.1.1\n", servers=["127.0.0.4", "127.0.0.5"])
        net.edits[("127.0.0.5", "stale.test.")] = lambda t: t.replace(" 1 7200 ", " 4294967295 7200 ").replace(
            "@ MX 10 mx", "@ MX 20 mx")
        net.add_domain("glue.test", "@ MX 10 mx\nmx A 127.0.1.1\n", servers=["127.0.0.4", "127.0.0.5"])
        net.edits[("127.0.0.4", "glue.test.")] = lambda t: t.replace("ns2.glue.test. A 127.0.0.5", "ns2.glue.test. A 127.0.0.6")
        net.edits[("127.0.0.5", "glue.test.")] = lambda t: t.replace("ns2.glue.test. A 127.0.0.5", "ns2.glue.test. A 127.0.0.6")
        net.add_domain("nsset.test", "@ NS ns3.nsset.test.\nns3 A 127.0.0.4\n@ MX 10 mx\nmx A 127.0.1.1\n",
                       servers=["127.0.0.4", "127.0.0.5"])
        net.add_domain("lame.test", "@ MX 10 mx\nmx A 127.0.1.1\n", servers=["127.0.0.4", "127.0.0.6"])
        net.edits[("127.0.0.6", "lame.test.")] = None
        net.add_domain("other.test", "@ MX 10 mx\nmx A 127.0.1.1\n", servers=["127.0.0.6"])
        net.add_domain("down.test", "@ MX 10 mx\nmx A 127.0.1.1\n", servers=["127.0.0.4", "127.0.0.7"])
        net.server_down("127.0.0.7")
        net.add_domain("dead.test", "@ MX 10 mx\nmx A 127.0.1.1\n", servers=["127.0.0.8"])
        net.server_down("127.0.0.8")
        net.add_domain("longttl.test", "@ 172800 MX 10 mx\nmx A 127.0.1.1\n", servers=["127.0.0.4", "127.0.0.5"])
        # Mail-server faults (smtp_checks): nothing listening, no STARTTLS (mxkit and aiosmtpd),
        # a certificate for another name, a scripted open relay with a foreign banner, a server
        # refusing postmaster.
        for name, address in [("unreach", "127.0.3.1"), ("plain", "127.0.3.2"), ("badcert", "127.0.3.3"),
                              ("relay", "127.0.3.4"), ("nopm", "127.0.3.5"), ("aio", "127.0.3.6")]:
            net.add_domain(f"{name}.test", f"@ MX 10 mx\nmx A {address}\n", servers=["127.0.0.4", "127.0.0.5"])
        # DANE, MTA-STS, blacklists.
        net.add_domain("tlsabad.test", "@ MX 10 mx\nmx A 127.0.1.1\n"
                       f"_{self.smtp_port}._tcp.mx TLSA 3 1 1 {'00' * 32}\n", servers=["127.0.0.4", "127.0.0.5"])
        net.add_domain("sts.test", "@ MX 0 .\n_mta-sts TXT \"v=STSv1; id=not-valid!\"\n",
                       servers=["127.0.0.4", "127.0.0.5"])
        for domain, (status, content_type, body, other, headers) in STS_DOMAINS.items():
            mx = "@ MX 10 mx1.good.test.\n@ MX 20 mx\nmx A 127.0.1.1\n" if domain == "stsmx.test" else \
                "@ MX 10 mx1.good.test.\n"
            net.add_domain(domain, f"{mx}_mta-sts TXT \"v=STSv1; id=1\"\nmta-sts A {POLICY_ADDRESS}\n",
                           servers=["127.0.0.4", "127.0.0.5"])
            self.policies.add(f"mta-sts.{domain}", status, content_type, body, other, headers)
        net.add_domain("bl.test", "1.1.0.127 A 127.0.0.2\n1.1.0.127 TXT \"listed for testing\"\n")
        net.add_domain("clean.test", "")

    def start(self) -> "World":
        self.net.start()
        try:
            self.policies.start()
            self._start_mail()
        except BaseException:
            self.stop()
            raise
        return self

    def _mxkit_smtp(self, address: str, hostname: str, local: str, tls=None) -> None:
        work = self.root / f"mta-{address}"
        work.mkdir()
        log = work / "server.log"
        command = [str(self.mxkit), "serve", "--smtp-listen", f"{address}:{self.smtp_port}", "--hostname", hostname,
                   "--spool", str(work / "spool"), "--local-domain", local, "--mailbox", f"*@{local}",
                   "--maildir-root", str(work / "mail"), "--no-sender-check",
                   # Relays for no one: the open-relay probe comes from loopback, mxkit's default.
                   "--relay-from", "192.0.2.1/32"]
        if tls:
            command += ["--tls-cert", str(tls[0]), "--tls-key", str(tls[1])]
        with open(log, "w") as out:
            proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=out)
        self.procs.append(proc)
        wait_port(address, self.smtp_port, proc, log)

    def _start_mail(self) -> None:
        self._mxkit_smtp("127.0.1.1", "mx1.good.test", "good.test", self.cert1)
        self._mxkit_smtp("127.0.2.1", "mx2.good.test", "good.test", self.cert2)
        self._mxkit_smtp("127.0.3.2", "mx.plain.test", "plain.test")
        self._mxkit_smtp("127.0.3.3", "mx.badcert.test", "badcert.test", self.wrong)
        self.scripted.append(Scripted("127.0.3.4", self.smtp_port, greeting="220 relay.example.com ESMTP"))
        self.scripted.append(Scripted("127.0.3.5", self.smtp_port, greeting="220 mx.nopm.test ESMTP",
                                      rcpt=["550 5.1.1 no such user"] * 4))
        from aiosmtpd.controller import Controller
        from aiosmtpd.handlers import Sink
        self.aiosmtpd = Controller(Sink(), hostname="127.0.3.6", port=self.smtp_port, server_hostname="mx.aio.test")
        self.aiosmtpd.start()

    def stop(self) -> None:
        for proc in self.procs:
            processes.stop(proc)
        for s in self.scripted:
            s.stop()
        if self.aiosmtpd is not None:
            self.aiosmtpd.stop()
        self.policies.stop()
        self.net.stop()

    def check(self, domain: str, *extra: str, timeout: float = 20) -> tuple[int, dict, float]:
        command = [str(self.mxkit), "check", domain, "--json", *self.net.resolver_args(),
                   "--smtp-port", str(self.smtp_port), "--timeout", "500",
                   "--https-port", str(self.https_port), *extra]
        if "--https-ca" not in extra:
            command += ["--https-ca", str(self.policies.ca.cert)]
        if "--dnsbl" not in extra:
            command.append("--no-dnsbl")
        start = time.monotonic()
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        elapsed = time.monotonic() - start
        assert result.returncode in (0, 1, 2), result.stderr
        return result.returncode, json.loads(result.stdout), elapsed


@pytest.fixture(scope="module")
def world(mxkit, tmp_path_factory):
    w = World(mxkit, tmp_path_factory.mktemp("check")).start()
    yield w
    w.stop()


def codes(report: dict, severities=("error", "warning", "notice", "info")) -> set[str]:
    return {f["code"] for f in report["findings"] if f["severity"] in severities}


def test_healthy_domain_has_only_loopback_and_ptr_warnings(world):
    status, report, elapsed = world.check("good.test", "--dnsbl", "clean.test")
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
def test_code_fires(world, domain, expected):
    status, report, _ = world.check(domain)
    assert expected <= codes(report), report["findings"]
    worst = {f["severity"] for f in report["findings"]}
    assert status == (2 if "error" in worst else 1 if "warning" in worst else 0)


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
])
def test_mta_sts_invalid_says_why(world, domain, severity, words):
    _, report, _ = world.check(domain, "--no-smtp")
    found = sts_findings(report)
    assert [(c, s) for c, s, _ in found] == [("mta-sts-invalid", severity)], found
    assert words in found[0][2], found


def test_mta_sts_mx_not_covered(world):
    _, report, _ = world.check("stsmx.test", "--no-smtp")
    found = [f for f in report["findings"] if f["code"].startswith("mta-sts")]
    assert [(f["code"], f["subject"], f["severity"]) for f in found] == [
        ("mta-sts-mx-mismatch", "mx.stsmx.test.", "error")], found


def test_dkim_selectors(world):
    _, report, _ = world.check("good.test", "--no-smtp", "--dkim-selector", "weak", "--dkim-selector", "old",
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


def test_null_mx_domain_exits_zero(world):
    status, report, _ = world.check("nomail.test")
    assert status == 0, report["findings"]
    assert report["smtp"] == []


def test_serial_mismatch_uses_rfc1982(world):
    # 4294967295 is behind 1 in serial arithmetic (1 is 2 ahead after the wrap): ns2 lags.
    _, report, _ = world.check("stale.test")
    lagging = [f for f in report["findings"] if f["code"] == "ns-serial-mismatch"]
    assert len(lagging) == 1 and "127.0.0.5" in lagging[0]["subject"], lagging


def test_dnsbl_listed_quotes_the_reason(world):
    _, report, _ = world.check("good.test", "--dnsbl", "bl.test")
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


def test_ptr_mismatch_and_forward_confirmed(mxkit, tmp_path):
    """The test internet has no reverse zones: here one mxkit serve is authoritative for a
    domain and its reverse zone, asked in stub mode (--resolver). 127.0.1.1's PTR names a host
    with another address (ptr-mismatch); 127.0.1.2's names its MX, which resolves back."""
    from internet import free_port
    address = "127.0.0.9"
    port = free_port([address])
    (tmp_path / "ptr.zone").write_text(
        "$ORIGIN ptr.test.\n$TTL 300\n@ SOA ns hostmaster 1 7200 900 1209600 300\n@ NS ns\nns A 127.0.0.9\n"
        "@ MX 10 mx1\n@ MX 20 mx2\nmx1 A 127.0.1.1\nmx2 A 127.0.1.2\nelsewhere A 127.0.1.99\n")
    (tmp_path / "rev.zone").write_text(
        "$ORIGIN 1.0.127.in-addr.arpa.\n$TTL 300\n@ SOA ns.ptr.test. hostmaster.ptr.test. 1 7200 900 1209600 300\n"
        "@ NS ns.ptr.test.\n1 PTR elsewhere.ptr.test.\n2 PTR mx2.ptr.test.\n")
    log = open(tmp_path / "dns.log", "w")
    proc = subprocess.Popen([str(mxkit), "serve", "--dns-listen", f"{address}:{port}", "--zone",
                             f"ptr.test.={tmp_path / 'ptr.zone'}", "--zone",
                             f"1.0.127.in-addr.arpa.={tmp_path / 'rev.zone'}"], stdout=subprocess.DEVNULL, stderr=log)
    try:
        import dns.message
        import dns.query
        end = time.monotonic() + 5
        while True:
            try:
                dns.query.udp(dns.message.make_query("ptr.test.", "SOA"), address, port=port, timeout=0.1)
                break
            except Exception:
                assert time.monotonic() < end and proc.poll() is None, "the DNS server did not start"
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


def start_dns(mxkit: Path, tmp_path: Path, address: str, zones: dict[str, str], *extra: str):
    """One `mxkit serve` authoritative for `zones` (origin → text) on address:free port; waits
    until it answers. Returns the process, its port and its log (close it after stopping)."""
    from internet import free_port
    import dns.message
    import dns.query
    port = free_port([address])
    command = [str(mxkit), "serve", "--dns-listen", f"{address}:{port}", "--zone-checks", "warn", *extra]
    for origin, text in zones.items():
        path = tmp_path / f"{origin}zone"
        path.write_text(text)
        command += ["--zone", f"{origin}={path}"]
    log = open(tmp_path / f"dns-{address}.log", "w")
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log)
    first = next(iter(zones))
    end = time.monotonic() + 5
    while True:
        try:
            dns.query.udp(dns.message.make_query(first, "SOA"), address, port=port, timeout=0.1)
            return proc, port, log
        except Exception:
            if time.monotonic() > end or proc.poll() is not None:
                processes.stop(proc)
                log.close()
                raise AssertionError("the DNS server did not start")


def test_zone_content_from_axfr(mxkit, tmp_path):
    """Without --zone the zone is transferred (AXFR, RFC 5936) from its authoritative server,
    which allows 127.0.0.1, and the zone checks run on it: the MX at a CNAME is reported as
    `mxkit check --zone` reports it, with the transfer as its subject."""
    address = "127.0.0.11"
    zone = ("$ORIGIN axfr.test.\n$TTL 300\n@ SOA ns hostmaster 1 7200 900 1209600 300\n@ NS ns\n"
            f"ns A {address}\n@ MX 10 mail\nmail CNAME mx\nmx A 127.0.1.1\n")
    proc, port, log = start_dns(mxkit, tmp_path, address, {"axfr.test.": zone}, "--allow-transfer", "127.0.0.1")
    try:
        done = subprocess.run([str(mxkit), "check", "axfr.test", "--json", "--no-smtp", "--no-dnsbl",
                               "--resolver", f"{address}:{port}", "--dns-port", str(port), "--timeout", "500"],
                              capture_output=True, text=True, timeout=20)
        assert done.returncode in (1, 2), done.stderr
        report = json.loads(done.stdout)
        assert report["zone_source"] == f"axfr {address}"
        zone_findings = [(f["code"], f["subject"]) for f in report["findings"] if f["area"] == "zone"]
        assert ("target-is-alias", f"AXFR from {address}") in zone_findings, report["findings"]
        assert "zone-unavailable" not in codes(report)
    finally:
        processes.stop(proc)
        log.close()


def test_refused_axfr_is_info(world):
    """The test internet's servers refuse transfers: zone-unavailable, info, naming the refusals."""
    _, report, _ = world.check("good.test", "--no-smtp")
    unavailable = [f for f in report["findings"] if f["code"] == "zone-unavailable"]
    assert len(unavailable) == 1 and unavailable[0]["severity"] == "info"
    assert "127.0.0.4" in unavailable[0]["message"] and "REFUSED" in unavailable[0]["message"], unavailable
    assert report["zone_source"] == ""
