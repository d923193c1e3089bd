"""The SMTP role under stress: kill -9 in the middle of a stream of messages (every message that
got a 250 is delivered exactly once after a restart), 1,000 idle connections, the connection limit,
a port already taken, and the RFC 7505 null-MX check on senders with both roles in one process."""
from __future__ import annotations

import re
import resource
import smtplib
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

from smtp_server import SmtpServer, free_tcp_port


def send_many(port: int, thread: int, count: int, acked: list[str], stop: threading.Event, reuse: bool) -> None:
    """`count` messages on one connection (reuse) or one connection per message, as smtp-source
    does by default; notes each tag that got its 250."""
    c: smtplib.SMTP | None = None
    try:
        for i in range(count):
            if stop.is_set():
                return
            tag = f"t{thread}-m{i}"
            if c is None:
                c = smtplib.SMTP("127.0.0.1", port, timeout=5)
            c.sendmail("a@client.test", ["crash@example.test"], f"Subject: {tag}\r\nX-Tag: {tag}\r\n\r\nbody {tag}\r\n")
            acked.append(tag)
            if not reuse:
                c.quit()
                c = None
    except (OSError, smtplib.SMTPException):
        return  # the server died under us: this one got no 250
    finally:
        if c is not None:
            c.close()


@pytest.mark.parametrize("reuse", [False, True], ids=["connection-per-message", "10-connections-reused"])
def test_kill_9_mid_stream_loses_and_duplicates_nothing(mxkit, tmp_path, reuse):
    """600 messages over 10 parallel connections, kill -9 once 300 have their 250."""
    server = SmtpServer(mxkit, tmp_path, ["--mailbox", "*@example.test"]).start()
    acked: list[str] = []
    stop = threading.Event()
    threads = [threading.Thread(target=send_many, args=(server.port, t, 60, acked, stop, reuse)) for t in range(10)]
    for t in threads:
        t.start()
    end = time.time() + 30
    while len(acked) < 300 and time.time() < end:
        time.sleep(0.005)
    server.kill()  # SIGKILL, mid-stream
    stop.set()
    for t in threads:
        t.join(timeout=20)
    assert len(acked) >= 300
    server.start()  # same spool: recovery delivers what was queued, nothing twice
    try:
        deadline = time.time() + 20
        while time.time() < deadline:
            tags = tagged(server)
            if set(acked) <= set(tags):
                break
            time.sleep(0.1)
        time.sleep(0.5)  # anything that would arrive twice has had time to
        tags = tagged(server)
        missing = set(acked) - set(tags)
        assert not missing, f"{len(missing)} acknowledged messages lost"
        duplicates = {t for t in tags if tags.count(t) > 1}
        assert not duplicates, f"delivered twice: {sorted(duplicates)[:5]}"
        recovered = re.search(r"(\d+) messages? recovered from the arrival log", server.log_text())
        print(f"kill -9 receiving ({'reused' if reuse else 'new'} connections): acknowledged {len(acked)}, "
              f"delivered {len(tags)} ({len(tags) - len(acked)} were in flight without a 250), 0 lost, 0 twice; "
              f"{recovered[1] if recovered else 0} recovered from the arrival log")
    finally:
        server.stop()


def tagged(server: SmtpServer) -> list[str]:
    out = []
    for f in server.maildir_files("crash@example.test"):
        for line in f.read_text().splitlines():
            if line.startswith("X-Tag: "):
                out.append(line[7:])
                break
    return out


def rss_kib(pid: int) -> int:
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def open_idle(port: int, count: int) -> list[socket.socket]:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < count + 200:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, count + 1000), hard))
    socks = []
    for _ in range(count):
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        socks.append(s)
    return socks


def first_line(s: socket.socket) -> str:
    data = b""
    while b"\r\n" not in data:
        chunk = s.recv(512)
        if not chunk:
            break
        data += chunk
    return data.decode(errors="replace")


