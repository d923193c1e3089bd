"""The SMTP role of `mxkit serve` (issue 8): real clients (smtplib, swaks, Postfix's smtp-source)
send over loopback; messages must land in the right Maildirs byte-exact apart from the headers
we add and CRLF stored as LF; refusals carry the right codes and deliver nothing."""
from __future__ import annotations

import re
import shutil
import smtplib
import ssl
import subprocess
import time

import pytest

from smtp_server import Client, SmtpServer, body_of, free_tcp_port

BODY = ("Subject: hello\r\nFrom: a@client.test\r\nTo: john@example.test\r\n\r\n"
        "line one\r\n.starts with a dot\r\n..two dots\r\n\r\nlast line\r\n")


@pytest.fixture
def server(mxkit, tmp_path):
    s = SmtpServer(mxkit, tmp_path, ["--mailbox", "john@example.test", "--mailbox", "jane@example.test",
                                     "--alias", "team@example.test=john@example.test,jane@example.test",
                                     "--max-message-size", "20000", "--max-recipients", "3",
                                     # relayed mail waits (deferred 4.4.3): the real DNS is never asked
                                     "--resolver", "127.0.0.1:9"]).start()
    yield s
    s.stop()


def test_smtplib_plain_with_alias_lands_byte_exact(server):
    with smtplib.SMTP("127.0.0.1", server.port, timeout=10) as c:
        c.ehlo("client.test")
        assert "pipelining" in c.esmtp_features and "size" in c.esmtp_features
        refused = c.sendmail("a@client.test", ["john@example.test", "team@example.test"], BODY)
        assert refused == {}
    john = server.wait_delivered("john@example.test", 1)
    jane = server.wait_delivered("jane@example.test", 1)
    assert len(john) == 1 and len(jane) == 1  # the alias expands to john once, not twice
    expected = BODY.replace("\r\n", "\n").encode()
    assert body_of(john[0]) == expected
    assert body_of(jane[0]) == expected
    text = john[0].read_text()
    assert text.startswith("Return-Path: <a@client.test>\n")
    assert "by mx.test (mxkit) with ESMTP;" in text  # two recipients: no "for <...>"
    log = server.wait_log("delivered to maildir")
    assert "client=[127.0.0.1]" in log and "from=<a@client.test>" in log and "tls=none" in log
    assert "delivered to maildir" in log


def test_smtplib_starttls_self_signed(server, mxkit, tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=mx.test",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    tls = SmtpServer(mxkit, tmp_path / "tls", ["--mailbox", "*@example.test", "--tls-cert", str(cert),
                                                "--tls-key", str(key)]).start()
    try:
        context = ssl.create_default_context(cafile=str(cert))
        context.check_hostname = False
        with smtplib.SMTP("127.0.0.1", tls.port, timeout=10) as c:
            c.ehlo("client.test")
            assert c.has_extn("starttls")
            c.starttls(context=context)
            c.ehlo("client.test")  # RFC 3207 §4.2: state reset, EHLO again
            assert not c.has_extn("starttls")
            c.sendmail("a@client.test", ["secret@example.test"], BODY)
        files = tls.wait_delivered("secret@example.test", 1)
        assert len(files) == 1
        text = files[0].read_text()
        assert "with ESMTPS" in text and "(using TLSv1." in text
        assert body_of(files[0]) == BODY.replace("\r\n", "\n").encode()
        assert "tls=TLSv1." in tls.wait_log("tls=TLSv1.")
    finally:
        tls.stop()


def test_swaks(server, tmp_path):
    """swaks sends a file as the message (it dot-stuffs and ends it with CRLF . CRLF): stored
    byte-exact apart from our headers."""
    assert shutil.which("swaks"), "swaks is installed by scripts/bootstrap"
    message = tmp_path / "swaks.eml"
    text = ("From: s@client.test\nTo: jane@example.test\nSubject: swaks\n\nfrom swaks\n.dot\n..two\n.\n"
            "trailing blanks  \n\n\nend")  # swaks adds the last line ending
    message.write_text(text)
    done = subprocess.run(["swaks", "--server", f"127.0.0.1:{server.port}", "--from", "s@client.test", "--to",
                           "jane@example.test", "--data", f"@{message}"],
                          capture_output=True, text=True, timeout=20)
    assert done.returncode == 0, done.stdout
    assert "250 2.0.0 Ok: queued as " in done.stdout
    assert " -> ..dot" in done.stdout  # swaks dot-stuffed it, the server undid it
    files = server.wait_delivered("jane@example.test", 1)
    assert len(files) == 1
    assert body_of(files[0]) == (text + "\n").encode()


