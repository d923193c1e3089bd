"""The command line as an operator meets it (issue 14, issue 10's command-line bullet): every
usage error of every subcommand is one line on stderr and the documented exit status (2; 1 for
dig, as dig does), never an argument parser's own code; unknown commands are named; help and
--version; repeatable options; IPv6 listen addresses; `serve --check-config`; the SIGUSR1
counters line; the start-up line of a secondary that has no data yet."""
from __future__ import annotations

import signal
import subprocess
import time

import dns.message
import dns.query
import pytest

import processes
from test_dns_server import ZONE, Server, free_port

COMMANDS = "zone, serve, dig, route, send, queue, demo, check, spf"

# (arguments, exit status, a piece of the one line on stderr)
USAGE_ERRORS = [
    ([], 2, f"mxkit: give a command: {COMMANDS}"),
    (["foo"], 2, f'mxkit: unknown command "foo"; the commands are: {COMMANDS}'),
    (["foo", "--help"], 2, 'unknown command "foo"'),
    (["--bogus"], 2, "--bogus"),
    # zone
    (["zone"], 2, "mxkit zone: give a command: check, print"),
    (["zone", "foo"], 2, 'mxkit zone: unknown command "foo"; the commands are: check, print'),
    (["zone", "check"], 2, "mxkit zone check: files is required"),
    (["zone", "check", "--bogus", "x.zone"], 2, "mxkit zone check: The following argument was not expected: --bogus"),
    (["zone", "check", "--origin"], 2, "mxkit zone check: --origin"),
    (["zone", "print"], 2, "mxkit zone print: file is required"),
    (["zone", "print", "a.zone", "b.zone"], 2, "mxkit zone print: "),
    # serve
    (["serve"], 2, "mxkit serve: needs --config FILE"),
    (["serve", "--bogus"], 2, "mxkit serve: The following argument was not expected: --bogus"),
    (["serve", "--workers", "0"], 2, "mxkit serve: --workers: Value 0 not in range 1 to 64"),
    (["serve", "--workers", "many"], 2, "mxkit serve: "),
    (["serve", "--dns-listen"], 2, "mxkit serve: --dns-listen"),
    (["serve", "--max-udp-payload", "100"], 2, "mxkit serve: --max-udp-payload"),
    (["serve", "--config", "x.toml", "--zone", "a=b"], 2, "give either --config or --dns-listen/--zone"),
    (["serve", "--dns-listen", "::1:5306", "--zone", "example.test=x.zone"], 2,
     'write IPv6 with a port as [::1]:5306'),
    (["serve", "--dns-listen", "127.0.0.1:0", "--zone", "example.test=x.zone"], 2, 'bad port "0"'),
    (["serve", "--smtp-listen", "127.0.0.1:2525"], 2, "mxkit serve: the SMTP role needs --spool DIR"),
    (["serve", "--smtp-listen", "127.0.0.1:2525", "--spool", "sp", "--retry-base", "soon"], 2,
     '--retry-base "soon": expected a number with ms, s, m, h or d'),
    (["serve", "--smtp-listen", "127.0.0.1:2525", "--spool", "sp", "--mailbox", "a@x.test",
      "--maildir-root", "m"], 2, "x.test is not a local domain"),
    (["serve", "--smtp-listen", "::1:2525", "--spool", "sp"], 2, "write IPv6 with a port as [::1]:25"),
    (["serve", "--console-listen", "127.0.0.1:8053"], 2, "mxkit serve: the console needs its store"),
    # send, queue, demo
    (["send"], 2, "mxkit send: --from is required"),
    (["send", "--from", "a@b.test"], 2, "mxkit send: --to is required"),
    (["send", "--from", "a@b.test", "--to", "c@d.test", "--server", "nowhere:x"], 2, 'bad port "x"'),
    (["queue"], 2, "mxkit queue: give a command: list, show, delete, flush, retry"),
    (["queue", "foo"], 2, 'mxkit queue: unknown command "foo"'),
    (["queue", "show"], 2, "a queue id is needed"),
    (["queue", "list", "--bogus"], 2, "mxkit queue list: The following argument was not expected: --bogus"),
    (["demo", "--bogus"], 2, "mxkit demo: The following argument was not expected: --bogus"),
    (["demo", "--step-delay", "x"], 2, "mxkit demo: --step-delay"),
    # route
    (["route"], 2, "mxkit route: address is required"),
    (["route", "--bogus"], 2, "mxkit route: The following argument was not expected: --bogus"),
    (["route", "--repeat", "-1", "x.test"], 2, "mxkit route: "),
    (["route", "--repeat", "0", "x.test"], 2, "--repeat 0: give 1 or more"),
    (["route", "--self"], 2, "mxkit route: --self"),
    (["route", "--address-preference", "bogus", "x.test"], 2, "--address-preference \"bogus\""),
    (["route", "user@[192.0.2.1]"], 2, "is an address literal"),
    (["route", "--dns-port", "0", "x.test"], 2, "mxkit route: --dns-port"),
    (["route", "--timeout", "soon", "x.test"], 2, "mxkit route: "),
    # dig exits 1 for a bad command line, as dig does
    (["dig", "--bogus"], 1, "mxkit dig: The following argument was not expected: --bogus"),
    (["dig", "-p", "0", "@127.0.0.1", "x.test"], 1, "mxkit dig: -p: Value 0 not in range 1 to 65535"),
    (["dig", "-p"], 1, "mxkit dig: -p"),
    (["dig", "-p", "x"], 1, "mxkit dig: "),
    (["dig", "+bogus"], 1, "mxkit dig: Invalid option: +bogus"),
    (["dig", "-4", "-6", "x.test"], 1, "mxkit dig: -4 and -6"),
    (["dig", "-b", "nowhere", "@127.0.0.1", "x.test"], 1, "mxkit dig: -b nowhere: not an IP address"),
    (["dig", "@127.0.0.1", "x.test", "IXFR"], 1, "IXFR needs the serial"),
    (["dig", "@127.0.0.1", "x.test", "AXFR", "+trace"], 1, "mxkit dig: +trace"),
    (["dig", "a.test", "b.test"], 1, "mxkit dig: more than one name"),
    (["dig", "-4", "+trace", "a.test"], 1, "mxkit dig: +trace does not take -b, -4 or -6"),
    # check: a usage error is "the check could not run" (3)
    (["check"], 3, "mxkit check: domain is required"),
    (["check", "x.test", "--smtp-port", "0"], 3, "mxkit check: --smtp-port"),
    (["check", "x.test", "--https-port", "0"], 3, "mxkit check: --https-port"),
    (["check", "x.test", "--bogus"], 3, "mxkit check: The following argument was not expected: --bogus"),
    # spf
    (["spf"], 2, "mxkit spf: ip is required"),
    (["spf", "192.0.2.1"], 2, "mxkit spf: domain is required"),
    (["spf", "192.0.2.300", "x.test"], 2, "mxkit spf: \"192.0.2.300\" is not an IPv4 or IPv6 address"),
    (["spf", "192.0.2.1", "x.test", "--bogus"], 2, "mxkit spf: The following argument was not expected: --bogus"),
    (["spf", "192.0.2.1", "x.test", "--dns-port", "0"], 2, "mxkit spf: --dns-port"),
]


