#!/usr/bin/python3
"""DNS queries per delivered message (issue 9, Performance): `mxkit serve` relaying mail to the
loopback test internet, resolving every recipient domain from the root as delivery really does.

The world is tests/system/internet.py's: a root (127.0.0.2), the TLD `test.` (127.0.0.3) and D
recipient domains d0.test ... (their name server on 127.0.0.4), each `@ MX 10 mail1` and
`@ MX 20 mail2` with mail1 A 127.0.1.1 and mail2 A 127.0.1.2 (no AAAA: loopback has no IPv6
address the sink could listen on besides ::1; the planner still asks for AAAA, and those
queries are counted). Each authority is an `mxkit serve --dns-listen`; the queries it received
are read from its SIGUSR1 counters (route_bench.served_queries). Postfix's smtp-sink listens on
mail1 and mail2 (same free port, given to the relay as --smtp-port); the relay is
`mxkit serve --smtp-listen ... --root-hints HINTS --dns-port PORT --smtp-port SINKPORT`.

Phases, each waiting (bounded) until the sink has every message sent so far:
  first domain     one message to d0.test, cache cold (root, test. and d0.test all unknown)
  next domains     one message to each of d1..d(D-1).test (root and test. delegations cached)
  warm             the other N-1 messages of every domain, sent in one SMTP session
and the total over all messages. Then the same with the relay's stub resolver (--resolver)
pointing at a freshly started Unbound that iterates over the same internet, if unbound is
installed and we may bind port 53 (Unbound only asks authorities on port 53); skipped if not.

    bench/relay_queries.py [--mxkit build/release/mxkit] [--domains 20] [--messages 10]
"""
from __future__ import annotations

import argparse
import os
import shutil
import smtplib
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests/system"))

import processes  # noqa: E402  (tests/system)
from internet import ROOT_ADDRESS, TLD_ADDRESS, Internet, free_port  # noqa: E402
from mail_world import Mta, wait_port  # noqa: E402
from route_bench import served_queries, start_unbound  # noqa: E402

MAIL1, MAIL2 = "127.0.1.1", "127.0.1.2"
DOMAIN_NS = "127.0.0.4"
RECORDS = f"@ MX 10 mail1\n@ MX 20 mail2\nmail1 A {MAIL1}\nmail2 A {MAIL2}\n"
SENDER = "bench@sender.test"
AUTHORITIES = (("root", ROOT_ADDRESS), ("test.", TLD_ADDRESS), ("domains", DOMAIN_NS))


class Counter:
    """The queries each authority of the internet has received, read through SIGUSR1."""

    def __init__(self, net: Internet):
        self.net = net

    def read(self) -> dict[str, int]:
        counts = {}
        for label, address in AUTHORITIES:
            server = self.net.servers[address]
            counts[label] = served_queries(server.proc, server.workdir / "stderr.log")
        return counts


def minus(after: dict[str, int], before: dict[str, int]) -> dict[str, int]:
    return {k: after[k] - before[k] for k in after}


class Sinks:
    """smtp-sink on mail1 and mail2, each dumping one file per transaction under its folder."""

    def __init__(self, tmp: Path, port: int):
        self.dirs = [tmp / name for name in ("mail1", "mail2")]
        self.procs: list[subprocess.Popen] = []
        tmp.mkdir()
        os.chmod(tmp, 0o777)  # smtp-sink drops to `nobody` when started as root
        log = tmp / "stderr.log"
        for folder, address in zip(self.dirs, (MAIL1, MAIL2)):
            command = ["/usr/sbin/smtp-sink", "-d", f"{folder}/%M%S.", f"{address}:{port}", "256"]
            if os.geteuid() == 0:
                command[1:1] = ["-u", "nobody"]
            with open(log, "a") as err:
                self.procs.append(subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=err))
        try:
            for proc, address in zip(self.procs, (MAIL1, MAIL2)):
                wait_port(address, port, proc, log)
        except BaseException:
            self.stop()
            raise

    def by_sink(self) -> list[int]:
        return [sum(1 for f in d.iterdir() if f.is_file()) if d.exists() else 0 for d in self.dirs]

    def received(self) -> int:
        return sum(self.by_sink())

    def wait(self, count: int, timeout: float) -> float:
        """Waits until the sinks hold `count` messages; returns the seconds it took."""
        start = time.monotonic()
        while self.received() < count:
            if time.monotonic() - start > timeout:
                raise RuntimeError(f"the sinks got {self.received()} of {count} messages in {timeout} s")
            time.sleep(0.01)
        return time.monotonic() - start

    def stop(self) -> None:
        for proc in self.procs:
            processes.stop(proc)


def send(relay: Mta, recipients: list[str]) -> None:
    """One SMTP session to the relay, one message per recipient."""
    with smtplib.SMTP(relay.address, relay.port, timeout=30) as s:
        for i, rcpt in enumerate(recipients):
            s.sendmail(SENDER, [rcpt], f"Subject: bench {i}\r\nTo: <{rcpt}>\r\n\r\nmessage {i} to {rcpt}\r\n")


