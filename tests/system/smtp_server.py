"""Starting `mxkit serve` as an SMTP server for the tests, and reading its Maildirs."""
from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import processes


def free_tcp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpServer:
    """mxkit serve --smtp-listen 127.0.0.1:PORT with a spool and Maildir root under `root`."""

    def __init__(self, mxkit: Path, root: Path, extra: list[str] | None = None, port: int | None = None):
        self.mxkit = mxkit
        self.root = root
        self.port = port or free_tcp_port()
        self.spool = root / "spool"
        self.mail = root / "mail"
        self.extra = extra or []
        self.log_path = root / f"server-{self.port}.log"
        self.proc: subprocess.Popen | None = None

    def command(self) -> list[str]:
        return [str(self.mxkit), "serve", "--smtp-listen", f"127.0.0.1:{self.port}", "--hostname", "mx.test",
                "--spool", str(self.spool), "--local-domain", "example.test", "--maildir-root", str(self.mail),
                "--no-sender-check", *self.extra]

    def start(self) -> "SmtpServer":
        self.root.mkdir(parents=True, exist_ok=True)
        self.log = open(self.log_path, "a")
        self.proc = subprocess.Popen(self.command(), stdout=subprocess.DEVNULL, stderr=self.log)
        for _ in range(100):  # at most ~5 s
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_text()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as s:
                    s.recv(512)
                    s.sendall(b"QUIT\r\n")
                return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("SMTP server did not answer within 5 s")

    def stop(self) -> None:
        if self.proc is not None:
            processes.stop(self.proc)
            self.log.close()

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait(timeout=5)
        self.log.close()

    def log_text(self) -> str:
        return self.log_path.read_text() if self.log_path.exists() else ""

    def wait_log(self, text: str, timeout: float = 10) -> str:
        """The log once it holds `text` (a line may follow the event it reports: a Maildir file
        is visible before the delivery line is written); the log as it is after `timeout`."""
        end = time.time() + timeout
        while time.time() < end:
            log = self.log_text()
            if text in log:
                return log
            time.sleep(0.02)
        return self.log_text()

    def maildir_files(self, address: str) -> list[Path]:
        local, domain = address.lower().split("@")
        folder = self.mail / domain / local
        return sorted([*folder.glob("new/*"), *folder.glob("cur/*")])

    def wait_delivered(self, address: str, count: int, timeout: float = 10) -> list[Path]:
        end = time.time() + timeout
        while time.time() < end:
            files = self.maildir_files(address)
            if len(files) >= count:
                return files
            time.sleep(0.05)
        return self.maildir_files(address)


def body_of(path: Path) -> bytes:
    """The message as stored, without the headers we add (Return-Path, Received)."""
    data = path.read_bytes()
    lines = data.split(b"\n")
    assert lines[0].startswith(b"Return-Path: <"), lines[0]
    i = 1
    assert lines[i].startswith(b"Received: from "), lines[i]
    i += 1
    while lines[i].startswith(b"\t"):
        i += 1
    return b"\n".join(lines[i:])


class Client:
    """A raw SMTP client for exact byte sequences (smuggling, garbage, pipelining)."""

    def __init__(self, port: int, source: str = "127.0.0.1", timeout: float = 5):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.bind((source, 0))
        self.sock.connect(("127.0.0.1", port))
        self.buffer = b""
        self.greeting = self.reply()

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def reply(self) -> str:
        """One whole reply (all its lines), as text."""
        lines = []
        while True:
            while b"\r\n" not in self.buffer:
                chunk = self.sock.recv(65536)
                if not chunk:
                    raise ConnectionError(f"closed after {lines!r}")
                self.buffer += chunk
            line, self.buffer = self.buffer.split(b"\r\n", 1)
            lines.append(line.decode("utf-8", "replace"))
            if len(line) < 4 or line[3:4] != b"-":
                return "\n".join(lines)

    def command(self, line: str | bytes) -> str:
        self.send((line.encode() if isinstance(line, str) else line) + b"\r\n")
        return self.reply()

    def close(self) -> None:
        self.sock.close()
