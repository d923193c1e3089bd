"""Seeded random zone files for differential tests: valid zones (BIND loads them) written in the
many spellings RFC 1035 §5 and BIND's extensions allow: relative and absolute names, escapes,
$ORIGIN and $TTL changes, blank owners, TTL units, class and TTL in either order, parentheses
over lines with comments, mnemonic letter case, TYPEnnn/CLASSnnn and RFC 3597 \\# rdata.

The same seed always gives the same file, so a failure is reproduced by its seed alone.
"""
from __future__ import annotations

import base64
import ipaddress
import random
import time

LETTERS = "abcdefghijklmnopqrstuvwxyz"
HOST_CHARS = LETTERS + "0123456789-"
# Characters that must be escaped in a label, and those that may be written either way.
SPECIAL = ".\\\"();@$ \t"
ALGORITHMS = [5, 7, 8, 10, 13, 14, 15, 16]
# Not CNAME: dnspython's zone reader puts an RRSIG(CNAME) with the CNAME, apart from other data.
COVERED = ["A", "AAAA", "MX", "TXT", "SOA", "NS", "DNSKEY", "NSEC", "SRV", "TYPE65280"]
BITMAP_TYPES = ["A", "NS", "SOA", "MX", "TXT", "AAAA", "SRV", "RRSIG", "NSEC", "DNSKEY", "CAA",
                "TLSA", "NSEC3PARAM", "TYPE65280", "TYPE1234", "TYPE255", "CDS"]