def test_smtp_source(server):
    done = subprocess.run(["/usr/sbin/smtp-source", "-s", "5", "-m", "100", "-l", "2000", "-f", "src@client.test",
                           "-t", "john@example.test", f"127.0.0.1:{server.port}"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    files = server.wait_delivered("john@example.test", 100)
    assert len(files) == 100
    assert all(b"Return-Path: <src@client.test>\n" in f.read_bytes() for f in files)
    # smtp-source sends one payload (-l octets of numbered X lines) under From, To, Date and a
    # Message-Id of its own for each message: every stored body is that payload, and every
    # message is there once.
    heads, bodies = zip(*(body_of(f).split(b"\n\n", 1) for f in files))
    assert len(set(bodies)) == 1
    payload = bodies[0].split(b"\n")
    assert payload[-1] == b"" and all(re.fullmatch(rb"\d*X+", line) for line in payload[:-1]), bodies[0][:200]
    assert abs(sum(len(line) + 2 for line in payload[:-1]) - 2000) <= 2  # as sent, in CRLF octets
    ids = {re.search(rb"\nMessage-Id: (<[^>]+>)", b"\n" + h).group(1) for h in heads}
    assert len(ids) == 100
    assert all(h.startswith(b"From: <src@client.test>\nTo: <john@example.test>\nDate: ") for h in heads)


def test_refusals_have_their_codes(server):
    c = Client(server.port)
    assert c.greeting.startswith("220 ")
    assert c.command("RCPT TO:<john@example.test>").startswith("503 5.5.1")  # before MAIL
    assert c.command("DATA").startswith("503 5.5.1")
    assert c.command("EHLO client.test").startswith("250")
    assert c.command("BOGUS command").startswith("500 5.5.")
    assert c.command(b"\x00\xff\xfe garbage").startswith("500")
    assert c.command("MAIL FROM:<a@client.test> SIZE=999999").startswith("552 5.3.4")
    assert c.command("MAIL FROM:<a@client.test>").startswith("250")
    assert c.command("RCPT TO:<nobody@example.test>").startswith("550 5.1.1")
    assert c.command("RCPT TO:<../etc@example.test>").startswith("501 5.1.3")
    for i in range(3):
        assert c.command(f"RCPT TO:<john{i}@other.test>").startswith("250")  # loopback may relay
    assert c.command("RCPT TO:<jane@example.test>").startswith("452 4.5.3")
    assert c.command("RSET").startswith("250")
    assert c.command("MAIL FROM:<a@client.test>").startswith("250")
    assert c.command("RCPT TO:<john@example.test>").startswith("250")
    assert c.command("DATA").startswith("354")
    c.send(b"Subject: big\r\n\r\n" + (b"x" * 70 + b"\r\n") * 400 + b".\r\n")
    assert c.reply().startswith("552 5.3.4")
    assert c.command("MAIL FROM:<a@client.test>").startswith("250")
    assert c.command("RCPT TO:<john@example.test>").startswith("250")
    assert c.command("DATA").startswith("354")
    c.send(b"Subject: long\r\n\r\n" + b"y" * 1200 + b"\r\n.\r\n")
    assert c.reply().startswith("500 5.5.2")
    assert c.command("X" * 1200).startswith("500 5.5.2")
    assert c.command("QUIT").startswith("221")
    c.close()
    time.sleep(0.3)
    assert server.maildir_files("john@example.test") == []  # nothing of the above was taken
    assert nothing_taken(server)


def test_relay_denied_outside_relay_from(mxkit, tmp_path):
    # --resolver 127.0.0.1:9: nothing answers there, so the relayed message is deferred (4.4.3)
    # by the remote courier without asking the real DNS.
    s = SmtpServer(mxkit, tmp_path, ["--mailbox", "*@example.test", "--relay-from", "127.0.0.1/32",
                                     "--resolver", "127.0.0.1:9"]).start()
    try:
        outside = Client(s.port, source="127.0.0.9")
        outside.command("EHLO client.test")
        outside.command("MAIL FROM:<a@client.test>")
        assert outside.command("RCPT TO:<victim@elsewhere.test>").startswith("554 5.7.1")
        assert outside.command("RCPT TO:<anyone@example.test>").startswith("250")  # local: taken
        outside.close()
        inside = Client(s.port, source="127.0.0.1")
        inside.command("EHLO client.test")
        inside.command("MAIL FROM:<a@client.test>")
        assert inside.command("RCPT TO:<friend@elsewhere.test>").startswith("250")
        assert inside.command("DATA").startswith("354")
        inside.send(b"Subject: relay\r\n\r\nhi\r\n.\r\n")
        assert inside.reply().startswith("250 2.0.0 Ok: queued as ")
        inside.close()
        end = time.time() + 5
        while "to=<friend@elsewhere.test>, relay=" not in s.log_text() and time.time() < end:
            time.sleep(0.05)
        assert "to=<friend@elsewhere.test>, relay=none, delay=" in s.log_text()
        assert "dsn=4.4.3, status=deferred" in s.log_text()  # queued, not faked as delivered
    finally:
        s.stop()


def nothing_taken(server: SmtpServer) -> bool:
    """No message anywhere: no Maildir file under the root, nothing queued in the spool."""
    delivered = [p for p in server.mail.rglob("*") if p.is_file()] if server.mail.exists() else []
    queued = list((server.spool / "queue").iterdir())
    assert delivered == [] and queued == [], (delivered, queued)
    return True


SMUGGLED = b"MAIL FROM:<evil@client.test>\r\nRCPT TO:<jane@example.test>\r\nDATA\r\nSubject: smuggled\r\n\r\nsmuggled\r\n"


@pytest.mark.parametrize("ending", [b"\n.\n", b"\r.\r", b"\r\n.\n", b"\n.\r\n", b"\r.\r\n", b"\r\n.\r"])
def test_smuggling_endings_never_end_data(server, ending):
    c = Client(server.port)
    c.command("EHLO client.test")
    c.command("MAIL FROM:<a@client.test>")
    c.command("RCPT TO:<john@example.test>")
    assert c.command("DATA").startswith("354")
    c.send(b"Subject: carrier\r\n\r\ncarrier" + ending + SMUGGLED + b".\r\n")
    final = c.reply()
    assert final.startswith("550 5.6.0"), final  # the whole thing refused, as one message
    assert c.command("NOOP").startswith("250")  # no smuggled command replies left over
    c.close()
    time.sleep(0.2)
    assert server.maildir_files("jane@example.test") == []
    assert server.maildir_files("john@example.test") == []
    assert nothing_taken(server)
    assert "smuggled" not in server.log_text() and server.log_text().count("client=[") == 0


def test_idle_timeout(mxkit, tmp_path):
    s = SmtpServer(mxkit, tmp_path, ["--mailbox", "*@example.test", "--smtp-timeout", "1"]).start()
    try:
        c = Client(s.port)
        c.command("EHLO client.test")
        assert c.reply().startswith("421 4.4.2")
        c.close()
    finally:
        s.stop()


def test_toml_smtp_section(mxkit, tmp_path):
    port = free_tcp_port()
    config = tmp_path / "mxkit.toml"
    config.write_text(f'[smtp]\nlisten = ["127.0.0.1:{port}"]\nhostname = "mx.test"\nspool = "spool"\n'
                      f'maildir_root = "mail"\nlocal_domains = ["example.test"]\nmailboxes = ["*@example.test"]\n'
                      f'check_sender_domain = false\n')
    s = SmtpServer(mxkit, tmp_path, port=port)
    s.command = lambda: [str(mxkit), "serve", "--config", str(config)]
    s.start()
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as c:
            c.sendmail("a@client.test", ["who@example.test"], BODY)
        assert len(s.wait_delivered("who@example.test", 1)) == 1
    finally:
        s.stop()
    config.write_text('[smtp]\nlisten = ["127.0.0.1:2525"]\nspool = "s"\nmaildir_roots = "m"\n')
    done = subprocess.run([str(mxkit), "serve", "--config", str(config)], capture_output=True, text=True, timeout=10)
    assert done.returncode == 2
    assert f'{config}:4:17: unknown key "maildir_roots" in [smtp]' in done.stderr


def test_control_socket_flush_retry_delete(server, mxkit):
    with smtplib.SMTP("127.0.0.1", server.port, timeout=10) as c:
        c.sendmail("a@example.test", ["far@remote.test"], BODY)  # relayed from loopback: waits
    queue = [str(mxkit), "queue"]
    listed = subprocess.run([*queue, "list", "--spool", str(server.spool), "--json"], capture_output=True, text=True,
                            timeout=10)
    assert listed.returncode == 0, listed.stderr
    ids = [p.name for p in (server.spool / "queue").iterdir()]
    assert len(ids) == 1 and ids[0] in listed.stdout
    for args, expected in ((["flush"], "to be tried now"), (["retry", ids[0]], "to be tried now"),
                           (["delete", ids[0]], "deleted"), (["delete", ids[0]], "no message")):
        done = subprocess.run([*queue, *args, "--spool", str(server.spool)], capture_output=True, text=True,
                              timeout=10)
        assert expected in done.stdout + done.stderr, (args, done.stdout, done.stderr)
    assert not any((server.spool / "queue").iterdir())
    assert "deleted by the operator" in server.wait_log("deleted by the operator")
