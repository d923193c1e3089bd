#!/usr/bin/python3
"""Start-up time and peak memory of an authoritative server with many small zones.

Generates N zones of ten records each (cached under $BENCH_DIR/many-zones-N), then for each
server (mxkit, NSD, Knot; rounds interleaved) starts it on loopback, times from its start to the
first authoritative answer for the LAST zone of the list (every zone is loaded by then for a
server that loads before it listens; Knot answers zone by zone), checks the first zone answers
too, reads the peak RSS (VmHWM) of the server and all its child processes, and stops it by its
PID. Prints a table with medians and ratios to NSD. Run by bench/many_zones.sh.
"""
import argparse
import os
import signal
import socket
import statistics
import struct
import subprocess
import sys
import time

ZONE = """$ORIGIN {origin}
$TTL 3600
@     SOA  ns1 hostmaster 2026120501 7200 3600 1209600 3600
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


def origin(i):
    return f"z{i:06d}.test."


def generate(n, folder):
    zones = os.path.join(folder, "zones")
    done = os.path.join(folder, ".done")
    if os.path.exists(done):
        return zones
    os.makedirs(zones, exist_ok=True)
    for i in range(n):
        o = origin(i)
        with open(os.path.join(zones, o + "zone"), "w") as f:
            f.write(ZONE.format(origin=o))
    open(done, "w").close()
    return zones


def write_configs(n, zones, tmp, port, mxkit):
    paths = [os.path.join(zones, origin(i) + "zone") for i in range(n)]
    with open(os.path.join(tmp, "mxkit.toml"), "w") as f:
        f.write(f'[dns]\nlisten = ["127.0.0.1:{port}"]\nworkers = 1\n')
        f.write(f'journal_dir = "{tmp}/journals"\n')
        for i, p in enumerate(paths):
            f.write(f'[[dns.zone]]\norigin = "{origin(i)}"\nfile = "{p}"\n')
    os.makedirs(os.path.join(tmp, "journals"), exist_ok=True)
    with open(os.path.join(tmp, "nsd.conf"), "w") as f:
        f.write(f"""server:
  ip-address: 127.0.0.1@{port}
  port: {port}
  do-ip6: no
  username: ""
  chroot: ""
  database: ""
  zonelistfile: "{tmp}/zone.list"
  xfrdfile: "{tmp}/xfrd.state"
  xfrdir: "{tmp}"
  pidfile: "{tmp}/nsd.pid"
  cookie-secret-file: "{tmp}/cookiesecrets.txt"
  logfile: "{tmp}/nsd.log"
  verbosity: 0
  zonefiles-write: 0
  rrl-ratelimit: 0
  server-count: 1
remote-control:
  control-enable: no
""")
        for i, p in enumerate(paths):
            f.write(f'zone:\n  name: "{origin(i)}"\n  zonefile: "{p}"\n')
    os.makedirs(os.path.join(tmp, "storage"), exist_ok=True)
    with open(os.path.join(tmp, "knot.conf"), "w") as f:
        f.write(f"""server:
  rundir: "{tmp}"
  listen: 127.0.0.1@{port}
  udp-workers: 1
  tcp-workers: 1
  background-workers: 1
database:
  storage: "{tmp}/storage"
control:
  listen: "{tmp}/knot.sock"
log:
  - target: stderr
    any: error
template:
  - id: default
    storage: "{tmp}/storage"
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
zone:
""")
        for i, p in enumerate(paths):
            f.write(f'  - domain: {origin(i)}\n    file: "{p}"\n')
    return {
        "mxkit": [mxkit, "serve", "--config", os.path.join(tmp, "mxkit.toml")],
        "nsd": ["nsd", "-d", "-c", os.path.join(tmp, "nsd.conf")],
        "knot": ["knotd", "-c", os.path.join(tmp, "knot.conf")],
    }


def query(qid, name):
    wire = b"".join(bytes([len(l)]) + l.encode() for l in name.rstrip(".").split(".")) + b"\0"
    return struct.pack(">HHHHHH", qid, 0, 1, 0, 0, 0) + wire + struct.pack(">HH", 6, 1)


def answered(sock, port, name, qid):
    """True when the server gives an authoritative NOERROR answer for NAME SOA. An answer that
    comes after its wait is read at the next call: any of our queries' answers counts."""
    try:
        sock.sendto(query(qid, name), ("127.0.0.1", port))
    except OSError:
        return False
    while True:
        try:
            data = sock.recv(4096)
        except OSError:  # refused (not listening yet) or nothing (yet)
            return False
        if len(data) < 12:
            continue
        _, flags, _, ancount = struct.unpack(">HHHH", data[:8])
        if flags & 0x8400 == 0x8400 and flags & 0x000F == 0 and ancount > 0:
            return True