class ZoneGenerator:
    def __init__(self, seed: int, origin: str = "rand.test.", records: int = 250):
        self.rng = random.Random(seed)
        self.origin = self._parse(origin)
        self.count = records
        self.lines: list[str] = []
        self.current_origin = self.origin
        self.default_ttl = 3600
        self.previous_owner: tuple[bytes, ...] | None = None
        self.rrset_ttl: dict[tuple[tuple[bytes, ...], str], int] = {}
        self.singletons: set[tuple[tuple[bytes, ...], str]] = set()
        self.owners = self._owner_pool()
        self.cname_owners = [(b"alias%d" % i,) + self.origin for i in range(12)]
        self.sub_origins = [(b"s%d" % i,) + self.origin for i in range(3)]

    # --- names -------------------------------------------------------------------------------

    @staticmethod
    def _parse(text: str) -> tuple[bytes, ...]:
        return tuple(label.encode() for label in text.rstrip(".").split(".") if label)

    def _label(self) -> bytes:
        rng = self.rng
        kind = rng.random()
        if kind < 0.75:
            return "".join(rng.choice(HOST_CHARS) for _ in range(rng.randint(1, 12))).encode()
        if kind < 0.9:  # letters in both cases
            return "".join(rng.choice(LETTERS + LETTERS.upper()) for _ in range(rng.randint(1, 10))).encode()
        # any octet at all: escapes in the presentation
        return bytes(rng.choice([rng.randrange(256), ord(rng.choice(SPECIAL))])
                     for _ in range(rng.randint(1, 6)))

    def _owner_pool(self) -> list[tuple[bytes, ...]]:
        pool = [self.origin]
        for _ in range(50):
            depth = self.rng.choice([1, 1, 1, 2, 2, 3])
            pool.append(tuple(self._label() for _ in range(depth)) + self.origin)
        pool.append((b"*",) + self.origin)
        pool.append((b"*", b"wild") + self.origin)
        return pool

    def _escape_label(self, label: bytes) -> str:
        out = []
        for octet in label:
            ch = chr(octet)
            if ch in SPECIAL or octet < 0x21 or octet > 0x7e:
                # a special character may also be written \X, but only printable ones
                if 0x21 <= octet <= 0x7e and self.rng.random() < 0.5:
                    out.append("\\" + ch)
                else:
                    out.append("\\%03d" % octet)
            elif self.rng.random() < 0.03:
                out.append("\\%03d" % octet)  # an ordinary character spelled \DDD
            else:
                out.append(ch)
        return "".join(out)

    def name_text(self, name: tuple[bytes, ...], allow_at: bool = True) -> str:
        """The name absolute, or relative to the current $ORIGIN when it lies below it."""
        origin = self.current_origin
        below = len(name) >= len(origin) and name[len(name) - len(origin):] == origin
        if below and self.rng.random() < 0.6:
            relative = name[:len(name) - len(origin)]
            if not relative:
                if allow_at:
                    return "@"
            else:
                return ".".join(self._escape_label(label) for label in relative)
        return "".join(self._escape_label(label) + "." for label in name) or "."

    def target(self) -> tuple[bytes, ...]:
        """A name for rdata: in the zone or outside it."""
        if self.rng.random() < 0.7:
            return self.rng.choice(self.owners)
        return (self._label(), b"example", b"net")

    # --- TTL and class -----------------------------------------------------------------------

    def ttl_text(self, ttl: int) -> str:
        if self.rng.random() < 0.6 or ttl == 0:
            return str(ttl)
        parts, rest = [], ttl
        for unit, seconds in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
            if rest >= seconds:
                parts.append(f"{rest // seconds}{self.rng.choice([unit, unit.upper()])}")
                rest %= seconds
        return "".join(parts)

    def random_ttl(self) -> int:
        return self.rng.choice([0, 1, 60, 300, 3600, 3660, 86400, 90061, 604800, 2147483647,
                                self.rng.randint(0, 10 ** 6)])

    # --- rdata -------------------------------------------------------------------------------

    def _hex(self, data: bytes) -> str:
        text = data.hex()
        if self.rng.random() < 0.3:
            text = text.upper()
        return self._split(text, 2)

    def _b64(self, data: bytes) -> str:
        return self._split(base64.b64encode(data).decode(), 4)

    def _split(self, text: str, unit: int) -> str:
        """Base64 and hex may be cut into several tokens (at whole units)."""
        if len(text) < 8 or self.rng.random() < 0.6:
            return text
        cut = self.rng.randrange(1, len(text) // unit) * unit
        return text[:cut] + " " + text[cut:]

    def _char_string(self, max_len: int = 60, any_octet: bool = True) -> str:
        """A <character-string> (RFC 1035 section 3.3). any_octet=False keeps to printable ASCII:
        dnspython 2.3 reads \\DDD above 127 in HINFO as a code point, not an octet."""
        rng = self.rng
        length = rng.choice([0, 1, 5, 20, max_len, 255]) if rng.random() < 0.2 else rng.randint(1, max_len)
        top = 256 if any_octet else 0x7f
        octets = bytes(rng.choice([rng.randint(0x20, 0x7e)] * 8 + [rng.randrange(0x20 if top == 0x7f else 0, top)])
                       for _ in range(length))
        out = []
        for octet in octets:
            ch = chr(octet)
            if ch in "\"\\":
                out.append("\\" + ch)
            elif octet < 0x20 or octet > 0x7e:
                out.append("\\%03d" % octet)
            else:
                out.append(ch)
        text = "".join(out)
        if text and all(c in HOST_CHARS for c in text) and rng.random() < 0.5:
            return text  # unquoted
        return f'"{text}"'

    def rdata(self, rrtype: str) -> str:
        rng = self.rng
        if rrtype == "A":
            return str(ipaddress.IPv4Address(rng.getrandbits(32)))
        if rrtype == "AAAA":
            address = ipaddress.IPv6Address(rng.getrandbits(128) if rng.random() < 0.5
                                            else (0x20010db8 << 96) | rng.getrandbits(16))
            text = rng.choice([address.compressed, address.exploded])
            return text.upper() if rng.random() < 0.3 else text
        if rrtype in ("NS", "PTR", "CNAME"):
            return self.name_text(self.target())
        if rrtype == "MX":
            return f"{rng.choice([0, 10, 20, 65535, rng.randrange(65536)])} {self.name_text(self.target())}"
        if rrtype in ("TXT", "SPF"):
            return " ".join(self._char_string() for _ in range(rng.randint(1, 4)))
        if rrtype == "HINFO":
            return f"{self._char_string(20, False)} {self._char_string(20, False)}"
        if rrtype == "SRV":
            return (f"{rng.randrange(65536)} {rng.randrange(65536)} {rng.randrange(65536)} "
                    f"{self.name_text(self.target())}")
        if rrtype == "NAPTR":
            # BIND checks the regexp field's syntax (RFC 3403 section 4.1): delimit it properly.
            regexp = rng.choice(['""', '"!^.*$!sip:info@example.net!"', '"/(.*)/\\\\1/i"',
                                 '"!^\\\\+1(.*)$!tel:\\\\1!"'])
            replacement = "." if rng.random() < 0.5 else self.name_text(self.target())
            return (f"{rng.randrange(65536)} {rng.randrange(65536)} \"{rng.choice(['U', 'S', 'A', ''])}\" "
                    f"\"E2U+sip\" {regexp} {replacement}")
        if rrtype in ("DS", "CDS"):
            digest_type, size = rng.choice([(1, 20), (2, 32), (4, 48)])
            return f"{rng.randrange(65536)} {rng.choice(ALGORITHMS)} {digest_type} {self._hex(rng.randbytes(size))}"
        if rrtype in ("DNSKEY", "CDNSKEY"):
            return (f"{rng.choice([256, 257])} 3 {rng.choice(ALGORITHMS)} "
                    f"{self._b64(rng.randbytes(rng.randint(32, 96)))}")
        if rrtype == "RRSIG":
            # BIND wants the signer to be the zone (RFC 4035 section 5.3.1).
            expiration = rng.randint(1_700_000_000, 2_100_000_000)
            inception = expiration - rng.randint(0, 10 ** 7)
            times = []
            for t in (expiration, inception):
                if rng.random() < 0.5:
                    times.append(str(t))
                else:
                    times.append(time.strftime("%Y%m%d%H%M%S", time.gmtime(t)))
            # BIND also wants the labels field to count at least the signer's labels.
            labels = rng.randint(len(self.origin), len(self.origin) + 3)
            return (f"{rng.choice(COVERED)} {rng.choice(ALGORITHMS)} {labels} "
                    f"{rng.randrange(2 ** 31)} {times[0]} {times[1]} {rng.randrange(65536)} "
                    f"{''.join(self._escape_label(l) + '.' for l in self.origin)} "
                    f"{self._b64(rng.randbytes(rng.randint(16, 80)))}")
        if rrtype == "NSEC":
            types = rng.sample(BITMAP_TYPES, rng.randint(1, 6))  # NSEC itself at least
            return " ".join([self.name_text(self.target())] + types)
        if rrtype == "NSEC3":
            salt = "-" if rng.random() < 0.3 else rng.randbytes(rng.randint(1, 8)).hex()
            next_hash = base64.b32hexencode(rng.randbytes(20)).decode().rstrip("=")
            if rng.random() < 0.5:
                next_hash = next_hash.lower()
            types = rng.sample(BITMAP_TYPES, rng.randint(0, 6))
            return " ".join([f"1 {rng.randint(0, 1)} {rng.randrange(200)} {salt} {next_hash}"] + types)
        if rrtype == "SSHFP":
            fp_type, size = rng.choice([(1, 20), (2, 32)])
            return f"{rng.randint(1, 4)} {fp_type} {self._hex(rng.randbytes(size))}"
        if rrtype == "TLSA":
            return f"{rng.randint(0, 3)} {rng.randint(0, 1)} {rng.randint(0, 2)} {self._hex(rng.randbytes(32))}"
        if rrtype == "CAA":
            tag = rng.choice(["issue", "issuewild", "iodef"])
            value = {"issue": "ca.example.net", "issuewild": ";",
                     "iodef": "mailto:security@example.net"}[tag]
            return f"{rng.choice([0, 128])} {tag} \"{value}\""
        if rrtype == "URI":
            return f"{rng.randrange(65536)} {rng.randrange(65536)} \"https://www.example.net/{rng.randrange(1000)}\""
        if rrtype == "GENERIC":
            data = rng.randbytes(rng.randint(0, 24))
            return f"\\# {len(data)} {self._hex(data)}" if data else "\\# 0"
        if rrtype == "A-GENERIC":
            return f"\\# 4 {self._hex(rng.randbytes(4))}"
        raise ValueError(rrtype)

    # --- lines -------------------------------------------------------------------------------

    def type_text(self, rrtype: str) -> str:
        if rrtype == "GENERIC":
            return f"TYPE{self.rng.randint(65280, 65534)}"
        if rrtype == "A-GENERIC":
            return self.rng.choice(["A", "TYPE1"])
        return rrtype.lower() if self.rng.random() < 0.15 else rrtype

    def add_record(self, owner: tuple[bytes, ...], rrtype: str) -> None:
        rng = self.rng
        type_text = self.type_text(rrtype)
        canonical = {"A-GENERIC": "A", "GENERIC": type_text}.get(rrtype, rrtype)
        key = (tuple(label.lower() for label in owner), canonical)  # names ignore case
        # One TTL per RRset (RFC 2181 §5.2), so both tools keep it whatever rule they apply.
        ttl = self.rrset_ttl.setdefault(key, self.random_ttl() if rng.random() < 0.5 else self.default_ttl)
        ttl_field = None if ttl == self.default_ttl and rng.random() < 0.6 else self.ttl_text(ttl)
        class_field = rng.choice([None, None, "IN", "in", "CLASS1"])
        fields = [ttl_field, class_field]
        if rng.random() < 0.5:
            fields.reverse()
        if owner == self.previous_owner and rng.random() < 0.6:
            owner_field = ""
        else:
            owner_field = self.name_text(owner)
        self.previous_owner = owner
        head = " ".join([owner_field] + [f for f in fields if f] + [type_text])
        if not owner_field:
            head = rng.choice([" ", "\t", "   "]) + head
        rdata = self.rdata(rrtype)
        if rng.random() < 0.15:
            tokens = split_tokens(rdata)
            cut = rng.randint(0, len(tokens))
            comment = "  ; a comment" if rng.random() < 0.5 else ""
            rdata = (f"( {' '.join(tokens[:cut])}{comment}\n        {' '.join(tokens[cut:])} )")
        line = f"{head} {rdata}"
        if rng.random() < 0.1:
            line += " ; trailing comment"
        self.lines.append(line)

    def directive(self) -> None:
        rng = self.rng
        if rng.random() < 0.5:
            self.default_ttl = self.random_ttl()
            self.lines.append(f"$TTL {self.ttl_text(self.default_ttl)}")
        else:
            new_origin = rng.choice(self.sub_origins + [self.origin])
            # written absolute, or relative to the origin in force
            if new_origin[len(new_origin) - len(self.current_origin):] == self.current_origin \
                    and new_origin != self.current_origin and rng.random() < 0.5:
                relative = new_origin[:len(new_origin) - len(self.current_origin)]
                text = ".".join(self._escape_label(label) for label in relative)
            else:
                text = "".join(self._escape_label(label) + "." for label in new_origin)
            self.current_origin = new_origin
            self.lines.append(f"$ORIGIN {text}")
        # The owner after a directive is written out: what a blank owner means there is not
        # something RFC 1035 settles.
        self.previous_owner = None

    def generate(self) -> str:
        rng = self.rng
        apex = "".join(self._escape_label(label) + "." for label in self.origin)
        self.lines.append(f"; random zone, {self.count} records")
        self.lines.append(f"$ORIGIN {apex}")
        self.lines.append(f"$TTL {self.default_ttl}")
        self.lines.append("@ IN SOA ns1.example.net. hostmaster.example.net. "
                          f"{rng.randrange(2 ** 32)} 3600 600 86400 300")
        self.lines.append("@ IN NS ns1.example.net.")
        self.lines.append("@ IN NS ns2.example.net.")
        apex_key = tuple(label.lower() for label in self.origin)
        self.rrset_ttl[(apex_key, "SOA")] = 3600
        self.rrset_ttl[(apex_key, "NS")] = 3600
        self.previous_owner = self.origin
        types = (["A"] * 6 + ["AAAA"] * 4 + ["MX"] * 3 + ["TXT"] * 4 + ["SPF", "HINFO", "SRV",
                 "NAPTR", "PTR", "DS", "CDS", "DNSKEY", "CDNSKEY", "RRSIG", "NSEC", "NSEC3",
                 "SSHFP", "TLSA", "CAA", "URI", "GENERIC", "A-GENERIC"])
        for _ in range(self.count):
            if rng.random() < 0.04:
                self.directive()
            if rng.random() < 0.05 and self.cname_owners:
                owner = self.cname_owners.pop()
                self.add_record(owner, "CNAME")
                continue
            # A CNAME owner has no other data (RFC 1034 section 3.6.2), so it is not reused.
            reuse = self.previous_owner in self.owners and rng.random() < 0.3
            owner = self.previous_owner if reuse else rng.choice(self.owners)
            rrtype = rng.choice(types)
            if rrtype == "NSEC3":
                # an NSEC3 owner is a hashed name, one label below the apex (RFC 5155 section 3)
                owner = (base64.b32hexencode(rng.randbytes(20)).decode().rstrip("=").lower()
                         .encode(),) + self.origin
            if rrtype == "NSEC" and (owner, "NSEC") in self.singletons:
                rrtype = "A"
            if owner == self.origin and rrtype in ("DS", "CDS", "CDNSKEY"):
                # BIND refuses DS at the apex and checks apex CDS/CDNSKEY against the DNSKEYs
                owner = self.owners[1]
            self.singletons.add((owner, rrtype))
            self.add_record(owner, rrtype)
        return "\n".join(self.lines) + "\n"


def split_tokens(text: str) -> list[str]:
    """Splits rdata text at the spaces outside quoted strings (a backslash escapes a character)."""
    tokens, current, quoted, i = [], "", False, 0
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            current += text[i:i + 2]
            i += 2
            continue
        if ch == '"':
            quoted = not quoted
        if ch == " " and not quoted:
            if current:
                tokens.append(current)
            current = ""
        else:
            current += ch
        i += 1
    if current:
        tokens.append(current)
    return tokens


def random_zone(seed: int, origin: str = "rand.test.", records: int = 250) -> str:
    return ZoneGenerator(seed, origin, records).generate()
