"""The delivering side of the MTA (issue 9) on the loopback test internet: a sending mxkit
resolves dest.test's MX through the test root (mxkit's DNS or NSD), tries mail1 (MX 10), moves
to mail2 (MX 20) when mail1 refuses, never greets or answers 421, retries a 451 at RCPT,
bounces 550 / null MX / NXDOMAIN / expiry with an RFC 3464 DSN into the sender's Maildir.
"""
from __future__ import annotations

import json
import subprocess
import time
from datetime import datetime

import pytest

from internet import free_port
from mail_world import Mta, Scripted

MAIL1, MAIL2 = "127.0.1.1", "127.0.1.2"
AIO_PLAIN, AIO_TLS = "127.0.1.3", "127.0.1.4"
SENDER = "alice@sender.test"

DEST = f"@ MX 10 mail1\n@ MX 20 mail2\nmail1 A {MAIL1}\nmail2 A {MAIL2}\n"


@pytest.fixture
def world(mxkit, make_internet, tmp_path, request):
    """Builds the internet (backend from the test's parameter) and the sending MTA."""
    made: list = []

    def build(backend: str = "mxkit", records: dict[str, str] | None = None, extra: list[str] | None = None):
        net = make_internet(backend)
        net.add_domain("dest.test.", DEST)
        for name, text in (records or {}).items():
            net.add_domain(name, text)
        net.start()
        smtp_port = free_port([MAIL1, MAIL2, "127.0.0.1"])
        options = {"--root-hints": str(net.hints), "--dns-port": str(net.port), "--smtp-port": str(smtp_port),
                   "--retry-base": "1s", "--retry-max": "2s", "--queue-lifetime": "60s",
                   "--delay-warning": "0", "--connect-timeout": "2s", "--greeting-timeout": "1s"}
        extra = list(extra or [])
        options.update(zip(extra[::2], extra[1::2]))  # a test's own values win
        sender = Mta(mxkit, tmp_path / "sender", "127.0.0.1", free_port(["127.0.0.1"]), "sender.test",
                     [word for pair in options.items() for word in pair])
        made.append(sender)
        return net, sender, smtp_port

    def mx(address: str, port: int) -> Mta:
        m = Mta(mxkit, tmp_path / f"mx-{address}", address, port, "dest.test", []).start()
        made.append(m)
        return m

    build.mx = mx
    build.made = made
    yield build
    for m in made:
        if isinstance(m, Mta):
            m.stop()
        else:
            m.stop()


def queued(sender: Mta) -> list[dict]:
    """`mxkit queue list --json` of the sender's spool (works with or without the server)."""
    done = subprocess.run([str(sender.mxkit), "queue", "list", "--spool", str(sender.spool), "--json"],
                          capture_output=True, text=True, timeout=10)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["messages"]


def dsn_text(sender: Mta, timeout: float = 15) -> str:
    files = sender.wait_files(SENDER, 1, timeout)
    assert files, f"no DSN for {SENDER}; log:\n{sender.log()}"
    return files[0].read_text()


@pytest.mark.parametrize("backend", ["mxkit", "nsd"])
def test_mail1_refuses_lands_in_mail2(world, backend):
    net, sender, port = world(backend)
    mail2 = world.mx(MAIL2, port)
    sender.start()
    sender.send(SENDER, ["bob@dest.test"], "failover")
    files = mail2.wait_files("bob@dest.test", 1)
    assert len(files) == 1 and "failover" in files[0].read_text()
    log = sender.log()
    assert f"connect to mail1.dest.test[{MAIL1}]:{port}" in log, log
    assert f"relay=mail2.dest.test[{MAIL2}]:{port}" in log and "status=sent" in log, log


@pytest.mark.parametrize("backend", ["mxkit", "nsd"])
def test_mail1_never_greets_lands_in_mail2(world, backend):
    net, sender, port = world(backend)
    silent = Scripted(MAIL1, port, greet=False)
    world.made.append(silent)
    mail2 = world.mx(MAIL2, port)
    sender.start()
    started = time.monotonic()
    sender.send(SENDER, ["bob@dest.test"])
    assert len(mail2.wait_files("bob@dest.test", 1)) == 1
    assert time.monotonic() - started < 10
    log = sender.wait_log("status=sent") and sender.log()
    assert f"mail1.dest.test[{MAIL1}]:{port} timed out" in log, log
    assert f"to=<bob@dest.test>, relay=mail2.dest.test[{MAIL2}]:{port}" in log and "status=sent" in log, log


