"""TSIG (RFC 8945) in zone transfers and NOTIFY: mxkit as primary of dig/kdig, BIND (named) and
Knot with a key, mxkit as secondary of NSD with a key (NSD's NOTIFY signed too), and refusals: no
key, a wrong secret (BADSIG), an unknown key (BADKEY), a NOTIFY from outside allow_notify.
"""
from __future__ import annotations

import base64
import shutil
import signal
import socket
import subprocess
import time
from unittest import mock

import dns.flags
import dns.message
import dns.opcode
import dns.query
import dns.rcode
import dns.tsig
import dns.tsigkeyring
import pytest

import processes
from nsd_config import write_nsd_conf
from test_dns_server import ZONE, Server, free_port
from test_secondary import NEW_MX, OLD_MX, Secondary
from test_zone_transfer import CHANGED, answers_mx

SECRET = base64.b64encode(b"mxkit system test tsig secret!!!").decode()
KEY = f"xfr.key:hmac-sha256:{SECRET}"
WRONG = base64.b64encode(b"not the secret at all, not at all").decode()


def run(args: list[str]) -> str:
    r = subprocess.run(args, capture_output=True, text=True, timeout=15)
    return r.stdout + r.stderr


@pytest.fixture()
def primary(mxkit, tmp_path):
    zone = tmp_path / "example.test.zone"
    zone.write_text(ZONE)
    s = Server(mxkit, zone, free_port(), ["--allow-transfer", "127.0.0.0/8", "--tsig-key", KEY,
                                          "--zone-key", "example.test=xfr.key"])
    s.zone_file = zone
    yield s
    s.stop()


def test_signed_transfers_and_wrong_keys(primary):
    at = ["@127.0.0.1", "-p", str(primary.port)]
    good = run(["dig", "-y", f"hmac-sha256:xfr.key:{SECRET}", *at, "example.test", "AXFR"])
    assert "XFR size: 14 records" in good, good
    assert "TSIG\thmac-sha256." in good and "NOERROR 0" in good and "WARNING" not in good
    # The zone requires the key: an unsigned transfer is REFUSED.
    assert "Transfer failed" in run(["dig", *at, "example.test", "AXFR"])
    # A wrong secret: NOTAUTH with BADSIG, unsigned (RFC 8945 §5.2.2).
    bad = run(["dig", "-y", f"hmac-sha256:xfr.key:{WRONG}", *at, "example.test", "SOA"])
    assert "status: NOTAUTH" in bad and "BADSIG" in bad, bad
    kbad = run(["kdig", "-y", f"hmac-sha256:xfr.key:{WRONG}", *at, "example.test", "AXFR"])
    assert "BADSIG" in kbad, kbad
    # An unknown key: BADKEY.
    unknown = run(["kdig", "-y", f"hmac-sha256:other.key:{SECRET}", *at, "example.test", "SOA"])
    assert "BADKEY" in unknown, unknown
    # kdig verifies our signatures on a whole transfer too.
    kgood = run(["kdig", "-y", f"hmac-sha256:xfr.key:{SECRET}", *at, "example.test", "AXFR"])
    assert "14 records" in kgood and ";; ERROR" not in kgood, kgood
    # A stale signature: BADTIME, signed, with our clock in Other Data (dnspython checks it).
    keyring = dns.tsigkeyring.from_text({"xfr.key.": ("hmac-sha256", SECRET)})
    q = dns.message.make_query("example.test.", "SOA")
    q.use_tsig(keyring, keyname="xfr.key.")
    with mock.patch("time.time", return_value=time.time() - 3600):
        wire = q.to_wire()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(2)
        s.sendto(wire, ("127.0.0.1", primary.port))
        reply = s.recv(4096)
    with pytest.raises(dns.tsig.PeerBadTime):
        dns.message.from_wire(reply, keyring=keyring, request_mac=q.mac)