def test_1000_idle_connections_held_and_server_responsive(mxkit, tmp_path):
    server = SmtpServer(mxkit, tmp_path, ["--mailbox", "*@example.test", "--max-connections", "2000"]).start()
    socks: list[socket.socket] = []
    try:
        before = rss_kib(server.proc.pid)
        socks = open_idle(server.port, 1000)
        greetings = [first_line(s) for s in socks]
        assert all(g.startswith("220 ") for g in greetings)
        started = time.time()
        with smtplib.SMTP("127.0.0.1", server.port, timeout=10) as c:
            c.sendmail("a@client.test", ["busy@example.test"], "Subject: busy\r\n\r\nstill here\r\n")
        took = time.time() - started
        assert took < 2
        assert len(server.wait_delivered("busy@example.test", 1)) == 1
        after = rss_kib(server.proc.pid)
        print(f"RSS {before} KiB idle, {after} KiB with 1000 connections; a message took {took * 1000:.0f} ms")
        assert after - before < 200 * 1024  # bounded: well under 200 KiB a connection
    finally:
        for s in socks:
            s.close()
        server.stop()


def test_connections_past_the_limit_get_421(mxkit, tmp_path):
    server = SmtpServer(mxkit, tmp_path, ["--mailbox", "*@example.test", "--max-connections", "100"]).start()
    socks: list[socket.socket] = []
    try:
        socks = open_idle(server.port, 150)
        lines = [first_line(s) for s in socks]
        assert sum(line.startswith("220 ") for line in lines) == 100
        assert sum(line.startswith("421 4.7.0") for line in lines) == 50
    finally:
        for s in socks:
            s.close()
        server.stop()


def test_second_smtp_server_on_one_port_fails(mxkit, tmp_path):
    first = SmtpServer(mxkit, tmp_path / "a", ["--mailbox", "*@example.test"]).start()
    try:
        second = SmtpServer(mxkit, tmp_path / "b", ["--mailbox", "*@example.test"], port=first.port)
        done = subprocess.run(second.command(), capture_output=True, text=True, timeout=10)
        assert done.returncode != 0
        assert f"cannot listen on TCP 127.0.0.1:{first.port}: address already in use" in done.stderr
        # The same spool twice is refused too (its control socket is taken).
        third = SmtpServer(mxkit, tmp_path / "a", ["--mailbox", "*@example.test"])
        done = subprocess.run(third.command(), capture_output=True, text=True, timeout=10)
        assert done.returncode != 0 and "another server is running on this spool" in done.stderr
    finally:
        first.stop()


ZONE = """$ORIGIN test.
$TTL 300
@        SOA ns hostmaster 1 3600 600 86400 300
@        NS  ns
ns       A   127.0.0.1
nullmx   MX  0 .
good     MX  10 mail.good
mail.good A  127.0.0.1
"""


def test_null_mx_sender_refused_with_dns_in_the_same_process(mxkit, tmp_path):
    zone = tmp_path / "test.zone"
    zone.write_text(ZONE)
    dns_port = free_tcp_port()
    server = SmtpServer(mxkit, tmp_path, ["--mailbox", "*@example.test", "--dns-listen", f"127.0.0.1:{dns_port}",
                                          "--zone", f"test.={zone}", "--resolver", f"127.0.0.1:{dns_port}"])
    server.command = lambda: [a for a in SmtpServer.command(server) if a != "--no-sender-check"]
    server.start()
    try:
        with smtplib.SMTP("127.0.0.1", server.port, timeout=10) as c:
            c.ehlo("client.test")
            code, text = c.mail("someone@nullmx.test")
            assert code == 550 and text.startswith(b"5.7.27"), text
            c.rset()
            code, _ = c.mail("someone@good.test")
            assert code == 250
    finally:
        server.stop()


