"""The console's web UI in headless Chromium (issue 13, "Browser").

One `mxkit serve` with the console and the DNS role on free loopback ports; the node script
tests/browser/console.spec.mjs drives Chromium through playwright-core (log in, an MX with a
mistake, fix, preview, save, the Test report, a keyboard-only pass, CSRF and escaping); then
this side asks the DNS role with `dig` for what the browser saved. Screenshots go to
$MXKIT_TEST_OUTPUT (default build/test-output).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

import processes
from internet import free_port

REPO = Path(__file__).resolve().parents[2]
BROWSER_DIR = REPO / "tests" / "browser"
CHROMIUM = "/usr/bin/chromium"
API_KEY = "ui-test-key-0123456789abcdef"
ZONE = "example.test."


def playwright_ready() -> None:
    """playwright-core from npm (tests/browser/package-lock.json), installed on first use."""
    if (BROWSER_DIR / "node_modules" / "playwright-core").is_dir():
        return
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("npm not found: install nodejs (scripts/bootstrap does)")
    subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=BROWSER_DIR, check=True,
                   timeout=300, stdout=subprocess.DEVNULL)


def api(base: str, method: str, path: str, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + "/api/v1" + path, data=data, method=method,
                                 headers={"X-API-Key": API_KEY, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


@pytest.fixture
def console(mxkit, tmp_path):
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"no {CHROMIUM}: install chromium (scripts/bootstrap does)")
    address = "127.0.0.1"
    console_port = free_port([address])
    dns_port = free_port([address])
    (tmp_path / "api.key").write_text(API_KEY + "\n")
    base = f"http://{address}:{console_port}"
    command = [str(mxkit), "serve", "--console-listen", f"{address}:{console_port}",
               "--console-data", str(tmp_path / "console"), "--api-key-file",
               str(tmp_path / "api.key")]
    log = open(tmp_path / "serve.log", "w")
    proc = subprocess.Popen(command + ["--dns-listen", f"{address}:{dns_port}"],
                            stdout=subprocess.DEVNULL, stderr=log)
    try:
        end = time.monotonic() + 10
        while True:
            try:
                with urllib.request.urlopen(base + "/", timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            assert proc.poll() is None, (tmp_path / "serve.log").read_text()
            assert time.monotonic() < end, "the console did not start in 10 s"
            time.sleep(0.05)
        yield {"base": base, "dns": (address, dns_port), "log": tmp_path / "serve.log"}
    finally:
        processes.stop(proc)
        log.close()


def dig(server: tuple[str, int], name: str, rtype: str) -> list[str]:
    done = subprocess.run(["dig", "+short", "+norecurse", "+time=2", "+tries=2", "-p",
                           str(server[1]), f"@{server[0]}", name, rtype],
                          capture_output=True, text=True, timeout=15)
    assert done.returncode == 0, done.stderr
    return done.stdout.split("\n")


def test_console_in_chromium(console):
    playwright_ready()
    output = Path(os.environ.get("MXKIT_TEST_OUTPUT", REPO / "build" / "test-output"))
    output.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    run = subprocess.run(
        ["node", str(BROWSER_DIR / "console.spec.mjs")], cwd=BROWSER_DIR, capture_output=True,
        text=True, timeout=90,
        env={**os.environ, "CONSOLE_URL": console["base"], "API_KEY": API_KEY, "ZONE": ZONE,
             "OUTPUT_DIR": str(output)})
    took = time.monotonic() - started
    assert run.returncode == 0, run.stderr + "\n--- serve.log ---\n" + console["log"].read_text()
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["ok"]
    assert took < 60, f"the browser run took {took:.1f} s"
    for shot in ("console-records.png", "console-report.png", "console-mx-error.png"):
        assert (output / shot).stat().st_size > 1000, shot

    # What the browser saved is in the store …
    status, records = api(console["base"], "GET", f"/zones/{ZONE}/records?type=MX")
    assert status == 200, records
    rows = records["records"] if isinstance(records, dict) else records
    assert [(r["priority"], r["value"]) for r in rows] == [(10, f"mail.{ZONE}")]
    status, zone = api(console["base"], "GET", f"/zones/{ZONE}")
    assert status == 200, zone
    serial = (zone.get("zone") or zone)["serial"]

    # … and served by the DNS role of the same process, at the serial the console reports.
    assert dig(console["dns"], ZONE, "MX")[:1] == [f"10 mail.{ZONE}"]
    assert dig(console["dns"], f"www.{ZONE}", "CNAME")[:1] == [f"mail.{ZONE}"]
    assert dig(console["dns"], f"note.{ZONE}", "TXT")[:1] == [""], "the deleted TXT is served"
    soa = dig(console["dns"], ZONE, "SOA")[0].split()
    assert int(soa[2]) == serial


def test_login_attempt_limit(console):
    """Five wrong keys a minute from one address, then 429 with Retry-After, even for the
    right key."""
    def login(key: str):
        req = urllib.request.Request(console["base"] + "/ui/login", method="POST",
                                     data=json.dumps({"api_key": key}).encode(),
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=5) as response:
                return response.status, response.headers
        except urllib.error.HTTPError as error:
            return error.code, error.headers

    assert [login("wrong")[0] for _ in range(5)] == [401] * 5
    status, headers = login(API_KEY)
    assert status == 429
    assert 1 <= int(headers["Retry-After"]) <= 60
    assert API_KEY not in console["log"].read_text()