def test_bind_secondary_with_tsig(primary, tmp_path):
    port = free_port()
    conf = tmp_path / "named.conf"
    conf.write_text(f"""key "xfr.key" {{ algorithm hmac-sha256; secret "{SECRET}"; }};
options {{
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
  primaries {{ 127.0.0.1 port {primary.port} key "xfr.key"; }};
  file "{tmp_path}/secondary.db";
  masterfile-format text;
}};
""")
    named = subprocess.Popen(["named", "-g", "-c", str(conf)], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    try:
        assert answers_mx(port, OLD_MX)
    finally:
        processes.stop(named)
    assert "AXFR of example.test. to 127.0.0.1" in primary.stop()


def start_knot(tmp, port: int, primary_port: int) -> subprocess.Popen:
    (tmp / "db").mkdir(exist_ok=True)
    conf = tmp / "knot.conf"
    conf.write_text(f"""server:
    rundir: "{tmp}"
    listen: 127.0.0.1@{port}
control:
    listen: "{tmp}/knot.sock"
database:
    storage: "{tmp}/db"
key:
  - id: xfr.key
    algorithm: hmac-sha256
    secret: {SECRET}
remote:
  - id: primary
    address: 127.0.0.1@{primary_port}
    key: xfr.key
acl:
  - id: from_primary
    address: 127.0.0.0/8
    key: xfr.key
    action: notify
template:
  - id: default
    storage: "{tmp}"
    zonefile-sync: -1
zone:
  - domain: example.test
    master: primary
    acl: from_primary
""")
    return subprocess.Popen(["knotd", "-c", str(conf)], stdout=open(tmp / "knot.log", "w"),
                            stderr=subprocess.STDOUT)


def test_knot_secondary_with_tsig_and_signed_notify(mxkit, tmp_path):
    """Knot takes the zone with the key, then our signed NOTIFY (its ACL demands the key) makes
    it take the change by IXFR, signed as well."""
    knot_port = free_port()
    zone = tmp_path / "example.test.zone"
    zone.write_text(ZONE)
    primary = Server(mxkit, zone, free_port(), ["--allow-transfer", "127.0.0.1", "--tsig-key", KEY,
                                                "--zone-key", "example.test=xfr.key",
                                                "--notify", f"127.0.0.1:{knot_port}"])
    knot_dir = tmp_path / "knot"
    knot_dir.mkdir()
    knot = start_knot(knot_dir, knot_port, primary.port)
    try:
        assert answers_mx(knot_port, OLD_MX)
        zone.write_text(CHANGED)
        primary.proc.send_signal(signal.SIGHUP)
        assert answers_mx(knot_port, NEW_MX, rounds=40)  # well before Knot's refresh timer
    finally:
        processes.stop(knot)
        log = primary.stop()
    assert "NOTIFY for example.test. (serial 2026112702) acknowledged" in log, log
    assert "IXFR of example.test. to 127.0.0.1" in log


def test_mxkit_secondary_of_nsd_with_tsig(mxkit, tmp_path):
    nsd_port, our_port = free_port(), free_port()
    zone = tmp_path / "example.test.zone"
    zone.write_text(ZONE)
    conf = write_nsd_conf(tmp_path, "127.0.0.1", nsd_port,
                          [("example.test", zone, f"provide-xfr: 127.0.0.1 xfr.key\n"
                                                  f"notify: 127.0.0.1@{our_port} xfr.key")])
    conf.write_text(conf.read_text() + f'key:\n  name: "xfr.key"\n  algorithm: hmac-sha256\n'
                                       f'  secret: "{SECRET}"\n')
    nsd = subprocess.Popen(["nsd", "-d", "-c", str(conf)], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    secondary = None
    try:
        assert answers_mx(nsd_port, OLD_MX, rounds=50)
        secondary = Secondary(mxkit, ["--secondary", f"example.test=127.0.0.1:{nsd_port}",
                                      "--tsig-key", KEY, "--zone-key", "example.test=xfr.key",
                                      "--allow-notify", "example.test=127.0.0.0/8"], our_port)
        assert answers_mx(our_port, OLD_MX)
        zone.write_text(CHANGED)
        nsd.send_signal(signal.SIGHUP)  # NSD reloads and sends a signed NOTIFY
        assert answers_mx(our_port, NEW_MX)
    finally:
        log = secondary.stop() if secondary else ""
        processes.stop(nsd)
    assert "NOTIFY for example.test. from 127.0.0.1: refreshing" in log, log
    assert "serial 2026112701 → 2026112702" in log


def test_notify_needs_the_key_and_an_allowed_address(mxkit, tmp_path):
    primary_port = free_port()
    zone = tmp_path / "example.test.zone"
    zone.write_text(ZONE)
    primary = Server(mxkit, zone, primary_port, ["--allow-transfer", "127.0.0.1", "--tsig-key", KEY,
                                                 "--zone-key", "example.test=xfr.key"])
    secondary = Secondary(mxkit, ["--secondary", f"example.test=127.0.0.1:{primary_port}",
                                  "--tsig-key", KEY, "--zone-key", "example.test=xfr.key",
                                  "--allow-notify", "example.test=127.0.0.0/29"])
    keyring = dns.tsigkeyring.from_text({"xfr.key.": ("hmac-sha256", SECRET)})

    def notify(source: str, signed: bool) -> dns.message.Message:
        q = dns.message.make_query("example.test.", "SOA")
        q.set_opcode(dns.opcode.NOTIFY)
        q.flags = (q.flags & ~dns.flags.RD) | dns.flags.AA
        if signed:
            q.use_tsig(keyring, keyname="xfr.key.")
        return dns.query.udp(q, "127.0.0.1", port=secondary.port, timeout=2, source=source)

    try:
        assert answers_mx(secondary.port, OLD_MX)  # the signed SOA query and AXFR worked
        assert notify("127.0.0.1", signed=False).rcode() == dns.rcode.REFUSED
        assert notify("127.0.0.9", signed=True).rcode() == dns.rcode.REFUSED  # outside the /29
        # Not the primary's address, but inside allow_notify and signed: accepted, reply signed.
        accepted = notify("127.0.0.2", signed=True)
        assert accepted.rcode() == dns.rcode.NOERROR and accepted.had_tsig
    finally:
        log = secondary.stop()
        primary.stop()
    assert "not signed with key xfr.key." in log
    assert "not in allow_notify" in log
    assert "NOTIFY for example.test. from 127.0.0.2: refreshing" in log


def test_mxkit_dig_signs_and_verifies(mxkit, primary, tmp_path):
    at = ["@127.0.0.1", "-p", str(primary.port)]
    out = run([str(mxkit), "dig", "-y", f"hmac-sha256:xfr.key:{SECRET}", *at, "example.test", "SOA"])
    assert ";; TSIG PSEUDOSECTION:" in out and "NOERROR 0" in out, out
    assert "Couldn't verify" not in out
    key_file = tmp_path / "xfr.key"
    key_file.write_text(f'key "xfr.key" {{\n\talgorithm hmac-sha256;\n\tsecret "{SECRET}";\n}};\n')
    axfr = run([str(mxkit), "dig", "-k", str(key_file), *at, "example.test", "AXFR"])
    assert "XFR size: 14 records" in axfr and "\tTSIG\thmac-sha256." in axfr, axfr
    bad = run([str(mxkit), "dig", "-y", f"xfr.key:{WRONG}", *at, "example.test", "SOA"])
    assert "Couldn't verify signature: TSIG: the server answered BADSIG" in bad, bad
    assert "status: NOTAUTH" in bad


def test_mxkit_dig_against_nsd(mxkit, tmp_path):
    nsd_port = free_port()
    zone = tmp_path / "example.test.zone"
    zone.write_text(ZONE)
    conf = write_nsd_conf(tmp_path, "127.0.0.1", nsd_port,
                          [("example.test", zone, "provide-xfr: 127.0.0.1 xfr.key")])
    conf.write_text(conf.read_text() + f'key:\n  name: "xfr.key"\n  algorithm: hmac-sha256\n'
                                       f'  secret: "{SECRET}"\n')
    nsd = subprocess.Popen(["nsd", "-d", "-c", str(conf)], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    try:
        assert answers_mx(nsd_port, OLD_MX, rounds=50)
        at = ["@127.0.0.1", "-p", str(nsd_port)]
        out = run([str(mxkit), "dig", "-y", f"hmac-sha256:xfr.key:{SECRET}", *at, "example.test",
                   "SOA"])
        assert ";; TSIG PSEUDOSECTION:" in out and "Couldn't verify" not in out, out
        axfr = run([str(mxkit), "dig", "-y", f"hmac-sha256:xfr.key:{SECRET}", *at, "example.test",
                    "AXFR"])
        assert "XFR size: 14 records" in axfr and "communications error" not in axfr, axfr
        # (NSD answers a bad signature without the question section, which the transport's
        # RFC 5452 reply check ignores as not ours: not tested here.)
    finally:
        processes.stop(nsd)


def test_keys_in_the_toml_configuration(mxkit, tmp_path):
    zone = tmp_path / "example.test.zone"
    zone.write_text(ZONE)
    port = free_port()
    config = tmp_path / "mxkit.toml"
    body = f"""[dns]
listen = ["127.0.0.1:{port}"]
allow_transfer = ["127.0.0.0/8"]

[[dns.key]]
name = "xfr.key"
algorithm = "hmac-sha256"
secret = "{SECRET}"

[[dns.zone]]
origin = "example.test"
file = "example.test.zone"
key = "xfr.key"
"""
    config.write_text(body)
    server = Secondary(mxkit, ["--config", str(config)], port)
    try:
        at = ["@127.0.0.1", "-p", str(port)]
        assert "XFR size: 14 records" in run(["dig", "-y", f"hmac-sha256:xfr.key:{SECRET}", *at,
                                              "example.test", "AXFR"])
        assert "Transfer failed" in run(["dig", *at, "example.test", "AXFR"])
    finally:
        server.stop()
    # A zone naming a key that is not defined, and allow_notify on a primary zone: refused with
    # the place.
    config.write_text(body.replace('key = "xfr.key"', 'key = "nokey"'))
    out = run([str(mxkit), "serve", "--config", str(config)])
    assert "mxkit.toml:13:7: key must name one of the [[dns.key]] tables" in out, out
    config.write_text(body + 'allow_notify = ["127.0.0.1"]\n')
    out = run([str(mxkit), "serve", "--config", str(config)])
    assert "allow_notify is for a secondary zone" in out, out
    config.write_text(body.replace("hmac-sha256", "hmac-md5"))
    out = run([str(mxkit), "serve", "--config", str(config)])
    assert "is not hmac-sha256, hmac-sha384 or hmac-sha512" in out, out


def test_a_long_signed_transfer_from_nsd_and_to_bind(mxkit, tmp_path):
    """20,000 records: a transfer of many messages, each checked over the one before (RFC 8945
    §5.3.1, where a primary may leave messages between signed ones unsigned): NSD → mxkit, then
    mxkit → named, every step with the key."""
    big = ZONE + "".join(f"host{i} 3600 IN A 10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}\n"
                         for i in range(20000))
    nsd_port, our_port, named_port = free_port(), free_port(), free_port()
    zone = tmp_path / "example.test.zone"
    zone.write_text(big)
    conf = write_nsd_conf(tmp_path, "127.0.0.1", nsd_port,
                          [("example.test", zone, "provide-xfr: 127.0.0.1 xfr.key")])
    conf.write_text(conf.read_text() + f'key:\n  name: "xfr.key"\n  algorithm: hmac-sha256\n'
                                       f'  secret: "{SECRET}"\n')
    nsd = subprocess.Popen(["nsd", "-d", "-c", str(conf)], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    secondary = named = None
    try:
        assert answers_mx(nsd_port, OLD_MX, rounds=50)
        secondary = Secondary(mxkit, ["--secondary", f"example.test=127.0.0.1:{nsd_port}",
                                      "--tsig-key", KEY, "--zone-key", "example.test=xfr.key",
                                      "--allow-transfer", "127.0.0.1"], our_port)
        assert answers_mx(our_port, OLD_MX)
        named_dir = tmp_path / "named"
        named_dir.mkdir()
        (named_dir / "named.conf").write_text(f"""key "xfr.key" {{ algorithm hmac-sha256; secret "{SECRET}"; }};
options {{ directory "{named_dir}"; listen-on port {named_port} {{ 127.0.0.1; }}; listen-on-v6 {{ none; }};
  pid-file "{named_dir}/named.pid"; recursion no; notify no; dnssec-validation no; }};
controls {{ }};
zone "example.test" {{ type secondary; primaries {{ 127.0.0.1 port {our_port} key "xfr.key"; }};
  file "{named_dir}/copy.db"; masterfile-format text; }};
""")
        named = subprocess.Popen(["named", "-g", "-c", str(named_dir / "named.conf")],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                r = dns.query.udp(dns.message.make_query("host19999.example.test.", "A"),
                                  "127.0.0.1", port=named_port, timeout=0.2)
                if r.answer:
                    break
            except Exception:
                pass
            time.sleep(0.1)
        assert [rr.to_text() for rr in r.answer[0]] == ["10.0.78.31"]
    finally:
        if named:
            processes.stop(named)
        log = secondary.stop() if secondary else ""
        processes.stop(nsd)
    assert "AXFR, serial none → 2026112701, 20014 records" in log, log
    assert "AXFR of example.test. to 127.0.0.1" in log
