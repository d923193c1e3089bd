"""`mxkit zone check` as a user runs it: exit codes, the FILE:LINE:COL lines and the --json shape.

Each test writes its zone files into tmp_path and runs the built binary: $MXKIT_BIN when set,
otherwise <repo>/build/release/mxkit (this file's location decides <repo>). The semantic checks
themselves are tested case by case in tests/unit/zonecheck_test.cpp; here the point is the
command-line contract of docs/PRODUCT.md and docs/zone-checks.md. One group of tests runs BIND's
named-checkzone on the same files: a zone BIND refuses to load must not pass our check.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MXKIT = Path(os.environ.get("MXKIT_BIN") or REPO / "build" / "release" / "mxkit")

# FILE:LINE:COL: error|warning: TEXT [CODE]
FINDING = re.compile(
    r"^(?P<file>.+):(?P<line>\d+):(?P<column>\d+): (?P<severity>error|warning): "
    r"(?P<text>.+) \[(?P<code>[a-z0-9-]+)\]$"
)
SUMMARY = re.compile(r"^(?P<file>.+): (?P<records>\d+) records, (?P<errors>\d+) errors, "
                     r"(?P<warnings>\d+) warnings$")

HEAD = """$ORIGIN example.
$TTL 3600
@   SOA ns1 hostmaster 2024010101 7200 3600 1209600 300
@   NS  ns1
@   NS  ns2
ns1 A   192.0.2.1
ns2 A   192.0.2.2
"""  # 7 lines: a case's own records start on line 8

CLEAN = HEAD + """@ MX 10 mail
@ MX 20 mail2
mail A 192.0.2.10
mail AAAA 2001:db8::10
mail2 A 192.0.2.11
www CNAME @
*.hosts A 192.0.2.30
@ MX 30 box.hosts
child NS ns1.child
child NS ns.elsewhere.net.
ns1.child A 192.0.2.53
nomail MX 0 .
_sip._tcp SRV 0 5 5060 mail
"""


# Not conftest.py's `mxkit` fixture, which builds the release preset first: this file runs the
# binary it is given, or the one already built.
@pytest.fixture(scope="module")
def mxkit_binary() -> Path:
    if not os.access(MXKIT, os.X_OK):
        pytest.fail(f"no mxkit binary at {MXKIT}: build it (cmake --preset release) or set MXKIT_BIN")
    return MXKIT


def zone_check(mxkit: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(mxkit), "zone", "check", *args], capture_output=True, text=True,
                          timeout=120)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def findings(stdout: str) -> list[dict[str, str]]:
    """The finding lines of the text output; every other line must be a summary."""
    out = []
    for line in stdout.splitlines():
        m = FINDING.match(line)
        if m:
            out.append(m.groupdict())
        else:
            assert SUMMARY.match(line), f"neither a finding nor a summary: {line!r}"
    return out


def codes_at(stdout: str) -> set[tuple[int, str]]:
    return {(int(f["line"]), f["code"]) for f in findings(stdout)}


def test_clean_zone_exits_0_with_no_findings(mxkit_binary: Path, tmp_path: Path) -> None:
    zone = write(tmp_path, "clean.zone", CLEAN)
    run = zone_check(mxkit_binary, str(zone))
    assert run.returncode == 0, run.stdout + run.stderr
    assert findings(run.stdout) == []
    assert run.stdout.strip() == f"{zone}: 18 records, 0 errors, 0 warnings"
    assert run.stderr == ""


def test_errors_exit_1_with_file_line_col_lines(mxkit_binary: Path, tmp_path: Path) -> None:
    zone = write(tmp_path, "bad.zone", HEAD + """@ MX 10 192.0.2.1.
@ MX 20 mailalias
mailalias CNAME mail
mail A 192.0.2.10
www CNAME mail
www TXT "other data"
""")
    run = zone_check(mxkit_binary, str(zone))
    assert run.returncode == 1
    found = findings(run.stdout)
    assert {(int(f["line"]), f["code"]) for f in found} == {
        (8, "target-is-ip-literal"),
        (9, "target-is-alias"),
        (13, "cname-and-other-data"),
    }
    for f in found:
        assert f["file"] == str(zone)
        assert f["column"] == "1"
        assert f["severity"] == "error"
    # Lines come in file order, and the text names the thing and the rule.
    assert [int(f["line"]) for f in found] == sorted(int(f["line"]) for f in found)
    ip = next(f for f in found if f["code"] == "target-is-ip-literal")
    assert '"192.0.2.1."' in ip["text"] and "RFC 2181 §10.3" in ip["text"]
    assert run.stdout.splitlines()[-1] == f"{zone}: 11 records, 3 errors, 0 warnings"


def test_warnings_alone_exit_0(mxkit_binary: Path, tmp_path: Path) -> None:
    zone = write(tmp_path, "warn.zone", HEAD + """mail 300 A 192.0.2.10
