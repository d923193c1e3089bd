"""Interop with a private Postfix instance (issue 9), both ways, with STARTTLS on both sides:

a) mxkit delivers to Postfix: mxkit routes postfix.test to the instance (--route), Postfix is
   its final destination through virtual(8) into a Maildir; the message arrives byte-exact apart
   from the trace headers, over TLS (Postfix's Received says ESMTPS, mxkit's transcript shows
   the STARTTLS exchange).
b) Postfix delivers to mxkit: Postfix relays mxkit.test to mxkit (transport_maps, relay:[IP]:port,
   smtp_tls_security_level = may); it lands in mxkit's Maildir byte-exact apart from the trace
   headers, and mxkit logs the TLS version.
c) Postfix refuses an unknown user of postfix.test with 550: mxkit bounces that recipient with
   an RFC 3464 DSN carrying Postfix's reply as Diagnostic-Code and delivers the other one.

d) As the article tells it: mxkit finds Postfix by MX on the loopback test internet (mxkit's
   DNS and NSD), MX 10 refusing connections, Postfix at MX 20 taking the message (no TLS).

One Postfix and one mxkit serve a) to c), a second Postfix d) (Postfix takes ~3 s to start).
"""
from __future__ import annotations

import re
import smtplib
import subprocess
from pathlib import Path

import pytest

import internet
from mail_world import Mta
from postfix_instance import PostfixInstance, free_port

SENDER = "alice@sender.test"

# A message with what transports tend to get wrong: dot-stuffing (a lone ".", leading dots),
# trailing blanks, UTF-8 in an 8BITMIME body, a 990-octet line, empty lines at the end.
MESSAGE = ("From: Alice <alice@sender.test>\r\nTo: {to}\r\nSubject: interop {tag}\r\n"
           "Date: Sat, 05 Dec 2026 12:00:00 +0000\r\nMessage-ID: <{tag}@sender.test>\r\n"
           "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
           "Content-Transfer-Encoding: 8bit\r\n\r\n"
           "first line\r\n.\r\n..two dots\r\n.leading dot\r\ntrailing blanks   \r\n"
           "gr\u00fc\u00dfe, \u65e5\u672c\r\n" + "x" * 990 + "\r\n\r\n\r\nlast line {tag}\r\n\r\n")


def self_signed(directory: Path, name: str) -> tuple[Path, Path]:
    cert, key = directory / f"{name}.crt", directory / f"{name}.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", f"/CN={name}",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True, timeout=30)
    return cert, key


def without_trace(data: bytes) -> bytes:
    """The message below the trace headers the transports added on the way: Return-Path,
    Delivered-To, X-Original-To (virtual(8)) and every Received field (with its continuation
    lines) at the top."""
    lines = data.split(b"\n")
    i = 0
    while i < len(lines) and re.match(rb"(Return-Path|Delivered-To|X-Original-To|Received):", lines[i]):
        i += 1
        while i < len(lines) and lines[i][:1] in (b" ", b"\t"):
            i += 1
    return b"\n".join(lines[i:])


def header_block(data: bytes, name: bytes) -> list[str]:
    """Every field `name` of the header, unfolded."""
    head = data.split(b"\n\n", 1)[0].decode("utf-8", "replace")
    fields = re.split(r"\n(?![ \t])", head)
    return [re.sub(r"\s+", " ", f) for f in fields if f.lower().startswith(name.decode().lower() + ":")]


@pytest.fixture(scope="module")
def pair(mxkit, tmp_path_factory):
    root = tmp_path_factory.mktemp("postfix-interop")
    mx_port = free_port()
    pf_cert, pf_key = self_signed(root, "pf.postfix.test")
    mx_cert, mx_key = self_signed(root, "mx.sender.test")
    postfix = PostfixInstance({
        "virtual_mailbox_domains": "postfix.test",
        # Only bob exists: anyone else of postfix.test is refused at RCPT with 550 5.1.1.
        "virtual_mailbox_maps": "inline:{ bob@postfix.test=postfix.test/bob/ }",
        "transport_maps": f"inline:{{ mxkit.test=relay:[127.0.0.1]:{mx_port} }}",
        "smtpd_tls_security_level": "may",
        "smtpd_tls_cert_file": str(pf_cert),
        "smtpd_tls_key_file": str(pf_key),
        "smtpd_tls_received_header": "yes",
        "smtpd_tls_loglevel": "1",
        "smtp_tls_security_level": "may",
        "smtp_tls_loglevel": "1",
    })
    mta = Mta(mxkit, root / "mxkit", "127.0.0.1", mx_port, "sender.test",
              ["--local-domain", "mxkit.test", "--mailbox", "*@mxkit.test",
               "--route", f"postfix.test=127.0.0.1:{postfix.port}", "--resolver", "127.0.0.1:9",
               "--tls-cert", str(mx_cert), "--tls-key", str(mx_key), "--log-smtp-transcript",
               "--retry-base", "1s", "--retry-max", "2s", "--delay-warning", "0"])
    try:
        postfix.start()
        mta.start()
        yield postfix, mta
    finally:
        mta.stop()
        postfix.stop()


