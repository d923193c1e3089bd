"""A small internet on loopback for resolver, routing and dig tests.

A root server on 127.0.0.2 serves "." and delegates `test.` to 127.0.0.3, which delegates each
domain of the test to its name servers on 127.0.0.4 and up; mail exchangers have addresses in
127.0.1.0/24. Every server listens on one free port, so nothing needs port 53: resolvers are
pointed at it with --root-hints HINTS --dns-port PORT.

Each address runs one authoritative server process serving every zone placed on it, either
`mxkit serve` or NSD (one `nsd` a process, unprivileged, as test_nsd_differential.py runs it),
so the same scenarios check our resolver against a server we did not write. `backends` overrides
the backend of single addresses, for a mixed internet in which a domain's name servers are
different implementations (they must agree on every answer). An address can also
be "down": listed in NS records and glue with nothing listening (queries are refused at once),
or "silent": a socket that takes queries and never answers (queries time out).

    net = Internet(mxkit, tmp_path, backend="nsd")
    net.add_domain("example.test.", "@ MX 10 mx\\nmx A 127.0.1.1\\n", servers=["127.0.0.4"])
    net.start()
    ... mxkit route example.test --root-hints net.hints --dns-port net.port ...
    net.stop()

Start-up starts every process first and then polls them all with one bounded deadline; stop()
stops each by its PID.
"""
from __future__ import annotations

import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import dns.exception
import dns.message
import dns.query

import processes
from nsd_config import write_nsd_conf

ROOT_ADDRESS = "127.0.0.2"
TLD = "test."
TLD_ADDRESS = "127.0.0.3"
BACKENDS = ("mxkit", "nsd")
SOA_TIMERS = "7200 900 1209600 300"


def absolute(name: str, origin: str) -> str:
    """A name from a zone line made absolute, as the zone file would read it."""
    if name == "@":
        return origin
    if name.endswith("."):
        return name
    return f"{name}.{origin}" if origin != "." else f"{name}."


def is_below(name: str, zone: str) -> bool:
    name, zone = name.lower(), zone.lower()
    return zone == "." or name == zone or name.endswith("." + zone)


@dataclass
class Domain:
    name: str                        # absolute, "example.test."
    records: str                     # zone-file lines after the SOA and NS (relative to the domain)
    ns: list[tuple[str, str]]        # (name server name, address); names below the domain get glue
    ttl: int = 3600                  # $TTL of the zone (and of its delegation and glue in test.)
    glue: bool = True                # False: the parent lists the NS names only (tests out-of-bailiwick lookups)


@dataclass
class ServerProcess:
    address: str
    zones: dict[str, Path] = field(default_factory=dict)  # origin → zone file
    proc: subprocess.Popen | None = None
    workdir: Path | None = None


def free_port(addresses: list[str], attempts: int = 50) -> int:
    """A port free for UDP and TCP on every address given."""
    for _ in range(attempts):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        held = []
        try:
            for address in addresses:
                for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
                    s = socket.socket(socket.AF_INET, kind)
                    held.append(s)
                    s.bind((address, port))
            return port
        except OSError:
            continue
        finally:
            for s in held:
                s.close()
    raise RuntimeError(f"no port free on all of {addresses} after {attempts} tries")