def test_spool_error_answers_452_and_keeps_serving(mxkit, tmp_path):
    # Mail that needs the queue (a relayed recipient; local mail goes into the arrival log and
    # its Maildirs, no spool file) cannot be stored: 452, nothing kept.
    server = SmtpServer(mxkit, tmp_path, ["--mailbox", "*@example.test", "--route", "remote.test=127.0.0.1:9"]).start()
    try:
        queue = server.spool / "queue"
        hidden = server.spool / "queue.away"
        queue.rename(hidden)  # the spool cannot write: as a failed disk would
        with smtplib.SMTP("127.0.0.1", server.port, timeout=10) as c:
            try:
                c.sendmail("a@client.test", ["x@remote.test"], "Subject: lost?\r\n\r\nbody\r\n")
                raise AssertionError("a message was acknowledged without a spool")
            except smtplib.SMTPDataError as e:
                assert e.smtp_code == 452 and e.smtp_error.startswith(b"4.3.1"), e
        # Local mail still lands meanwhile: it does not go through the spool.
        with smtplib.SMTP("127.0.0.1", server.port, timeout=10) as c:
            c.sendmail("a@client.test", ["x@example.test"], "Subject: at once\r\n\r\nbody\r\n")
        assert len(server.wait_delivered("x@example.test", 1)) == 1
        hidden.rename(queue)
        with smtplib.SMTP("127.0.0.1", server.port, timeout=10) as c:
            c.sendmail("a@client.test", ["x@remote.test"], "Subject: kept\r\n\r\nbody\r\n")
        assert len(list(queue.iterdir())) == 1  # queued for the (refusing) route, not lost
    finally:
        server.stop()


def transaction(server: SmtpServer, recipients: list[str], data: bytes) -> tuple[int, bytes]:
    """One message to several recipients; the code and text of the reply to DATA (which
    smtplib.sendmail would hide behind an exception for anything but 250)."""
    with smtplib.SMTP("127.0.0.1", server.port, timeout=10) as c:
        c.ehlo("client.test")
        c.mail("a@client.test")
        for rcpt in recipients:
            c.rcpt(rcpt)
        return c.data(data)


def test_local_mail_is_in_the_maildir_before_the_250_without_an_arrival_backlog(mxkit, tmp_path):
    server = SmtpServer(mxkit, tmp_path, ["--mailbox", "*@example.test", "--arrival-backlog", "0"]).start()
    try:
        code, reply = transaction(server, ["one@example.test", "two@example.test"], b"Subject: at once\r\n\r\nbody\r\n")
        assert code == 250 and reply.startswith(b"2.0.0 Ok: queued as "), reply
        qid = reply.split()[-1].decode()
        # No wait: both copies were on disk when the 250 came, and no spool file was written.
        for user in ("one", "two"):
            files = server.maildir_files(f"{user}@example.test")
            assert len(files) == 1 and f".Q{qid}R" in files[0].name, files
        assert list((server.spool / "queue").iterdir()) == []
        log = server.wait_log(f"{qid}: to=<two@example.test>")
        received = log.index(f"{qid}: client=[127.0.0.1]")
        assert received < log.index(f"{qid}: to=<one@example.test>, relay=maildir")
        assert "status=sent (250 2.0.0 delivered to maildir)" in log
    finally:
        server.stop()


def arrival_log_bytes(server: SmtpServer) -> bytes:
    return b"".join(p.read_bytes() for p in sorted((server.spool / "log").glob("*.log")))


@pytest.mark.parametrize("given", ["flag", "toml"])
def test_a_message_past_the_arrival_backlogs_octets_is_in_the_maildir_before_its_250(mxkit, tmp_path, given):
    # --arrival-backlog-bytes (arrival_backlog_bytes in [smtp]) bounds the contents held in
    # memory until their copies are written: a message that would take the backlog past it is
    # written before its 250.
    server = SmtpServer(mxkit, tmp_path, ["--mailbox", "*@example.test", "--arrival-backlog-bytes", "4000"])
    if given == "toml":
        config = tmp_path / "mxkit.toml"
        config.write_text(f'[smtp]\nlisten = ["127.0.0.1:{server.port}"]\nhostname = "mx.test"\n'
                          f'spool = "spool"\nmaildir_root = "mail"\nlocal_domains = ["example.test"]\n'
                          f'mailboxes = ["*@example.test"]\ncheck_sender_domain = false\n'
                          f'arrival_backlog_bytes = 4000\n')
        server.command = lambda: [str(mxkit), "serve", "--config", str(config)]
    server.start()
    try:
        code, reply = transaction(server, ["small@example.test"], b"Subject: small\r\n\r\nlogged\r\n")
        assert code == 250, reply
        small = reply.split()[-1].decode()
        assert small.encode() in arrival_log_bytes(server)
        big_body = b"Subject: big\r\n\r\n" + (b"y" * 70 + b"\r\n") * 70 + b"the end\r\n"
        code, reply = transaction(server, ["big@example.test"], big_body)
        assert code == 250, reply
        big = reply.split()[-1].decode()
        # No wait: the copy was on disk when the 250 came, and the log never had the message.
        files = server.maildir_files("big@example.test")
        assert len(files) == 1 and f".Q{big}R" in files[0].name, files
        assert files[0].read_bytes().endswith((b"y" * 70 + b"\n") * 70 + b"the end\n")
        assert big.encode() not in arrival_log_bytes(server)
        assert list((server.spool / "queue").iterdir()) == []
        assert len(server.wait_delivered("small@example.test", 1)) == 1
    finally:
        server.stop()