mail 600 A 192.0.2.11
mail 300 A 192.0.2.10
""")
    run = zone_check(mxkit_binary, str(zone))
    assert run.returncode == 0, run.stdout
    assert codes_at(run.stdout) == {(9, "ttl-mismatch"), (10, "duplicate-record")}
    assert all(f["severity"] == "warning" for f in findings(run.stdout))


@pytest.mark.parametrize(
    "records, expected",
    [
        ("@ SOA ns2 hostmaster 2 7200 3600 1209600 300\n", {(8, "multiple-soa")}),
        ("www.example.org. A 192.0.2.1\n", {(8, "out-of-zone")}),
        ("www CNAME a\nwww CNAME b\na A 192.0.2.3\nb A 192.0.2.4\n", {(9, "multiple-cname")}),
        ("@ MX 0 .\n@ MX 10 ns1\n", {(8, "null-mx-mixed")}),
        ("@ MX 10 .\n", {(8, "null-mx-preference")}),
        ("@ MX 10 nowhere\n", {(8, "target-no-address")}),
        ("child NS ns1.child\n", {(8, "missing-glue")}),
        ("child NS ns.elsewhere.net.\nwww.child A 192.0.2.9\n", {(9, "occluded-data")}),
        ("old DNAME example.net.\nx.old TXT \"below\"\n", {(9, "below-dname")}),
        ("my_host A 192.0.2.5\n", {(8, "bad-hostname")}),
    ],
    ids=["multiple-soa", "out-of-zone", "multiple-cname", "null-mx-mixed", "null-mx-preference",
         "target-no-address", "missing-glue", "occluded-data", "below-dname", "bad-hostname"],
)
def test_each_check_reaches_the_command_line(mxkit_binary: Path, tmp_path: Path, records: str,
                                             expected: set[tuple[int, str]]) -> None:
    zone = write(tmp_path, "case.zone", HEAD + records)
    run = zone_check(mxkit_binary, str(zone))
    assert codes_at(run.stdout) == expected, run.stdout
    errors = any(f["severity"] == "error" for f in findings(run.stdout))
    assert run.returncode == (1 if errors else 0)


def test_json_shape(mxkit_binary: Path, tmp_path: Path) -> None:
    bad = write(tmp_path, "bad.zone", HEAD + "@ MX 10 192.0.2.1.\nmail 300 A 192.0.2.10\n"
                                             "mail 600 A 192.0.2.11\n")
    clean = write(tmp_path, "clean.zone", CLEAN)
    run = zone_check(mxkit_binary, "--json", str(bad), str(clean))
    assert run.returncode == 1
    doc = json.loads(run.stdout)
    assert [z["file"] for z in doc["zones"]] == [str(bad), str(clean)]
    first, second = doc["zones"]
    assert first["errors"] == 1 and first["warnings"] == 1 and first["records"] == 8
    assert second["findings"] == [] and second["errors"] == 0 and second["warnings"] == 0
    assert [(f["line"], f["code"], f["severity"]) for f in first["findings"]] == [
        (8, "target-is-ip-literal", "error"),
        (10, "ttl-mismatch", "warning"),
    ]
    for f in first["findings"]:
        assert set(f) == {"file", "line", "column", "severity", "code", "message"}
        assert f["file"] == str(bad)
        assert isinstance(f["line"], int) and isinstance(f["column"], int)
        assert f["column"] == 1
        assert isinstance(f["message"], str) and f["message"]
        assert not f["message"].endswith("]")  # the code is a field of its own in JSON


def test_json_clean_zone_exits_0(mxkit_binary: Path, tmp_path: Path) -> None:
    zone = write(tmp_path, "clean.zone", CLEAN)
    run = zone_check(mxkit_binary, "--json", str(zone))
    assert run.returncode == 0
    assert json.loads(run.stdout)["zones"][0]["findings"] == []


def test_text_and_json_carry_the_same_findings(mxkit_binary: Path, tmp_path: Path) -> None:
    zone = write(tmp_path, "mixed.zone", HEAD + """@ MX 0 .
