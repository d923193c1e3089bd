#!/usr/bin/python3
"""Resolver benchmark: mxkit's iterative resolver beside Unbound, on a small internet on loopback.

Builds a root (127.0.0.2), the TLD `test.` (127.0.0.3) and N mail domains (127.0.0.4), each with
two exchangers (MX 10 / MX 20, each with A and AAAA), served by `mxkit serve` on port 53 of those
addresses (the peer resolver, Unbound, can only reach authorities on port 53). Then measures:

  cold plan   queries the authorities received for one `mxkit route DOMAIN` from a cold cache:
              mxkit iterating from the root hints itself, and mxkit's stub asking a freshly
              started Unbound (as Postfix would through the system resolver). Also for a second
              domain right after the first (delegations of . and test. known).
  warm plans  plans per second once everything is cached: `mxkit route --repeat N` (its own
              cache, one thread), and the most plans Unbound can feed: its throughput on the plan's
              five queries (MX, then A and AAAA of both exchangers) with dnsperf, 4 clients and
              100 queries outstanding, divided by 5.

Needs root (port 53 on 127.0.0.x), unbound and dnsperf (installed when missing). Run:
    bench/route_bench.py [--mxkit build/release/mxkit] [--domains 20] [--rounds 5] [--repeat 20000]
Prints medians over the rounds.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT, TLD, DOMAINS = "127.0.0.2", "127.0.0.3", "127.0.0.4"
UNBOUND_PORT = 5399
SOA = "SOA ns hostmaster 1 3600 900 604800 300"


def write_internet(tmp: Path, domains: int) -> Path:
    (tmp / "root.zone").write_text(
        f". 86400 IN SOA a.root.test. hostmaster.test. 1 3600 900 604800 300\n"
        f". 518400 IN NS a.root.test.\n"
        f"test. 172800 IN NS ns.test.\n"
        f"ns.test. 172800 IN A {TLD}\n"
        f"a.root.test. 518400 IN A {ROOT}\n")
    tld = [f"$ORIGIN test.\n@ 86400 IN {SOA}\n@ 172800 IN NS ns\nns 172800 IN A {TLD}\n",
           f"a.root 518400 IN A {ROOT}\n"]
    for i in range(domains):
        tld.append(f"d{i} 172800 IN NS ns.d{i}\nns.d{i} 172800 IN A {DOMAINS}\n")
        (tmp / f"d{i}.zone").write_text(
            f"$ORIGIN d{i}.test.\n$TTL 3600\n@ IN {SOA}\n@ IN NS ns\nns IN A {DOMAINS}\n"
            f"@ IN MX 10 mx1\n@ IN MX 20 mx2\n"
            f"mx1 IN A 127.0.1.{2 * i % 250 + 1}\nmx1 IN AAAA 2001:db8::{2 * i + 1:x}\n"
            f"mx2 IN A 127.0.1.{(2 * i + 1) % 250 + 1}\nmx2 IN AAAA 2001:db8::{2 * i + 2:x}\n")
    (tmp / "test.zone").write_text("".join(tld))
    hints = tmp / "root.hints"
    hints.write_text(f". 3600000 NS a.root.test.\na.root.test. 3600000 A {ROOT}\n")
    return hints


class Authorities:
    """The three mxkit servers; counts the queries they receive via their SIGUSR1 counters."""

    def __init__(self, mxkit: str, tmp: Path, domains: int):
        self.procs: list[tuple[subprocess.Popen, Path]] = []
        plan = [(ROOT, ["--zone", f".={tmp / 'root.zone'}"]),
                (TLD, ["--zone", f"test.={tmp / 'test.zone'}"]),
                (DOMAINS, [a for i in range(domains) for a in ("--zone", f"d{i}.test.={tmp / f'd{i}.zone'}")])]
        for address, zones in plan:
            log = tmp / f"serve-{address}.log"
            proc = subprocess.Popen([mxkit, "serve", "--dns-listen", f"{address}:53", *zones],
                                    stdout=subprocess.DEVNULL, stderr=open(log, "w"))
            self.procs.append((proc, log))
        for address, _ in plan:
            wait_for_answer(address, 53)

    def queries(self) -> int:
        return sum(served_queries(proc, log) for proc, log in self.procs)

    def stop(self) -> None:
        for proc, _ in self.procs:
            stop(proc)


def served_queries(proc: subprocess.Popen, log: Path) -> int:
    """Queries (UDP + TCP) an `mxkit serve` has received so far: its SIGUSR1 counters line."""
    before = log.read_text().count("counters:")
    proc.send_signal(signal.SIGUSR1)
    deadline = time.monotonic() + 5
    while log.read_text().count("counters:") == before:
        if time.monotonic() > deadline:
            raise RuntimeError(f"no counters from {log}")
        time.sleep(0.02)
    line = [l for l in log.read_text().splitlines() if "counters:" in l][-1]
    return int(re.search(r"udp=(\d+)", line).group(1)) + int(re.search(r"tcp=(\d+)", line).group(1))


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def wait_for_answer(address: str, port: int, name: bytes = b"\x00", deadline_s: float = 10) -> None:
    """Waits until a UDP query for `name` SOA gets any reply."""
    query = b"\x12\x34\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00" + name + b"\x00\x06\x00\x01"
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(0.2)
            try:
                s.sendto(query, (address, port))
                s.recvfrom(4096)
                return
            except OSError:
                time.sleep(0.05)
    raise RuntimeError(f"no DNS server answering on {address}:{port}")


def start_unbound(tmp: Path, hints: Path, port: int = UNBOUND_PORT,
                  probe: bytes = b"\x04test\x00") -> subprocess.Popen:
    """A fresh Unbound iterating from `hints`, up once it answers `probe` (a wire-format name)."""
    conf = tmp / "unbound.conf"
    conf.write_text(f"""server:
  interface: 127.0.0.1@{port}
  port: {port}
  do-daemonize: no
  username: ""
  chroot: ""
  directory: "{tmp}"
  pidfile: ""
  use-syslog: no
  logfile: "{tmp / 'unbound.log'}"
  verbosity: 0
  num-threads: 1
  root-hints: "{hints}"
  do-not-query-localhost: no
  access-control: 127.0.0.0/8 allow
  do-ip6: no
  module-config: "iterator"
  # Unbound answers the RFC 6761 names (test. among them) itself unless told not to.
  local-zone: "test." nodefault