def test_mxkit_delivers_to_postfix_over_starttls(pair):
    postfix, mta = pair
    message = MESSAGE.format(to="bob@postfix.test", tag="to-postfix")
    with smtplib.SMTP("127.0.0.1", mta.port, timeout=10) as c:
        c.sendmail(SENDER, ["bob@postfix.test"], message.encode())
    files = postfix.wait_maildir("postfix.test/bob", 1)
    assert len(files) == 1, f"nothing in Postfix's Maildir\nmxkit:\n{mta.log()}\npostfix:\n{postfix.log()}"
    stored = files[0].read_bytes()
    # virtual(8) stores LF line endings; everything below the trace headers is as sent.
    assert without_trace(stored) == message.replace("\r\n", "\n").encode()
    assert stored.startswith(b"Return-Path: <alice@sender.test>\nX-Original-To: bob@postfix.test\n"
                             b"Delivered-To: bob@postfix.test\n"), stored[:300]
    received = header_block(stored, b"Received")
    assert len(received) == 2, received  # Postfix's, then mxkit's
    assert "by pf.postfix.test (Postfix) with ESMTPS" in received[0], received[0]
    assert "(using TLSv1." in received[0], received[0]
    assert "from mx.sender.test" in received[0], received[0]  # mxkit's EHLO name
    assert "by mx.sender.test (mxkit) with ESMTP" in received[1], received[1]
    # mxkit's side: STARTTLS was offered and taken, and the attempt logged as sent with
    # Postfix's queue id in the reply, which Postfix's own log carries too.
    log = mta.wait_log("status=sent") and mta.log()
    assert "STARTTLS" in log and "220 2.0.0 Ready to start TLS" in log, log
    sent = re.search(rf"to=<bob@postfix.test>, relay=\S*\[127\.0\.0\.1\]:{postfix.port}, .*status=sent "
                     r"\(250 2\.0\.0 Ok: queued as (\w+)\)", log)
    assert sent, log
    pf_log = postfix.wait_log(f"{sent.group(1)}: removed")
    assert re.search(r"TLS connection established from \S+\[127\.0\.0\.1\]: TLSv1\.[23]", pf_log), pf_log
    assert f"{sent.group(1)}: to=<bob@postfix.test>, relay=virtual" in pf_log
    assert "status=sent (delivered to maildir)" in pf_log


def test_postfix_delivers_to_mxkit_over_starttls(pair):
    postfix, mta = pair
    message = MESSAGE.format(to="carol@mxkit.test", tag="from-postfix")
    with smtplib.SMTP("127.0.0.1", postfix.port, timeout=10) as c:
        refused = c.sendmail("dave@client.test", ["carol@mxkit.test"], message.encode())
    assert refused == {}
    files = mta.wait_files("carol@mxkit.test", 1, timeout=20)
    assert len(files) == 1, f"nothing in mxkit's Maildir\npostfix:\n{postfix.log()}\nmxkit:\n{mta.log()}"
    stored = files[0].read_bytes()
    assert without_trace(stored) == message.replace("\r\n", "\n").encode()
    assert stored.startswith(b"Return-Path: <dave@client.test>\n")
    received = header_block(stored, b"Received")
    assert len(received) == 2, received  # mxkit's, then Postfix's from the client
    assert "by mx.sender.test (mxkit) with ESMTPS" in received[0] and "(using TLSv1." in received[0], received[0]
    assert "from pf.postfix.test" in received[0], received[0]  # Postfix's EHLO name
    assert "by pf.postfix.test (Postfix) with ESMTP " in received[1], received[1]  # plain from smtplib
    log = mta.wait_log("tls=TLSv1.") and mta.log()
    assert re.search(r"client=\[127\.0\.0\.1\].*from=<dave@client\.test>.*tls=TLSv1\.[23]", log), log
    assert mta.wait_log("to=<carol@mxkit.test>, relay=maildir"), mta.log()
    pf_log = postfix.wait_log(f"relay=127.0.0.1[127.0.0.1]:{mta.port}")
    assert re.search(rf"TLS connection established to 127\.0\.0\.1\[127\.0\.0\.1\]:{mta.port}: TLSv1\.[23]",
                     pf_log), pf_log
    assert re.search(rf"to=<carol@mxkit.test>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:{mta.port},.*"
                     r"status=sent \(250 2\.0\.0 Ok: queued as \w+\)", pf_log), pf_log