def measure(label: str, mxkit: Path, tmp: Path, domains: int, messages: int, resolver: list[str],
            counter: Counter, sink_port: int, base: dict[str, int] | None = None) -> dict:
    """Runs the three phases through a fresh relay; returns the per-phase query counts. `base`:
    the counters before the resolver started, when it is a separate process (Unbound), so the
    cold count includes its root priming."""
    relay = Mta(mxkit, tmp / f"relay-{label}", "127.0.0.1", free_port(["127.0.0.1"]), "sender.test",
                [*resolver, "--smtp-port", str(sink_port), "--retry-base", "1s", "--retry-max", "2s",
                 "--delay-warning", "0", "--connect-timeout", "2s"])
    sinks = Sinks(tmp / f"sinks-{label}", sink_port)
    try:
        base = base or counter.read()
        relay.start()
        delivered = 0
        # Cold: the first domain, then each next domain of test. one at a time.
        per_domain: list[dict[str, int]] = []
        for i in range(domains):
            before = counter.read() if i else base
            send(relay, [f"user@d{i}.test"])
            delivered += 1
            sinks.wait(delivered, timeout=20)
            per_domain.append(minus(counter.read(), before))
        # Warm: every other message, in one session.
        rest = [f"user{m}@d{i}.test" for m in range(1, messages) for i in range(domains)]
        before = counter.read()
        start = time.monotonic()
        send(relay, rest)
        delivered += len(rest)
        sinks.wait(delivered, timeout=60)
        warm_s = time.monotonic() - start
        warm = minus(counter.read(), before)
        total = minus(counter.read(), base)
        sent = relay.log().count("status=sent")
        if sent != delivered:
            raise RuntimeError(f"{label}: relay logged {sent} status=sent for {delivered} delivered")
        return {"first": per_domain[0], "next": per_domain[1:], "warm": warm, "warm_n": len(rest),
                "warm_s": warm_s, "total": total, "delivered": delivered, "by_sink": sinks.by_sink()}
    finally:
        relay.stop()
        sinks.stop()


def build_internet(mxkit: Path, workdir: Path, domains: int, port: int = 0) -> Internet:
    net = Internet(mxkit, workdir)
    for i in range(domains):
        net.add_domain(f"d{i}.test.", RECORDS, servers=[DOMAIN_NS])
    return net.start(port=port)


def fmt(counts: dict[str, int]) -> str:
    return (f"{sum(counts.values()):6}   " + "  ".join(f"{counts[k]:>5}" for k, _ in AUTHORITIES))


def report(label: str, r: dict) -> None:
    nxt = r["next"]
    sums = [sum(c.values()) for c in nxt]
    print(f"{label}")
    print(f"  {'':38}{'total':>6}   {'root':>5}  {'test.':>5}  {'doms':>5}")
    print(f"  {'first message, cold cache (d0.test)':38}{fmt(r['first'])}")
    if nxt:
        mid = {k: statistics.median(c[k] for c in nxt) for k, _ in AUTHORITIES}
        print(f"  {'next domain of test. (median)':38}{sum(mid.values()):6.0f}   "
              + "  ".join(f"{mid[k]:>5.0f}" for k, _ in AUTHORITIES)
              + f"   (min {min(sums)}, max {max(sums)}, {len(nxt)} domains)")
    w = r["warm"]
    n = r["warm_n"]
    print(f"  {'warm, per message':38}{sum(w.values()) / max(n, 1):6.2f}   "
          f"({sum(w.values())} queries for {n} messages, delivered in {r['warm_s']:.2f} s)")
    t = r["total"]
    print(f"  {'total / delivered':38}{sum(t.values()) / r['delivered']:6.2f}   "
          f"({sum(t.values())} queries for {r['delivered']} messages; sinks mail1 {r['by_sink'][0]}, "
          f"mail2 {r['by_sink'][1]})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mxkit", default=os.environ.get("MXKIT_BIN", str(REPO / "build/release/mxkit")))
    parser.add_argument("--domains", type=int, default=20)
    parser.add_argument("--messages", type=int, default=10, help="messages per domain")
    opts = parser.parse_args()
    mxkit = Path(opts.mxkit).resolve()
    if opts.domains < 1 or opts.messages < 1:
        parser.error("--domains and --messages must be at least 1")
    os.environ["PATH"] += ":/usr/sbin"  # start_unbound runs `unbound` by name
    unbound = shutil.which("unbound")

    with tempfile.TemporaryDirectory(prefix="mxkit-relay-queries-") as tmpdir:
        tmp = Path(tmpdir)
        os.chmod(tmp, 0o755)  # smtp-sink (as nobody) writes below it
        net = build_internet(mxkit, tmp / "internet", opts.domains)
        try:
            sink_port = free_port([MAIL1, MAIL2])
            mine = measure("mxkit", mxkit, tmp, opts.domains, opts.messages,
                           net.resolver_args(), Counter(net), sink_port)
        finally:
            net.stop()
        theirs, why_not = None, ""
        if not unbound:
            why_not = "unbound is not installed"
        elif os.geteuid() != 0:
            why_not = "Unbound asks authorities on port 53 only, and binding it needs root"
        else:
            net = build_internet(mxkit, tmp / "internet53", opts.domains, port=53)
            try:
                stub_port = free_port(["127.0.0.1"])
                counter = Counter(net)
                base = counter.read()
                # Up when it answers localhost. (a local zone): no query reaches the internet.
                server = start_unbound(tmp, net.hints, stub_port, probe=b"\x09localhost\x00")
                try:
                    theirs = measure("unbound", mxkit, tmp, opts.domains, opts.messages,
                                     ["--resolver", f"127.0.0.1:{stub_port}"], counter,
                                     free_port([MAIL1, MAIL2]), base)
                finally:
                    processes.stop(server)
            finally:
                net.stop()

    print(f"queries the authorities received per delivered message: {opts.domains} domains x "
          f"{opts.messages} messages, MX 10 mail1 / MX 20 mail2 (A only), TTLs 3600+")
    report("mxkit serve, iterative from the root hints (--root-hints --dns-port)", mine)
    if theirs:
        report("mxkit serve, stub resolver -> a fresh Unbound iterating (--resolver)", theirs)
    else:
        print(f"Unbound run skipped: {why_not}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
