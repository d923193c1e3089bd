"""Mail on the loopback test internet: a sending `mxkit serve` that resolves through the test
internet's root (internet.py), receiving `mxkit serve`s as mail exchangers on 127.0.1.x, and
scripted SMTP servers that misbehave on purpose (421 greeting, 451/550 at RCPT, never greet).
"""
from __future__ import annotations

import smtplib
import socket
import socketserver
import subprocess
import threading
import time
from pathlib import Path

import processes


def wait_port(address: str, port: int, proc: subprocess.Popen, log: Path, deadline_s: float = 5) -> None:
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {log.read_text()}")
        try:
            with socket.create_connection((address, port), timeout=0.2) as s:
                s.recv(512)
                s.sendall(b"QUIT\r\n")
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"no SMTP server on {address}:{port} within {deadline_s} s")


class Mta:
    """`mxkit serve` with an SMTP role: `local` its local domain (catch-all mailboxes)."""

    def __init__(self, mxkit: Path, root: Path, address: str, port: int, local: str, extra: list[str]):
        self.mxkit, self.root, self.address, self.port, self.local = mxkit, root, address, port, local
        self.extra = extra
        self.spool = root / "spool"
        self.mail = root / "mail"
        self.log_path = root / "server.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> "Mta":
        self.root.mkdir(parents=True, exist_ok=True)
        command = [str(self.mxkit), "serve", "--smtp-listen", f"{self.address}:{self.port}",
                   "--hostname", f"mx.{self.local}", "--spool", str(self.spool), "--local-domain", self.local,
                   "--mailbox", f"*@{self.local}", "--maildir-root", str(self.mail), "--no-sender-check",
                   *self.extra]
        with open(self.log_path, "a") as log:
            self.proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log)
        wait_port(self.address, self.port, self.proc, self.log_path)
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            processes.stop(self.proc)

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait(timeout=5)

    def log(self) -> str:
        return self.log_path.read_text() if self.log_path.exists() else ""

    def files(self, address: str) -> list[Path]:
        local, domain = address.lower().split("@")
        folder = self.mail / domain / local
        return sorted([*folder.glob("new/*"), *folder.glob("cur/*")])

    def wait_files(self, address: str, count: int, timeout: float = 15) -> list[Path]:
        end = time.monotonic() + timeout
        while time.monotonic() < end and len(self.files(address)) < count:
            time.sleep(0.05)
        return self.files(address)

    def wait_log(self, text: str, timeout: float = 15) -> bool:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if text in self.log():
                return True
            time.sleep(0.05)
        return False

    def send(self, sender: str, recipients: list[str], body: str = "hello") -> None:
        with smtplib.SMTP(self.address, self.port, timeout=10) as s:
            s.sendmail(sender, recipients, f"Subject: test\r\n\r\n{body}\r\n")


class Scripted:
    """A small SMTP server with scripted replies, recording what it took.
    greeting: the 220 line or e.g. "421 4.7.0 busy"; rcpt: a list of replies for the first RCPTs
    ("451 4.7.1 later"), then 250; greet=False: accept TCP and never say anything."""

    def __init__(self, address: str, port: int, greeting: str = "220 scripted ESMTP",
                 rcpt: list[str] | None = None, greet: bool = True):
        self.greeting, self.rcpt, self.greet = greeting, list(rcpt or []), greet
        self.messages: list[bytes] = []
        self.lock = threading.Lock()
        outer = self

        class Handler(socketserver.StreamRequestHandler):
            timeout = 10

            def handle(self):
                try:
                    outer.serve(self.rfile, self.wfile)
                except OSError:  # the client went away (a killed server): nothing to answer
                    pass

        class Server(socketserver.ThreadingTCPServer):
            allow_reuse_address = True
            request_queue_size = 256  # the default 5 drops SYNs when the courier opens 20 at once

        self.server = Server((address, port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def serve(self, rfile, wfile) -> None:
        if not self.greet:
            rfile.read()  # until the client gives up
            return
        wfile.write(self.greeting.encode() + b"\r\n")
        if not self.greeting.startswith("220"):
            return
        accepted = 0
        while True:
            line = rfile.readline()
            if not line:
                return
            verb = line[:4].upper()
            if verb in (b"MAIL", b"RSET"):
                accepted = 0
            if verb in (b"EHLO", b"HELO"):
                wfile.write(b"250-scripted\r\n250 PIPELINING\r\n")
            elif verb == b"RCPT":
                with self.lock:
                    reply = self.rcpt.pop(0) if self.rcpt else "250 2.1.5 ok"
                accepted += reply.startswith("2")
                wfile.write(reply.encode() + b"\r\n")
            elif verb == b"DATA" and not accepted:
                wfile.write(b"554 5.5.1 no valid recipients\r\n")
            elif verb == b"DATA":
                wfile.write(b"354 go\r\n")
                data = b""
                while True:
                    chunk = rfile.readline()
                    if not chunk or chunk == b".\r\n":
                        break
                    data += chunk
                with self.lock:
                    self.messages.append(data)
                wfile.write(b"250 2.0.0 Ok: queued as SCRIPTED\r\n")
            elif verb == b"QUIT":
                wfile.write(b"221 bye\r\n")
                return
            else:
                wfile.write(b"250 ok\r\n")

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