def test_postfix_550_bounces_in_mxkit_with_its_reply(pair, mxkit):
    """`mxkit send` submits to mxkit; Postfix takes bob and refuses nobody at RCPT: bob is
    delivered, nobody bounced with one DSN whose Diagnostic-Code is Postfix's reply."""
    postfix, mta = pair
    before = len(postfix.maildir("postfix.test/bob"))
    done = subprocess.run([str(mxkit), "send", "--server", f"127.0.0.1:{mta.port}", "--from", SENDER,
                           "--to", "nobody@postfix.test", "--to", "bob@postfix.test"],
                          input=b"Subject: half refused\n\nfor bob and nobody\n", capture_output=True, timeout=20)
    assert done.returncode == 0, done.stderr
    queue_id = done.stdout.decode().strip()
    dsn = mta.wait_files(SENDER, 1, timeout=20)
    assert len(dsn) == 1, mta.log()
    text = re.sub(r"\n[ \t]+", " ", dsn[0].read_text())  # unfolded (RFC 5322 §2.2.3)
    reply = "550 5.1.1 <nobody@postfix.test>: Recipient address rejected: User unknown in virtual mailbox table"
    assert "Content-Type: multipart/report; report-type=delivery-status" in text, text
    assert "Final-Recipient: rfc822; nobody@postfix.test" in text, text
    assert "Action: failed" in text and "Status: 5.1.1" in text, text
    assert f"Diagnostic-Code: smtp; {reply}" in text, text
    assert "Remote-MTA: dns; " in text, text
    assert "bob@postfix.test" not in text.split("message/delivery-status", 1)[1].split("\n\n--", 2)[1], text
    assert "Subject: half refused" in text  # the original headers come back
    assert text.startswith("Return-Path: <>\n"), text[:200]  # RFC 3464: sent from <>
    log = mta.log()
    assert re.search(rf"{queue_id}: to=<nobody@postfix\.test>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:{postfix.port}, "
                     rf".*dsn=5\.1\.1, status=bounced \({re.escape(reply)}\)", log), log
    assert re.search(rf"{queue_id}: to=<bob@postfix\.test>, .*status=sent \(250 2\.0\.0 Ok: queued as", log), log
    assert len(postfix.wait_maildir("postfix.test/bob", before + 1)) == before + 1
    assert "NOQUEUE: reject: RCPT from" in postfix.log() and reply in postfix.log()


MAIL1, POSTFIX_MX = "127.0.1.24", "127.0.1.25"


@pytest.fixture(scope="module")
def postfix_mx():
    """Postfix on postfix.test's MX 20 address of the test internet, at a port free on MX 10's too."""
    port = internet.free_port([MAIL1, POSTFIX_MX, "127.0.0.1"])
    postfix = PostfixInstance({"virtual_mailbox_domains": "postfix.test",
                               "virtual_mailbox_maps": "inline:{ bob@postfix.test=postfix.test/bob/ }"},
                              port=port, address=POSTFIX_MX, hostname="mx.postfix.test")
    try:
        yield postfix.start()
    finally:
        postfix.stop()


@pytest.mark.parametrize("backend", ["mxkit", "nsd"])
def test_mxkit_finds_postfix_by_mx_after_mx10_refuses(postfix_mx, make_internet, mxkit, tmp_path, backend):
    net = make_internet(backend)
    net.add_domain("postfix.test.", f"@ MX 10 mail1\n@ MX 20 mx\nmail1 A {MAIL1}\nmx A {POSTFIX_MX}\n")
    net.start()
    sender = Mta(mxkit, tmp_path / "sender", "127.0.0.1", internet.free_port(["127.0.0.1"]), "sender.test",
                 ["--root-hints", str(net.hints), "--dns-port", str(net.port), "--smtp-port", str(postfix_mx.port),
                  "--connect-timeout", "2s", "--retry-base", "1s", "--retry-max", "2s", "--delay-warning", "0"])
    before = len(postfix_mx.maildir("postfix.test/bob"))
    message = MESSAGE.format(to="bob@postfix.test", tag=f"by-mx-{backend}")
    try:
        sender.start()
        with smtplib.SMTP("127.0.0.1", sender.port, timeout=10) as c:
            c.sendmail(SENDER, ["bob@postfix.test"], message.encode())
        files = postfix_mx.wait_maildir("postfix.test/bob", before + 1)
        assert len(files) == before + 1, f"mxkit:\n{sender.log()}\npostfix:\n{postfix_mx.log()}"
        new = [f for f in files if f"by-mx-{backend}".encode() in f.read_bytes()]
        assert len(new) == 1
        stored = new[0].read_bytes()
        assert without_trace(stored) == message.replace("\r\n", "\n").encode()
        received = header_block(stored, b"Received")
        assert "by mx.postfix.test (Postfix) with ESMTP " in received[0], received[0]  # no TLS offered
        log = sender.wait_log("status=sent") and sender.log()
        assert f"connect to mail1.postfix.test[{MAIL1}]:{postfix_mx.port}" in log, log
        sent = re.search(rf"to=<bob@postfix.test>, relay=mx\.postfix\.test\[{re.escape(POSTFIX_MX)}\]:"
                         rf"{postfix_mx.port}, .*status=sent \(250 2\.0\.0 Ok: queued as (\w+)\)", log)
        assert sent, log
        pf_log = postfix_mx.wait_log(f"{sent.group(1)}: removed")
        assert f"{sent.group(1)}: to=<bob@postfix.test>, relay=virtual" in pf_log, pf_log
    finally:
        sender.stop()
