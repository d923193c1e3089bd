"""Runs `mxkit zone print` and BIND's named-compilezone on a zone file, and reads what each prints
into a comparable set of records: (owner, ttl, class, type, rdata in wire form).

Both outputs go through the same reader: the first four fields of a line are split by hand (with
backslash escapes kept), the owner is read with dnspython as an absolute name, and the rdata with
dnspython's rdata parser and turned into uncompressed wire octets. Two spellings of the same rdata
(`\\# 4 c0000201` and `192.0.2.1`, `2001:DB8::1` and `2001:db8::1`, base64 split or not) so compare
equal, while any difference in the octets, the owner (letter case included), the TTL, the class or
the type does not.
"""
from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import dns.exception
import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype

# named-compilezone is a checker as well as a converter. Its policy checks (host name syntax,
# MX/NS/SRV targets, integrity of glue, SPF, wildcards) are not parsing, so they are all turned
# off: the comparison is about what a zone file means, and mxkit's checks live in `zone check`.
BIND_RELAXED = ["-i", "none", "-k", "ignore", "-n", "ignore", "-m", "ignore", "-M", "ignore",
                "-S", "ignore", "-r", "ignore", "-T", "ignore", "-W", "ignore"]

Record = tuple[bytes, int, int, int, bytes]  # owner wire, ttl, class, type, rdata wire


@dataclass
class ZoneRead:
    """What one tool made of one zone file."""
    tool: str
    returncode: int
    stdout: str
    stderr: str
    records: dict[Record, str] = field(default_factory=dict)  # record -> the line it came from
    unreadable: list[str] = field(default_factory=list)      # lines dnspython could not read
    lines: int = 0

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.unreadable


def split_fields(line: str, count: int) -> list[str]:
    """The first `count` whitespace-separated fields (a backslash escapes the next character),
    then the rest of the line as one more field."""
    fields: list[str] = []
    i, n = 0, len(line)
    while len(fields) < count:
        while i < n and line[i] in " \t":
            i += 1
        start = i
        while i < n and line[i] not in " \t":
            i += 2 if line[i] == "\\" else 1
        if start == i:
            raise ValueError("too few fields")
        fields.append(line[start:min(i, n)])
    fields.append(line[i:].strip())
    return fields


def _ilnp64(text: str) -> bytes:
    """RFC 6742 §2.3 locators and node IDs: four groups of up to four hex digits. dnspython 2.3
    wants exactly four digits in each group, BIND prints them without leading zeros."""
    groups = text.split(":")
    if len(groups) != 4 or not all(1 <= len(g) <= 4 for g in groups):
        raise ValueError(f"bad ILNP 64-bit value {text!r}")
    return b"".join(int(g, 16).to_bytes(2, "big") for g in groups)


def _preference_and_ilnp64(rdata_text: str) -> bytes:
    fields = rdata_text.split()
    if len(fields) != 2 or not fields[0].isdigit() or int(fields[0]) > 0xFFFF:
        raise ValueError(f"bad NID/L64 rdata {rdata_text!r}")
    return int(fields[0]).to_bytes(2, "big") + _ilnp64(fields[1])


# Types dnspython 2.3 cannot read, each read instead with a type of the same wire layout (or by
# hand). A \# form still goes through dnspython's generic reader.
SAME_LAYOUT = {
    "KEY": "DNSKEY",   # RFC 2535 / RFC 4034: flags, protocol, algorithm, key
    "MB": "PTR", "MG": "PTR", "MR": "PTR",  # one domain name
    "MINFO": "RP",     # two domain names
}
BY_HAND = {"NID": _preference_and_ilnp64, "L64": _preference_and_ilnp64}


def read_rdata(rdclass: int, type_text: str, rdata_text: str) -> tuple[int, bytes]:
    rdtype = dns.rdatatype.from_text(type_text)
    mnemonic = dns.rdatatype.to_text(rdtype)
    if not rdata_text.startswith("\\#"):
        if mnemonic in BY_HAND:
            return rdtype, BY_HAND[mnemonic](rdata_text)
        if mnemonic in SAME_LAYOUT:
            stand_in = dns.rdatatype.from_text(SAME_LAYOUT[mnemonic])
            rdata = dns.rdata.from_text(rdclass, stand_in, rdata_text, origin=None,
                                        relativize=False)
            return rdtype, rdata.to_wire()
    # origin=None: a relative name in the rdata is an error, not silently made absolute.
    rdata = dns.rdata.from_text(rdclass, rdtype, rdata_text, origin=None, relativize=False)
    return rdtype, rdata.to_wire()


def read_line(line: str) -> Record:
    owner_text, ttl_text, class_text, type_text, rdata_text = split_fields(line, 4)
    owner = dns.name.from_text(owner_text, origin=None)
    if not owner.is_absolute():
        raise ValueError(f"owner {owner_text!r} is not absolute")
    if not ttl_text.isdigit():
        raise ValueError(f"TTL {ttl_text!r} is not a number")
    rdclass = dns.rdataclass.from_text(class_text)
    rdtype, wire = read_rdata(rdclass, type_text, rdata_text)
    return (owner.to_wire(), int(ttl_text), int(rdclass), int(rdtype), wire)


def read_presentation(tool: str, proc: subprocess.CompletedProcess) -> ZoneRead:
    result = ZoneRead(tool, proc.returncode, proc.stdout, proc.stderr)
    for line in proc.stdout.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith(";"):
            continue
        result.lines += 1
        try:
            result.records.setdefault(read_line(stripped), stripped)
        except (ValueError, dns.exception.DNSException) as e:
            result.unreadable.append(f"{stripped}    <- {type(e).__name__}: {e}")
    return result


def run_mxkit(mxkit: Path, zone: Path, origin: str) -> ZoneRead:
    proc = subprocess.run([str(mxkit), "zone", "print", "--origin", origin, zone.name],
                          cwd=zone.parent, capture_output=True, text=True, timeout=120,
                          errors="replace")
    return read_presentation("mxkit", proc)


def run_bind(zone: Path, origin: str) -> ZoneRead:
    # BIND resolves a relative $INCLUDE against its working directory, mxkit against the folder of
    # the including file: run BIND in the zone's folder so both read the same files.
    proc = subprocess.run(["named-compilezone", *BIND_RELAXED, "-s", "full", "-f", "text",
                           "-F", "text", "-o", "-", origin, zone.name],
                          cwd=zone.parent, capture_output=True, text=True, timeout=120,
                          errors="replace", env={**os.environ, "LC_ALL": "C"})
    return read_presentation("BIND", proc)


def describe_difference(mxkit: ZoneRead, bind: ZoneRead, limit: int = 40) -> str:
    """A readable account of how two reads of one zone differ ('' when they agree)."""
    out: list[str] = []
    for read in (mxkit, bind):
        if read.returncode != 0:
            out.append(f"{read.tool} exited {read.returncode}: {read.stderr.strip()[:2000]}")
        if read.unreadable:
            out.append(f"{read.tool} printed {len(read.unreadable)} line(s) dnspython cannot read:")
            out.extend("  " + line for line in read.unreadable[:limit])
    only_mxkit = sorted(mxkit.records.keys() - bind.records.keys())
    only_bind = sorted(bind.records.keys() - mxkit.records.keys())
    for name, only, read in (("mxkit", only_mxkit, mxkit), ("BIND", only_bind, bind)):
        if only:
            out.append(f"{len(only)} record(s) only in {name}'s output:")
            out.extend("  " + read.records[r] for r in only[:limit])
            if len(only) > limit:
                out.append(f"  ... and {len(only) - limit} more")
    return "\n".join(out)
