"""An address already taken (issue 14 item 1): a second `mxkit serve` on it must not join the
first one's SO_REUSEPORT group; it exits non-zero naming the address."""
from __future__ import annotations

import subprocess

from test_dns_server import free_port, server  # noqa: F401 (the fixture)


def second_server(mxkit, args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run([str(mxkit), "serve", *args], capture_output=True, text=True, timeout=10)


def test_second_dns_server_on_one_port_fails(server, mxkit, tmp_path):
    zone = server.zone_file
    for workers in ("1", "2"):
        second = second_server(mxkit, ["--dns-listen", f"127.0.0.1:{server.port}",
                                       "--zone", f"example.test={zone}", "--workers", workers])
        assert second.returncode != 0
        assert f"127.0.0.1:{server.port}" in second.stderr
        assert "address already in use" in second.stderr.lower()
    assert server.alive()
    # The first server still answers every query, none go to a stray process.
    for _ in range(10):
        assert server.query("example.test.", "SOA").rcode() == 0


def test_udp_port_held_by_another_process_refused(mxkit, tmp_path):
    import socket
    zone = tmp_path / "z.zone"
    zone.write_text("$ORIGIN example.test.\n@ 300 SOA ns h 1 2 3 4 5\n@ 300 NS ns\nns 300 A 192.0.2.1\n")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as holder:
        holder.bind(("127.0.0.1", 0))
        port = holder.getsockname()[1]
        second = second_server(mxkit, ["--dns-listen", f"127.0.0.1:{port}", "--zone", f"example.test={zone}"])
        assert second.returncode != 0
        assert f"cannot listen on UDP 127.0.0.1:{port}: address already in use" in second.stderr