@pytest.mark.parametrize("backend", ["mxkit", "nsd"])
def test_mail1_answers_421_lands_in_mail2(world, backend):
    net, sender, port = world(backend)
    busy = Scripted(MAIL1, port, greeting="421 4.7.0 mail1 too busy")
    world.made.append(busy)
    mail2 = world.mx(MAIL2, port)
    sender.start()
    sender.send(SENDER, ["bob@dest.test"])
    assert len(mail2.wait_files("bob@dest.test", 1)) == 1
    log = sender.wait_log("status=sent") and sender.log()
    assert f"mail1.dest.test[{MAIL1}]:{port}" in log and "said: 421 4.7.0 mail1 too busy" in log, log
    assert f"to=<bob@dest.test>, relay=mail2.dest.test[{MAIL2}]:{port}" in log and "status=sent" in log, log


@pytest.mark.parametrize("backend", ["mxkit", "nsd"])
def test_451_at_rcpt_is_retried_and_lands(world, backend):
    net, sender, port = world(backend)
    mail1 = Scripted(MAIL1, port, rcpt=["451 4.7.1 greylisted, try later", "451 4.7.1 greylisted, try later"])
    world.made.append(mail1)
    sender.start()
    sender.send(SENDER, ["bob@dest.test"], "greylisted")
    end = time.monotonic() + 20
    while time.monotonic() < end and not mail1.messages:
        time.sleep(0.1)
    assert len(mail1.messages) == 1 and b"greylisted" in mail1.messages[0]
    log = sender.log()
    assert log.count("status=deferred (451 4.7.1 greylisted") == 2, log
    assert "status=sent" in log


@pytest.mark.parametrize("backend", ["mxkit", "nsd"])
def test_550_at_rcpt_bounces_with_remote_reply(world, backend):
    net, sender, port = world(backend)
    mail1 = Scripted(MAIL1, port, rcpt=["550 5.1.1 <nobody@dest.test>: no such user"])
    world.made.append(mail1)
    sender.start()
    sender.send(SENDER, ["nobody@dest.test"])
    text = dsn_text(sender)
    assert "report-type=delivery-status" in text
    assert "Status: 5.1.1" in text
    assert "Diagnostic-Code: smtp; 550 5.1.1 <nobody@dest.test>: no such user" in text
    assert "Action: failed" in text


@pytest.mark.parametrize("backend", ["mxkit", "nsd"])
def test_null_mx_and_nxdomain_bounce_at_once(world, backend):
    net, sender, port = world(backend, records={"nullmx.test.": "@ MX 0 .\n"})
    sender.start()
    started = time.monotonic()
    sender.send(SENDER, ["x@nullmx.test"])
    text = dsn_text(sender, timeout=10)
    assert "Status: 5.1.10" in text and "Final-Recipient: rfc822; x@nullmx.test" in text
    sender.send(SENDER, ["x@nosuchdomain.test"])
    files = sender.wait_files(SENDER, 2, timeout=10)
    took = time.monotonic() - started
    assert len(files) == 2
    assert any("Status: 5.1.2" in f.read_text() and "x@nosuchdomain.test" in f.read_text() for f in files)
    # At once: the first attempt bounces, nothing is deferred for a retry (--retry-base is 1 s).
    log = sender.log()
    assert "dsn=5.1.10, status=bounced" in log and "dsn=5.1.2, status=bounced" in log, log
    assert "status=deferred" not in log, log
    print(f"null MX and NXDOMAIN [{backend}]: both DSNs in {took:.2f} s")


@pytest.mark.parametrize("backend", ["mxkit", "nsd"])
def test_all_mx_down_past_lifetime_bounces_447(world, backend):
    net, sender, port = world(backend, extra=["--queue-lifetime", "3s"])
    sender.start()
    sender.send(SENDER, ["bob@dest.test"])
    text = dsn_text(sender, timeout=20)
    assert "Status: 4.4.7" in text and "Action: failed" in text
    assert "status=expired" in sender.log()
    # Every MX was tried before giving up (mail1 and mail2 refuse: nothing listens there).
    assert f"[{MAIL1}]:{port}" in sender.log() and f"[{MAIL2}]:{port}" in sender.log()