remote-control:
  control-enable: no
""")
    proc = subprocess.Popen(["unbound", "-d", "-c", str(conf)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    wait_for_answer("127.0.0.1", port, name=probe)
    return proc


def route(mxkit: str, args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run([mxkit, "route", *args], capture_output=True, text=True, timeout=60)


def plans_per_second(stderr: str) -> float:
    m = re.search(r"([\d.]+)\s*plans/s", stderr)
    if not m:
        raise RuntimeError(f"no plans/s in: {stderr!r}")
    return float(m.group(1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    repo = Path(__file__).resolve().parent.parent
    parser.add_argument("--mxkit", default=str(repo / "build/release/mxkit"))
    parser.add_argument("--domains", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=20000)
    opts = parser.parse_args()
    for tool, package in (("unbound", "unbound"), ("dnsperf", "dnsperf")):
        if not shutil.which(tool) and not os.path.exists(f"/usr/sbin/{tool}"):
            subprocess.run(["apt-get", "install", "-y", "-q", package], check=True,
                           env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    os.environ["PATH"] += ":/usr/sbin"
    rounds = min(opts.rounds, opts.domains // 2)

    with tempfile.TemporaryDirectory(prefix="mxkit-route-bench-") as tmpdir:
        tmp = Path(tmpdir)
        hints = write_internet(tmp, opts.domains)
        auth = Authorities(opts.mxkit, tmp, opts.domains)
        iterative = ["--root-hints", str(hints), "--dns-port", "53"]
        results: dict[str, list[float]] = {k: [] for k in
                                           ("mxkit cold", "mxkit second", "unbound cold", "unbound second")}
        try:
            for r in range(rounds):
                first, second = f"d{2 * r}.test", f"d{2 * r + 1}.test"
                # mxkit iterating itself: one process plans both domains, so the second plan
                # starts with . and test. cached.
                before = auth.queries()
                out = route(opts.mxkit, [first, "--json", *iterative])
                assert '"deliverable"' in out.stdout, out.stdout + out.stderr
                results["mxkit cold"].append(auth.queries() - before)
                # The second domain of the same TLD, planned by the same process right after the
                # first: its count is (both plans) - (first plan alone).
                before = auth.queries()
                route(opts.mxkit, [first, second, "--json", *iterative])
                results["mxkit second"].append(auth.queries() - before - results["mxkit cold"][-1])

                unbound = start_unbound(tmp, hints)
                try:
                    before = auth.queries()
                    out = route(opts.mxkit, [first, "--json", "--resolver", f"127.0.0.1:{UNBOUND_PORT}"])
                    assert '"deliverable"' in out.stdout, out.stdout + out.stderr
                    results["unbound cold"].append(auth.queries() - before)
                    before = auth.queries()
                    route(opts.mxkit, [second, "--json", "--resolver", f"127.0.0.1:{UNBOUND_PORT}"])
                    results["unbound second"].append(auth.queries() - before)
                finally:
                    stop(unbound)

            # Warm plans per second.
            warm = route(opts.mxkit, ["d0.test", "--json", "--repeat", str(opts.repeat), *iterative])
            mxkit_pps = plans_per_second(warm.stderr)
            unbound = start_unbound(tmp, hints)
            try:
                route(opts.mxkit, ["d0.test", "--resolver", f"127.0.0.1:{UNBOUND_PORT}"])  # warm it
                qfile = tmp / "plan-queries.txt"
                qfile.write_text("d0.test MX\nmx1.d0.test A\nmx1.d0.test AAAA\nmx2.d0.test A\nmx2.d0.test AAAA\n")
                perf = subprocess.run(["dnsperf", "-s", "127.0.0.1", "-p", str(UNBOUND_PORT), "-d", str(qfile),
                                       "-c", "4", "-q", "100", "-l", "5"], capture_output=True, text=True, timeout=60)
                qps = float(re.search(r"Queries per second:\s+([\d.]+)", perf.stdout).group(1))
            finally:
                stop(unbound)
        finally:
            auth.stop()

    print(f"resolver benchmark: {opts.domains} domains, {rounds} rounds (medians)")
    print("queries the authorities received for one plan (MX + A/AAAA of 2 exchangers):")
    print(f"  mxkit iterative, cold cache        {statistics.median(results['mxkit cold']):5.0f}")
    print(f"  mxkit, the next domain of test.    {statistics.median(results['mxkit second']):5.0f}")
    print(f"  Unbound + stub, cold cache         {statistics.median(results['unbound cold']):5.0f}")
    print(f"  Unbound, the next domain of test.  {statistics.median(results['unbound second']):5.0f}")
    print("warm plans per second:")
    print(f"  mxkit route --repeat (own cache)   {mxkit_pps:10.0f}")
    print(f"  Unbound answering the 5 queries    {qps / 5:10.0f}   (dnsperf -c 4 -q 100: {qps:.0f} q/s / 5)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