def test_local_mail_is_in_the_arrival_log_before_the_250_and_in_the_maildirs_after(mxkit, tmp_path):
    server = SmtpServer(mxkit, tmp_path, ["--mailbox", "*@example.test"]).start()
    try:
        code, reply = transaction(server, ["one@example.test", "two@example.test"],
                                  b"Subject: logged\r\n\r\nthe arrival log's body\r\n")
        assert code == 250 and reply.startswith(b"2.0.0 Ok: queued as "), reply
        qid = reply.split()[-1].decode()
        # The 250 came once the log had the message (its commit is fdatasynced first; the
        # crash test shows it survives): its id and content are in a segment now.
        logged = arrival_log_bytes(server)
        assert qid.encode() in logged and b"the arrival log's body" in logged
        for user in ("one", "two"):
            files = server.wait_delivered(f"{user}@example.test", 1)
            assert len(files) == 1 and f".Q{qid}R" in files[0].name, files
            assert files[0].read_bytes().endswith(b"the arrival log's body\n")
        assert list((server.spool / "queue").iterdir()) == []
        log = server.wait_log(f"{qid}: to=<two@example.test>")
        assert log.index(f"{qid}: client=[127.0.0.1]") < log.index(f"{qid}: to=<one@example.test>, relay=maildir")
        # Done (the log notes it with its next commit, within 20 ms): `mxkit queue list` is empty.
        deadline = time.time() + 5
        while True:
            listed = subprocess.run([str(mxkit), "queue", "list", "--json", "--spool", str(server.spool)],
                                    capture_output=True, text=True, timeout=10)
            assert listed.returncode == 0, listed.stderr
            if qid not in listed.stdout or time.time() > deadline:
                break
            time.sleep(0.05)
        assert qid not in listed.stdout
    finally:
        server.stop()


def logged_only(server: SmtpServer, user: str, body: bytes) -> tuple[str, Path, Path, Path]:
    """One message for `user` whose copy cannot be written (a file where its folder should be)
    and which the spool cannot store either (its queue/ moved away): only the arrival log keeps
    it. Returns its id, the blocking file, queue/ and where queue/ was moved."""
    blocked = server.mail / "example.test" / user
    blocked.parent.mkdir(parents=True, exist_ok=True)
    blocked.write_text("a file where the Maildir folder should be\n")
    queue = server.spool / "queue"
    hidden = server.spool / "queue.away"
    queue.rename(hidden)
    code, reply = transaction(server, [f"{user}@example.test"], b"Subject: logged only\r\n\r\n" + body)
    assert code == 250, reply
    qid = reply.split()[-1].decode()
    server.wait_log(f"{qid}: cannot move into the spool after a failed Maildir delivery")
    return qid, blocked, queue, hidden