@pytest.mark.parametrize("backend", ["mxkit", "nsd"])
def test_failure_from_null_sender_makes_no_dsn(world, backend):
    net, sender, port = world(backend, records={"nullmx.test.": "@ MX 0 .\n"})
    sender.start()
    sender.send("", ["x@nullmx.test"])
    assert sender.wait_log("status=bounced", timeout=10)
    time.sleep(1)
    assert sender.files(SENDER) == []
    assert not list((sender.mail).glob("**/new/*"))


@pytest.mark.parametrize("backend", ["mxkit", "nsd"])
def test_equal_preferences_split(world, mxkit, tmp_path, backend):
    net, sender, port = world(backend, records={"equal.test.": f"@ MX 10 a\n@ MX 10 b\na A {MAIL1}\nb A {MAIL2}\n"})
    both = ["--local-domain", "equal.test", "--mailbox", "*@equal.test"]
    a = Mta(mxkit, tmp_path / "a", MAIL1, port, "dest.test", both).start()
    b = Mta(mxkit, tmp_path / "b", MAIL2, port, "dest.test", both).start()
    world.made.extend([a, b])
    sender.start()
    for i in range(200):
        sender.send(SENDER, ["u@equal.test"], f"m{i}")
    end = time.monotonic() + 30
    while time.monotonic() < end and len(a.files("u@equal.test")) + len(b.files("u@equal.test")) < 200:
        time.sleep(0.1)
    got_a, got_b = len(a.files("u@equal.test")), len(b.files("u@equal.test"))
    print(f"equal preferences [{backend}]: a {got_a}, b {got_b} of 200")
    assert got_a + got_b == 200, sender.log()[-2000:]
    # RFC 5321 §5.1: equal preferences in random order on every plan.
    assert got_a >= 60 and got_b >= 60, (got_a, got_b)


@pytest.mark.parametrize("backend", ["mxkit", "nsd"])
def test_restart_keeps_retry_schedule(world, backend):
    net, sender, port = world(backend, extra=["--retry-base", "4s", "--retry-max", "4s"])
    sender.start()
    sender.send(SENDER, ["bob@dest.test"], "after restart")
    assert sender.wait_log("status=deferred", timeout=10)
    before = queued(sender)
    sender.stop()
    after = queued(sender)  # read from the spool with no server running
    assert len(before) == 1 and after == before, (before, after)
    next_attempt = datetime.fromisoformat(before[0]["next_attempt"].replace("Z", "+00:00")).timestamp()
    assert before[0]["attempts"] == 1
    mail2 = world.mx(MAIL2, port)
    sender.start()
    started = time.monotonic()
    files = mail2.wait_files("bob@dest.test", 1, timeout=15)
    assert len(files) == 1
    # Not at once at start-up: at the time recorded before the restart (about 4 s after the
    # first attempt; next_attempt is to the second, hence the one second of slack).
    arrived = files[0].stat().st_mtime
    print(f"restart [{backend}]: due {next_attempt:.0f}, delivered {arrived:.2f}, "
          f"{time.monotonic() - started:.2f} s after the restart")
    assert time.monotonic() - started > 1.0
    assert arrived >= next_attempt - 1.0, (arrived, next_attempt)
    assert queued(sender) == []


def test_send_command_submits_and_prints_queue_id(world, mxkit):
    net, sender, port = world()
    mail2 = world.mx(MAIL2, port)
    sender.start()
    r = subprocess.run([str(mxkit), "send", "--server", f"127.0.0.1:{sender.port}", "--from", SENDER,
                        "--to", "bob@dest.test"], input=b"Subject: via send\n\n.dot\nbody\n",
                       capture_output=True, timeout=20)
    assert r.returncode == 0, r.stderr
    queue_id = r.stdout.decode().strip()
    assert len(queue_id) == 16
    files = mail2.wait_files("bob@dest.test", 1)
    text = files[0].read_text()
    assert "Message-ID: <" in text and "Date: " in text and "\n.dot\n" in text
    assert queue_id in sender.log()
    refusing = Scripted(MAIL1, port, rcpt=["550 5.1.1 no such user", "451 4.3.0 later"])
    world.made.append(refusing)
    for expected, code in ((1, b"550 5.1.1"), (75, b"451 4.3.0")):
        r = subprocess.run([str(mxkit), "send", "--server", f"{MAIL1}:{port}", "--from", SENDER,
                            "--to", "x@dest.test"], input=b"Subject: x\n\nx\n", capture_output=True, timeout=20)
        assert r.returncode == expected and code in r.stderr, r.stderr
    assert refusing.messages == []