@pytest.mark.parametrize("args,status,message", USAGE_ERRORS, ids=lambda v: " ".join(v) if isinstance(v, list) else None)
def test_usage_errors_exit_with_the_documented_status(mxkit, tmp_path, args, status, message):
    done = subprocess.run([str(mxkit), *args], capture_output=True, text=True, timeout=10, cwd=tmp_path)
    assert done.returncode == status, (done.returncode, done.stderr)
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert message in lines[0], lines[0]
    assert done.stdout == ""


@pytest.mark.parametrize("command", [["zone"], ["zone", "check"], ["zone", "print"], ["serve"], ["dig"], ["route"],
                                     ["send"], ["queue"], ["queue", "list"], ["demo"], ["check"], ["spf"]],
                         ids=" ".join)
def test_help_of_a_subcommand_is_its_own(mxkit, command):
    for flag in ("--help", "-h"):
        done = subprocess.run([str(mxkit), *command, flag], capture_output=True, text=True, timeout=10)
        assert done.returncode == 0, done.stderr
        assert f"Usage: mxkit {' '.join(command)} " in done.stdout, done.stdout[:200]


def test_top_level_help_lists_the_commands(mxkit):
    done = subprocess.run([str(mxkit), "--help"], capture_output=True, text=True, timeout=10)
    assert done.returncode == 0
    for command in COMMANDS.split(", "):
        assert f"\n  {command}" in done.stdout


def test_version_ends_its_line(mxkit):
    done = subprocess.run([str(mxkit), "--version"], capture_output=True, text=True, timeout=10)
    assert done.returncode == 0
    assert done.stdout.startswith("mxkit ") and done.stdout.endswith("\n") and done.stdout.count("\n") == 1