def test_arrival_log_keeps_what_neither_maildir_nor_spool_took_and_a_restart_delivers_it(mxkit, tmp_path):
    # The arrival log keeps it, `mxkit queue` lists and shows it, and after kill -9 the next
    # start delivers it once.
    server = SmtpServer(mxkit, tmp_path, ["--mailbox", "*@example.test"]).start()
    try:
        qid, blocked, queue, hidden = logged_only(server, "late", b"kept body\r\n")
        hidden.rename(queue)  # the spool is back; the log keeps the message until its retry
        listed = subprocess.run([str(mxkit), "queue", "list", "--spool", str(server.spool)],
                                capture_output=True, text=True, timeout=10)
        assert listed.returncode == 0 and qid in listed.stdout, listed
        shown = subprocess.run([str(mxkit), "queue", "show", qid, "--spool", str(server.spool)],
                               capture_output=True, text=True, timeout=10)
        assert shown.returncode == 0 and "Subject: logged only" in shown.stdout and "late@example.test" in shown.stdout, shown
        server.kill()
        blocked.unlink()
        server.start()
        files = server.wait_delivered("late@example.test", 1)
        assert files[0].read_bytes().endswith(b"kept body\n")
        assert "1 message recovered from the arrival log" in server.log_text()
        time.sleep(0.5)
        assert len(server.maildir_files("late@example.test")) == 1
        assert list(queue.iterdir()) == []
    finally:
        server.stop()


def test_arrival_log_retries_on_the_queue_schedule_when_neither_maildir_nor_spool_took_it(mxkit, tmp_path):
    # The server keeps running: once the folder and the spool are back, the next try (the
    # queue's first retry, --retry-base) writes the copy, once.
    server = SmtpServer(mxkit, tmp_path, ["--mailbox", "*@example.test", "--retry-base", "1s"]).start()
    try:
        _, blocked, queue, hidden = logged_only(server, "later", b"retried body\r\n")
        # The first retry of --retry-base 1s: 0.8 to 1.2 s (±20% jitter).
        waited = re.search(r"kept in the arrival log, tried again in ([\d.]+) s", server.log_text())
        assert waited and 0.7 <= float(waited[1]) <= 1.3, server.log_text()
        blocked.unlink()
        hidden.rename(queue)
        files = server.wait_delivered("later@example.test", 1)
        assert files[0].read_bytes().endswith(b"retried body\n")
        time.sleep(0.5)
        assert len(server.maildir_files("later@example.test")) == 1
        assert list(queue.iterdir()) == []
    finally:
        server.stop()


@pytest.mark.parametrize("backlog", ["0", "20000"], ids=["before-the-250", "after-the-250"])
def test_local_delivery_that_fails_is_queued_and_never_written_twice(mxkit, tmp_path, backlog):
    server = SmtpServer(mxkit, tmp_path, ["--mailbox", "*@example.test", "--retry-base", "1h",
                                          "--arrival-backlog", backlog]).start()
    blocked = server.mail / "example.test" / "blocked"
    blocked.parent.mkdir(parents=True)
    blocked.write_text("a file where the Maildir folder should be\n")  # root ignores modes
    try:
        code, reply = transaction(server, ["ok@example.test", "blocked@example.test"], b"Subject: half\r\n\r\nbody\r\n")
        assert code == 250, reply
        qid = reply.split()[-1].decode()
        assert len(server.wait_delivered("ok@example.test", 1)) == 1
        # The message is queued under the same id, the failure in the log, the 250 still given.
        server.wait_log(f"{qid}: to=<blocked@example.test>, relay=maildir")
        deadline = time.time() + 10
        while not (server.spool / "queue" / qid).exists() and time.time() < deadline:
            time.sleep(0.05)
        assert (server.spool / "queue" / qid).exists()
        assert "status=deferred" in server.log_text()
        blocked.unlink()
        flushed = subprocess.run([str(mxkit), "queue", "flush", "--spool", str(server.spool)],
                                 capture_output=True, text=True, timeout=10)
        assert flushed.returncode == 0, flushed.stderr
        assert len(server.wait_delivered("blocked@example.test", 1)) == 1
        server.wait_log("copy found")  # ok@ was looked for, not written again
        deadline = time.time() + 10
        while (server.spool / "queue" / qid).exists() and time.time() < deadline:
            time.sleep(0.05)
        assert not (server.spool / "queue" / qid).exists()
        assert len(server.maildir_files("ok@example.test")) == 1
    finally:
        server.stop()