@pytest.mark.parametrize("backend", ["mxkit", "nsd"])
def test_kill_9_while_delivering_loses_nothing(world, backend):
    """kill -9 with a few hundred messages being delivered to a sink, dest.test's MX 10 on the
    test internet; after the restart every message reaches the sink (RFC 5321 §6.1 allows a
    duplicate, never a loss). Duplicates are counted and reported."""
    import re
    import threading

    net, sender, port = world(backend, extra=["--retry-max", "1s"])
    sink = Scripted(MAIL1, port)
    world.made.append(sink)
    sender.start()
    total = 300
    acknowledged: set[int] = set()

    def submit(start: int) -> None:
        for i in range(start, total, 10):
            try:
                sender.send(SENDER, ["bob@dest.test"], f"crash-{i}-end")
                acknowledged.add(i)
            except Exception:  # the server died under us: this one got no 250
                pass

    threads = [threading.Thread(target=submit, args=(k,)) for k in range(10)]
    for t in threads:
        t.start()
    end = time.monotonic() + 20
    while time.monotonic() < end and len(sink.messages) < total // 3:
        time.sleep(0.01)
    sender.kill()
    at_kill = sorted(p.name for p in (sender.spool / "queue").iterdir())
    for t in threads:
        t.join(timeout=30)
    sender.start()
    for i in range(total):  # what got no 250 before the kill is sent again now
        if i not in acknowledged:
            sender.send(SENDER, ["bob@dest.test"], f"crash-{i}-end")
    end = time.monotonic() + 15
    seen: dict[int, int] = {}
    while time.monotonic() < end:
        seen = {}
        for m in list(sink.messages):
            for n in re.findall(rb"crash-(\d+)-end", m):
                seen[int(n)] = seen.get(int(n), 0) + 1
        if len(seen) == total:
            break
        time.sleep(0.1)
    missing = sorted(set(range(total)) - set(seen))
    left = sorted(p.name for p in (sender.spool / "queue").iterdir())
    duplicates = sum(c - 1 for c in seen.values())
    print(f"kill -9 while delivering [{backend}]: {len(at_kill)} messages in the spool at the kill, "
          f"{len(left)} left now; {len(acknowledged)} acknowledged before the kill, {duplicates} duplicates, "
          f"{len(missing)} missing of {total}")
    assert missing == []
    assert left == []


@pytest.mark.parametrize("backend", ["mxkit", "nsd"])
def test_interop_aiosmtpd_with_and_without_starttls(world, mxkit, tmp_path, backend):
    """Delivery to Python's aiosmtpd (Debian python3-aiosmtpd), plain and with STARTTLS offered
    (a self-signed certificate made here: opportunistic TLS does not verify), each the MX of its
    domain on the test internet."""
    import ssl
    from aiosmtpd.controller import Controller

    class Keep:
        def __init__(self):
            self.envelopes = []

        async def handle_DATA(self, server, session, envelope):
            self.envelopes.append((envelope, session.ssl is not None))
            return "250 2.0.0 Ok: queued as AIO"

    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=aio.test", "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    net, sender, port = world(backend, records={"plain.test.": f"@ MX 10 mx\nmx A {AIO_PLAIN}\n",
                                                "tls.test.": f"@ MX 10 mx\nmx A {AIO_TLS}\n"})
    plain, tls = Keep(), Keep()
    controllers = [Controller(plain, hostname=AIO_PLAIN, port=port),
                   Controller(tls, hostname=AIO_TLS, port=port, tls_context=context)]
    for c in controllers:
        c.start()
    try:
        sender.start()
        sender.send(SENDER, ["a@plain.test"], ".leading dot")
        sender.send(SENDER, ["b@tls.test", "c@tls.test"], "over tls")
        end = time.monotonic() + 15
        while time.monotonic() < end and (not plain.envelopes or not tls.envelopes):
            time.sleep(0.05)
        assert len(plain.envelopes) == 1 and not plain.envelopes[0][1]
        assert b"\r\n.leading dot\r\n" in plain.envelopes[0][0].original_content
        envelope, encrypted = tls.envelopes[0]
        assert encrypted and envelope.rcpt_tos == ["b@tls.test", "c@tls.test"]
        assert envelope.mail_from == SENDER
        log = sender.wait_log(f"relay=mx.tls.test[{AIO_TLS}]:{port}") and sender.log()
        assert f"to=<a@plain.test>, relay=mx.plain.test[{AIO_PLAIN}]:{port}" in log, log
        assert log.count("Ok: queued as AIO") == 3, log
    finally:
        for c in controllers:
            c.stop()


