"""The world of `mxkit check`'s system tests (test_check.py): domains built so that each finding
fires, served by the loopback test internet's DNS (internet.py) on mxkit, on NSD or on both
mixed, and the mail servers behind them (`mxkit serve`, scripted servers, aiosmtpd) and the
MTA-STS policy host, which every DNS world shares.
"""
from __future__ import annotations

import hashlib
import json
import subprocess
import time
from pathlib import Path

import dns.message
import dns.query

import processes
from https_policy import PolicyServer, PolicyCa
from internet import Internet, free_port
from mail_world import Scripted, wait_port
from nsd_config import write_nsd_conf

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
    "stscn.test": (200, "text/plain", "version: STSv1\nmode: enforce\nmx: mx1.good.test\nmax_age: 604800\n",
                   None, None),
}
# Hosts whose certificate names them in the subject's CN only: RFC 8461 §3.3 matches DNS-IDs only.
CN_ONLY = {"stscn.test"}
POLICY_ADDRESS = "127.0.4.1"

# Everything listening for SMTP in this world, on one port.
SMTP_ADDRESSES = ["127.0.1.1", "127.0.2.1", "127.0.3.2", "127.0.3.3", "127.0.3.4", "127.0.3.5",
                  "127.0.3.6"]

# The DNS worlds, each (backend, per-address overrides): every server mxkit; every server NSD;
# NSD with mxkit on the odd addresses (test. on 127.0.0.3 and each two-server domain's second
# server 127.0.0.5), so that a domain's name servers are two implementations that must agree.
DNS_WORLDS = {
    "mxkit": ("mxkit", {}),
    "nsd": ("nsd", {}),
    "mixed": ("nsd", {"127.0.0.3": "mxkit", "127.0.0.5": "mxkit"}),
}


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


def make_cert(directory: Path, name: str, days: int = 30, san: bool = True) -> tuple[Path, Path, str]:
    """A self-signed EC certificate for `name`; returns cert, key and its SPKI SHA-256 (hex).
    Without `san` the name is only the subject's CN (no DNS-ID, RFC 6125 §6.4.4)."""
    cert, key = directory / f"{name}.crt", directory / f"{name}.key"
    # openssl req -x509 adds no subjectAltName of its own (its default config has none).
    extension = ["-addext", f"subjectAltName=DNS:{name}"] if san else []
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-days", str(days), "-subj", f"/CN={name}", *extension,
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    public = subprocess.run(["openssl", "x509", "-in", str(cert), "-pubkey", "-noout"], check=True,
                            capture_output=True).stdout
    der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "DER"], input=public, check=True,
                         capture_output=True).stdout
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
        self.smtp_port = free_port(SMTP_ADDRESSES)
        self.procs: list[subprocess.Popen] = []
        self.scripted: list[Scripted] = []
        self.aiosmtpd = None
        self.https_port = free_port([POLICY_ADDRESS])
        self.policies = PolicyServer(POLICY_ADDRESS, self.https_port, PolicyCa(root / "ca"))
        self.policies.add("mta-sts.good.test", 200, "text/plain", GOOD_POLICY)
        for domain, (status, content_type, body, other, headers) in STS_DOMAINS.items():
            self.policies.add(f"mta-sts.{domain}", status, content_type, body, other, headers,
                              san=domain not in CN_ONLY)
        certs = root / "certs"
        certs.mkdir(parents=True)
        self.cert1 = make_cert(certs, "mx1.good.test")
        self.cert2 = make_cert(certs, "mx2.good.test")
        self.wrong = make_cert(certs, "wrong.name.test")
        self.cn_only = make_cert(certs, "mx.cncert.test", san=False)
        self.dkim = dkim_keys(certs)
        self.nets: dict[str, CheckInternet] = {}
        self.net = self._internet("mxkit")

    def _internet(self, world: str) -> "CheckInternet":
        """The DNS world `world` (DNS_WORLDS), described, not started."""
        backend, overrides = DNS_WORLDS[world]
        net = self.nets[world] = CheckInternet(self.mxkit, self.root / f"internet-{world}", backend, overrides)
        self._describe(net)
        return net

    def on(self, world: str) -> "View":
        """The mail servers seen through the DNS world `world`, started on first use (NSD's
        start is bounded by Internet.start's deadline) and stopped with the world."""
        net = self.nets.get(world)
        if net is None:
            net = self._internet(world)
        if not net.started:
            net.start()
        return View(self, net)

    def _describe(self, net: "CheckInternet") -> None:
        ed25519, weak = self.dkim
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
        # refusing postmaster, a certificate naming the MX in its subject CN only.
        for name, address in [("unreach", "127.0.3.1"), ("plain", "127.0.3.2"), ("badcert", "127.0.3.3"),
                              ("relay", "127.0.3.4"), ("nopm", "127.0.3.5"), ("aio", "127.0.3.6"),
                              ("cncert", "127.0.3.7")]:
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
        self._mxkit_smtp("127.0.3.7", "mx.cncert.test", "cncert.test", self.cn_only)
        self.scripted.append(Scripted("127.0.3.4", self.smtp_port, greeting="220 relay.example.com ESMTP"))
        self.scripted.append(Scripted("127.0.3.5", self.smtp_port, greeting="220 mx.nopm.test ESMTP",
                                      # Scripted replies are used up: enough for every DNS world's checks.
                                      rcpt=["550 5.1.1 no such user"] * 100))
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
        for net in self.nets.values():
            net.stop()

    def check(self, domain: str, *extra: str, timeout: float = 20, net: Internet | None = None
              ) -> tuple[int, dict, float]:
        """`mxkit check DOMAIN --json` through `net` (default the mxkit DNS world): its exit
        status, its report and how long it took."""
        net = net or self.net
        command = [str(self.mxkit), "check", domain, "--json", *net.resolver_args(),
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


class View:
    """A World seen through one of its DNS worlds: `net` is that world's, the rest is shared."""

    def __init__(self, world: World, net: Internet):
        self.world, self.net = world, net

    def __getattr__(self, name):
        return getattr(self.world, name)

    def check(self, domain: str, *extra: str, timeout: float = 20) -> tuple[int, dict, float]:
        return self.world.check(domain, *extra, timeout=timeout, net=self.net)


def start_dns(mxkit: Path, tmp_path: Path, address: str, zones: dict[str, str], *extra: str,
              backend: str = "mxkit", nsd_zone: str = "", nsd_tail: str = ""):
    """One authoritative server, `mxkit serve` (with `extra` options) or NSD (with `nsd_zone`
    lines in each zone clause and `nsd_tail` appended to its configuration), for `zones`
    (origin → text) on address:free port; waits until it answers, at most 5 s. Returns the
    process, its port and its log (close it after stopping the process by its PID)."""
    port = free_port([address])
    paths = {}
    for origin, text in zones.items():
        paths[origin] = tmp_path / f"{origin}zone"
        paths[origin].write_text(text)
    if backend == "mxkit":
        command = [str(mxkit), "serve", "--dns-listen", f"{address}:{port}", "--zone-checks", "warn", *extra]
        for origin, path in paths.items():
            command += ["--zone", f"{origin}={path}"]
    else:
        workdir = tmp_path / f"nsd-{address}"
        workdir.mkdir()
        conf = write_nsd_conf(workdir, address, port, [(o, p, nsd_zone) for o, p in paths.items()])
        conf.write_text(conf.read_text() + nsd_tail)
        command = ["nsd", "-d", "-c", str(conf)]
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


