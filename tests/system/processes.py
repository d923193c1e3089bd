"""Stopping the servers a test started: by PID, SIGTERM first, SIGKILL if it does not go."""
from __future__ import annotations

import signal
import subprocess


def stop(proc: subprocess.Popen, timeout: float = 10) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)