def tree(pid):
    """The PID and all its descendants."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def peak_kb(pid):
    """VmHWM summed over the server and its children (pages shared after a fork count in each),
    and the largest single process's."""
    total = largest = 0
    for p in tree(pid):
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        kb = int(line.split()[1])
                        total += kb
                        largest = max(largest, kb)
        except OSError:
            pass
    return total, largest


def stop(proc):
    kids = tree(proc.pid)[1:]
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    for k in kids:
        try:
            os.kill(k, signal.SIGKILL)
        except ProcessLookupError:
            pass


def run(name, cmd, port, first, last, timeout, tmp):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(0.005)
    log = open(os.path.join(tmp, name + ".log"), "w")
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    qid, ms = 0, None
    try:
        while time.monotonic() - t0 < timeout and proc.poll() is None:
            qid = (qid + 1) & 0xFFFF
            if answered(sock, port, last, qid):
                ms = (time.monotonic() - t0) * 1000
                break
            time.sleep(0.002)
        ok_first = False
        for qid in range(100):  # bounded: a few hundred ms
            if ms is None or ok_first:
                break
            ok_first = answered(sock, port, first, qid)
        time.sleep(0.5)  # children forked after the load (NSD) reach their size
        kb = peak_kb(proc.pid) if proc.poll() is None else (None, None)
    finally:
        if proc.poll() is None:
            stop(proc)
        log.close()
        sock.close()
    if ms is None or not ok_first:
        print(f"# {name}: no answer for {last if ms is None else first} (see {tmp}/{name}.log)",
              file=sys.stderr)
        return None, (None, None)
    return ms, kb


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("counts", nargs="+", type=int)
    ap.add_argument("--mxkit", required=True)
    ap.add_argument("--servers", default="mxkit,nsd,knot")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--port", type=int, default=5353)
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--dir", default=os.environ.get("BENCH_DIR", "/tmp/mxkit-bench"))
    a = ap.parse_args()
    servers = a.servers.split(",")
    rows = []
    for n in a.counts:
        folder = os.path.join(a.dir, f"many-zones-{n}")
        zones = generate(n, folder)
        tmp = os.path.join(folder, "run")
        os.makedirs(tmp, exist_ok=True)
        cmds = write_configs(n, zones, tmp, a.port, a.mxkit)
        results = {s: ([], [], []) for s in servers}
        for r in range(a.rounds):
            for s in servers:
                ms, kb = run(s, cmds[s], a.port, origin(0), origin(n - 1), a.timeout, tmp)
                total, largest = kb
                print(f"# {n} zones, round {r + 1}, {s}: "
                      f"{'-' if ms is None else f'{ms:.0f} ms'}, "
                      f"{'-' if total is None else f'{total / 1024:.1f} MiB'}", file=sys.stderr)
                if ms is not None:
                    results[s][0].append(ms)
                    results[s][1].append(total)
                    results[s][2].append(largest)
        for s in servers:
            t, m, big = results[s]
            rows.append((n, s, statistics.median(t) if t else None,
                         statistics.median(m) / 1024 if m else None, len(t),
                         statistics.median(big) / 1024 if big else None))
    print("| zones | server | start to last zone's answer (median) | peak RSS, with children (median) "
          "| largest process | runs | time / NSD | memory / NSD |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|")
    for n, s, t, m, runs, big in rows:
        nsd = next((r for r in rows if r[0] == n and r[1] == "nsd"), None)
        tr = f"{t / nsd[2]:.2f}" if t and nsd and nsd[2] else "-"
        mr = f"{m / nsd[3]:.2f}" if m and nsd and nsd[3] else "-"
        print(f"| {n:,} | {s} | {'-' if t is None else f'{t:.0f} ms'} | "
              f"{'-' if m is None else f'{m:.1f} MiB'} | "
              f"{'-' if big is None else f'{big:.1f} MiB'} | {runs} | {tr} | {mr} |")


if __name__ == "__main__":
    main()