class Internet:
    def __init__(self, mxkit: Path, workdir: Path, backend: str = "mxkit",
                 backends: dict[str, str] | None = None):
        self.backends = dict(backends or {})  # address → backend, where not `backend`
        for b in (backend, *self.backends.values()):
            if b not in BACKENDS:
                raise ValueError(f"backend {b!r}: expected one of {BACKENDS}")
            if b == "nsd" and shutil.which("nsd") is None:
                raise RuntimeError("nsd not found: install it (scripts/bootstrap does)")
        self.mxkit = mxkit
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.backend = backend
        self.domains: dict[str, Domain] = {}
        self.down: set[str] = set()      # listed, nothing listening
        self.silent: set[str] = set()    # listening, never answering
        self.servers: dict[str, ServerProcess] = {}
        self.port = 0
        self.hints = workdir / "root.hints"
        self._silent_sockets: list[socket.socket] = []
        self.started = False

    # --- describing the internet -------------------------------------------------------------

    def add_domain(self, name: str, records: str, servers: list[str] | None = None,
                   ns: list[tuple[str, str]] | None = None, ttl: int = 3600, glue: bool = True) -> Domain:
        """A domain under test. with `records` (zone lines relative to it). Its name servers are
        `ns` as (name, address) pairs, or ns1, ns2, ... of the domain on `servers` (default
        127.0.0.4). A name server name inside another domain of this internet gets its A record
        added to that domain's zone."""
        name = name if name.endswith(".") else name + "."
        if not is_below(name, TLD) or name.lower() == TLD:
            raise ValueError(f"{name}: domains live below {TLD}")
        if ns is None:
            ns = [(f"ns{i + 1}.{name}", address) for i, address in enumerate(servers or ["127.0.0.4"])]
        domain = Domain(name, records, ns, ttl, glue)
        self.domains[name.lower()] = domain
        return domain

    def server_down(self, address: str) -> None:
        """Nothing listens on `address`: queries to it are refused (ICMP port unreachable)."""
        self.down.add(address)

    def server_silent(self, address: str) -> None:
        """A socket on `address` takes queries and never answers: queries to it time out."""
        self.silent.add(address)

    # --- zone files --------------------------------------------------------------------------

    def _zone_text(self, origin: str, ttl: int, ns: list[tuple[str, str]], body: str) -> str:
        primary = ns[0][0] if ns else f"ns.{origin}"
        lines = [f"$ORIGIN {origin}", f"$TTL {ttl}",
                 f"@ SOA {primary} hostmaster.{origin if origin != '.' else 'root.'} 1 {SOA_TIMERS}"]
        lines += [f"@ NS {server}" for server, _ in ns]
        # The zone's own name servers' addresses, when they live inside it.
        lines += [f"{server} A {address}" for server, address in ns if is_below(server, origin)]
        return "\n".join(lines) + "\n" + body

    def _write_zones(self) -> None:
        zones = self.workdir / "zones"
        zones.mkdir(parents=True, exist_ok=True)
        root_ns = [("a.root.", ROOT_ADDRESS)]
        tld_ns = [(f"ns.{TLD}", TLD_ADDRESS)]
        # The root: "." and the delegation of test. with its glue.
        root_body = "".join(f"{TLD} 172800 NS {n}\n{n} 172800 A {a}\n" for n, a in tld_ns)
        self._place(ROOT_ADDRESS, ".", zones / "root.zone", self._zone_text(".", 86400, root_ns, root_body))
        # test.: a delegation per domain; glue for name servers below the delegated domain.
        tld_body = []
        extra: dict[str, list[str]] = {}  # domain → A records of name servers of other domains
        for d in self.domains.values():
            for server, address in d.ns:
                tld_body.append(f"{d.name} {d.ttl} NS {server}")
                if is_below(server, d.name):
                    if d.glue:
                        tld_body.append(f"{server} {d.ttl} A {address}")
                    continue
                owner = next((o for o in self.domains if is_below(server, o) and o != d.name.lower()), None)
                if owner is not None:
                    extra.setdefault(owner, []).append(f"{server} A {address}")
        self._place(TLD_ADDRESS, TLD, zones / "test.zone",
                    self._zone_text(TLD, 86400, tld_ns, "\n".join(dict.fromkeys(tld_body)) + "\n"))
        for d in self.domains.values():
            body = d.records.rstrip("\n") + "\n" + "".join(f"{line}\n" for line in dict.fromkeys(extra.get(d.name.lower(), [])))
            path = zones / f"{d.name.rstrip('.')}.zone"
            text = self._zone_text(d.name, d.ttl, d.ns, body)
            for _, address in d.ns:
                self._place(address, d.name, path, text)
        self.hints.write_text("".join(f". 3600000 NS {n}\n{n} 3600000 A {a}\n" for n, a in root_ns))

    def _place(self, address: str, origin: str, path: Path, text: str) -> None:
        path.write_text(text)
        if address in self.down or address in self.silent:
            return
        self.servers.setdefault(address, ServerProcess(address)).zones[origin] = path

    # --- processes ---------------------------------------------------------------------------

    def start(self, deadline_s: float = 10.0, port: int = 0) -> "Internet":
        """port: 0 picks a free one; 53 is for a peer resolver (Unbound) that only asks there."""
        self._write_zones()
        addresses = sorted(set(self.servers) | self.silent)
        self.port = port or free_port(addresses)
        for address in sorted(self.silent):
            for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
                s = socket.socket(socket.AF_INET, kind)
                s.bind((address, self.port))
                if kind == socket.SOCK_STREAM:
                    s.listen(16)  # connections complete in the kernel; nothing is ever read
                self._silent_sockets.append(s)
        try:
            for server in self.servers.values():
                self._launch(server)
            self._wait_ready(deadline_s)
        except BaseException:
            self.stop()
            raise
        self.started = True
        return self

    def _launch(self, server: ServerProcess) -> None:
        server.workdir = self.workdir / f"server-{server.address}"
        server.workdir.mkdir(exist_ok=True)
        log = open(server.workdir / "stderr.log", "w")
        if self.backend_of(server.address) == "mxkit":
            # The test internet models the broken data found in the wild (an MX at a CNAME, a
            # null MX beside others, ...), which a real primary refuses: serve it with warnings.
            command = [str(self.mxkit), "serve", "--dns-listen", f"{server.address}:{self.port}",
                       "--zone-checks", "warn"]
            for origin, path in server.zones.items():
                command += ["--zone", f"{origin}={path}"]
        else:
            command = ["nsd", "-d", "-c", str(self._nsd_conf(server))]
        server.proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log)
        log.close()

    def backend_of(self, address: str) -> str:
        return self.backends.get(address, self.backend)

    def _nsd_conf(self, server: ServerProcess) -> Path:
        return write_nsd_conf(server.workdir, server.address, self.port,
                              [(origin, path, "") for origin, path in server.zones.items()])

    def _wait_ready(self, deadline_s: float) -> None:
        deadline = time.monotonic() + deadline_s
        waiting = dict(self.servers)
        while waiting:
            for address, server in list(waiting.items()):
                if server.proc.poll() is not None:
                    raise RuntimeError(f"{self.backend_of(address)} server on {address} exited with {server.proc.returncode}: "
                                       f"see {server.workdir}")
                origin = next(iter(server.zones))
                try:
                    dns.query.udp(dns.message.make_query(origin, "SOA"), address, port=self.port, timeout=0.05)
                    del waiting[address]
                except (dns.exception.Timeout, OSError):
                    pass
            if waiting and time.monotonic() > deadline:
                raise RuntimeError(f"servers on {sorted(waiting)} did not answer within {deadline_s} s")
            if waiting:
                time.sleep(0.02)

    def stop(self) -> None:
        for server in self.servers.values():
            if server.proc is not None:
                processes.stop(server.proc)
        for s in self._silent_sockets:
            s.close()
        self._silent_sockets.clear()
        self.started = False

    # --- using it ----------------------------------------------------------------------------

    def resolver_args(self) -> list[str]:
        """The options that point a resolving mxkit command at this internet."""
        return ["--root-hints", str(self.hints), "--dns-port", str(self.port)]

    def ask(self, address: str, name: str, rdtype: str, timeout: float = 2.0) -> dns.message.Message:
        """One query straight to the authoritative server on `address`."""
        q = dns.message.make_query(name, rdtype)
        return dns.query.udp(q, address, port=self.port, timeout=timeout)