@pytest.mark.parametrize("backend", ["mxkit", "nsd"])
def test_interop_smtp_sink(world, mxkit, tmp_path, backend):
    """Postfix's smtp-sink as dest.test's MX 10 on the test internet takes 20 messages."""
    net, sender, port = world(backend)
    sink = subprocess.Popen(["/usr/sbin/smtp-sink", "-u", "nobody", "-c", f"{MAIL1}:{port}", "100"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        from mail_world import wait_port
        wait_port(MAIL1, port, sink, tmp_path / "no-log")
        sender.start()
        for i in range(20):
            sender.send(SENDER, ["bob@dest.test"], f"to sink {i}")
        end = time.monotonic() + 15
        while time.monotonic() < end and sender.log().count("status=sent") < 20:
            time.sleep(0.05)
        assert sender.log().count("status=sent (250 2.0.0 Ok") == 20
        assert sender.log().count(f"relay=mail1.dest.test[{MAIL1}]:{port}") == 20
    finally:
        import processes
        processes.stop(sink)


def test_toml_smtp_section_routes_and_durations(world, mxkit, tmp_path):
    sink_port = free_port(["127.0.0.1"])
    sink = Scripted("127.0.0.1", sink_port)
    world.made.append(sink)
    port = free_port(["127.0.0.1"])
    config = tmp_path / "mxkit.toml"
    base = f"""[smtp]
listen = ["127.0.0.1:{port}"]
hostname = "mx.sender.test"
spool = "spool"
maildir_root = "mail"
local_domains = ["sender.test"]
mailboxes = ["*@sender.test"]
check_sender_domain = false
resolver = "127.0.0.1:9"
routes = ["dest.test=127.0.0.1:{sink_port}"]
retry_base = "1s"
retry_max = "2s"
queue_lifetime = "1h"
delay_warning = "0"
connect_timeout = "2s"
greeting_timeout = "1500ms"
data_end_timeout = "10m"
"""
    config.write_text(base + 'command_timeout = "5 minutes"\n')
    r = subprocess.run([str(mxkit), "serve", "--config", str(config)], capture_output=True, timeout=10)
    assert r.returncode == 2 and b"mxkit.toml:18:" in r.stderr and b"command_timeout" in r.stderr, r.stderr
    config.write_text(base)
    proc = subprocess.Popen([str(mxkit), "serve", "--config", str(config)], stderr=subprocess.PIPE)
    try:
        from mail_world import wait_port
        wait_port("127.0.0.1", port, proc, config)
        import smtplib
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as s:
            s.sendmail(SENDER, ["bob@dest.test"], "Subject: toml\r\n\r\nvia toml\r\n")
        end = time.monotonic() + 10
        while time.monotonic() < end and not sink.messages:
            time.sleep(0.05)
        assert len(sink.messages) == 1 and b"via toml" in sink.messages[0]
    finally:
        import processes
        processes.stop(proc)


def test_delay_warning_once(world):
    """All MX down: after --delay-warning one DSN with Action: delayed, and only one."""
    net, sender, port = world(extra=["--delay-warning", "1s", "--retry-base", "1s", "--retry-max", "1s"])
    sender.start()
    sender.send(SENDER, ["bob@dest.test"], "slow")
    files = sender.wait_files(SENDER, 1, timeout=15)
    assert len(files) == 1, sender.log()
    text = files[0].read_text()
    assert "Action: delayed" in text and "Status: 4." in text and "Will-Retry-Until:" in text
    end = time.monotonic() + 4  # more rounds go by: no second warning
    while time.monotonic() < end:
        time.sleep(0.2)
    assert len(sender.files(SENDER)) == 1
    assert sender.log().count("status=deferred") >= 3