def test_repeatable_options_take_one_value_each(mxkit, tmp_path):
    # --zone before a positional-free command: both zones are read, the second --zone is not
    # swallowed by the first (and with --check-config nothing listens).
    (tmp_path / "a.zone").write_text(ZONE)
    (tmp_path / "b.zone").write_text(ZONE.replace("example.test.", "example.org."))
    done = subprocess.run([str(mxkit), "serve", "--check-config", "--dns-listen", "127.0.0.1:5300",
                           "--dns-listen", "[::1]", "--zone", "example.test=a.zone", "--zone", "example.org=b.zone"],
                          capture_output=True, text=True, timeout=10, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "listen 127.0.0.1:5300 (UDP and TCP)\nlisten [::1]:53 (UDP and TCP)\n" in done.stdout
    assert "zone example.test.: primary" in done.stdout and "zone example.org.: primary" in done.stdout
    # Without one value per occurrence, "--dns-listen X a.zone" would take the file as an address.
    done = subprocess.run([str(mxkit), "zone", "check", "--origin", "example.test", "a.zone"],
                          capture_output=True, text=True, timeout=10, cwd=tmp_path)
    assert done.returncode == 0, done.stderr


def test_ipv6_listen_address_with_a_port(mxkit, tmp_path):
    zone = tmp_path / "example.test.zone"
    zone.write_text(ZONE)
    port = free_port()
    bad = subprocess.run([str(mxkit), "serve", "--dns-listen", f"::1:{port}", "--zone", f"example.test={zone}"],
                         capture_output=True, text=True, timeout=10)
    assert bad.returncode == 2
    assert f"write IPv6 with a port as [::1]:{port}" in bad.stderr
    help_text = subprocess.run([str(mxkit), "serve", "--help"], capture_output=True, text=True, timeout=10).stdout
    assert "a bare address means port 53" in help_text
    proc = subprocess.Popen([str(mxkit), "serve", "--dns-listen", f"[::1]:{port}", "--zone", f"example.test={zone}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        answer = None
        for _ in range(100):
            try:
                answer = dns.query.udp(dns.message.make_query("example.test.", "SOA"), "::1", port=port, timeout=0.1)
                break
            except Exception:
                time.sleep(0.05)
        assert answer is not None and answer.answer
    finally:
        processes.stop(proc)


def test_check_config_good_and_broken(mxkit, tmp_path):
    (tmp_path / "zones").mkdir()
    (tmp_path / "zones" / "example.test.zone").write_text(ZONE)
    config = tmp_path / "mxkit.toml"
    config.write_text('[dns]\nlisten = ["127.0.0.1:5300"]\nallow_transfer = ["127.0.0.1"]\n\n'
                      '[[dns.zone]]\norigin = "example.test"\nfile = "zones/example.test.zone"\n\n'
                      '[[dns.zone]]\norigin = "example.org"\nprimary = ["127.0.0.1:5301"]\n')
    good = subprocess.run([str(mxkit), "serve", "--config", str(config), "--check-config"],
                          capture_output=True, text=True, timeout=10)
    assert good.returncode == 0, good.stderr
    assert "listen 127.0.0.1:5300 (UDP and TCP)" in good.stdout
    assert "zone example.test.: primary, file " in good.stdout and ", serial 2026112701, " in good.stdout
    assert "zone example.org.: secondary of 127.0.0.1:5301, no copy kept" in good.stdout
    assert "transfers allowed to: 127.0.0.1/32" in good.stdout
    assert good.stdout.endswith("configuration OK\n")
    # A zone that does not parse: named with its place, exit 1.
    (tmp_path / "zones" / "example.test.zone").write_text(ZONE + "broken IN BOGUS x\n")
    broken = subprocess.run([str(mxkit), "serve", "--config", str(config), "--check-config"],
                            capture_output=True, text=True, timeout=10)
    assert broken.returncode == 1
    assert "example.test.zone:" in broken.stderr and "BOGUS" in broken.stderr
    assert "configuration OK" not in broken.stdout
    # A configuration that does not parse: exit 1 too, with FILE:LINE:COL.
    config.write_text('[dns]\nlisten = ["127.0.0.1:5300"]\nworkerz = 2\n')
    bad = subprocess.run([str(mxkit), "serve", "--config", str(config), "--check-config"],
                         capture_output=True, text=True, timeout=10)
    assert bad.returncode == 1
    assert 'mxkit.toml:3:11: unknown key "workerz"' in bad.stderr


def test_check_config_covers_the_smtp_role(mxkit, tmp_path):
    (tmp_path / "zones").mkdir()
    (tmp_path / "zones" / "example.test.zone").write_text(ZONE)
    config = tmp_path / "mxkit.toml"
    dns_part = ('[dns]\nlisten = ["127.0.0.1:5300"]\n\n'
                '[[dns.zone]]\norigin = "example.test"\nfile = "zones/example.test.zone"\n\n')
    smtp_part = ('[smtp]\nlisten = ["127.0.0.1:2525"]\nhostname = "mx.example.test"\nspool = "spool"\n'
                 'maildir_root = "mail"\nlocal_domains = ["example.test"]\n'
                 'mailboxes = ["john.doe@example.test"]\n')
    config.write_text(dns_part + smtp_part)
    good = subprocess.run([str(mxkit), "serve", "--config", str(config), "--check-config"],
                          capture_output=True, text=True, timeout=10, cwd=tmp_path)
    assert good.returncode == 0, good.stderr
    assert "zone example.test.: primary" in good.stdout
    assert "smtp listen 127.0.0.1:2525\n" in good.stdout
    assert f"smtp hostname mx.example.test; spool {tmp_path / 'spool'} (created at start); TLS off" in good.stdout
    assert "local domains: example.test; 1 mailbox, 0 aliases" in good.stdout
    assert good.stdout.endswith("configuration OK\n")
    assert not (tmp_path / "spool").exists()  # a check creates nothing
    # A TLS key that does not exist: named, exit 1, nothing served.
    config.write_text(dns_part + smtp_part + 'tls_cert = "none.pem"\ntls_key = "none.key"\n')
    broken = subprocess.run([str(mxkit), "serve", "--config", str(config), "--check-config"],
                            capture_output=True, text=True, timeout=10, cwd=tmp_path)
    assert broken.returncode == 1, broken.stdout
    assert "none.pem" in broken.stderr
    assert "configuration OK" not in broken.stdout
    # The quick form too, with a mailbox outside the local domains.
    quick = subprocess.run([str(mxkit), "serve", "--check-config", "--smtp-listen", "127.0.0.1:2525",
                            "--spool", "spool", "--local-domain", "example.test", "--maildir-root", "mail",
                            "--mailbox", "a@example.org"], capture_output=True, text=True, timeout=10, cwd=tmp_path)
    assert quick.returncode == 1
    assert "example.org is not a local domain" in quick.stderr


COUNTERS = ["udp", "tcp", "dropped", "truncated", "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",
            "REFUSED", "NOTAUTH", "BADVERS", "other_rcodes", "rate_limited", "slipped", "transfers", "ixfr_out",
            "refused_transfers", "axfr_in", "ixfr_in", "failed_transfers_in", "notifies", "failed_notifies",
            "notifies_received", "reloads", "failed_reloads", "tcp_client_limited"]


def counters(log: str) -> list[tuple[str, int]]:
    line = next(l for l in log.splitlines() if "counters:" in l)
    return [(k, int(v)) for k, v in (field.split("=") for field in line.split("counters: ")[1].split())]


def test_counters_line_has_every_counter_even_at_zero(mxkit, tmp_path):
    zone = tmp_path / "example.test.zone"
    zone.write_text(ZONE)
    server = Server(mxkit, zone, free_port())  # its readiness probe is one UDP query, NOERROR
    try:
        server.proc.send_signal(signal.SIGUSR1)
        time.sleep(0.3)
    finally:
        log = server.stop()
    fields = counters(log)
    assert [name for name, _ in fields] == COUNTERS, fields
    values = dict(fields)
    assert values["udp"] >= 1 and values["NOERROR"] >= 1
    assert all(values[name] == 0 for name in COUNTERS if name not in ("udp", "NOERROR"))


def test_refused_transfer_names_the_zone_and_plurals(mxkit, tmp_path):
    zone = tmp_path / "example.test.zone"
    zone.write_text(ZONE)
    server = Server(mxkit, zone, free_port(), ["--allow-transfer", "127.0.0.2"])
    try:
        r = dns.query.tcp(dns.message.make_query("example.test.", "AXFR"), "127.0.0.1", port=server.port, timeout=5)
        assert r.rcode() == dns.rcode.REFUSED
    finally:
        log = server.stop()
    assert "refused a zone transfer of example.test. to 127.0.0.1" in log
    assert "1 zone loaded in" in log


def test_secondary_without_data_is_not_counted_as_loaded(mxkit, tmp_path):
    port, primary = free_port(), free_port()  # nothing answers on the primary's port
    proc = subprocess.Popen([str(mxkit), "serve", "--dns-listen", f"127.0.0.1:{port}",
                             "--secondary", f"example.test=127.0.0.1:{primary}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        first = proc.stderr.readline()
    finally:
        processes.stop(proc)
    assert "mxkit serve: 0 zones loaded (1 secondary zone waiting for a first transfer) in " in first, first