@ MX 10 mail
mail A 192.0.2.10
mail A 192.0.2.10
child NS ns1.child
""")
    text = findings(zone_check(mxkit_binary, str(zone)).stdout)
    doc = json.loads(zone_check(mxkit_binary, "--json", str(zone)).stdout)
    assert [(int(f["line"]), f["code"], f["severity"], f["text"]) for f in text] == [
        (f["line"], f["code"], f["severity"], f["message"]) for f in doc["zones"][0]["findings"]
    ]


def test_origin_option_sets_the_apex(mxkit_binary: Path, tmp_path: Path) -> None:
    zone = write(tmp_path, "plain.zone", HEAD.replace("$ORIGIN example.\n", ""))
    # Without $ORIGIN the records are relative to --origin: a clean zone.
    run = zone_check(mxkit_binary, "--origin", "example.", str(zone))
    assert run.returncode == 0, run.stdout
    # The same file checked as another zone's: the SOA is still the apex's, nothing is outside.
    run = zone_check(mxkit_binary, "--origin", "example.net", str(zone))
    assert run.returncode == 0, run.stdout
    # A file that sets its own $ORIGIN, checked against another origin: all of it is outside.
    zone = write(tmp_path, "origin.zone", HEAD)
    run = zone_check(mxkit_binary, "--origin", "example.net.", str(zone))
    assert run.returncode == 1
    got = codes_at(run.stdout)
    assert {(3, "no-soa"), (3, "no-apex-ns"), (3, "out-of-zone"), (6, "out-of-zone")} <= got
    out = next(f for f in findings(run.stdout) if f["code"] == "out-of-zone")
    assert "BIND ignores" in out["text"]


def test_findings_in_an_included_file_name_that_file(mxkit_binary: Path, tmp_path: Path) -> None:
    write(tmp_path, "hosts.inc", "mail A 192.0.2.10\nmail A 192.0.2.10\n")
    zone = write(tmp_path, "main.zone", HEAD + "$INCLUDE hosts.inc\n@ MX 10 mail\n")
    run = zone_check(mxkit_binary, str(zone))
    assert run.returncode == 0, run.stdout
    (dup,) = findings(run.stdout)
    assert dup["code"] == "duplicate-record"
    assert Path(dup["file"]).name == "hosts.inc" and dup["line"] == "2"


def test_empty_file_has_no_soa(mxkit_binary: Path, tmp_path: Path) -> None:
    zone = write(tmp_path, "empty.zone", "")
    run = zone_check(mxkit_binary, "--origin", "example.", str(zone))
    assert run.returncode == 1
    assert {(f["file"], f["line"], f["code"]) for f in findings(run.stdout)} == {
        (str(zone), "1", "no-soa"),
        (str(zone), "1", "no-apex-ns"),
    }


# Zones BIND 9 refuses to load (named-checkzone exits 1): ours must report an error too.
# "-i local" keeps BIND's integrity checks to names in the zone: in full mode it looks names
# below a zone cut up with the system resolver, and the tests run without a network.
BIND_REFUSES = {
    "cname-and-other-data": "www CNAME mail\nwww TXT \"x\"\nmail A 192.0.2.10\n",
    "ns-target-cname": "@ NS nsalias\nnsalias CNAME ns1\n",
    "cname-at-apex": "@ CNAME elsewhere.net.\n",
}


@pytest.fixture(scope="module")
def named_checkzone() -> str:
    tool = shutil.which("named-checkzone")
    if tool is None:
        pytest.fail("named-checkzone not found: install bind9-utils (scripts/bootstrap does)")
    return tool


@pytest.mark.parametrize("name", sorted(BIND_REFUSES))
def test_what_bind_refuses_fails_here(mxkit_binary: Path, named_checkzone: str, tmp_path: Path,
                                      name: str) -> None:
    zone = write(tmp_path, f"{name}.zone", HEAD + BIND_REFUSES[name])
    bind = subprocess.run([named_checkzone, "-i", "local", "example.", str(zone)],
                          capture_output=True, text=True, timeout=60)
    assert bind.returncode == 1, bind.stdout
    run = zone_check(mxkit_binary, str(zone))
    assert run.returncode == 1, run.stdout


def test_what_bind_loads_silently_passes_here(mxkit_binary: Path, named_checkzone: str,
                                              tmp_path: Path) -> None:
    zone = write(tmp_path, "clean.zone", CLEAN)
    bind = subprocess.run([named_checkzone, "-i", "local", "example.", str(zone)],
                          capture_output=True, text=True, timeout=60)
    assert bind.returncode == 0
    # BIND's only lines for a clean zone: "zone example/IN: loaded serial N" and "OK".
    assert len(bind.stdout.splitlines()) == 2, bind.stdout
    run = zone_check(mxkit_binary, str(zone))
    assert run.returncode == 0 and findings(run.stdout) == []
