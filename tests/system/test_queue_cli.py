"""`mxkit queue` on a real spool: messages stored by tests/system/spool_probe (the real Spool,
with its fsyncs), then listed, shown, deleted, flushed and retried with the binary, both with
no server (the command changes the files itself) and with a listener on SPOOL/control.sock
(the command must then only ask, never touch the files)."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import threading
from pathlib import Path

import pytest


def probe_binary(mxkit: Path) -> Path:
    if os.environ.get("MXKIT_SPOOL_PROBE"):
        return Path(os.environ["MXKIT_SPOOL_PROBE"])
    return mxkit.parent / "tests" / "system" / "spool_probe"


def store(mxkit: Path, spool: Path, *args: str) -> list[str]:
    done = subprocess.run([str(probe_binary(mxkit)), "--spool", str(spool), *args],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def queue(mxkit: Path, spool: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(mxkit), "queue", *args, "--spool", str(spool)],
                          capture_output=True, text=True, timeout=30)


def test_list_show_json(mxkit, tmp_path):
    spool = tmp_path / "spool"
    deferred = store(mxkit, spool, "--count", "3", "--defer-hours", "2")
    fresh = store(mxkit, spool, "--count", "1", "--from", "", "--to", "x@y.test")
    ids = deferred + fresh
    assert ids == sorted(ids) and len(set(ids)) == 4  # sortable by arrival, unique

    listed = queue(mxkit, spool, "list")
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0].startswith("QUEUE ID")
    assert [line.split()[0] for line in lines[1:5]] == ids
    assert "1/2" in lines[1] and "<alice@example.test>" in lines[1]
    assert "(451 4.7.1 greylisted, try again later)" in lines[1]
    assert "<>" in lines[4] and "1/1" in lines[4]
    doc = json.loads(queue(mxkit, spool, "list", "--json").stdout)
    assert lines[-1] == f"-- 4 messages, {sum(m['size'] for m in doc['messages'])} bytes"
    assert [m["id"] for m in doc["messages"]] == ids
    first = doc["messages"][0]
    assert first["sender"] == "alice@example.test" and first["attempts"] == 1 and first["pending"] == 1
    assert [r["state"] for r in first["recipients"]] == ["delivered", "pending"]
    assert first["recipients"][1]["status"] == "4.7.1"
    assert first["recipients"][1]["remote_mta"] == "mx1.remote.test[127.0.1.2]:25"
    assert first["arrival"].endswith("Z") and first["next_attempt"] > first["arrival"]

    shown = queue(mxkit, spool, "show", ids[0])
    assert shown.returncode == 0, shown.stderr
    assert f"queue id:      {ids[0]}" in shown.stdout
    assert "<carol@remote.test> pending, 1 attempt, status 4.7.1, via mx1.remote.test[127.0.1.2]:25" in shown.stdout
    assert "      451 4.7.1 greylisted, try again later" in shown.stdout
    assert "Subject: probe 0" in shown.stdout and "body 0" not in shown.stdout
    shown_json = json.loads(queue(mxkit, spool, "show", ids[0], "--json").stdout)
    assert shown_json["headers"].endswith("Subject: probe 0\r\n")
    assert shown_json["recipients"] == first["recipients"]


def test_errors_and_exit_codes(mxkit, tmp_path):
    spool = tmp_path / "spool"
    (ident,) = store(mxkit, spool, "--count", "1")
    missing = "0" * 15 + "1"
    r = queue(mxkit, spool, "show", missing)
    assert r.returncode == 1 and f"no message {missing}" in r.stderr
    r = queue(mxkit, spool, "show", "not-an-id")
    assert r.returncode == 2 and "not a queue id" in r.stderr
    r = queue(mxkit, spool, "delete")
    assert r.returncode == 2 and "queue id is needed" in r.stderr
    r = queue(mxkit, tmp_path / "nowhere", "list")
    assert r.returncode == 1 and "nowhere" in r.stderr
    assert queue(mxkit, spool, "show", ident).returncode == 0
    empty = tmp_path / "empty"
    (empty / "queue").mkdir(parents=True)
    r = queue(mxkit, empty, "list")
    assert r.returncode == 0 and r.stdout == "Mail queue is empty\n"


def test_incomplete_file_is_skipped_and_untouched(mxkit, tmp_path):
    spool = tmp_path / "spool"
    (ident,) = store(mxkit, spool, "--count", "1")
    data = (spool / "queue" / ident).read_bytes()
    partial = spool / "queue" / "00000000000000AA"
    partial.write_bytes(data[:-12])  # as if a server were still writing it
    r = queue(mxkit, spool, "list", "--json")
    assert r.returncode == 0
    assert [m["id"] for m in json.loads(r.stdout)["messages"]] == [ident]
    r = queue(mxkit, spool, "show", "00000000000000AA")
    assert r.returncode == 1 and "still being written" in r.stderr
    assert partial.read_bytes() == data[:-12]


def test_without_server_delete_flush_retry_change_the_files(mxkit, tmp_path):
    spool = tmp_path / "spool"
    ids = store(mxkit, spool, "--count", "3", "--defer-hours", "5")
    before = {m["id"]: m["next_attempt"] for m in json.loads(queue(mxkit, spool, "list", "--json").stdout)["messages"]}

    r = queue(mxkit, spool, "retry", ids[0])
    assert r.returncode == 0 and "no server running" in r.stdout
    after = {m["id"]: m["next_attempt"] for m in json.loads(queue(mxkit, spool, "list", "--json").stdout)["messages"]}
    assert after[ids[0]] < before[ids[0]] and after[ids[1]] == before[ids[1]]

    r = queue(mxkit, spool, "flush")
    assert r.returncode == 0 and "3 messages" in r.stdout
    after = {m["id"]: m["next_attempt"] for m in json.loads(queue(mxkit, spool, "list", "--json").stdout)["messages"]}
    assert all(after[i] < before[i] for i in ids)

    r = queue(mxkit, spool, "delete", ids[1])
    assert r.returncode == 0 and f"deleted {ids[1]}" in r.stdout
    assert not (spool / "queue" / ids[1]).exists()
    r = queue(mxkit, spool, "delete", ids[1])
    assert r.returncode == 1 and "no message" in r.stderr
    # A stale socket file with nobody listening is "no server" too.
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(spool / "control.sock"))
    stale.close()
    r = queue(mxkit, spool, "delete", ids[2])
    assert r.returncode == 0 and not (spool / "queue" / ids[2]).exists()
    # The state records the offline commands appended are read back by the listing.
    doc = json.loads(queue(mxkit, spool, "list", "--json").stdout)
    assert [m["id"] for m in doc["messages"]] == [ids[0]]


class ControlPeer:
    """A peer on SPOOL/control.sock speaking the documented one-line protocol
    (src/queue/control.hpp), recording what the command asked."""

    def __init__(self, path: Path, answer: str):
        self.requests: list[str] = []
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(str(path))
        self.sock.listen(4)
        self.sock.settimeout(10)
        self.answer = answer
        self.thread = threading.Thread(target=self.serve_one, daemon=True)
        self.thread.start()

    def serve_one(self):
        conn, _ = self.sock.accept()
        with conn:
            conn.settimeout(10)
            data = b""
            while not data.endswith(b"\n") and len(data) < 512:
                chunk = conn.recv(512)
                if not chunk:
                    break
                data += chunk
            self.requests.append(data.decode())
            conn.sendall(self.answer.encode())

    def close(self):
        self.thread.join(timeout=10)
        self.sock.close()


@pytest.mark.parametrize("args,line,answer,code", [
    (["flush"], "flush\n", "ok 3 messages due now\n", 0),
    (["retry", "{id}"], "retry {id}\n", "ok {id} due now\n", 0),
    (["delete", "{id}"], "delete {id}\n", "ok deleted {id}\n", 0),
    (["delete", "{id}"], "delete {id}\n", "error no message {id}\n", 1),
])
def test_with_server_the_command_only_asks(mxkit, tmp_path, args, line, answer, code):
    spool = tmp_path / "s"
    (ident,) = store(mxkit, spool, "--count", "1", "--defer-hours", "5")
    data = (spool / "queue" / ident).read_bytes()
    peer = ControlPeer(spool / "control.sock", answer.format(id=ident))
    try:
        r = queue(mxkit, spool, *[a.format(id=ident) for a in args])
    finally:
        peer.close()
    assert peer.requests == [line.format(id=ident)]
    assert r.returncode == code, r.stderr
    text = answer.format(id=ident).split(" ", 1)[1].strip()
    assert text in (r.stdout if code == 0 else r.stderr)
    assert (spool / "queue" / ident).read_bytes() == data  # the server's job, not the command's
