"""`mxkit demo` as a newcomer runs it: the whole story on loopback, checked through --json, and
nothing left behind afterwards (no process, no file), also when it is interrupted.

The demo's children are `mxkit serve` processes whose command lines name the demo's temporary
directory; after the demo ends no process on the machine may still name it, and the directory
must be gone. TMPDIR points the demo at the test's own tmp_path so that is easy to check.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

import processes


def processes_naming(text: str) -> list[tuple[int, str]]:
    """Every process whose command line contains `text`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue  # gone meanwhile
        if text in cmdline:
            found.append((int(entry.name), cmdline))
    return found


def assert_nothing_left(tmp: Path) -> None:
    leftovers = [p.name for p in tmp.iterdir() if p.name.startswith("mxkit-demo.")]
    assert leftovers == [], f"the demo left {leftovers} in {tmp}"
    assert processes_naming(str(tmp / "mxkit-demo.")) == []


def run_demo(mxkit: Path, tmp: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    env = dict(os.environ, TMPDIR=str(tmp))
    start = time.monotonic()
    done = subprocess.run([str(mxkit), "demo", *args], env=env, capture_output=True, text=True,
                          timeout=timeout)
    done.elapsed = time.monotonic() - start  # type: ignore[attr-defined]
    return done


@pytest.fixture(scope="module")
def demo_json(mxkit, tmp_path_factory):
    """One `mxkit demo --json` run shared by the checks below (it takes a few seconds)."""
    tmp = tmp_path_factory.mktemp("demo")
    done = run_demo(mxkit, tmp, "--json")
    return tmp, done


def test_demo_json_is_one_document_and_succeeds(demo_json):
    tmp, done = demo_json
    assert done.returncode == 0, done.stdout + done.stderr
    document = json.loads(done.stdout)  # nothing but the document on stdout
    assert document["ok"] is True
    assert all(step["ok"] for step in document["steps"]), document["steps"]
    for step in document["steps"]:
        assert set(step) >= {"name", "ok", "details"}
    assert done.elapsed < 60


def test_demo_dns_steps(demo_json):
    _, done = demo_json
    steps = {step["name"]: step for step in json.loads(done.stdout)["steps"]}
    servers = steps["dns"]["details"]["servers"]
    port = steps["dns"]["details"]["dns_port"]
    assert [s["address"] for s in servers] == [f"127.0.0.{i}:{port}" for i in (2, 3, 4)]
    trace = "\n".join(steps["trace"]["details"]["lines"])
    # From the root, to the TLD, to example.test's server, which answers the MX set.
    for server in ("127.0.0.2", "127.0.0.3", "127.0.0.4"):
        assert f"from {server}#{port}" in trace
    assert "10 mail1.example.test." in trace and "20 mail2.example.test." in trace
    route = steps["route"]["details"]
    assert route["outcome"] == "deliverable"
    assert [(t["preference"], t["exchange"], t["addresses"]) for t in route["targets"]] == [
        (10, "mail1.example.test.", ["127.0.1.1"]), (20, "mail2.example.test.", ["127.0.1.2"])]


def steps_of(done) -> dict:
    return {step["name"]: step for step in json.loads(done.stdout)["steps"]}


def test_demo_fails_over_from_mail1_to_mail2(demo_json):
    _, done = demo_json
    document = json.loads(done.stdout)
    port = steps_of(done)["mtas"]["details"]["smtp_port"]
    assert steps_of(done)["mail1_down"]["details"]["refused"] is True
    assert document["failover"] == {"refused": f"mail1.example.test[127.0.1.1]:{port}",
                                    "delivered_by": f"mail2.example.test[127.0.1.2]:{port}"}
    send = steps_of(done)["send"]["details"]
    assert send["reply"].startswith("250 ") and send["queue_id"] in send["reply"]
    dialogue = send["lines"]
    assert any(line.startswith("C: MAIL FROM:<alice@sender.test>") for line in dialogue)
    assert any(line.startswith("C: RCPT TO:<john.doe@example.test>") for line in dialogue)
    assert any(line.startswith("S: 354") for line in dialogue)
    # The relay leg, from the sending MTA's --log-smtp-transcript: mail2's side of the dialogue.
    relay = "\n".join(steps_of(done)["failover"]["details"]["lines"])
    mail2 = f"mail2.example.test[127.0.1.2]:{port}"
    assert f"{mail2} S: 220 mail2.example.test ESMTP" in relay
    assert f"{mail2} C: MAIL FROM:<alice@sender.test>" in relay
    assert f"{mail2} S: 250 2.0.0 Ok: queued as" in relay
    assert relay.index("Connection refused") < relay.index(f"{mail2} S: 220")


def test_demo_message_is_in_mail2_maildir(demo_json):
    _, done = demo_json
    document = json.loads(done.stdout)
    assert document["delivered_to"].startswith("mail2/Maildir/example.test/john.doe/new/")
    maildir = steps_of(done)["maildir"]["details"]
    assert maildir["file"] == document["delivered_to"]
    headers = "\n".join(maildir["lines"])
    # One Received: from each MTA on the way: the sending one, then mail2.
    assert maildir["received_headers"] >= 2
    assert "by mail2.example.test" in headers and "by mx.sender.test" in headers
    assert "Return-Path: <alice@sender.test>" in headers


def test_demo_equal_preferences_split_between_both(demo_json):
    _, done = demo_json
    split = json.loads(done.stdout)["split"]
    assert split["mail1"] > 0 and split["mail2"] > 0, split
    assert split["mail1"] + split["mail2"] == 20


def test_demo_null_mx_bounces_with_5_1_10(demo_json):
    _, done = demo_json
    assert json.loads(done.stdout)["bounce_status"] == "5.1.10"
    lines = "\n".join(steps_of(done)["null_mx"]["details"]["lines"])
    assert "Status: 5.1.10" in lines


def test_demo_closes_with_the_health_report(demo_json):
    _, done = demo_json
    check = steps_of(done)["check"]["details"]
    # Loopback addresses are never public: the report has warnings at least; 3 would mean it
    # did not run.
    assert check["status"] == 1, check  # warnings, no error: mail1 and mail2 relay for nobody
    assert "mx-address-not-public" in check["codes"]
    assert "smtp-open-relay" not in check["codes"]
    assert check["summary"]["warnings"] >= 2


def test_demo_leaves_nothing_behind(demo_json):
    tmp, done = demo_json
    cleanup = json.loads(done.stdout)["steps"][-1]
    assert cleanup["name"] == "cleanup" and cleanup["ok"]
    assert cleanup["details"]["stopped"] >= 3
    assert cleanup["details"]["removed"].startswith(str(tmp / "mxkit-demo."))
    assert_nothing_left(tmp)


def test_demo_text_mode_shows_each_step(mxkit, tmp_path):
    done = run_demo(mxkit, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "dig +trace example.test MX" in out
    assert "1. MX 10  mail1.example.test.  127.0.1.1" in out
    assert "mxkit demo: done." in out
    assert_nothing_left(tmp_path)


def read_until(proc: subprocess.Popen, marker: str, deadline_s: float) -> str:
    """The demo's stdout up to the line holding `marker` (bounded in time and lines)."""
    seen = []
    end = time.monotonic() + deadline_s
    while time.monotonic() < end and len(seen) < 2000:
        line = proc.stdout.readline()
        if not line:
            break
        seen.append(line)
        if marker in line:
            return "".join(seen)
    raise AssertionError(f"no {marker!r} in the demo's output: {''.join(seen)}")


@pytest.mark.parametrize("signo,marker,servers", [
    (signal.SIGINT, "127.0.0.4:", 3),  # the name servers run
    (signal.SIGTERM, "127.0.0.4:", 3),
    (signal.SIGINT, "the sending MTA resolves", 6),  # the three MTAs too
])
def test_demo_interrupted_cleans_up(mxkit, tmp_path, signo, marker, servers):
    env = dict(os.environ, TMPDIR=str(tmp_path))
    proc = subprocess.Popen([str(mxkit), "demo", "--step-delay", "2000"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        read_until(proc, marker, 30)  # the next step waits 2 s: the signal comes meanwhile
        assert len(processes_naming(str(tmp_path / "mxkit-demo."))) >= servers
        proc.send_signal(signo)
        rest, _ = proc.communicate(timeout=20)
    finally:
        processes.stop(proc)
    assert proc.returncode == 130, rest
    assert "FAILED: interrupted" in rest and "removed" in rest
    assert_nothing_left(tmp_path)


def test_demo_keep_runs_until_ctrl_c(mxkit, tmp_path):
    env = dict(os.environ, TMPDIR=str(tmp_path))
    proc = subprocess.Popen([str(mxkit), "demo", "--keep"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        shown = read_until(proc, "Press Ctrl-C", 60)
        # The printed command lines work against the running internet.
        line = next(l for l in shown.splitlines() if "dig +trace example.test MX" in l)
        argv = line.split("$ ", 1)[1].split()
        argv[0] = str(mxkit)
        trace = subprocess.run(argv, capture_output=True, text=True, timeout=20)
        assert trace.returncode == 0 and "10 mail1.example.test." in trace.stdout
        dig = next(l for l in shown.splitlines() if "$ dig @127.0.0.4" in l).split("$ ", 1)[1]
        answer = subprocess.run(dig.split() + ["+short", "+tries=1", "+time=2"], capture_output=True,
                                text=True, timeout=20)
        assert "mail1.example.test." in answer.stdout and "mail2.example.test." in answer.stdout
        swaks = [l.split("$ ", 1)[1] for l in shown.splitlines() if "$ swaks --server 127.0.0.1:" in l]
        if swaks:  # the mail roles run too: a message through the sending MTA lands in a Maildir
            boxes = [l.split("$ ls ", 1)[1].split() for l in shown.splitlines() if "$ ls " in l][0]
            count = lambda: sum(len(list(Path(b).glob("*"))) for b in boxes if Path(b).is_dir())
            before = count()
            sent = subprocess.run(swaks[0].split() + ["--silent", "2"], capture_output=True, text=True,
                                  timeout=30)
            assert sent.returncode == 0, sent.stdout + sent.stderr
            end = time.monotonic() + 20
            while count() == before and time.monotonic() < end:
                time.sleep(0.05)
            assert count() == before + 1
        proc.send_signal(signal.SIGINT)
        rest, _ = proc.communicate(timeout=20)
    finally:
        processes.stop(proc)
    assert proc.returncode == 0, rest
    assert "mxkit demo: done." in rest
    assert_nothing_left(tmp_path)
