"""Hosting scale (issue 11): `mxkit serve` with 10,000 small zones starts and answers for the
first and the last zone within a bounded time and memory, and a SIGHUP after one file changed
re-reads exactly that file (the log says how many were re-read).

The server is started once for the module; every wait is bounded in count and time.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import dns.flags
import dns.message
import dns.query
import dns.rcode
import pytest

import processes

COUNT = 10_000
START_BOUND_S = 10.0   # NSD needs ~0.3-1.7 s here; mxkit took ~51 s before issue 11
MEMORY_BOUND_KB = 200 * 1024  # was ~23.7 GB; NSD uses ~35-140 MB with its children

ZONE = """$ORIGIN {origin}
$TTL 3600
@     SOA  ns1 hostmaster {serial} 7200 3600 1209600 3600
@     NS   ns1
@     NS   ns2
ns1   A    192.0.2.1
ns2   A    192.0.2.2
@     A    192.0.2.10
www   A    192.0.2.10
@     MX   10 mail
mail  A    192.0.2.25
@     TXT  "v=spf1 mx -all"
"""


def origin(i: int) -> str:
    return f"z{i:05d}.test."


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ask(port: int, name: str, rdtype: str = "SOA", timeout: float = 0.2) -> dns.message.Message:
    q = dns.message.make_query(name, rdtype)
    q.flags &= ~dns.flags.RD
    return dns.query.udp(q, "127.0.0.1", port=port, timeout=timeout)


def wait_for_log(log: Path, text: str, seconds: float) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        content = log.read_text()
        if text in content:
            return content
        time.sleep(0.05)
    return log.read_text()


class ManyZones:
    def __init__(self, mxkit: Path, folder: Path):
        self.folder = folder
        self.port = free_port()
        zones = folder / "zones"
        zones.mkdir()
        lines = [f'[dns]\nlisten = ["127.0.0.1:{self.port}"]\njournal_dir = "{folder}"\n']
        for i in range(COUNT):
            path = zones / f"{origin(i)}zone"
            path.write_text(ZONE.format(origin=origin(i), serial=1))
            lines.append(f'[[dns.zone]]\norigin = "{origin(i)}"\nfile = "{path}"\n')
        self.config = folder / "serve.toml"
        self.config.write_text("".join(lines))
        self.log = folder / "serve.log"
        self.log_file = open(self.log, "w")
        self.started = time.monotonic()
        self.proc = subprocess.Popen([str(mxkit), "serve", "--config", str(self.config)],
                                     stdout=self.log_file, stderr=subprocess.STDOUT)
        self.answered_after = None
        for _ in range(int(START_BOUND_S / 0.05)):
            if self.proc.poll() is not None:
                break
            try:
                r = ask(self.port, origin(COUNT - 1), timeout=0.05)
                if r.rcode() == dns.rcode.NOERROR and r.answer:
                    self.answered_after = time.monotonic() - self.started
                    break
            except Exception:
                time.sleep(0.05)

    def peak_kb(self) -> int:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
        return 0

    def stop(self) -> None:
        processes.stop(self.proc)
        self.log_file.close()


@pytest.fixture(scope="module")
def many(mxkit, tmp_path_factory):
    server = ManyZones(mxkit, tmp_path_factory.mktemp("many-zones"))
    yield server
    server.stop()


def test_ten_thousand_zones_start_and_answer_first_and_last(many):
    assert many.answered_after is not None, (
        f"no answer for {origin(COUNT - 1)} within {START_BOUND_S} s; log:\n"
        + many.log.read_text()[-2000:])
    assert many.answered_after < START_BOUND_S
    for name in (origin(0), origin(COUNT - 1), "www." + origin(COUNT // 2)):
        r = ask(many.port, name, "A" if name.startswith("www") else "SOA", timeout=2)
        assert r.rcode() == dns.rcode.NOERROR and r.answer, name
        assert r.flags & dns.flags.AA
    assert ask(many.port, "nonexistent.test.", timeout=2).rcode() == dns.rcode.REFUSED
    assert many.peak_kb() < MEMORY_BOUND_KB, f"peak RSS {many.peak_kb()} kB"
    assert f"{COUNT} zones loaded" in many.log.read_text()


def test_sighup_after_one_change_rereads_one_file(many):
    changed = many.folder / "zones" / f"{origin(1234)}zone"
    changed.write_text(ZONE.format(origin=origin(1234), serial=2) + "new   A    192.0.2.99\n")
    os.kill(many.proc.pid, signal.SIGHUP)
    log = wait_for_log(many.log, "reload:", 10)
    assert f"reload: 1 zone file re-read, {COUNT - 1} unchanged, 1 serial changed" in log, log[-2000:]
    r = ask(many.port, "new." + origin(1234), "A", timeout=2)
    assert r.rcode() == dns.rcode.NOERROR and r.answer
    # A second SIGHUP with nothing changed re-reads nothing.
    os.kill(many.proc.pid, signal.SIGHUP)
    deadline = time.monotonic() + 10
    while many.log.read_text().count("reload:") < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert f"reload: 0 zone files re-read, {COUNT} unchanged, 0 serials changed" in many.log.read_text()
